"""Every error path answers in its surface's own shape: never HTML, never a traceback, and
never at the cost of what is already stored."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import requests

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.app import create_app
from mockminimax.server.runner import ServerThread
from tests.conftest import AUTH, app_client
from tests.helpers import SEED_REQUESTS

JSON = {"Content-Type": "application/json"}
GATEWAY_RID = re.compile(r"^\d{14}\d{1,9}[a-z0-9]{8}$")


def assert_not_html(answer: httpx.Response) -> None:
    assert "html" not in answer.headers.get("content-type", "")
    assert "Traceback" not in answer.text
    assert "<html" not in answer.text.lower()


def assert_official(answer: httpx.Response, status: int, code: int) -> str:
    """The MiniMax V1 shape: base_resp with a code, a Trace-Id header; returns status_msg."""
    assert_not_html(answer)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["Trace-Id"])
    base = answer.json()["base_resp"]
    assert base["status_code"] == code
    assert isinstance(base["status_msg"], str)
    return base["status_msg"]


def assert_one_hub(answer: httpx.Response, status: int, kind: str = "one_hub_error") -> str:
    """One-Hub's middleware shape, the request id in the message and the header."""
    assert_not_html(answer)
    assert answer.status_code == status, answer.text
    rid = answer.headers["X-Oneapi-Request-Id"]
    assert GATEWAY_RID.match(rid)
    error = answer.json()["error"]
    assert error["type"] == kind
    assert error["message"].endswith(f" (request id: {rid})")
    return str(error["message"])


def assert_task_error(answer: httpx.Response, status: int, code: str) -> str:
    """One-Hub's task-adaptor shape `{"code", "message"}`."""
    assert_not_html(answer)
    assert answer.status_code == status, answer.text
    assert GATEWAY_RID.match(answer.headers["X-Oneapi-Request-Id"])
    body = answer.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == code
    return str(body["message"])


def assert_control(answer: httpx.Response, status: int) -> str:
    assert_not_html(answer)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    error = answer.json()["error"]
    assert set(error) == {"message", "field"}
    return str(error["message"])


def assert_oss(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/xml")
    assert f"<Code>{code}</Code>" in answer.text
    assert "Traceback" not in answer.text


# -- unknown routes and wrong methods ---------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nope"),
        ("POST", "/v1/video_generation/extra"),
        ("GET", "/v3/query/video_generation/123"),
        ("GET", "/"),
        ("GET", "/favicon.ico"),
    ],
)
def test_official_unknown_route_is_404_base_resp(
    client: httpx.Client, method: str, path: str
) -> None:
    answer = client.request(method, path, headers=AUTH)
    assert assert_official(answer, 404, 2013) == f"invalid params, unknown route: {method} {path}"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/video_generation", {"POST"}),
        ("PUT", "/v1/video_generation", {"POST"}),
        ("POST", "/v1/query/video_generation", {"GET", "HEAD"}),
        ("DELETE", "/v1/files/retrieve", {"GET", "HEAD"}),
        ("POST", "/v1/files/retrieve_content", {"GET", "HEAD"}),
    ],
)
def test_official_wrong_method_is_405_with_allow(
    client: httpx.Client, method: str, path: str, allowed: set[str]
) -> None:
    answer = client.request(method, path, headers=AUTH)
    message = assert_official(answer, 405, 2013)
    assert message == f"invalid params, method {method} is not allowed on {path}"
    assert {m.strip() for m in answer.headers["Allow"].split(",")} == allowed


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/minimaxi/v1/nope"),
        ("POST", "/minimaxi/v1/video_generation/cancel"),
        ("GET", "/minimaxi/v1/video_generation"),
        ("POST", "/minimaxi/v1/query/video_generation"),
        ("DELETE", "/minimaxi/v1/files/retrieve"),
    ],
)
def test_gateway_unknown_route_and_wrong_method_are_404(
    client: httpx.Client, method: str, path: str
) -> None:
    answer = client.request(method, path, headers=AUTH)
    assert assert_one_hub(answer, 404).startswith(f"Invalid URL ({method} {path})")
    assert "allow" not in answer.headers


