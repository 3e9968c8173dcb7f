"""The README says what the code does: its tables are generated from the sources of truth."""

from __future__ import annotations

import re
from pathlib import Path

import mockminimax
from mockminimax import docs
from mockminimax.core.codes import CODES
from mockminimax.server.routes import ROUTES

README = Path(__file__).resolve().parents[1] / "README.md"


def test_generated_sections_match_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    assert docs.render(text) == text, "README is stale: run `python -m mockminimax.docs`"


def test_quick_start_has_exactly_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make serve", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert commands == ["make test"]


def test_every_route_and_code_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    for route in ROUTES:
        assert f"`{route.path}`" in text
    for code in CODES.values():
        assert f"| {code.code} | `{code.message}` |" in text


def test_public_api_is_exported_and_sorted() -> None:
    names = mockminimax.__all__
    assert list(names) == sorted(names)
    for name in names:
        assert getattr(mockminimax, name) is not None
