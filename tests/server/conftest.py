from __future__ import annotations

import pytest

from .fuzzing import summary


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many requests the fuzz tests sent, and what they were answered."""
    for line in summary():
        terminalreporter.write_line(line)