def test_control_unknown_route_and_wrong_method(client: httpx.Client) -> None:
    unknown = client.get("/_mock/nope")
    assert assert_control(unknown, 404) == "no control route GET /_mock/nope"
    wrong = client.get("/_mock/clock/advance")
    assert "GET" in assert_control(wrong, 405)
    assert wrong.headers["Allow"] == "POST"
    put = client.put("/_mock/journal")
    assert "PUT" in assert_control(put, 405)
    assert "GET" in put.headers["Allow"]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/_mock/journal", {"GET", "DELETE"}), ("/_mock/tasks/123", {"GET", "POST"})],
)
def test_allow_lists_every_method_of_the_path(
    client: httpx.Client, path: str, allowed: set[str]
) -> None:
    put = client.put(path)
    assert put.status_code == 405
    assert {m.strip() for m in put.headers["Allow"].split(",")} >= allowed


def test_cdn_unknown_route_and_wrong_method(client: httpx.Client) -> None:
    assert_oss(client.get("/inference_output/whatever.mp4"), 404, "NoSuchKey")
    path = "/inference_output/video/2026-01-01/abc/output.mp4"
    wrong = client.post(path)
    assert_oss(wrong, 405, "MethodNotAllowed")
    assert {m.strip() for m in wrong.headers["Allow"].split(",")} == {"GET", "HEAD"}


# -- bodies that are not what create expects --------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"model": "MiniMax-Hailuo-2.3", "prompt": ', "request body is not valid JSON"),
        (b"", "request body is not valid JSON"),
        (b"\xff\xfe{}", "request body is not valid JSON"),
        (b"[1, 2]", "request body must be a JSON object, got an array"),
        (b'"a prompt"', "request body must be a JSON object, got a string"),
        (b"42", "request body must be a JSON object, got a number"),
        (b"null", "request body must be a JSON object, got null"),
        (b"true", "request body must be a JSON object, got a boolean"),
    ],
)
def test_bad_create_bodies_on_each_surface(
    client: httpx.Client, mock: MiniMaxMock, raw: bytes, expected: str
) -> None:
    official = client.post("/v1/video_generation", content=raw, headers={**AUTH, **JSON})
    message = assert_official(official, 200, 2013)
    assert message.startswith(f"invalid params, {expected}")
    assert official.json()["task_id"] == ""
    gateway = client.post("/minimaxi/v1/video_generation", content=raw, headers={**AUTH, **JSON})
    assert assert_task_error(gateway, 400, "invalid_request").startswith(expected)
    assert len(mock.store) == 0
    entries = list(mock.journal)
    assert [e.rejected is not None for e in entries] == [True, True]
    assert all(e.status in (200, 400) for e in entries)


