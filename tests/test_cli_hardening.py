"""`mockminimax serve` in a subprocess: the control token from a flag or the environment,
the warning when bound beyond loopback without one, and a clean stop with requests in
flight."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
from pathlib import Path

import pytest

from tests.test_cli import STOP_TIMEOUT, ServeProcess, clean_env, run_cli

WARNING = "beyond loopback, with no control token"


@pytest.mark.parametrize(
    "args, env",
    [(("--control-token", "s3cret"), {}), ((), {"control_token": "s3cret"})],
    ids=["flag", "env"],
)
def test_control_token_from_flag_or_environment(args: tuple[str, ...], env: dict[str, str]) -> None:
    with ServeProcess(*args, env=clean_env(**env)) as server:
        assert any("token required" in line for line in server.banner)
        assert "s3cret" not in "".join(server.banner)
        with server.client() as client:
            assert client.get("/_mock/health").status_code == 401
            ok = client.get("/_mock/health", headers={"Authorization": "Bearer s3cret"})
            assert ok.json()["status"] == "ok"
        assert server.stop() == 0
    assert WARNING not in server.stderr


def test_allowed_host_flag() -> None:
    with ServeProcess("--allowed-host", "mock.internal") as server:
        with server.client() as client:
            assert client.get("/_mock/health", headers={"Host": "mock.internal"}).is_success
            refused = client.get("/_mock/health", headers={"Host": "other.internal"})
            assert refused.status_code == 403
        server.stop()


@pytest.mark.parametrize(
    "args, warned",
    [
        (("--host", "0.0.0.0"), True),
        (("--host", "0.0.0.0", "--control-token", "t"), False),
        (("--host", "127.0.0.1"), False),
    ],
)
def test_serve_warns_when_open_beyond_loopback_without_a_token(
    args: tuple[str, ...], warned: bool
) -> None:
    with ServeProcess(*args) as server:
        assert server.stop(signal.SIGINT) == 0
    assert (WARNING in server.stderr) is warned


def _send(port: int, request: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=STOP_TIMEOUT)
    sock.sendall(request)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    sock.close()
    return data


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_with_delayed_and_stalled_requests_in_flight(sig: int) -> None:
    body = json.dumps({"model": "MiniMax-Hailuo-2.3", "prompt": "a heron"}).encode()
    create = (
        b"POST /v1/video_generation HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer k\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    query = b"GET /v1/query/video_generation?task_id=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    rules = [
        "route=create,delay=290,times=1",
        "route=create,connection=stall",
        "route=query,delay=290",
    ]
    with ServeProcess("--clock", "virtual", *(f"--fault={r}" for r in rules)) as server:
        with server.client() as client:
            in_flight = [
                _send(server.port, create),
                _send(server.port, create),
                _send(server.port, query + b"Authorization: Bearer k\r\n\r\n"),
                _send(server.port, b"GET /_mock/health HTTP/1.1\r\n"),  # half a head
            ]
            # Each rule counts its hit as it fires, before its delay or stall begins.
            for _ in range(10_000):
                hits = [r["hits"] for r in client.get("/_mock/faults").json()["faults"]]
                if hits == [1, 1, 1]:
                    break
            assert hits == [1, 1, 1]
        code = server.stop(sig)  # bounded: fails the test if serve ignores the signal
        answers = [_read_all(sock) for sock in in_flight]
    assert code == 0
    assert "Traceback" not in server.stderr, server.stderr
    assert "CancelledError" not in server.stderr
    # Each in-flight request ends with its connection closed: no 500, no half answer.
    assert answers == [b"", b"", b"", b""], answers


@pytest.mark.parametrize(
    "raw, flag, named",
    [
        (b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a \xff cat"}', None, "UTF-8"),
        (b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a \\ud800 cat"}', "--gateway", "prompt"),
        (b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a", "duration": NaN}', None, "duration"),
        (
            b'{"model": "MiniMax-H3", "content": [{"type": "text", "text": "a \xff"}]}',
            "--v2",
            "UTF-8",
        ),
    ],
)
def test_validate_reads_bytes_as_the_server_does(
    tmp_path: Path, raw: bytes, flag: str | None, named: str
) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(raw)
    result = run_cli("validate", str(body), *((flag,) if flag else ()))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    answer = json.loads(result.stdout)
    if flag == "--gateway":
        message = answer["message"]
    elif flag == "--v2":
        message = answer["error"]["message"]
    else:
        message = answer["base_resp"]["status_msg"]
    assert named in message
