"""The README's "Error injection" section does what it says: its Python recipes run as
written, in order, and its rule tables are the ones generated from `core.faults`."""

from __future__ import annotations

import re
from pathlib import Path

from mockminimax.core.faults import KEYS
from mockminimax.docs import fault_directives_table, fault_keys_table

README = Path(__file__).resolve().parents[1] / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("<!-- faults:start -->", 1)[1].split("<!-- faults:end -->", 1)[0]


def test_recipes_run_as_written() -> None:
    blocks = re.findall(r"```python\n(.*?)```", section(), re.DOTALL)
    assert len(blocks) >= 8
    namespace: dict[str, object] = {"__name__": "readme_faults"}
    try:
        for number, block in enumerate(blocks, 1):
            exec(compile(block, f"README error-injection block {number}", "exec"), namespace)
    finally:
        server = namespace.get("server")
        client = namespace.get("client")
        if client is not None:
            client.close()  # type: ignore[attr-defined]
        if server is not None:
            server.stop()  # type: ignore[attr-defined]


def test_rule_tables_are_generated_from_the_code() -> None:
    text = section()
    assert fault_keys_table() in text
    assert fault_directives_table() in text
    for key in KEYS:
        assert f"| `{key.name}` |" in text


def test_every_recipe_the_issue_asks_for_is_there() -> None:
    text = section()
    for title in (
        "Retry on rate limit",
        "Insufficient balance",
        "Sensitive content found at generation time",
        "A task that never finishes",
        "An expired download URL",
        "A flaky gateway",
    ):
        assert f"**{title}" in text
