"""The control API cannot be driven by a web page: JSON bodies only, no foreign Origin, no
foreign Host on the live server, and the control token when one is set."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.runner import ServerThread
from tests.conftest import AUTH, app_client
from tests.helpers import SEED_REQUESTS

T2V = SEED_REQUESTS["text_to_video"]


def assert_refused(answer: httpx.Response, status: int, field: str | None) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]["field"] == field
    assert not any(h.startswith("access-control-") for h in answer.headers)


# -- bodies only as JSON ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "ctype, body",
    [
        ("application/x-www-form-urlencoded", b""),
        ("application/x-www-form-urlencoded", b"a=1"),
        ("multipart/form-data; boundary=x", b"--x--\r\n"),
        ("text/plain", b'{"seconds": 5}'),
        ("text/plain", b"route=create,minimax_error=1002"),
    ],
)
def test_a_form_or_text_post_changes_nothing(
    client: httpx.Client, mock: MiniMaxMock, ctype: str, body: bytes
) -> None:
    created = client.post("/v1/video_generation", json=T2V, headers=AUTH)
    assert created.json()["base_resp"]["status_code"] == 0
    for path in ("/_mock/reset", "/_mock/faults", "/_mock/clock/advance", "/_mock/tasks/x"):
        answer = client.post(path, content=body, headers={"Content-Type": ctype})
        assert_refused(answer, 415, "Content-Type")
    assert len(mock.store) == 1
    assert mock.faults.rules == ()
    assert client.get("/_mock/clock").json()["now"] == mock.settings.start_time


def test_a_post_without_a_body_needs_no_content_type(client: httpx.Client) -> None:
    assert client.post("/_mock/reset").status_code == 200
    assert client.post("/_mock/reset", json={}).status_code == 200


# -- Origin -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://mock.test.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_foreign_origin_is_refused(
    client: httpx.Client, mock: MiniMaxMock, headers: dict[str, str]
) -> None:
    mock.advance(5)
    assert_refused(client.post("/_mock/reset", headers=headers), 403, "Origin")
    assert_refused(client.get("/_mock/journal", headers=headers), 403, "Origin")
    assert mock.now() == mock.settings.start_time + 5


def test_the_servers_own_origin_is_fine(client: httpx.Client) -> None:
    own = {"Origin": "http://mock.test", "Sec-Fetch-Site": "same-origin"}
    answer = client.post("/_mock/reset", headers=own)
    assert answer.status_code == 200
    # No CORS headers: a page on another origin may never read a control answer.
    assert not any(h.startswith("access-control-") for h in answer.headers)
    preflight = client.options("/_mock/reset", headers={**own, "Origin": "https://evil.example"})
    assert preflight.status_code == 403
    assert not any(h.startswith("access-control-") for h in preflight.headers)


def test_api_routes_are_not_guarded(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/video_generation", json=T2V, headers={**AUTH, "Origin": "https://app.example"}
    )
    assert answer.json()["base_resp"]["status_code"] == 0


# -- the control token ------------------------------------------------------------------------


@pytest.fixture
def guarded() -> Iterator[httpx.Client]:
    with app_client(MiniMaxMock(clock="virtual", control_token="s3cret")) as c:
        yield c


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/_mock/health"), ("POST", "/_mock/reset"), ("GET", "/_mock/nope"),
     ("DELETE", "/_mock/faults"), ("GET", "/_mock/journal")],
)  # fmt: skip
def test_without_the_token_every_control_call_is_401(
    guarded: httpx.Client, method: str, path: str
) -> None:
    refused = (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic s3cret"},  # the token, but not as a bearer
        {"X-Mock-Token": "s3cre"},
    )
    for headers in refused:
        assert_refused(guarded.request(method, path, headers=headers), 401, "Authorization")


def test_with_the_token_the_control_api_answers(guarded: httpx.Client) -> None:
    assert guarded.get("/_mock/health", headers={"Authorization": "Bearer s3cret"}).is_success
    assert guarded.get("/_mock/health", headers={"X-Mock-Token": "s3cret"}).is_success
    unknown = guarded.get("/_mock/nope", headers={"X-Mock-Token": "s3cret"})
    assert_refused(unknown, 404, None)
    api = guarded.post("/v1/video_generation", json=T2V, headers=AUTH)
    assert api.json()["base_resp"]["status_code"] == 0  # the API keeps its own keys


# -- Host, on the live server -----------------------------------------------------------------


def raw_get(port: int, path: str, host: str) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    "host, status",
    [
        ("evil.example", 403),
        ("evil.example:{port}", 403),
        ("localhost.evil.example", 403),
        ("127.0.0.1.nip.io", 403),
        ("", 403),
        ("localhost:{port}", 200),
        ("127.0.0.1:{port}", 200),
        ("127.0.0.2", 200),
        ("LOCALHOST", 200),
        ("app.localhost:{port}", 200),
        ("[::1]:{port}", 200),
        ("mock.internal:{port}", 200),  # the allowed host
    ],
)
def test_only_this_machines_names_reach_the_control_api(host: str, status: int) -> None:
    mock = MiniMaxMock(clock="virtual", allowed_hosts=("mock.internal",))
    with ServerThread(mock) as server:
        got, body = raw_get(server.port, "/_mock/health", host.format(port=server.port))
        assert got == status, body
        if status == 403:
            assert b'"field":"Host"' in body
        # The API surfaces answer any Host: the real API sits behind many names.
        api, _ = raw_get(server.port, "/v1/query/video_generation?task_id=1", host or "x")
        assert api == 200
