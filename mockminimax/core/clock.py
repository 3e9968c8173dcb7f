"""Clocks the task lifecycle reads; tests swap wall time for one they move by hand."""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "RealClock", "VirtualClock"]


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
        if seconds < 0 or seconds != seconds:
            raise ValueError("seconds must be a number >= 0")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float) -> None:
        with self._lock:
            self._now = when
