"""The live server's callback sender: one JSON POST over asyncio streams, standard library
only (the server installs without httpx).

It connects to the URL's own host and port (never a proxy from the environment), sends one
request with `Connection: close`, and reads the answer's status and at most
`ANSWER_LIMIT` bytes of its body. A redirect is an answer like any other: never followed.
The caller bounds the whole exchange with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from urllib.parse import quote, urlsplit

from .._version import __version__

__all__ = ["ANSWER_LIMIT", "HttpSender", "ReceiverError"]

#: Bytes of a receiver's answer body read; the rest is not waited for.
ANSWER_LIMIT = 64 * 1024
_MAX_HEADERS = 100
_HEX = re.compile(r"[0-9A-Fa-f]{1,16}")
_DIGITS = re.compile(r"[0-9]{1,18}")
USER_AGENT = f"mockminimax/{__version__} (callback)"


class ReceiverError(Exception):
    """A receiver that answered something other than HTTP."""


class HttpSender:
    """POSTs over a fresh connection per delivery."""

    async def post(self, url: str, body: bytes) -> tuple[int, bytes]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        context = ssl.create_default_context() if https else None
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=host if https else None, limit=ANSWER_LIMIT
        )
        try:
            target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
            if parts.query:
                target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
            netloc = parts.netloc.rpartition("@")[2]
            head = (
                f"POST {target} HTTP/1.1\r\nHost: {netloc}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nUser-Agent: {USER_AGENT}\r\n"
                "Accept: */*\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode("latin-1") + body)
            await writer.drain()
            return await _read_answer(reader)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _line(reader: asyncio.StreamReader) -> str:
    try:
        raw = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise ReceiverError("the receiver closed the connection without answering") from None
        raise ReceiverError("the receiver closed the connection mid-answer") from None
    except asyncio.LimitOverrunError:
        raise ReceiverError("the receiver's answer has a line over 64 KiB") from None
    return raw.decode("latin-1").rstrip("\r\n")


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    while True:
        status_line = await _line(reader)
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise ReceiverError(f"not an HTTP answer: {status_line[:80]!r}")
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADERS + 1):
            line = await _line(reader)
            if not line:
                break
            name, sep, value = line.partition(":")
            if not sep:
                raise ReceiverError(f"a malformed header line: {line[:80]!r}")
            headers[name.strip().lower()] = value.strip()
        else:
            raise ReceiverError(f"more than {_MAX_HEADERS} header lines")
        status = int(code)
        if 100 <= status < 200:
            continue  # an interim answer (100 Continue): the real one follows
        return status, await _read_body(reader, headers)


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        size = 0
        while size < ANSWER_LIMIT:
            line = (await _line(reader)).split(";")[0].strip()
            if not _HEX.fullmatch(line):  # int(line, 16) takes "-5", "0x5" and "1_0"
                raise ReceiverError(f"a malformed chunk size: {line[:20]!r}")
            length = int(line, 16)
            if length == 0:
                break
            chunk = await _exactly(reader, min(length, ANSWER_LIMIT - size))
            chunks.append(chunk)
            size += len(chunk)
            if len(chunk) < length:
                break
            await _line(reader)
        return b"".join(chunks)
    declared = headers.get("content-length")
    if declared is not None:
        if not _DIGITS.fullmatch(declared):  # "²" passes str.isdigit(), not int()
            raise ReceiverError(f"a malformed Content-Length: {declared[:20]!r}")
        return await _exactly(reader, min(int(declared), ANSWER_LIMIT))
    data = b""
    while len(data) < ANSWER_LIMIT:  # no length given: the body runs to the close
        chunk = await reader.read(ANSWER_LIMIT - len(data))
        if not chunk:
            break
        data += chunk
    return data


async def _exactly(reader: asyncio.StreamReader, n: int) -> bytes:
    try:
        return await reader.readexactly(n)
    except asyncio.IncompleteReadError:
        raise ReceiverError("the receiver closed the connection mid-body") from None
