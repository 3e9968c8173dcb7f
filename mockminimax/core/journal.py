"""A bounded journal of every API request: what came in, what went out, and why it was
refused.

Bounded because unbounded journals ran WireMock and aimock out of memory under load
(peer-mock-tools.md §2.9): by count (`journal_size`) and by bytes (`journal_bytes`); past
either the oldest entries are dropped and counted. Each entry keeps its bodies in a bounded
form (`bounded`), so one request holds at most a few hundred kilobytes however large it was.
The control API's own traffic is not journaled (WireMock does not journal its admin API
either): reading the journal must not grow it.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["MAX_ITEMS", "MAX_NODES", "MAX_TEXT", "Journal", "JournalEntry", "bounded"]

#: Strings longer than this are kept as their first 64 characters and their length.
MAX_TEXT = 512
#: Arrays and objects keep at most this many items, then a note of how many there were.
MAX_ITEMS = 32
#: At most this many values in all are kept of one body; the rest is cut with a note.
MAX_NODES = 2000
#: Request headers beyond this many bytes are cut (a live server's own limit is lower).
_MAX_HEADER_BYTES = 16 * 1024


def _short_text(value: str) -> str:
    return f"{value[:64]}... ({len(value)} chars)"


def bounded(value: Any) -> Any:
    """`value` in a form of bounded size: long strings, long arrays, wide objects and very
    large bodies are cut, each with a note of what was there."""
    budget = [MAX_NODES]

    def walk(item: Any) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            return "..."
        if isinstance(item, str):
            return item if len(item) <= MAX_TEXT else _short_text(item)
        if isinstance(item, list):
            kept = [walk(v) for v in item[:MAX_ITEMS]]
            if len(item) > MAX_ITEMS:
                kept.append(f"... ({len(item)} items)")
            return kept
        if isinstance(item, dict):
            out = {}
            for i, (k, v) in enumerate(item.items()):
                if i == MAX_ITEMS:
                    out["..."] = f"({len(item)} keys)"
                    break
                out[k if len(k) <= MAX_TEXT else _short_text(k)] = walk(v)
            return out
        return item

    return walk(value)


def _size(value: Any) -> int:
    """Roughly the bytes `value` holds; exact enough to budget by, and cheap."""
    if value is None:
        return 0
    if isinstance(value, (str, bytes)):
        return len(value)
    return len(json.dumps(value, ensure_ascii=False, default=str))


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
    #: What the entry weighs in the journal's byte budget, set when it is appended.
    size: int = 0

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
        """The entry as the control API shows it; the size is the journal's business."""
        data = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if not f.name.startswith("raw_") and f.name != "size"
        }
        data["query"] = self.query
        data["headers"] = self.headers
        return data


class Journal:
    """At most `limit` entries and `max_bytes` bytes of them; the oldest go first."""

    def __init__(self, limit: int, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._entries: deque[JournalEntry] = deque()
        self._seq = 0
        self._bytes = 0
        self._lock = threading.Lock()
        self.dropped = 0

    @property
    def bytes(self) -> int:
        """What the kept entries weigh, by the budget's measure."""
        return self._bytes

    def append(self, entry: JournalEntry) -> JournalEntry:
        headers = sum(len(k) + len(v) for k, v in entry.raw_headers)
        if headers > _MAX_HEADER_BYTES:
            entry.raw_headers = _cut_headers(entry.raw_headers)
            headers = sum(len(k) + len(v) for k, v in entry.raw_headers)
            entry.notes.append("request headers cut to 16 KB in the journal")
        entry.raw_query = entry.raw_query[:_MAX_HEADER_BYTES]
        entry.size = (
            256  # the fixed fields and the objects holding them
            + headers
            + len(entry.raw_query)
            + _size(entry.request_body)
            + _size(entry.response_body)
            + sum(len(n) for n in entry.notes)
        )
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            self._entries.append(entry)
            self._bytes += entry.size
            while len(self._entries) > self.limit or (
                self._bytes > self.max_bytes and len(self._entries) > 1
            ):
                self._bytes -= self._entries.popleft().size
                self.dropped += 1
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seq = 0
            self._bytes = 0
            self.dropped = 0

    def __iter__(self) -> Iterator[JournalEntry]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)


def _cut_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    kept: list[tuple[bytes, bytes]] = []
    total = 0
    for key, value in raw:
        value = value[:1024]
        total += len(key) + len(value)
        if total > _MAX_HEADER_BYTES:
            break
        kept.append((key[:256], value))
    return kept
