"""A bounded journal of every request: what came in, what went out, and why it was refused.

Bounded because unbounded journals ran WireMock and aimock out of memory under load
(peer-mock-tools.md §2.9): past `limit` the oldest entries are dropped and counted.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Journal", "JournalEntry"]


@dataclass
class JournalEntry:
    seq: int
    time: float
    method: str
    path: str
    query: dict[str, str]
    surface: str
    route: str
    headers: dict[str, str]
    request_body: Any
    status: int = 0
    response_body: Any = None
    rejected: str | None = None
    fault: str | None = None
    task_id: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Journal:
    def __init__(self, limit: int) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._seq = 0
        self._lock = threading.Lock()
        self.dropped = 0

    @property
    def limit(self) -> int:
        return self._entries.maxlen or 0

    def append(self, entry: JournalEntry) -> JournalEntry:
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            if len(self._entries) == self._entries.maxlen:
                self.dropped += 1
            self._entries.append(entry)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seq = 0
            self.dropped = 0

    def __iter__(self) -> Iterator[JournalEntry]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
