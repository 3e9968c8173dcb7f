"""Connections that send no request are closed after `header_timeout`, and a thousand of
them open at once do not keep the live server from answering."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
from typing import Any

import httpx
import pytest
from uvicorn.server import ServerState

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.runner import ServerThread, uvicorn_config
from tests.conftest import AUTH
from tests.helpers import SEED_REQUESTS
from tests.server.test_wire import Recorder

#: A generous bound on a read from the server, so no test can hang.
READ_TIMEOUT = 15


def closed_by_server(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(READ_TIMEOUT)
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


@pytest.fixture(scope="module")
def quick() -> ServerThread:
    with ServerThread(MiniMaxMock(clock="virtual", header_timeout=0.2)) as server:
        yield server


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /_mock/health HTTP/1.1\r\n", b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n"],
    ids=["nothing", "request line", "headers without the blank line"],
)
def test_an_incomplete_head_is_closed(quick: ServerThread, sent: bytes) -> None:
    with socket.create_connection(("127.0.0.1", quick.port)) as sock:
        sock.sendall(sent)
        assert closed_by_server(sock) == b""


def test_after_an_answer_the_next_head_has_the_same_deadline(quick: ServerThread) -> None:
    with socket.create_connection(("127.0.0.1", quick.port)) as sock:
        sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.sendall(b"GET /_mock/health HTTP/1.1\r\n")  # and the rest never comes
        data = closed_by_server(sock)
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert data.count(b"HTTP/1.1") == 1


def test_a_slow_handler_is_not_a_slow_head(quick: ServerThread) -> None:
    """The deadline covers the head only: a request delayed past it is still answered."""
    with httpx.Client(base_url=quick.url, timeout=READ_TIMEOUT) as client:
        answer = client.post(
            "/v1/video_generation",
            json=SEED_REQUESTS["text_to_video"],
            headers={**AUTH, "X-Mock-Fault": "delay=0.5"},
        )
    assert answer.json()["base_resp"]["status_code"] == 0


def test_a_thousand_idle_connections_do_not_stop_the_server() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * 1000 + 200  # both ends of every connection live in this process
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"needs {needed} file descriptors; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    idle: list[socket.socket] = []
    mock = MiniMaxMock(clock="virtual")
    try:
        with ServerThread(mock) as server:
            for _ in range(1000):
                idle.append(socket.create_connection(("127.0.0.1", server.port)))
            idle[-1].sendall(b"GET /_mock/health HTTP/1.1\r\n")  # and one trickling
            with httpx.Client(base_url=server.url, timeout=READ_TIMEOUT) as client:
                for kind in SEED_REQUESTS:
                    created = client.post(
                        "/v1/video_generation", json=SEED_REQUESTS[kind], headers=AUTH
                    )
                    assert created.json()["base_resp"]["status_code"] == 0
                assert client.get("/_mock/health").json()["tasks"] == len(SEED_REQUESTS)
    finally:
        for sock in idle:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_delay_ends_when_the_client_hangs_up(quick: ServerThread) -> None:
    mock = quick.mock
    mock.reset()
    mock.faults.add(route="create", delay=290)
    body = b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a heron"}'
    with httpx.Client(base_url=quick.url, timeout=READ_TIMEOUT) as client:
        sock = socket.create_connection(("127.0.0.1", quick.port))
        sock.sendall(
            b"POST /v1/video_generation HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer k\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        for _ in range(10_000):  # the rule counts its hit as the delay begins
            if client.get("/_mock/faults").json()["faults"][0]["hits"] == 1:
                break
        sock.close()
        for _ in range(10_000):
            entries = client.get("/_mock/journal").json()["entries"]
            if entries:
                break
    (entry,) = entries
    assert entry["status"] == 499
    assert entry["rejected"].startswith("the client went away")
    assert len(mock.store) == 0


@pytest.mark.parametrize("seconds", [0, -1, 10.5, float("inf")])
def test_header_timeout_is_at_most_ten_seconds(seconds: float) -> None:
    from mockminimax.core.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="header_timeout"):
        Settings(header_timeout=seconds)


class _Recorder(Recorder):
    """test_wire's recording transport, noting also when it closes (loop time)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.closed_at: float | None = None

    def is_closing(self) -> bool:
        return self.closed_at is not None

    def close(self) -> None:
        if self.closed_at is None:
            self.closed_at = self.loop.time()


async def _idle_after_an_answer(then: bytes) -> tuple[float, float, list[bytes]]:
    """When a connection closes after a directly answered request and then `then`: the
    answer's loop time, the close's, and what was written."""
    config = uvicorn_config(
        MiniMaxMock(clock="virtual", header_timeout=0.2),
        log_config=None,
        access_log=False,
        timeout_keep_alive=0.05,
    )
    config.load()
    factory: Any = config.http_protocol_class
    protocol = factory(config=config, server_state=ServerState(), app_state={})
    loop = asyncio.get_running_loop()
    transport = _Recorder(loop)
    protocol.connection_made(transport)
    protocol.data_received(b"GET /v1/query/video_generation?task_id=1 HTTP/1.1\r\nHost: x\r\n\r\n")
    while not transport.writes:
        await asyncio.sleep(0)
    assert protocol.cycle is None  # answered by the protocol itself
    answered = loop.time()
    if then:
        protocol.data_received(then)
    while transport.closed_at is None and loop.time() < answered + 1:
        await asyncio.sleep(0.01)
    protocol.connection_lost(None)
    assert transport.closed_at is not None
    return answered, transport.closed_at, transport.writes


def test_a_connection_idle_after_an_answer_closes_after_the_keep_alive_timeout() -> None:
    answered, closed, writes = asyncio.run(_idle_after_an_answer(b""))
    assert 0.04 <= closed - answered < 0.15  # uvicorn's timeout_keep_alive, not the head's
    assert len(writes) == 1 and writes[0].startswith(b"HTTP/1.1 200 OK")


def test_data_after_an_answer_leaves_the_head_deadline_alone() -> None:
    """Any byte of a next request ends the keep-alive wait, as in uvicorn; the head it
    starts still has `header_timeout` to come whole."""
    answered, closed, writes = asyncio.run(_idle_after_an_answer(b"GET /_mock/health"))
    assert 0.18 <= closed - answered < 0.5
    assert len(writes) == 1
