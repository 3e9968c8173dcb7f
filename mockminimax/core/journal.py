"""A bounded journal of every request: what came in, what went out, and why it was refused.

Bounded because unbounded journals ran WireMock and aimock out of memory under load
(peer-mock-tools.md §2.9): past `limit` the oldest entries are dropped and counted.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["Journal", "JournalEntry"]


def _mask(value: str) -> str:
    if len(value) <= 12:
        return value[:7] + "***"
    return f"{value[:10]}***{value[-4:]}"


@dataclass
class JournalEntry:
    """One request. Headers and query stay raw, as the server got them, until read:
    decoding them on every request would cost the hot path for entries nobody reads."""

    seq: int
    time: float
    method: str
    path: str
    raw_query: bytes = field(repr=False)
    surface: str
    route: str
    raw_headers: list[tuple[bytes, bytes]] = field(repr=False)
    request_body: Any
    status: int = 0
    response_body: Any = None
    rejected: str | None = None
    fault: str | None = None
    task_id: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.raw_query.decode("latin-1"), keep_blank_values=True))

    @property
    def headers(self) -> dict[str, str]:
        """The request headers, Authorization masked."""
        return self.header_dict(mask_keys=True)

    def header_dict(self, *, mask_keys: bool = True) -> dict[str, str]:
        """The request headers; Authorization masked unless `mask_keys` is false (a test
        that checks the exact key its client sent asks for it in full)."""
        decoded = {k.decode("latin-1"): v.decode("latin-1") for k, v in self.raw_headers}
        if mask_keys and "authorization" in decoded:
            decoded["authorization"] = _mask(decoded["authorization"])
        return decoded

    def to_json(self) -> dict[str, Any]:
        data = {
            f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("raw_")
        }
        data["query"] = self.query
        data["headers"] = self.headers
        return data


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
