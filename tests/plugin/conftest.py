"""Helpers for the plugin's own tests: each one runs a downstream-style suite with pytester.

The inner runs get their own ini (the project's `-p no:mockminimax` does not reach them),
so the plugin loads through its installed `pytest11` entry point, as in a user's project.
"""

from __future__ import annotations

import pytest

#: What every inner run's ini holds: as strict as this project's own suite.
STRICT_INI = """\
[pytest]
addopts = -p no:cacheprovider --strict-markers --strict-config
filterwarnings =
    error
"""

# An in-process inner run imports nothing new: `mockminimax` is already imported by this
# process, so pytest warns that it cannot assertion-rewrite it. That is an artefact of
# running pytest inside pytest, not something a user's run would show.
_IN_PROCESS = ("-W", "ignore:Module already imported:pytest.PytestAssertRewriteWarning")


class Downstream:
    """A user's project in a temporary directory, with a strict ini and the plugin installed."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.ini(STRICT_INI)

    def ini(self, text: str) -> None:
        self.pytester.makeini(text)

    def with_ini(self, extra: str) -> None:
        """The strict ini plus `extra` lines (ini options of the plugin)."""
        self.ini(STRICT_INI + extra)

    def files(self, **files: str) -> None:
        self.pytester.makepyfile(**files)

    def run(self, *args: str) -> pytest.RunResult:
        """In this process: fast, for most checks."""
        return self.pytester.runpytest(*args, *_IN_PROCESS)

    def run_subprocess(self, *args: str) -> pytest.RunResult:
        """In a fresh interpreter, exactly as a user's `pytest` runs (and for xdist)."""
        return self.pytester.runpytest_subprocess(*args, timeout=120)


@pytest.fixture
def downstream(pytester: pytest.Pytester) -> Downstream:
    return Downstream(pytester)
