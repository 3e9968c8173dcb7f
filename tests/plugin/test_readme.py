"""The README's "Testing your client" section runs: its examples are files of a downstream
project, run here as that project would run them, and its tables match the plugin."""

from __future__ import annotations

import re
from pathlib import Path

from mockminimax import pytest_plugin
from mockminimax.control import DEFAULT_API_KEY, MiniMaxControl
from mockminimax.core.hosts import CDN_URL, MINIMAX_HOSTS
from mockminimax.core.mock import MiniMaxMock

from .conftest import Downstream

pytest_plugins = ("pytester",)

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(r"```(?:python|ini)\n# file: (\S+)\n(.*?)```", re.DOTALL)


def section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("<!-- testing:start -->", 1)[1].split("<!-- testing:end -->", 1)[0]


def examples() -> dict[str, str]:
    return {name: body for name, body in _BLOCK.findall(section())}


def test_the_examples_run_and_pass(downstream: Downstream) -> None:
    files = examples()
    assert {"pytest.ini", "video_client.py", "test_video_client.py"} <= set(files)
    downstream.ini(files.pop("pytest.ini"))
    downstream.files(**{name.removesuffix(".py"): body for name, body in files.items()})
    tests = sum(
        body.count("\ndef test_") + body.count("\nasync def test_") for body in files.values()
    )

    result = downstream.run("-W", "error", "--strict-markers", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=tests)


def test_every_fixture_is_documented() -> None:
    rows = re.findall(r"^\| `(minimax_\w+)` \| (.*) \|$", section(), re.MULTILINE)
    fixtures = [name for name, _ in rows if name in pytest_plugin.FIXTURES]
    assert fixtures == list(pytest_plugin.FIXTURES)
    respx_row = dict(rows)["minimax_respx"]
    for host in MINIMAX_HOSTS:
        assert f"`{host}`" in respx_row
    assert CDN_URL in respx_row


def test_the_ini_table_is_the_plugin_s() -> None:
    rows = re.findall(r"^\| `(minimax_\w+)` \| (`[^`]*`|\(empty\)) \| (.*) \|$", section(), re.M)
    documented = {name: (help_text, default.strip("`")) for name, default, help_text in rows}
    expected = {
        name: (help_text, default or "(empty)")
        for name, (help_text, default) in pytest_plugin.INI_OPTIONS.items()
    }
    assert documented == expected


def test_the_control_table_is_the_control_object_s() -> None:
    table = section().split("| member | what |", 1)[1].split("\n\n", 1)[0]
    cells = re.findall(r"^\| ([^|]+) \|", table, re.MULTILINE)  # the first column
    names = {name for cell in cells for name in re.findall(r"`(\w+)", cell)}
    assert names >= {"base_url", "advance", "tasks", "task", "complete", "fail", "requests"}
    for name in names - {"base_url", "gateway_url", "router"}:  # attributes set per instance
        assert hasattr(MiniMaxControl, name), name
    control = MiniMaxControl(MiniMaxMock(), "http://x", kind="server")
    assert {"base_url", "gateway_url", "router"} <= set(vars(control))
    assert DEFAULT_API_KEY in table


def test_every_marker_option_is_documented() -> None:
    text = section()
    for name in pytest_plugin.MARKER_OPTIONS:
        assert f"`{name}`" in text


def test_the_marker_help_offers_only_what_it_takes(downstream: Downstream) -> None:
    result = downstream.run("--markers")
    (line,) = [ln for ln in result.stdout.lines if ln.startswith("@pytest.mark.minimax(")]
    for name in pytest_plugin.MARKER_OPTIONS:
        assert f"{name}=" in line, name
    assert "unmatched='refuse'" in line
    assert "any setting but host and port" in line
    assert "host=" not in line.replace("hosts=", "") and "port=" not in line
