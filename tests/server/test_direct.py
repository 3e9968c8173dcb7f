"""The live server's protocol answering at-once requests itself (`server/direct.py`), over
raw sockets: pipelined requests keep their order whichever way each goes, a fault rule set
while a body is on its way still fires, a client leaving mid-body is journaled (not logged
as a crash), large bodies go uvicorn's way, and two servers in two threads keep their
answers apart."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from uvicorn.server import ServerState

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.app import MockApp
from mockminimax.server.runner import ServerThread, uvicorn_config
from tests.server.test_wire import Recorder

BODY = json.dumps({"model": "MiniMax-Hailuo-02", "prompt": "A fox"}).encode()
AUTH = b"Authorization: Bearer k\r\n"
TIMEOUT = 5.0


def create_head(length: int = len(BODY), extra: bytes = b"") -> bytes:
    head = b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\n" + AUTH + extra
    return head + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % length


def query(task_id: str, extra: bytes = b"") -> bytes:
    target = b"/v1/query/video_generation?task_id=" + task_id.encode()
    return b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + AUTH + extra + b"\r\n"


def read_answers(sock: socket.socket, count: int) -> list[tuple[int, dict[str, object]]]:
    """`count` answers off one connection, in order: (status, JSON body)."""
    data = b""
    answers: list[tuple[int, dict[str, object]]] = []
    while len(answers) < count:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            if len(rest) >= length:
                answers.append((int(head.split(b" ")[1]), json.loads(rest[:length])))
                data = rest[length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, (answers, data)
        data += chunk
    return answers


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll `condition` until it holds or `TIMEOUT` passes (the caller asserts after)."""
    deadline = time.monotonic() + TIMEOUT
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.001)


def connect(server: ServerThread) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)


def test_pipelined_requests_are_answered_in_order_whichever_way_each_goes(
    live: ServerThread, live_mock: MiniMaxMock
) -> None:
    task = live_mock.create_task(live_mock.validate(json.loads(BODY)), "k", "official", None)
    # at once, then through uvicorn's task (a fault header), then at once again
    slow = b"X-Mock-Fault: delay=0.01\r\n"
    with connect(live) as sock:
        sock.sendall(create_head() + BODY + query(task.task_id, slow) + query("nope"))
        (created, body), (queried, found), (missing, error) = read_answers(sock, 3)
    assert (created, queried, missing) == (200, 200, 200)
    assert body["base_resp"] == {"status_code": 0, "status_msg": "success"}
    assert found["task_id"] == task.task_id
    assert error["base_resp"] == {"status_code": 1000, "status_msg": "record not found"}
    assert [e.route for e in live_mock.journal] == ["create", "query", "query"]
    assert [e.fault for e in live_mock.journal][1] is not None


def test_a_rule_set_while_the_body_is_on_its_way_still_fires(
    live: ServerThread, live_mock: MiniMaxMock
) -> None:
    with connect(live) as sock:
        sock.sendall(create_head() + BODY[:5])
        wait_until(lambda: live_server_holds(live))
        assert live_server_holds(live)
        live_mock.faults.add(route="create", minimax_error=1002, times=1)
        sock.sendall(BODY[5:])
        ((status, body),) = read_answers(sock, 1)
    assert status == 200
    assert body["base_resp"]["status_code"] == 1002  # type: ignore[index]
    assert len(live_mock.store) == 0


def live_server_holds(server: ServerThread) -> bool:
    """Whether one of the server's connections holds a request head for its body."""
    connections = server._server.server_state.connections
    return any(getattr(c, "_held", None) is not None for c in list(connections))


def test_a_client_gone_mid_body_is_journaled_as_499_and_makes_no_task(
    live: ServerThread, live_mock: MiniMaxMock
) -> None:
    with connect(live) as sock:
        sock.sendall(create_head() + BODY[:5])
    wait_until(lambda: len(live_mock.journal) > 0)
    (entry,) = live_mock.journal
    assert (entry.route, entry.status) == ("create", 499)
    assert len(live_mock.store) == 0


