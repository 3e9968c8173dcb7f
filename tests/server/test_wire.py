"""How answers go out on the socket (raw bytes, no client library): the head in the same
write as the body (counted on the server's real protocol over a recording transport), a
HEAD answer's head on its own, `100 Continue` before the head, and the same bytes as
uvicorn's own protocol writes."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any

import pytest
from starlette.responses import Response
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.app import create_app
from mockminimax.server.runner import ServerThread, uvicorn_config

BODY = json.dumps({"model": "MiniMax-Hailuo-02", "prompt": "A fox"}).encode()
AUTH = b"Authorization: Bearer k\r\n"


def exchange(server: ServerThread, head: bytes, body: bytes = b"") -> list[bytes]:
    """Send a request; every chunk received until the answer is complete, in order."""
    chunks: list[bytes] = []
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head)
        if b"100-continue" in head:
            chunks.append(sock.recv(65536))  # the interim answer comes before the body
        sock.sendall(body)
        data = b""
        while True:
            start, _, rest = data.rpartition(b"\r\n\r\n")
            if start.startswith(b"HTTP/1.1 200") or start.count(b"HTTP/1.1 200"):
                length = int(start.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                if head.startswith(b"HEAD") or len(rest) >= length:
                    break
            chunk = sock.recv(65536)
            assert chunk, data
            chunks.append(chunk)
            data += chunk
    return chunks


class Recorder(asyncio.Transport):
    """A transport that keeps every write, for the real protocol to answer into."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5555)}.get(name, default)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _answered(protocol: Any, transport: Recorder) -> bool:
    """Whether the one request sent is answered: its uvicorn cycle complete, or, answered
    directly by the protocol (no cycle), written."""
    cycle = protocol.cycle
    return bool(transport.writes) if cycle is None else bool(cycle.response_complete)


def test_the_head_and_the_body_go_out_in_one_write() -> None:
    async def answer(request: bytes) -> list[bytes]:
        config = uvicorn_config(MiniMaxMock(clock="virtual"), log_config=None)
        config.load()
        factory: Any = config.http_protocol_class
        protocol = factory(config=config, server_state=ServerState(), app_state={})
        transport = Recorder()
        protocol.connection_made(transport)
        protocol.data_received(request)
        while not _answered(protocol, transport):
            await asyncio.sleep(0)
        protocol.connection_lost(None)
        return transport.writes

    head = b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\n" + AUTH
    head += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY)
    (write,) = asyncio.run(answer(head + BODY))
    assert write.startswith(b"HTTP/1.1 200 OK\r\n")
    assert write.endswith(b'"status_msg":"success"}}')


#: uvicorn's Date header as its server sets it (once a second) on the live server.
DATE = [(b"date", b"Tue, 01 Dec 2026 00:00:00 GMT")]


def _configs(**options: Any) -> tuple[Config, Config]:
    """The server's uvicorn config and plain uvicorn's, loaded, each over an app on a mock
    seeded alike (so both answer with the same IDs)."""
    ours = uvicorn_config(MiniMaxMock(clock="virtual", seed=7), log_config=None, **options)
    app = create_app(MiniMaxMock(clock="virtual", seed=7))
    plain = Config(app, lifespan="off", server_header=False, log_config=None, **options)
    ours.load()
    plain.load()
    return ours, plain


async def _answer_on(
    factory: Any, config: Config, request: bytes, defaults: list[tuple[bytes, bytes]] = DATE
) -> tuple[bytes, bool]:
    """What `factory`'s protocol writes for `request`, joined, and whether it closed."""
    closed: list[bool] = []
    transport = Recorder()
    transport.close = lambda: closed.append(True)  # type: ignore[method-assign]
    state = ServerState()
    state.default_headers = defaults
    protocol = factory(config=config, server_state=state, app_state={})
    protocol.connection_made(transport)
    protocol.data_received(request)
    while not _answered(protocol, transport):
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    return b"".join(transport.writes), bool(closed)


CREATE = b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\n" + AUTH
CREATE += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY
CHUNKED = b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\n" + AUTH
CHUNKED += b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
CHUNKED += b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
LARGE_BODY = json.dumps({"model": "MiniMax-Hailuo-02", "prompt": "x" * 70_000}).encode()
LARGE = b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\n" + AUTH
LARGE += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(LARGE_BODY)
LARGE += LARGE_BODY


