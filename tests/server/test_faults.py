"""Fault rules through HTTP, in-process: each action on each surface, through Python, the
control API, the `X-Mock-Fault` header and prompt directives, with sync and async httpx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from mockminimax.core.faults import ConnectionFault
from mockminimax.core.mock import MiniMaxMock
from mockminimax.inprocess import AsyncASGITransport, SyncASGITransport
from mockminimax.server.app import create_app
from tests.conftest import AUTH, KEY
from tests.helpers import SEED_REQUESTS

T2V = SEED_REQUESTS["text_to_video"]
PREFIX = {"official": "/v1", "gateway": "/minimaxi/v1"}
RATE_LIMIT = (1002, "rate limit, please retry later")


@pytest.fixture
def sync(mock: MiniMaxMock) -> Iterator[httpx.Client]:
    transport = SyncASGITransport(create_app(mock))
    with httpx.Client(transport=transport, base_url="http://mock.test", headers=AUTH) as c:
        yield c


@pytest.fixture
async def async_client(mock: MiniMaxMock) -> AsyncIterator[httpx.AsyncClient]:
    transport = AsyncASGITransport(app=create_app(mock))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://mock.test", headers=AUTH
    ) as c:
        yield c


def create(
    client: httpx.Client, surface: str = "official", body: Any = None, **headers: str
) -> httpx.Response:
    return client.post(f"{PREFIX[surface]}/video_generation", json=body or T2V, headers=headers)


def query(client: httpx.Client, task_id: str, surface: str = "official") -> httpx.Response:
    return client.get(f"{PREFIX[surface]}/query/video_generation", params={"task_id": task_id})


def code_of(response: httpx.Response) -> tuple[int, str]:
    assert response.status_code == 200, response.text
    resp = response.json()["base_resp"]
    return resp["status_code"], resp["status_msg"]


def finished(client: httpx.Client, mock: MiniMaxMock, task_id: str) -> dict[str, Any]:
    mock.advance(3600)
    answer: dict[str, Any] = query(client, task_id).json()
    return answer


# -- minimax_error -----------------------------------------------------------------------


@pytest.mark.parametrize("surface", ["official", "gateway"])
def test_first_two_creates_rate_limited_third_succeeds(
    sync: httpx.Client, mock: MiniMaxMock, surface: str
) -> None:
    rule = mock.faults.add(route="create", minimax_error=1002, times=2)
    for _ in range(2):
        answer = create(sync, surface)
        assert answer.json() == {
            "task_id": "",
            "base_resp": {"status_code": 1002, "status_msg": RATE_LIMIT[1]},
        }
    third = create(sync, surface)
    assert code_of(third) == (0, "success")
    assert third.json()["task_id"].isdigit()
    assert (rule.matched, rule.hits) == (3, 2)
    assert len(mock.store) == 1  # the refused creates made nothing
    assert [e.request_body for e in mock.journal] == [T2V] * 3  # each journaled as sent


@pytest.mark.anyio
async def test_async_client_sees_the_same_rate_limit(
    async_client: httpx.AsyncClient, mock: MiniMaxMock
) -> None:
    mock.faults.add(route="create", minimax_error=1002, times=2)
    codes = []
    for _ in range(3):
        answer = await async_client.post("/v1/video_generation", json=T2V)
        codes.append(answer.json()["base_resp"]["status_code"])
    assert codes == [1002, 1002, 0]


def test_minimax_error_on_query_and_retrieve_with_own_message(
    sync: httpx.Client, mock: MiniMaxMock
) -> None:
    task_id = create(sync).json()["task_id"]
    mock.faults.add(route="query", minimax_error=1002, message="rate limit, slow down", nth=1)
    mock.faults.add(route="retrieve", minimax_error=1013)
    assert query(sync, task_id).json() == {
        "base_resp": {"status_code": 1002, "status_msg": "rate limit, slow down"}
    }
    done = finished(sync, mock, task_id)
    assert done["status"] == "Success"
    retrieved = sync.get("/v1/files/retrieve", params={"file_id": done["file_id"]})
    assert code_of(retrieved) == (1013, "Internal service error")


def test_gateway_passes_minimax_errors_through_with_200(
    sync: httpx.Client, mock: MiniMaxMock
) -> None:
    mock.faults.add(surface="gateway", minimax_error=1008)
    answer = create(sync, "gateway")
    assert answer.status_code == 200
    assert answer.json() == {
        "task_id": "",
        "base_resp": {"status_code": 1008, "status_msg": "insufficient balance"},
    }
    assert "x-oneapi-request-id" in answer.headers
    assert code_of(create(sync, "official")) == (0, "success")  # the rule is gateway-only


# -- http_status -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"), [(429, 1002), (401, 1004), (402, 1008), (500, 1000), (503, 1033)]
)
def test_official_http_status_carries_a_fitting_base_resp(
    sync: httpx.Client, mock: MiniMaxMock, status: int, code: int
) -> None:
    mock.faults.add(route="create", http_status=status)
    answer = create(sync)
    assert answer.status_code == status
    body = answer.json()
    assert body["task_id"] == "" and body["base_resp"]["status_code"] == code
    assert "trace-id" in answer.headers


@pytest.mark.parametrize(
    ("route", "status", "body"),
    [
        ("create", 402, {"code": "insufficient_user_quota", "message": "user quota is not enough"}),
        ("create", 500, {"code": "submit_failed", "message": "unknown error"}),
        ("query", 500, {"code": "task_query_failed", "message": "unknown error"}),
        (
            "create",
            503,
            {"code": "provider_not_found", "message": "no available minimaxi channel for video"},
        ),
        ("query", 404, {"code": "task_not_found", "message": "task not found"}),
    ],
)
def test_gateway_http_status_in_its_task_shape(
    sync: httpx.Client, mock: MiniMaxMock, route: str, status: int, body: dict[str, str]
) -> None:
    mock.faults.add(surface="gateway", route=route, http_status=status)
    if route == "create":
        answer = create(sync, "gateway")
    else:
        answer = query(sync, "123456789012345", "gateway")
    assert answer.status_code == status
    assert answer.json() == body


@pytest.mark.parametrize(
    ("status", "message"), [(401, "无效的令牌"), (429, "您的速率达到上限，请稍后再试。")]
)
def test_gateway_own_refusals_in_one_hub_shape(
    sync: httpx.Client, mock: MiniMaxMock, status: int, message: str
) -> None:
    mock.faults.add(surface="gateway", http_status=status)
    answer = create(sync, "gateway")
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["type"] == "one_hub_error"
    assert error["message"] == f"{message} (request id: {answer.headers['x-oneapi-request-id']})"


def test_html_502_from_a_load_balancer(sync: httpx.Client, mock: MiniMaxMock) -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    mock.faults.add(surface="gateway", http_status=502, body=html, times=1)
    answer = create(sync, "gateway")
    assert answer.status_code == 502
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.text == html
    with pytest.raises(json.JSONDecodeError):
        answer.json()
    assert code_of(create(sync, "gateway")) == (0, "success")


def test_http_status_body_with_a_content_type(sync: httpx.Client, mock: MiniMaxMock) -> None:
    mock.faults.add(http_status=503, body="busy, retry", content_type="text/x-custom")
    answer = create(sync)
    assert (answer.status_code, answer.text) == (503, "busy, retry")
    assert answer.headers["content-type"] == "text/x-custom"
    mock.faults.clear()
    mock.faults.add(http_status=500, body='{"oops": true}')
    assert create(sync).headers["content-type"].startswith("application/json")


# -- task faults -------------------------------------------------------------------------


def _download_url(client: httpx.Client, file_id: str) -> str:
    url: str = client.get("/v1/files/retrieve", params={"file_id": file_id}).json()["file"][
        "download_url"
    ]
    return url


def test_prompt_directive_fails_the_task_with_1026_and_no_file_ever(
    sync: httpx.Client, mock: MiniMaxMock
) -> None:
    body = {**T2V, "prompt": "A man reads a book [mock:fail=1026]"}
    created = create(sync, body=body)
    assert code_of(created) == (0, "success")  # accepted: the failure comes at generation
    task_id = created.json()["task_id"]
    assert query(sync, task_id).json()["status"] == "Preparing"
    done = finished(sync, mock, task_id)
    assert done["status"] == "Fail"
    assert done["base_resp"] == {"status_code": 1026, "status_msg": "input new_sensitive"}
    assert done["file_id"] == ""
    task = mock.find_task(task_id)
    assert task is not None and task.fault_id == "prompt"
    assert task.request.prompt == body["prompt"]  # the directive stays, as sent
    # The file the task would have made does not exist anywhere.
    for path in ("/v1/files/retrieve", "/v1/files/retrieve_content"):
        answer = sync.get(path, params={"file_id": task.file_id})
        assert code_of(answer) == (1000, "record not found")
    cdn = sync.get(f"{task.cdn_path}?Expires=9999999999&Signature=x")
    assert cdn.status_code == 404 and "<Code>NoSuchKey</Code>" in cdn.text


def test_task_fail_rule_through_python_with_the_default_code(
    sync: httpx.Client, mock: MiniMaxMock
) -> None:
    mock.faults.add(route="create", task="fail", model="minimax-hailuo-2.3")
    failed = create(sync).json()["task_id"]
    other = create(sync, body={**T2V, "model": "MiniMax-Hailuo-02"}).json()["task_id"]
    assert finished(sync, mock, failed)["base_resp"]["status_code"] == 1027
    assert finished(sync, mock, other)["status"] == "Success"


def test_stuck_task_stays_processing_forever(sync: httpx.Client, mock: MiniMaxMock) -> None:
    task_id = create(sync, "gateway", {**T2V, "prompt": "A cat [mock:stuck]"}).json()["task_id"]
    for _ in range(3):
        mock.advance(86400)
        answer = query(sync, task_id, "gateway").json()
        assert answer["status"] == "Processing"
    assert mock.task_json(mock.find_task(task_id))["finishes_at"] is None  # type: ignore[arg-type]


def test_slow_task_takes_factor_times_longer(sync: httpx.Client, mock: MiniMaxMock) -> None:
    mock.faults.add(task="slow", factor=4, times=1)
    slow = create(sync).json()["task_id"]
    normal = create(sync).json()["task_id"]
    mock.advance(3.0)  # the fast timing's whole lifecycle
    assert query(sync, normal).json()["status"] == "Success"
    assert query(sync, slow).json()["status"] == "Queueing"  # 2 s + 2 s + 8 s now
    mock.advance(9.0)
    assert query(sync, slow).json()["status"] == "Success"


# -- connection faults in-process --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("reset", httpx.ReadError),
        ("stall", httpx.ReadTimeout),
        ("truncate", httpx.RemoteProtocolError),
    ],
)
def test_connection_faults_raise_httpx_errors_in_process(
    sync: httpx.Client, mock: MiniMaxMock, kind: str, error: type[Exception]
) -> None:
    mock.faults.add(route="create", connection=kind, times=1)
    with pytest.raises(error, match=f"connection {kind}"):
        create(sync)
    entry = list(mock.journal)[-1]
    assert entry.fault == "f1"
    assert entry.notes[0] == f"fault f1: connection={kind}"
    # reset and stall come before MiniMax sees the call; a truncated create took effect.
    assert len(mock.store) == (1 if kind == "truncate" else 0)
    assert code_of(create(sync)) == (0, "success")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("reset", httpx.ReadError),
        ("stall", httpx.ReadTimeout),
        ("truncate", httpx.RemoteProtocolError),
    ],
)
async def test_connection_faults_raise_httpx_errors_in_process_async(
    async_client: httpx.AsyncClient, kind: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await async_client.get(
            "/v1/query/video_generation",
            params={"task_id": "1"},
            headers={"X-Mock-Fault": f"connection={kind}"},
        )


@pytest.mark.anyio
async def test_plain_asgi_transport_gets_the_connection_fault_itself(mock: MiniMaxMock) -> None:
    mock.faults.add(connection="reset")
    transport = httpx.ASGITransport(app=create_app(mock))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        with pytest.raises(ConnectionFault) as caught:
            await client.get("/v1/query/video_generation?task_id=1", headers=AUTH)
    assert caught.value.kind == "reset" and caught.value.rule_id == "f1"


def test_malformed_answers_200_json_that_does_not_parse(
    sync: httpx.Client, mock: MiniMaxMock
) -> None:
    mock.faults.add(route="create", connection="malformed", times=1)
    answer = create(sync)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        answer.json()
    assert answer.text.startswith('{"task_id":"')
    assert len(mock.store) == 1  # the create took effect; its answer was lost


# -- delay -------------------------------------------------------------------------------


def test_delay_waits_the_seeded_jitter_then_answers(
    sync: httpx.Client, mock: MiniMaxMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("mockminimax.server.faults.anyio.sleep", fake_sleep)
    mock.faults.add(route="query", delay=2, jitter=1)
    for _ in range(3):
        assert query(sync, "123").json()["base_resp"]["status_code"] == 1000
    assert len(waits) == 3 and all(1 <= w <= 3 for w in waits)
    mock.reset()
    mock.faults.add(route="query", delay=2, jitter=1)
    replay: list[float] = waits[:]
    waits.clear()
    for _ in range(3):
        query(sync, "123")
    assert waits == replay  # the same seed draws the same jitter


# -- header, prompt and precedence -------------------------------------------------------


def test_header_beats_prompt_beats_rules(sync: httpx.Client, mock: MiniMaxMock) -> None:
    mock.faults.add(route="create", minimax_error=1002)
    body = {**T2V, "prompt": "A cat [mock:error=1008]"}
    header = {"X-Mock-Fault": "minimax_error=2049"}
    assert code_of(create(sync, body=body, **header))[0] == 2049
    assert code_of(create(sync, body=body))[0] == 1008
    assert code_of(create(sync))[0] == 1002
    assert [e.fault for e in mock.journal] == ["header", "prompt", "f1"]
    rule = mock.faults.rules[0]
    assert (rule.matched, rule.hits) == (1, 1)  # the calls the others took never reached it


def test_header_rule_keeps_to_its_route(sync: httpx.Client) -> None:
    header = {"X-Mock-Fault": "route=create,minimax_error=1002"}
    assert (
        code_of(sync.get("/v1/query/video_generation", params={"task_id": "1"}, headers=header))[0]
        == 1000
    )
    assert code_of(create(sync, **header))[0] == 1002


def test_a_body_that_is_not_json_is_refused_before_any_fault(
    sync: httpx.Client, mock: MiniMaxMock
) -> None:
    answer = sync.post(
        "/v1/video_generation",
        content=b"model=x",
        headers={**AUTH, "Content-Type": "application/json", "X-Mock-Fault": "minimax_error=1"},
    )
    assert code_of(answer)[0] == 2013
    entry = list(mock.journal)[-1]
    assert entry.request_body == "model=x"
    assert entry.fault is None


@pytest.mark.parametrize(("surface", "status"), [("official", 200), ("gateway", 400)])
def test_bad_header_is_refused_naming_the_key(
    sync: httpx.Client, mock: MiniMaxMock, surface: str, status: int
) -> None:
    answer = create(sync, surface, **{"X-Mock-Fault": "minimax_error=1002,probablity=0.5"})
    assert answer.status_code == status
    assert "X-Mock-Fault fault rule refused: probablity: unknown key" in answer.text
    assert len(mock.store) == 0


def test_bad_prompt_directive_is_refused_naming_the_key(
    sync: httpx.Client, mock: MiniMaxMock
) -> None:
    answer = create(sync, body={**T2V, "prompt": "A cat [mock:fail=soon]"})
    code, message = code_of(answer)
    assert code == 2013
    assert (
        message == "invalid params, prompt fault rule refused: code: must be an integer, got 'soon'"
    )


def test_directives_are_only_read_from_create_prompts(
    sync: httpx.Client, mock: MiniMaxMock
) -> None:
    answer = sync.get("/v1/query/video_generation", params={"task_id": "[mock:error=1008]"})
    assert code_of(answer)[0] == 1000
    assert list(mock.journal)[-1].fault is None


# -- downloads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (403, "AccessDenied", "Request has expired."),
        (404, "NoSuchKey", "The specified key does not exist."),
    ],
)
def test_download_http_status_in_storage_xml(
    sync: httpx.Client, mock: MiniMaxMock, status: int, code: str, message: str
) -> None:
    task_id = create(sync).json()["task_id"]
    url = _download_url(sync, finished(sync, mock, task_id)["file_id"])
    assert sync.get(url).status_code == 200
    mock.faults.add(route="download", http_status=status)
    answer = sync.get(url)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/xml"
    assert f"<Code>{code}</Code>" in answer.text and f"<Message>{message}</Message>" in answer.text
    assert answer.headers["server"] == "AliyunOSS"


def test_download_truncated_in_process(sync: httpx.Client, mock: MiniMaxMock) -> None:
    task_id = create(sync).json()["task_id"]
    url = _download_url(sync, finished(sync, mock, task_id)["file_id"])
    mock.faults.add(surface="cdn", connection="truncate")
    with pytest.raises(httpx.RemoteProtocolError):
        sync.get(url)


# -- rate limit --------------------------------------------------------------------------


@pytest.mark.parametrize("surface", ["official", "gateway"])
def test_rpm_limits_creates_per_key_on_the_virtual_minute(surface: str) -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, rpm=2)
    transport = SyncASGITransport(create_app(mock))
    with httpx.Client(transport=transport, base_url="http://mock.test", headers=AUTH) as client:
        codes = [code_of(create(client, surface))[0] for _ in range(3)]
        assert codes == [0, 0, 1002]
        other = {"Authorization": "Bearer sk-another-key"}
        assert code_of(create(client, surface, **other))[0] == 0
        query_code = code_of(query(client, "123456789012345", surface))[0]
        assert query_code == 1000  # queries are not limited
        mock.advance(60)
        assert code_of(create(client, surface))[0] == 0
    refused = [e for e in mock.journal if e.fault == "rpm"]
    assert len(refused) == 1 and refused[0].rejected == "1002: " + RATE_LIMIT[1]
    assert refused[0].request_body == T2V


def test_rpm_counts_after_auth(sync: httpx.Client) -> None:
    mock = MiniMaxMock(clock="virtual", rpm=1)
    with httpx.Client(
        transport=SyncASGITransport(create_app(mock)), base_url="http://mock.test"
    ) as client:
        assert code_of(client.post("/v1/video_generation", json=T2V))[0] == 1004
        assert code_of(create(client, Authorization=f"Bearer {KEY}"))[0] == 0


# -- the journal and determinism ---------------------------------------------------------


def test_journal_says_which_rule_fired(sync: httpx.Client, mock: MiniMaxMock) -> None:
    mock.faults.add(route="query", http_status=429, nth=2, id="second-query")
    for _ in range(3):
        query(sync, "1")
    entries = [e.to_json() for e in mock.journal]
    assert [e["fault"] for e in entries] == [None, "second-query", None]
    assert entries[1]["status"] == 429
    assert entries[1]["notes"] == ["fault second-query: http_status=429"]
    assert entries[1]["rejected"].startswith("1002: ")


def _probability_codes(seed: int) -> list[int]:
    mock = MiniMaxMock(clock="virtual", seed=seed)
    mock.faults.add(route="create", minimax_error=1002, probability=0.5)
    transport = SyncASGITransport(create_app(mock))
    with httpx.Client(transport=transport, base_url="http://mock.test", headers=AUTH) as client:
        return [code_of(create(client))[0] for _ in range(20)]


def test_probability_rule_fires_on_the_same_calls_with_one_seed() -> None:
    one, two = _probability_codes(21), _probability_codes(21)
    assert one == two
    assert 0 < one.count(1002) < 20
    assert _probability_codes(22) != one


# -- the control API ---------------------------------------------------------------------


def test_control_api_adds_lists_and_deletes_rules(sync: httpx.Client) -> None:
    added = sync.post("/_mock/faults", json={"route": "create", "minimax_error": 1002, "times": 2})
    assert added.status_code == 201
    assert added.json() == {
        "id": "f1",
        "route": "create",
        "times": 2,
        "minimax_error": 1002,
        "matched": 0,
        "hits": 0,
    }
    text = sync.post("/_mock/faults", json="route=download,http_status=403,id=expired")
    assert text.status_code == 201 and text.json()["id"] == "expired"
    assert [code_of(create(sync))[0] for _ in range(3)] == [1002, 1002, 0]
    listed = sync.get("/_mock/faults").json()
    assert [(r["id"], r["matched"], r["hits"]) for r in listed["faults"]] == [
        ("f1", 3, 2),
        ("expired", 0, 0),
    ]
    assert listed["rpm"] is None
    deleted = sync.delete("/_mock/faults/f1")
    assert deleted.status_code == 200 and deleted.json()["deleted"]["hits"] == 2
    missing = sync.delete("/_mock/faults/f1")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "no fault rule 'f1'", "field": "id"}}
    assert sync.delete("/_mock/faults").json() == {"deleted": 1}
    assert sync.get("/_mock/faults").json()["faults"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"route": "create", "minimax_error": 1002, "probability": 2}, "probability"),
        ({"route": "create"}, "action"),
        ({"route": "create", "minimax_error": 1002, "colour": "red"}, "colour"),
        ("route=create,connection=explode", "connection"),
        ("route=create,minimax_error=1002,task=fail", "task"),
    ],
)
def test_control_api_refuses_bad_rules_naming_the_key(
    sync: httpx.Client, body: Any, field: str
) -> None:
    answer = sync.post("/_mock/faults", json=body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["field"] == field and error["message"].startswith(f"{field}: ")
    assert sync.get("/_mock/faults").json()["faults"] == []


def test_control_api_refuses_broken_json(sync: httpx.Client) -> None:
    answer = sync.post(
        "/_mock/faults", content='{"route": ', headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert "not valid JSON" in answer.json()["error"]["message"]


def test_control_routes_are_never_faulted(sync: httpx.Client, mock: MiniMaxMock) -> None:
    mock.faults.add(http_status=500)
    mock.faults.add(connection="reset")
    assert sync.get("/_mock/health").status_code == 200
    assert (
        sync.get("/_mock/faults", headers={"X-Mock-Fault": "connection=reset"}).status_code == 200
    )
    assert sync.post("/_mock/reset").status_code == 200
    assert sync.get("/_mock/faults").json()["faults"] == []  # reset drops added rules
