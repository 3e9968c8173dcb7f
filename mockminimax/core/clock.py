"""Clocks the task lifecycle reads; tests swap wall time for one they move by hand."""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["MAX_CLOCK", "Clock", "RealClock", "VirtualClock"]

#: The latest time a clock may show: 9999-12-31T23:59:59Z, the last second dates, HTTP
#: headers and `time.gmtime` can all still spell.
MAX_CLOCK = 253402300799


class Clock(Protocol):
    def now(self) -> float: ...


class RealClock:
    """Wall time."""

    def now(self) -> float:
        return time.time()


class VirtualClock:
    """Time that moves only when told to, so no test ever sleeps for a task state."""

    def __init__(self, start: float) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if not 0 <= seconds < float("inf"):
            raise ValueError("seconds must be a finite number >= 0")
        with self._lock:
            if self._now + seconds > MAX_CLOCK:
                raise ValueError(
                    f"seconds: {seconds:g} would move the clock past 9999-12-31 "
                    f"(at most {MAX_CLOCK - self._now:.0f} more)"
                )
            self._now += seconds
            return self._now

    def set(self, when: float) -> None:
        with self._lock:
            self._now = when
