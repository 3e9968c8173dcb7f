"""Requests-per-minute limiting on create, as MiniMax does it: per API key, over a sliding
minute, answered with 1002 (minimax-video-api.md §10.4).

The window is read from the mock's clock, so on the virtual clock a test moves past the
limit with `advance(60)` instead of waiting a minute.

Windows are kept in order of last use and a key's window is dropped once it is empty, so
the limiter holds only the keys seen in the last minute, however many keys it has seen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque

__all__ = ["RPM_PRESETS", "RateLimiter"]

#: The documented video limits, usable by name wherever `rpm` is set.
RPM_PRESETS: dict[str, int] = {
    "free": 5,  # Hailuo 2.3 / 02 series, free users
    "paid": 20,  # the same, paid users
    "standard": 20,  # video packages: Standard, Pro, Scale, Business
    "pro": 30,
    "scale": 40,
    "business": 50,
    "h3": 300,  # Video Generation V2 / MiniMax-H3
}

WINDOW = 60.0


class RateLimiter:
    """A sliding window of admitted creates per key; `rpm=None` admits everything."""

    def __init__(self, rpm: int | None, window: float = WINDOW) -> None:
        self.rpm = rpm
        self.window = window
        # Least recently admitted first: the windows that empty first are at the front.
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, key: str | None, now: float) -> bool:
        """Count the call if it is within the limit; False when it must get 1002.

        Refused calls are not counted: a client retrying in a tight loop is let back in
        exactly one window after the calls that filled it.
        """
        if self.rpm is None:
            return True
        start = now - self.window
        with self._lock:
            self._drop_empty(start)
            times = self._seen.get(key or "")
            if times is None:
                times = self._seen[key or ""] = deque()
            while times and times[0] <= start:
                times.popleft()
            if len(times) >= self.rpm:
                return False
            times.append(now)
            self._seen.move_to_end(key or "")
            return True

    def _drop_empty(self, start: float) -> None:
        """Drop the windows whose every call is older than `start`: oldest first, so this
        stops at the first key still in its window."""
        seen = self._seen
        while seen:
            key, times = next(iter(seen.items()))
            if times and times[-1] > start:
                return
            del seen[key]

    def __len__(self) -> int:
        """Keys with a call in the current window."""
        return len(self._seen)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