@pytest.mark.parametrize("raw", [b"{not json", b"[1]", b'"x"', b"3"])
def test_bad_control_bodies_are_400(client: httpx.Client, raw: bytes) -> None:
    client.post("/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH)
    (task,) = client.get("/_mock/tasks").json()["tasks"]
    assert_control(client.post(f"/_mock/tasks/{task['task_id']}", content=raw, headers=JSON), 400)
    assert_control(client.post("/_mock/clock/advance", content=raw, headers=JSON), 400)


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_official_create_requires_json_content_type(
    client: httpx.Client, mock: MiniMaxMock, ctype: str | None
) -> None:
    headers = dict(AUTH)
    if ctype is not None:
        headers["Content-Type"] = ctype
    raw = json.dumps(SEED_REQUESTS["text_to_video"]).encode()
    answer = client.post("/v1/video_generation", content=raw, headers=headers)
    message = assert_official(answer, 200, 2013)
    assert "Content-Type" in message
    assert repr(ctype or "none") in message
    assert len(mock.store) == 0
    (entry,) = mock.journal
    assert entry.rejected is not None and "Content-Type" in entry.rejected


@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8"])
def test_official_create_accepts_json_content_types(client: httpx.Client, ctype: str) -> None:
    raw = json.dumps(SEED_REQUESTS["text_to_video"]).encode()
    answer = client.post(
        "/v1/video_generation", content=raw, headers={**AUTH, "Content-Type": ctype}
    )
    assert assert_official(answer, 200, 0) == "success"


def test_content_type_check_is_a_setting() -> None:
    mock = MiniMaxMock(clock="virtual", require_json_content_type=False)
    raw = json.dumps(SEED_REQUESTS["text_to_video"]).encode()
    with app_client(mock) as client:
        answer = client.post(
            "/v1/video_generation", content=raw, headers={**AUTH, "Content-Type": "text/plain"}
        )
    assert assert_official(answer, 200, 0) == "success"
    assert len(mock.store) == 1


def test_gateway_does_not_check_content_type(client: httpx.Client) -> None:
    raw = json.dumps(SEED_REQUESTS["text_to_video"]).encode()
    answer = client.post(
        "/minimaxi/v1/video_generation", content=raw, headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert answer.status_code == 200
    assert answer.json()["base_resp"]["status_code"] == 0


# -- oversized bodies ------------------------------------------------------------------

LIMIT = 1000


def big_body() -> bytes:
    body = {"model": "MiniMax-Hailuo-2.3", "prompt": "x" * (LIMIT + 200)}
    return json.dumps(body).encode()


@pytest.fixture
def small_mock() -> MiniMaxMock:
    return MiniMaxMock(clock="virtual", max_body_bytes=LIMIT)


@pytest.fixture
def small_client(small_mock: MiniMaxMock) -> Iterator[httpx.Client]:
    with app_client(small_mock) as client:
        yield client


def test_oversized_body_with_content_length(
    small_client: httpx.Client, small_mock: MiniMaxMock
) -> None:
    raw = big_body()
    official = small_client.post("/v1/video_generation", content=raw, headers={**AUTH, **JSON})
    message = assert_official(official, 200, 2013)
    assert message == f"invalid params, request body is {len(raw)} bytes; the limit is {LIMIT}"
    gateway = small_client.post(
        "/minimaxi/v1/video_generation", content=raw, headers={**AUTH, **JSON}
    )
    assert str(LIMIT) in assert_task_error(gateway, 413, "invalid_request")
    control = small_client.post("/_mock/clock/advance", content=raw, headers=JSON)
    assert_control(control, 413)
    assert len(small_mock.store) == 0
    # A body at the limit is still read.
    fits = json.dumps({"model": "MiniMax-Hailuo-2.3", "prompt": "y" * (LIMIT - 60)}).encode()
    assert len(fits) <= LIMIT
    ok = small_client.post("/v1/video_generation", content=fits, headers={**AUTH, **JSON})
    assert assert_official(ok, 200, 0) == "success"


@pytest.fixture
async def small_aclient(small_mock: MiniMaxMock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(small_mock))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        yield client


async def _chunks(data: bytes, size: int = 100) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


@pytest.mark.anyio
async def test_oversized_chunked_body_in_process(
    small_aclient: httpx.AsyncClient, small_mock: MiniMaxMock
) -> None:
    raw = big_body()
    official = await small_aclient.post(
        "/v1/video_generation", content=_chunks(raw), headers={**AUTH, **JSON}
    )
    assert "content-length" not in official.request.headers
    message = assert_official(official, 200, 2013)
    assert message == f"invalid params, request body exceeds the limit of {LIMIT} bytes"
    gateway = await small_aclient.post(
        "/minimaxi/v1/video_generation", content=_chunks(raw), headers={**AUTH, **JSON}
    )
    assert_task_error(gateway, 413, "invalid_request")
    assert len(small_mock.store) == 0


def test_oversized_chunked_body_over_the_wire(small_mock: MiniMaxMock) -> None:
    raw = big_body()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(raw), 100):
            yield raw[i : i + 100]

    with ServerThread(small_mock) as server, requests.Session() as session:
        session.trust_env = False
        official = session.post(
            f"{server.url}/v1/video_generation", data=chunks(), headers={**AUTH, **JSON}, timeout=10
        )
        assert official.request.headers.get("Transfer-Encoding") == "chunked"
        assert official.status_code == 200
        assert official.json()["base_resp"]["status_code"] == 2013
        assert "exceeds the limit" in official.json()["base_resp"]["status_msg"]
        gateway = session.post(
            f"{server.url}/minimaxi/v1/video_generation",
            data=chunks(),
            headers={**AUTH, **JSON},
            timeout=10,
        )
        assert gateway.status_code == 413
        assert gateway.json()["code"] == "invalid_request"
        # The server still answers after refusing half-read bodies.
        health = session.get(f"{server.url}/_mock/health", timeout=10)
        assert health.status_code == 200
    assert len(small_mock.store) == 0


# -- internal faults -------------------------------------------------------------------


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom")


def test_internal_exception_on_each_surface(
    client: httpx.Client, mock: MiniMaxMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MiniMaxMock, "validate", _boom)
    official = client.post(
        "/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH
    )
    assert assert_official(official, 500, 1000) == "unknown error"
    assert official.json()["task_id"] == ""
    gateway = client.post(
        "/minimaxi/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH
    )
    message = assert_one_hub(gateway, 500, "one_hub_panic")
    assert message.startswith("Panic detected, error: RuntimeError: boom")
    assert len(mock.store) == 0

    entries = client.get("/_mock/journal").json()["entries"]
    for entry in entries:
        assert entry["status"] == 500
        assert entry["notes"] == ["internal error: RuntimeError: boom"]
        assert entry["rejected"] is not None
    assert [e["surface"] for e in entries] == ["official", "gateway"]


def test_internal_exception_on_control_and_cdn(
    client: httpx.Client, mock: MiniMaxMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.post("/v1/video_generation", json=SEED_REQUESTS["subject_reference"], headers=AUTH)
    mock.advance(30)
    (task,) = mock.store
    url = mock.file_object(task, "http://mock.test").download_url
    monkeypatch.setattr(MiniMaxMock, "task_json", _boom)
    monkeypatch.setattr(MiniMaxMock, "authorize_download", _boom)
    assert "RuntimeError: boom" in assert_control(client.get("/_mock/tasks"), 500)
    assert_oss(client.get(url), 500, "InternalError")
    assert "boom" not in client.get(url).text  # storage errors do not leak internals
    notes = [e.notes for e in mock.journal if e.status == 500]
    assert len(notes) == 2  # the download, twice; the control API is not journaled
    assert all(n == ["internal error: RuntimeError: boom"] for n in notes)


def test_internal_exception_while_querying(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = client.post(
        "/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH
    ).json()["task_id"]
    monkeypatch.setattr(MiniMaxMock, "query_body", _boom)
    answer = client.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
    assert assert_official(answer, 500, 1000) == "unknown error"
    assert "task_id" not in answer.json()  # only create answers carry task_id ""
    monkeypatch.undo()
    recovered = client.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
    assert recovered.json()["status"] == "Preparing"


# -- nothing stored is lost ------------------------------------------------------------


def test_junk_requests_leave_stored_tasks_untouched(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    created = client.post(
        "/minimaxi/v1/video_generation", json=SEED_REQUESTS["first_frame"], headers=AUTH
    ).json()
    mock.advance(30)

    def snapshot() -> tuple[Any, Any, bytes]:
        query = client.get(
            "/minimaxi/v1/query/video_generation",
            params={"task_id": created["platform_id"]},
            headers=AUTH,
        ).json()
        view = client.get(f"/_mock/tasks/{created['task_id']}").json()
        video = client.get(
            "/minimaxi/v1/files/retrieve_content",
            params={"file_id": query["file_id"]},
            headers=AUTH,
        ).content
        return query, view, video

    before = snapshot()
    assert before[0]["status"] == "Success"
    junk = [
        client.post("/minimaxi/v1/video_generation", content=b"{oops", headers=AUTH),
        client.post("/minimaxi/v1/video_generation", json=[created], headers=AUTH),
        client.post("/minimaxi/v1/video_generation", json={"model": 7}, headers=AUTH),
        client.post("/v1/video_generation", content=b"\x00\x01", headers={**AUTH, **JSON}),
        client.post("/v1/video_generation", json=SEED_REQUESTS["first_frame"]),  # no key
        client.get(
            "/minimaxi/v1/query/video_generation", params={"task_id": "' OR 1=1"}, headers=AUTH
        ),
        client.get("/minimaxi/v1/files/retrieve", params={"file_id": "-1"}, headers=AUTH),
        client.delete(f"/minimaxi/v1/query/video_generation?task_id={created['task_id']}"),
        client.post(f"/_mock/tasks/{created['task_id']}", json={"status": "Exploded"}),
        client.post(f"/_mock/tasks/{created['task_id']}", content=b"{", headers=JSON),
        client.post("/_mock/clock/advance", json={"seconds": -5}),
        client.get("/v1/query/video_generation", params={"task_id": "x" * 5000}, headers=AUTH),
        client.get("/inference_output/video/../../etc/passwd"),
    ]
    assert all(answer.status_code != 200 or "base_resp" in answer.json() for answer in junk)
    assert all("Traceback" not in answer.text for answer in junk)
    assert snapshot() == before
    assert len(mock.store) == 1


# -- request-id headers ----------------------------------------------------------------


def test_official_answers_carry_trace_id(client: httpx.Client) -> None:
    answers = [
        client.post("/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH),
        client.post("/v1/video_generation", json={}, headers=AUTH),
        client.post("/v1/video_generation", json=SEED_REQUESTS["text_to_video"]),
        client.get("/v1/query/video_generation", headers=AUTH),
        client.get("/v1/files/retrieve", params={"file_id": "1"}, headers=AUTH),
        client.get("/v1/nope"),
        client.get("/v1/video_generation"),
    ]
    ids = [a.headers["Trace-Id"] for a in answers]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert all("X-Oneapi-Request-Id" not in a.headers for a in answers)


def test_gateway_answers_carry_oneapi_request_id(client: httpx.Client) -> None:
    answers = [
        client.post(
            "/minimaxi/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH
        ),
        client.post("/minimaxi/v1/video_generation", json={"prompt": ""}, headers=AUTH),
        client.post("/minimaxi/v1/video_generation", json=SEED_REQUESTS["text_to_video"]),
        client.get("/minimaxi/v1/query/video_generation", headers=AUTH),
        client.get("/minimaxi/v1/query/video_generation", params={"task_id": "123"}, headers=AUTH),
        client.get("/minimaxi/v1/nope"),
    ]
    assert [a.status_code for a in answers] == [200, 400, 401, 400, 200, 404]
    ids = [a.headers["X-Oneapi-Request-Id"] for a in answers]
    assert all(GATEWAY_RID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert all("Trace-Id" not in a.headers for a in answers)


def test_control_and_cdn_answers_have_no_api_request_ids(client: httpx.Client) -> None:
    for answer in (client.get("/_mock/health"), client.get("/_mock/nope")):
        assert "Trace-Id" not in answer.headers
        assert "X-Oneapi-Request-Id" not in answer.headers
    cdn = client.get("/inference_output/x")
    assert re.fullmatch(r"[0-9A-F]{24}", cdn.headers["x-oss-request-id"])
