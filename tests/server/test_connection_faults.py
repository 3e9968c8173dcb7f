"""Faults on the live server, seen by real clients over a real socket: `requests`, httpx
sync and async. Connection faults must reach each client as what they are (a reset, a
timeout, a short body, bad JSON), and none may hold the server up."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.runner import ServerThread
from tests.conftest import AUTH
from tests.helpers import SEED_REQUESTS

T2V = SEED_REQUESTS["text_to_video"]
#: Every client call here is bounded; a stall is given this long to show as a timeout.
TIMEOUT = 5.0
STALL_TIMEOUT = 0.3


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.headers.update(AUTH)
        yield s


def post_create(session: requests.Session, url: str, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("timeout", TIMEOUT)
    return session.post(f"{url}/v1/video_generation", json=kwargs.pop("body", T2V), **kwargs)


def fault(kind: str) -> dict[str, str]:
    return {"X-Mock-Fault": f"connection={kind}"}


# -- requests ----------------------------------------------------------------------------


def test_reset_reaches_requests_as_a_connection_error(
    live: ServerThread, live_mock: MiniMaxMock, session: requests.Session
) -> None:
    live_mock.faults.add(route="create", connection="reset", times=1)
    with pytest.raises(requests.ConnectionError) as caught:
        post_create(session, live.url)
    assert "reset" in str(caught.value).lower()
    assert len(live_mock.store) == 0  # reset before MiniMax saw the call
    assert post_create(session, live.url).json()["base_resp"]["status_code"] == 0
    assert [e.fault for e in live_mock.journal] == ["f1", None]


def test_stall_reaches_requests_as_a_read_timeout(
    live: ServerThread, session: requests.Session
) -> None:
    with pytest.raises(requests.ReadTimeout):
        post_create(session, live.url, headers=fault("stall"), timeout=STALL_TIMEOUT)
    # The server is not held up: the next call on the same session is answered.
    assert post_create(session, live.url).json()["base_resp"]["status_code"] == 0


def test_truncate_reaches_requests_as_an_incomplete_body(
    live: ServerThread, live_mock: MiniMaxMock, session: requests.Session
) -> None:
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        post_create(session, live.url, headers=fault("truncate"))
    assert len(live_mock.store) == 1  # the create took effect; its answer was cut


def test_malformed_reaches_requests_as_a_json_error(
    live: ServerThread, session: requests.Session
) -> None:
    answer = post_create(session, live.url, headers=fault("malformed"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    with pytest.raises(requests.JSONDecodeError):
        answer.json()


def test_rate_limit_then_success_over_requests(
    live: ServerThread, live_mock: MiniMaxMock, session: requests.Session
) -> None:
    added = session.post(
        f"{live.url}/_mock/faults", json={"route": "create", "minimax_error": 1002, "times": 2}
    )
    assert added.status_code == 201
    codes = [post_create(session, live.url).json()["base_resp"]["status_code"] for _ in range(3)]
    assert codes == [1002, 1002, 0]
    listed = session.get(f"{live.url}/_mock/faults", timeout=TIMEOUT).json()["faults"]
    assert [(r["matched"], r["hits"]) for r in listed] == [(3, 2)]


def test_flaky_gateway_html_502_over_requests(
    live: ServerThread, session: requests.Session
) -> None:
    rule = "surface=gateway,http_status=502,body='<html><body>502 Bad Gateway</body></html>'"
    session.post(f"{live.url}/_mock/faults", json=rule, timeout=TIMEOUT).raise_for_status()
    answer = session.post(f"{live.url}/minimaxi/v1/video_generation", json=T2V, timeout=TIMEOUT)
    assert answer.status_code == 502
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    with pytest.raises(requests.JSONDecodeError):
        answer.json()


# -- httpx -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("reset", httpx.ReadError),
        ("stall", httpx.ReadTimeout),
        ("truncate", httpx.RemoteProtocolError),
    ],
)
def test_httpx_sync_sees_each_connection_fault(
    live: ServerThread, kind: str, error: type[Exception]
) -> None:
    with httpx.Client(base_url=live.url, headers=AUTH, timeout=STALL_TIMEOUT) as client:
        with pytest.raises(error):
            client.post("/v1/video_generation", json=T2V, headers=fault(kind))
        assert client.get("/_mock/health").status_code == 200  # and the server lives on


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("reset", httpx.ReadError),
        ("stall", httpx.ReadTimeout),
        ("truncate", httpx.RemoteProtocolError),
    ],
)
async def test_httpx_async_sees_each_connection_fault(
    live: ServerThread, live_mock: MiniMaxMock, kind: str, error: type[Exception]
) -> None:
    live_mock.faults.add(route="query", connection=kind)
    async with httpx.AsyncClient(base_url=live.url, headers=AUTH, timeout=STALL_TIMEOUT) as c:
        with pytest.raises(error):
            await c.get("/v1/query/video_generation", params={"task_id": "1"})
    assert [e.fault for e in live_mock.journal] == ["f1"]


def test_httpx_malformed_json(live: ServerThread) -> None:
    with httpx.Client(base_url=live.url, headers=AUTH, timeout=TIMEOUT) as client:
        answer = client.post("/minimaxi/v1/video_generation", json=T2V, headers=fault("malformed"))
    assert answer.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        answer.json()


# -- downloads ---------------------------------------------------------------------------


def _download_url(client: httpx.Client, mock: MiniMaxMock) -> str:
    task_id = client.post("/v1/video_generation", json=T2V).json()["task_id"]
    client.post("/_mock/clock/advance", json={"seconds": 60}).raise_for_status()
    file_id = client.get("/v1/query/video_generation", params={"task_id": task_id}).json()[
        "file_id"
    ]
    url: str = client.get("/v1/files/retrieve", params={"file_id": file_id}).json()["file"][
        "download_url"
    ]
    return url


def test_download_faults_on_the_wire(live: ServerThread, live_mock: MiniMaxMock) -> None:
    with httpx.Client(base_url=live.url, headers=AUTH, timeout=TIMEOUT) as client:
        url = _download_url(client, live_mock)
        whole = client.get(url)
        assert whole.status_code == 200
        # A queue: each rule takes one call; the ones after it see the calls it leaves.
        live_mock.faults.add(route="download", http_status=403, times=1)
        live_mock.faults.add(route="download", connection="truncate", times=1)
        live_mock.faults.add(route="download", connection="reset", times=1)
        expired = client.get(url)
        assert expired.status_code == 403 and "<Code>AccessDenied</Code>" in expired.text
        with pytest.raises(httpx.RemoteProtocolError, match=f"expected {len(whole.content)}"):
            client.get(url)
        with pytest.raises(httpx.ReadError):
            client.get(url)
        assert client.get(url).content == whole.content


# -- task faults and determinism over the wire -------------------------------------------


def test_prompt_directive_fails_the_task_over_the_wire(live: ServerThread) -> None:
    body = {**T2V, "prompt": "A man reads a book [mock:fail=1026]"}
    with httpx.Client(base_url=live.url, headers=AUTH, timeout=TIMEOUT) as client:
        task_id = client.post("/v1/video_generation", json=body).json()["task_id"]
        client.post("/_mock/clock/advance", json={"seconds": 600}).raise_for_status()
        done = client.get("/v1/query/video_generation", params={"task_id": task_id}).json()
        assert (done["status"], done["base_resp"]["status_code"]) == ("Fail", 1026)
        task = client.get(f"/_mock/tasks/{task_id}").json()
        assert (task["status"], task["fail_code"], task["fault"]) == ("Fail", 1026, "prompt")


def _probability_run(live: ServerThread, mock: MiniMaxMock) -> list[int]:
    mock.reset()
    mock.faults.add(route="create", minimax_error=1002, probability=0.5)
    with httpx.Client(base_url=live.url, headers=AUTH, timeout=TIMEOUT) as client:
        answers = [client.post("/v1/video_generation", json=T2V) for _ in range(20)]
    return [a.json()["base_resp"]["status_code"] for a in answers]


def test_probability_fires_on_the_same_calls_in_two_live_runs(
    live: ServerThread, live_mock: MiniMaxMock
) -> None:
    one = _probability_run(live, live_mock)
    two = _probability_run(live, live_mock)
    assert one == two
    assert 0 < one.count(1002) < 20


# -- stalls never hold the server --------------------------------------------------------


def test_stall_is_bounded_by_the_server() -> None:
    """A client with no timeout of its own still gets its connection back."""
    mock = MiniMaxMock(clock="virtual", stall_seconds=0.2)
    with (
        ServerThread(mock) as server,
        httpx.Client(base_url=server.url, headers=AUTH, timeout=TIMEOUT) as client,
    ):
        with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
            client.post("/v1/video_generation", json=T2V, headers=fault("stall"))
        assert client.get("/_mock/health").status_code == 200


def test_server_stop_closes_a_stalled_connection() -> None:
    mock = MiniMaxMock(clock="virtual")  # a 30 s stall: far longer than stop may take
    server = ServerThread(mock).start()
    outcome: list[BaseException] = []

    def stalled_call() -> None:
        with requests.Session() as s:
            try:
                s.post(
                    f"{server.url}/v1/video_generation",
                    json=T2V,
                    headers={**AUTH, **fault("stall")},
                    timeout=20,
                )
            except requests.RequestException as exc:
                outcome.append(exc)

    caller = threading.Thread(target=stalled_call, daemon=True)
    caller.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(mock.journal) == 0:  # the stall has begun once the request is journaled
            assert time.monotonic() < deadline, "the stalled request never arrived"
            time.sleep(0.01)
    finally:
        server.stop()
    assert not server.alive
    caller.join(TIMEOUT)
    assert not caller.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], requests.ConnectionError)
