"""A minimal closed-loop HTTP/1.1 load generator, run as its own process by `server.py`.

It reads a JSON job on stdin and prints one JSON result line on stdout:

    {"port": 8080, "connections": 32, "warmup": 1.0, "seconds": 5.0,
     "count": 0, "requests": ["POST /v1/... HTTP/1.1\\r\\n...", ...],
     "expect": "\\"status_code\\":0", "quantiles": [50, 99, 99.9]}

`requests` are whole raw requests (latin-1 text); each keep-alive connection cycles through
them from its own offset, one request in flight at a time. With `count` > 0 it sends exactly
that many requests and stops (no timing); otherwise it runs `warmup` seconds unmeasured, then
`seconds` measured. A response counts as an error unless it is HTTP 200 and its body holds
`expect`. The result gives req/s, p50/p99 and the latency at each of `quantiles` (percent).
Everything is callback-driven on one event loop (uvloop when installed): no coroutine, task
or stream object per request, so the generator stays cheap next to the servers it measures
on a small machine.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from typing import Any, cast

_HEADER_END = b"\r\n\r\n"
_CRLF = b"\r\n"


class Stats:
    def __init__(self, job: dict[str, Any]) -> None:
        self.count: int = int(job.get("count", 0))
        self.expect: bytes = str(job.get("expect", "")).encode()
        self.measuring = self.count > 0
        self.stopping = False
        self.sent = 0
        self.done = 0
        self.total = 0
        self.errors = 0
        self.error_sample = ""
        self.latencies: list[float] = []
        self.finished: asyncio.Future[None] | None = None
        self.open = 0

    def record(self, started: float, status: int, body: bytes) -> None:
        self.total += 1
        if not self.measuring:
            return
        self.latencies.append(time.perf_counter() - started)
        self.done += 1
        if status != 200 or (self.expect and self.expect not in body):
            self.errors += 1
            if not self.error_sample:
                self.error_sample = f"HTTP {status}: {body[:200].decode('latin-1')}"

    def may_send(self) -> bool:
        if self.stopping:
            return False
        if self.count:
            if self.sent >= self.count:
                return False
            self.sent += 1
        return True

    def closed(self) -> None:
        self.open -= 1
        if self.open == 0 and self.finished is not None and not self.finished.done():
            self.finished.set_result(None)


def _chunked_end(buf: bytearray, start: int) -> tuple[bytes, int] | None:
    """The decoded body and where it ends, or None if the chunked body is not all here."""
    pos = start
    parts: list[bytes] = []
    while True:
        eol = buf.find(_CRLF, pos)
        if eol < 0:
            return None
        size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            end = buf.find(_CRLF, pos)  # no trailers expected: the final empty line
            return (b"".join(parts), end + 2) if end >= 0 else None
        if len(buf) < pos + size + 2:
            return None
        parts.append(bytes(buf[pos : pos + size]))
        pos += size + 2


class Connection(asyncio.Protocol):
    def __init__(self, stats: Stats, requests: list[bytes], offset: int) -> None:
        self.stats = stats
        self.requests = requests
        self.index = offset % len(requests)
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.started = 0.0
        self.closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.stats.open += 1
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        if not self.stats.may_send():
            self.closing = True
            self.transport.close()
            return
        request = self.requests[self.index]
        self.index = (self.index + 1) % len(self.requests)
        self.started = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        head_end = buf.find(_HEADER_END)
        if head_end < 0:
            return
        head = bytes(buf[:head_end]).lower()
        status = int(head[9:12])
        body_start = head_end + 4
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            eol = head.find(_CRLF, at + 2)
            length = int(head[at + 17 : eol if eol >= 0 else len(head)])
            if len(buf) < body_start + length:
                return
            body = bytes(buf[body_start : body_start + length])
            end = body_start + length
        elif b"transfer-encoding: chunked" in head:
            found = _chunked_end(buf, body_start)
            if found is None:
                return
            body, end = found
        else:  # no length: the body runs to the close; not expected from these servers
            body, end = bytes(buf[body_start:]), len(buf)
        del buf[:end]
        self.stats.record(self.started, status, body)
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closing and not self.stats.stopping:  # the server hung up on us
            self.stats.errors += 1
            self.stats.error_sample = self.stats.error_sample or f"connection lost: {exc!r}"
        self.stats.closed()


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(job: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    stats = Stats(job)
    stats.finished = loop.create_future()
    requests = [r.encode("latin-1") for r in job["requests"]]
    connections = int(job["connections"])
    if stats.count:
        connections = min(connections, stats.count)
    warmup, seconds = float(job.get("warmup", 0)), float(job.get("seconds", 0))
    stride = max(1, len(requests) // connections)
    window: dict[str, float] = {}

    def begin() -> None:
        stats.measuring = True
        window["start"] = time.perf_counter()

    def end() -> None:
        window["end"] = time.perf_counter()
        stats.measuring = False
        stats.stopping = True

    if not stats.count:
        loop.call_later(warmup, begin)
        loop.call_later(warmup + seconds, end)
    else:
        window["start"] = time.perf_counter()

    def factory(offset: int) -> Callable[[], Connection]:
        return lambda: Connection(stats, requests, offset)

    for i in range(connections):
        await loop.create_connection(factory(i * stride), "127.0.0.1", int(job["port"]))
    limit = float(job.get("timeout", warmup + seconds + 30))
    try:
        await asyncio.wait_for(stats.finished, limit)
    except asyncio.TimeoutError:
        stats.errors += 1
        stats.error_sample = stats.error_sample or f"gave up after {limit:.0f} s"
    window.setdefault("end", time.perf_counter())
    elapsed = window["end"] - window.get("start", window["end"])
    ordered = sorted(stats.latencies)
    quantiles = [float(q) for q in job.get("quantiles", (50, 99))]
    return {
        "requests": stats.done,
        "total": stats.total,
        "elapsed": elapsed,
        "rps": stats.done / elapsed if elapsed > 0 else 0.0,
        "p50_ms": _percentile(ordered, 0.50) * 1000,
        "p99_ms": _percentile(ordered, 0.99) * 1000,
        "points": [(q, _percentile(ordered, q / 100) * 1000) for q in quantiles],
        "errors": stats.errors,
        "error_sample": stats.error_sample,
    }


def main() -> None:
    job = json.loads(sys.stdin.read())
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    print(json.dumps(runner(run(job))), flush=True)


if __name__ == "__main__":
    main()
