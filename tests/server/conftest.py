"""Fixtures of the server tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.runner import ServerThread
from tests.conftest import AUTH

from .fuzzing import summary

#: Starts a live mock with the given settings: `serve(timing="1,1,2")`.
Serve = Callable[..., tuple[ServerThread, httpx.Client]]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start live mocks (virtual clock, seed 3, unless told otherwise); stopped after the
    test. Each comes with an httpx client that carries the test key."""
    started: list[tuple[ServerThread, httpx.Client]] = []

    def start(**settings: Any) -> tuple[ServerThread, httpx.Client]:
        options: dict[str, Any] = {"clock": "virtual", "seed": 3, **settings}
        server = ServerThread(MiniMaxMock(**options)).start()
        client = httpx.Client(base_url=server.url, headers=AUTH, timeout=10, trust_env=False)
        started.append((server, client))
        return server, client

    yield start
    for server, client in started:
        client.close()
        server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many requests the fuzz tests sent, and what they were answered."""
    for line in summary():
        terminalreporter.write_line(line)
