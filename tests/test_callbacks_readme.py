"""The README's "Callbacks" section does what it says: its `serve` example runs as written
(the real CLI in a subprocess, a receiver on a loopback port), and the settings and rule
keys it names exist."""

from __future__ import annotations

import re
from pathlib import Path

from mockminimax.core.faults import CALLBACK_KINDS, CALLBACK_ROUTES
from mockminimax.core.settings import SETTING_NAMES

README = Path(__file__).resolve().parents[1] / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("<!-- callbacks:start -->", 1)[1].split("<!-- callbacks:end -->", 1)[0]


def test_the_serve_example_runs_as_written() -> None:
    blocks = re.findall(r"```python\n(.*?)```", section(), re.DOTALL)
    scripts = [b for b in blocks if not b.startswith("# file:")]
    assert len(scripts) == 1
    namespace: dict[str, object] = {"__name__": "readme_callbacks"}
    try:
        exec(compile(scripts[0], "README callbacks serve example", "exec"), namespace)
    finally:
        serve = namespace.get("serve")
        if serve is not None and serve.poll() is None:  # type: ignore[attr-defined]
            serve.kill()  # type: ignore[attr-defined]
            serve.wait()  # type: ignore[attr-defined]
    assert namespace["received"]


def test_the_settings_and_rule_words_it_names_exist() -> None:
    text = section()
    named = set(re.findall(r"`(callback_\w+)", text))
    assert named - {"callback_url", "callback_app"} <= set(SETTING_NAMES)
    assert len(named) > 5
    for kind in CALLBACK_KINDS:
        assert f"callback={kind}" in text
    for route in CALLBACK_ROUTES:
        assert f"route={route}" in text