def test_a_body_too_big_to_hold_is_read_by_the_app_and_refused_by_its_limit() -> None:
    mock = MiniMaxMock(clock="virtual", max_body_bytes=100_000)
    big = json.dumps({"model": "MiniMax-Hailuo-02", "prompt": "x" * 200_000}).encode()
    with ServerThread(mock) as server, connect(server) as sock:
        sock.sendall(create_head(len(big)))
        with_body = True
        try:
            sock.sendall(big)
        except OSError:  # refused and closed before all of it was sent
            with_body = False
        ((status, body),) = read_answers(sock, 1)
    assert status == 200 or not with_body
    assert body["base_resp"]["status_code"] == 2013  # type: ignore[index]
    assert "limit" in str(body["base_resp"])


def test_two_servers_in_two_threads_keep_their_answers_apart() -> None:
    mocks = [MiniMaxMock(clock="virtual", seed=seed) for seed in (1, 2)]
    errors: list[str] = []

    def hammer(server: ServerThread, mock: MiniMaxMock) -> None:
        with connect(server) as sock:
            for _ in range(200):
                sock.sendall(create_head() + BODY)
                ((_, body),) = read_answers(sock, 1)
                if mock.store.get(str(body["task_id"])) is None:
                    errors.append(f"{body['task_id']} is not a task of this server")

    with ServerThread(mocks[0]) as one, ServerThread(mocks[1]) as two:
        threads = [
            threading.Thread(target=hammer, args=(server, mock))
            for server, mock in ((one, mocks[0]), (two, mocks[1]), (one, mocks[0]))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert errors == []
    assert (len(mocks[0].store), len(mocks[1].store)) == (400, 200)


def on_recorder() -> tuple[Any, Recorder, list[bool]]:
    """The live server's protocol on a recording transport (call in a running loop), and
    the list its closes are counted in."""
    config = uvicorn_config(MiniMaxMock(clock="virtual"), access_log=False, log_config=None)
    config.load()
    factory: Any = config.http_protocol_class
    protocol = factory(config=config, server_state=ServerState(), app_state={})
    transport = Recorder()
    closed: list[bool] = []
    transport.close = lambda: closed.append(True)  # type: ignore[method-assign]
    protocol.connection_made(transport)
    return protocol, transport, closed


def test_an_answer_made_this_turn_goes_out_before_a_shutdown_closes_its_connection() -> None:
    """Answers are written once the loop has read (`direct.Writes`); a shutdown in that
    same turn writes them first, then closes."""

    async def answer_then_shut_down() -> tuple[list[bytes], list[bytes], list[bool]]:
        protocol, transport, closed = on_recorder()
        protocol.data_received(query("1"))
        before = list(transport.writes)  # made, not written: the loop has not turned
        protocol.shutdown()
        return before, list(transport.writes), list(closed)  # as they are at the close

    before, after, closed = asyncio.run(answer_then_shut_down())
    assert before == []
    (written,) = after
    assert written.startswith(b"HTTP/1.1 200 OK\r\n") and b'"status_code":1000' in written
    assert closed == [True]


def test_a_crash_past_the_app_s_own_error_answers_is_a_logged_500_and_a_close(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`MockApp.respond` answers every error in the surface's shape; should anything still
    escape it, the protocol answers as uvicorn does: a plain 500, logged, connection closed."""

    async def broken(self: Any, scope: Any, body: bytes) -> Any:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(MockApp, "respond", broken)

    async def answer() -> tuple[list[bytes], list[bool]]:
        protocol, transport, closed = on_recorder()
        protocol.data_received(query("1"))
        while not transport.writes:
            await asyncio.sleep(0)
        return transport.writes, closed

    writes, closed = asyncio.run(answer())
    (written,) = writes
    assert written.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert written.endswith(b"connection: close\r\n\r\nInternal Server Error")
    assert closed == [True]
    assert "broken on purpose" in caplog.text