@pytest.mark.parametrize(
    "request_bytes",
    [
        CREATE,
        CHUNKED,
        LARGE,
        b"GET /v1/query/video_generation?task_id=1 HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\r\n",
        b"GET /v1/query/video_generation?task_id=1 HTTP/1.0\r\nHost: x\r\n" + AUTH + b"\r\n",
        b"GET /v1/query/video_generation HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
        b"DELETE /v1/video_generation HTTP/1.1\r\nHost: x\r\n\r\n",
        b"OPTIONS /v1/video_generation HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\n"
        b"Access-Control-Request-Method: POST\r\n\r\n",
        b"HEAD /v1/query/video_generation?task_id=1 HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\r\n",
    ],
    ids=[
        "create",
        "chunked-create",
        "large-create",
        "query",
        "http-1.0",
        "connection-close",
        "404",
        "405",
        "preflight",
        "head",
    ],
)
def test_the_server_writes_what_uvicorn_alone_writes(request_bytes: bytes) -> None:
    """The server's own cycle writes plain answers without ASGI messages and checks their
    headers at once: byte for byte what uvicorn's protocol writes, connection close too."""

    async def both() -> tuple[tuple[bytes, bool], tuple[bytes, bool]]:
        ours, plain = _configs(access_log=False)
        mine = await _answer_on(ours.http_protocol_class, ours, request_bytes)
        theirs = await _answer_on(HttpToolsProtocol, plain, request_bytes)
        bare = await _answer_on(ours.http_protocol_class, ours, request_bytes, [])
        bare_theirs = await _answer_on(HttpToolsProtocol, plain, request_bytes, [])
        assert bare == bare_theirs  # no Date header (uvicorn's, before its first tick)
        return mine, theirs

    mine, theirs = asyncio.run(both())
    assert mine[0].startswith(b"HTTP/1.")
    assert b"\r\ndate: Tue, 01 Dec 2026" in mine[0]
    assert mine == theirs


@pytest.mark.parametrize(
    ("headers", "written"),
    [
        ([(b"X-Upper", b"v")], True),  # lower-cased as uvicorn writes it
        ([(b"x-a", b"b\x01c")], False),  # a value uvicorn refuses: its cycle refuses it
        ([(b"x-a", b"b\nc")], False),
        ([(b"x a", b"b")], False),  # a name uvicorn refuses
        ([(b"transfer-encoding", b"chunked")], False),  # framing: uvicorn's cycle frames it
        ([(b"x-a", b"tab\tand \x80")], True),
    ],
)
def test_the_protocol_writes_only_answers_it_writes_as_uvicorn(
    headers: list[tuple[bytes, bytes]], written: bool
) -> None:
    async def write() -> tuple[bool, list[bytes]]:
        config = uvicorn_config(MiniMaxMock(clock="virtual"), access_log=False, log_config=None)
        config.load()
        state = ServerState()
        state.default_headers = DATE
        factory: Any = config.http_protocol_class
        protocol = factory(config=config, server_state=state, app_state={})
        transport = Recorder()
        protocol.connection_made(transport)
        response = Response(b"{}", 200, media_type="application/json")
        response.raw_headers += headers
        done = protocol._write({"method": "GET"}, response, True)
        await asyncio.sleep(0)
        protocol.connection_lost(None)
        return done, transport.writes

    done, writes = asyncio.run(write())
    assert done is written
    if written:
        name, value = headers[0]
        assert writes == [
            b"HTTP/1.1 200 OK\r\ndate: Tue, 01 Dec 2026 00:00:00 GMT\r\ncontent-length: 2\r\n"
            b"content-type: application/json\r\n" + name.lower() + b": " + value + b"\r\n\r\n{}"
        ]
    else:
        assert writes == []


def test_a_head_answer_is_not_held_back(live: ServerThread) -> None:
    head = b"HEAD /v1/query/video_generation?task_id=1 HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\r\n"
    (answer,) = exchange(live, head)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\n")
    assert b"content-length: " in answer


def test_100_continue_comes_before_the_answer(live: ServerThread) -> None:
    head = b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\n" + AUTH
    head += b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
    head += b"Content-Length: %d\r\n\r\n" % len(BODY)
    interim, *answer = exchange(live, head, BODY)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert b"".join(answer).startswith(b"HTTP/1.1 200 OK\r\n")


def test_under_a_root_path_the_server_answers_what_uvicorn_alone_answers() -> None:
    """uvicorn's `root_path` goes in front of the request path: taken directly, a request
    must get the same path (here the query route: `/v1` + `/query/...`) and answer."""
    request = b"GET /query/video_generation?task_id=1 HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\r\n"

    async def both() -> tuple[tuple[bytes, bool], tuple[bytes, bool]]:
        ours, plain = _configs(access_log=False, root_path="/v1")
        mine = await _answer_on(ours.http_protocol_class, ours, request)
        return mine, await _answer_on(HttpToolsProtocol, plain, request)

    mine, theirs = asyncio.run(both())
    assert b'"status_code":1000' in mine[0]  # the query route's "record not found"
    assert mine == theirs


def test_a_direct_answer_writes_uvicorn_s_access_line(caplog: pytest.LogCaptureFixture) -> None:
    """With the access log on (`serve`'s default, log level info), an answer the protocol
    writes itself logs the line uvicorn's cycle would."""
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    request = b"GET /v1/query/video_generation?task_id=1 HTTP/1.1\r\nHost: x\r\n" + AUTH + b"\r\n"

    async def both() -> list[str]:
        ours, plain = _configs()
        await _answer_on(ours.http_protocol_class, ours, request)
        await _answer_on(HttpToolsProtocol, plain, request)
        return [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]

    mine, theirs = asyncio.run(both())
    assert mine == theirs
    assert '"GET /v1/query/video_generation?task_id=1 HTTP/1.1" 200' in mine
