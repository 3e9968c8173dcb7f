"""A bounded journal of every API request: what came in, what went out, and why it was
refused.

Bounded because unbounded journals ran WireMock and aimock out of memory under load
(peer-mock-tools.md §2.9): by count (`journal_size`) and by bytes (`journal_bytes`); past
either the oldest entries are dropped and counted. Each entry keeps its bodies in a bounded
form (`bounded`), so one request holds at most a few hundred kilobytes however large it was.
A JSON body of up to `RAW_LIMIT` bytes is kept as the bytes sent (or answered) and read
into that form only when the entry is read: most entries are never read, and decoding on
every request would cost the request path. The control API's own traffic is not journaled
(WireMock does not journal its admin API either): reading the journal must not grow it.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl

import orjson

__all__ = [
    "MAX_ITEMS",
    "MAX_NODES",
    "MAX_TEXT",
    "RAW_LIMIT",
    "Journal",
    "JournalEntry",
    "RawJson",
    "bounded",
    "read_answer",
]

#: Strings longer than this are kept as their first 64 characters and their length.
MAX_TEXT = 512
#: Arrays and objects keep at most this many items, then a note of how many there were.
MAX_ITEMS = 32
#: At most this many values in all are kept of one body; the rest is cut with a note.
MAX_NODES = 2000
#: JSON bodies up to this many bytes are kept raw and read on demand; larger ones are kept
#: in their bounded form, which is smaller.
RAW_LIMIT = 8 * 1024
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


class RawJson:
    """A JSON body kept as its bytes until the entry is read; `read` turns them into the
    value the entry shows (the same as reading them at once would have given)."""

    __slots__ = ("data", "read")

    def __init__(self, data: bytes, read: Callable[[bytes], Any]) -> None:
        self.data = data
        self.read = read


def _size(value: Any) -> int:
    """Roughly the bytes `value` holds; exact enough to budget by, and cheap."""
    if value is None:
        return 0
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, RawJson):
        return len(value.data)
    return len(json.dumps(value, ensure_ascii=False, default=str))


def _mask(value: str) -> str:
    if len(value) <= 12:
        return value[:7] + "***"
    return f"{value[:10]}***{value[-4:]}"


def read_answer(raw: bytes) -> Any:
    """An answer the mock wrote (`exchange.dump_json`), read back."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # what only the json module writes: 64+-bit integers
        return json.loads(raw)


class JournalEntry:
    """One request. Headers and query stay raw, as the server got them, until read:
    decoding them on every request would cost the hot path for entries nobody reads.
    So may the bodies (`RawJson`)."""

    __slots__ = (
        "_notes",
        "_request_body",
        "_response_body",
        "fault",
        "method",
        "path",
        "raw_headers",
        "raw_query",
        "rejected",
        "route",
        "seq",
        "size",
        "status",
        "surface",
        "task_id",
        "time",
    )

    #: What `to_json` shows, in order.
    SHOWN = (
        "seq",
        "time",
        "method",
        "path",
        "surface",
        "route",
        "request_body",
        "status",
        "response_body",
        "rejected",
        "fault",
        "task_id",
        "notes",
    )

    def __init__(
        self,
        seq: int,
        time: float,
        method: str,
        path: str,
        raw_query: bytes,
        surface: str,
        route: str,
        raw_headers: list[tuple[bytes, bytes]],
        request_body: Any,
        status: int = 0,
        response_body: Any = None,
        rejected: str | None = None,
        fault: str | None = None,
        task_id: str | None = None,
        notes: list[str] | None = None,
    ) -> None:
        self.seq = seq
        self.time = time
        self.method = method
        self.path = path
        self.raw_query = raw_query
        self.surface = surface
        self.route = route
        self.raw_headers = raw_headers
        self._request_body = request_body
        self.status = status
        self._response_body = response_body
        self.rejected = rejected
        self.fault = fault
        self.task_id = task_id
        self._notes = notes
        #: What the entry weighs in the journal's byte budget, set when it is appended.
        self.size = 0

    @property
    def notes(self) -> list[str]:
        """What the mock noted on the exchange; the list is made when first asked for
        (most entries have none: no list made and freed for them)."""
        notes = self._notes
        if notes is None:
            notes = self._notes = []
        return notes

    def __repr__(self) -> str:
        return (
            f"JournalEntry(seq={self.seq}, method={self.method!r}, path={self.path!r}, "
            f"route={self.route!r}, status={self.status})"
        )

    @property
    def request_body(self) -> Any:
        value = self._request_body
        if type(value) is RawJson:
            value = self._request_body = value.read(value.data)
        return value

    @request_body.setter
    def request_body(self, value: Any) -> None:
        self._request_body = value

    @property
    def response_body(self) -> Any:
        value = self._response_body
        if type(value) is RawJson:
            value = self._response_body = value.read(value.data)
        return value

    @response_body.setter
    def response_body(self, value: Any) -> None:
        self._response_body = value

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
        data = {name: getattr(self, name) for name in self.SHOWN}
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
        headers = 0
        for name, value in entry.raw_headers:
            headers += len(name) + len(value)
        if headers > _MAX_HEADER_BYTES:
            entry.raw_headers = _cut_headers(entry.raw_headers)
            headers = sum(map(len, chain.from_iterable(entry.raw_headers)))
            entry.notes.append("request headers cut to 16 KB in the journal")
        query = entry.raw_query
        if len(query) > _MAX_HEADER_BYTES:
            query = entry.raw_query = query[:_MAX_HEADER_BYTES]
        size = 256 + headers + len(query)  # 256: the fixed fields and the objects holding them
        body = entry._request_body
        if body is not None:
            size += len(body.data) if type(body) is RawJson else _size(body)
        body = entry._response_body
        if body is not None:
            size += len(body.data) if type(body) is RawJson else _size(body)
        notes = entry._notes
        if notes:
            for note in notes:
                size += len(note)
        entry.size = size
        entries = self._entries
        with self._lock:
            self._seq = seq = self._seq + 1
            entry.seq = seq
            entries.append(entry)
            self._bytes += size
            if len(entries) > self.limit or self._bytes > self.max_bytes:
                while len(entries) > self.limit or (
                    self._bytes > self.max_bytes and len(entries) > 1
                ):
                    self._bytes -= entries.popleft().size
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
