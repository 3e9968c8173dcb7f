"""A request the mock refuses changes nothing; fault directives act only on requests that
passed the checks; no path redirects."""

from __future__ import annotations

import httpx
import pytest

from mockminimax.core.mock import MiniMaxMock
from tests.conftest import AUTH, app_client
from tests.helpers import SEED_REQUESTS
from tests.server.test_errors import assert_official

JSON = {"Content-Type": "application/json"}
T2V = SEED_REQUESTS["text_to_video"]


# -- no redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, status, shape",
    [
        ("POST", "/v1/video_generation/", 404, "official"),
        ("GET", "/v1/query/video_generation/", 404, "official"),
        ("POST", "/minimaxi/v1/video_generation/", 404, "gateway"),
        ("GET", "/_mock/health/", 404, "control"),
        ("GET", "/inference_output/video/2026-01-01/k/output.mp4/", 404, "cdn"),
        ("GET", "//v1/video_generation", 404, "official"),
    ],
)
def test_trailing_slash_is_the_surfaces_own_404(
    client: httpx.Client, method: str, path: str, status: int, shape: str
) -> None:
    answer = client.request(method, path, json=T2V, headers={**AUTH, "Host": "evil.example"})
    assert answer.status_code == status
    assert "location" not in answer.headers
    if shape == "official":
        assert answer.json()["base_resp"]["status_code"] == 2013
    elif shape == "gateway":
        assert answer.json()["error"]["message"].startswith("Invalid URL")
    elif shape == "control":
        assert "error" in answer.json()
    else:
        assert "<Code>NoSuchKey</Code>" in answer.text


# -- refused requests change nothing ----------------------------------------------------------

REFUSED = {
    "no key": ({}, T2V, None),
    "text/plain": ({**AUTH, "Content-Type": "text/plain"}, T2V, None),
    "not json": ({**AUTH, **JSON}, b"{", None),
    "unknown model": ({**AUTH, **JSON}, {**T2V, "model": "nope"}, None),
    "bad duration": ({**AUTH, **JSON}, {**T2V, "duration": 7}, None),
    "nan": ({**AUTH, **JSON}, b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a", "x": NaN}', None),
    "bad header": ({**AUTH, "X-Mock-Fault": "delay=-1"}, T2V, None),
}


@pytest.mark.parametrize("prefix", ["/v1", "/minimaxi/v1"])
@pytest.mark.parametrize("headers, body, _", REFUSED.values(), ids=list(REFUSED))
def test_a_refused_create_touches_no_task_rule_or_limit(
    prefix: str, headers: dict[str, str], body: object, _: None
) -> None:
    mock = MiniMaxMock(clock="virtual", seed=5, rpm=1)
    mock.faults.add(route="create", delay=0, id="counting")
    with app_client(mock) as client:
        if isinstance(body, bytes):
            answer = client.post(f"{prefix}/video_generation", content=body, headers=headers)
        elif headers.get("Content-Type") == "text/plain":
            answer = client.post(
                f"{prefix}/video_generation", content=str(body).encode(), headers=headers
            )
        else:
            answer = client.post(f"{prefix}/video_generation", json=body, headers=headers)
        if prefix == "/v1":
            assert answer.json()["base_resp"]["status_code"] != 0
        else:
            assert answer.status_code >= 400 or answer.json()["base_resp"]["status_code"] != 0
        assert len(mock.store) == 0
        (rule,) = mock.faults.rules
        assert (rule.matched, rule.hits) == (0, 0)
        assert len(mock.limiter) == 0
        # The one create the limit allows is still there to take.
        ok = client.post(f"{prefix}/video_generation", json=T2V, headers=AUTH)
        assert ok.json()["base_resp"]["status_code"] == 0
        assert (rule.matched, rule.hits) == (1, 1)


def test_a_refused_fault_rule_is_not_installed(client: httpx.Client, mock: MiniMaxMock) -> None:
    raw = b'{"id": "\\udc80", "route": "create", "minimax_error": 1002}'
    answer = client.post("/_mock/faults", content=raw, headers=JSON)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("id: ")
    assert client.get("/_mock/faults").json()["faults"] == []
    taken = client.post("/_mock/faults", json={"id": "x", "minimax_error": 1002})
    assert taken.status_code == 201
    again = client.post("/_mock/faults", json={"id": "x", "minimax_error": 1008})
    assert again.status_code == 400
    assert [r["id"] for r in client.get("/_mock/faults").json()["faults"]] == ["x"]


def test_refused_queries_touch_no_rule(client: httpx.Client, mock: MiniMaxMock) -> None:
    rule = mock.faults.add(delay=0)
    client.get("/v1/query/video_generation", params={"task_id": "1"})  # no key
    client.get("/v1/query/video_generation", headers=AUTH)  # no task_id
    client.get("/minimaxi/v1/files/retrieve", params={"file_id": "1"})  # no key
    client.get("/v1/files/retrieve", params={"file_id": "x"}, headers=AUTH)  # not a number
    assert (rule.matched, rule.hits) == (0, 0)
    client.get("/v1/query/video_generation", params={"task_id": "1"}, headers=AUTH)
    assert (rule.matched, rule.hits) == (1, 1)


# -- directives only on requests that passed the checks ----------------------------------------

SCRIPT = "[mock:http=200,body='<script>alert(1)</script>',content_type=text/html]"


@pytest.mark.parametrize("prefix", ["/v1", "/minimaxi/v1"])
def test_a_directive_in_an_unauthenticated_text_plain_create_does_nothing(
    client: httpx.Client, prefix: str
) -> None:
    body = f'{{"model": "MiniMax-Hailuo-2.3", "prompt": "{SCRIPT}"}}'.encode()
    answer = client.post(
        f"{prefix}/video_generation", content=body, headers={"Content-Type": "text/plain"}
    )
    assert answer.headers["content-type"].startswith("application/json")
    assert "<script>" not in answer.text
    if prefix == "/v1":
        assert_official(answer, 200, 1004)
    else:
        assert answer.status_code == 401


@pytest.mark.parametrize("prefix", ["/v1", "/minimaxi/v1"])
def test_a_directive_cannot_set_html(client: httpx.Client, mock: MiniMaxMock, prefix: str) -> None:
    answer = client.post(f"{prefix}/video_generation", json={**T2V, "prompt": SCRIPT}, headers=AUTH)
    assert "<script>" not in answer.text
    assert "content_type" in answer.text
    assert answer.headers["content-type"].startswith("application/json")
    header = client.post(
        f"{prefix}/video_generation",
        json=T2V,
        headers={**AUTH, "X-Mock-Fault": "http_status=200,body=x,content_type=text/html"},
    )
    assert "content_type" in header.text
    assert len(mock.store) == 0


def test_a_directive_body_that_looks_like_html_is_sent_as_text(client: httpx.Client) -> None:
    prompt = "[mock:http=200,body='<script>alert(1)</script>']"
    answer = client.post("/v1/video_generation", json={**T2V, "prompt": prompt}, headers=AUTH)
    assert answer.text == "<script>alert(1)</script>"
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_an_installed_rule_may_still_serve_a_gateway_html_page(client: httpx.Client) -> None:
    client.post("/_mock/faults", json={"http_status": 502, "body": "<html>502</html>"})
    answer = client.post("/v1/video_generation", json=T2V, headers=AUTH)
    assert answer.status_code == 502
    assert answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("value", ["text/plain\r\nX-Evil: 1", "text/plain\nX", "a\rb"])
def test_cr_and_lf_are_refused_in_content_type(client: httpx.Client, value: str) -> None:
    prompt = f"[mock:http=200,body=x,content_type='{value}']"
    answer = client.post("/v1/video_generation", json={**T2V, "prompt": prompt}, headers=AUTH)
    message = assert_official(answer, 200, 2013)
    assert "content_type: must not hold CR or LF" in message
    rule = client.post(
        "/_mock/faults", json={"http_status": 500, "body": "x", "content_type": value}
    )
    assert rule.status_code == 400
    assert rule.json()["error"]["field"] == "content_type"


# -- the same on the newer routes: V2, files, the Video Agent -----------------------------------

V2_BODY = {
    "model": "MiniMax-H3",
    "content": [{"type": "text", "text": "Waves on a basalt shore"}],
    "resolution": "768P",
    "duration": 4,
    "ratio": "16:9",
}
AGENT_BODY = {
    "template_id": "393769180141805569",
    "text_inputs": [{"value": "Lion"}],
    "media_inputs": [{"value": "https://example.com/face.jpg"}],
}
#: route name -> (method, path, a refused request's kwargs, an accepted request's kwargs)
NEWER: dict[str, tuple[str, str, dict[str, object], dict[str, object]]] = {
    "v2 create": (
        "POST",
        "/v2/video_generation",
        {"content": b'{"model": "MiniMax-H3", "duration": NaN}', "headers": {**AUTH, **JSON}},
        {"json": V2_BODY, "headers": AUTH},
    ),
    "v2 list": (
        "GET",
        "/v2/query/video_generation",
        {"params": {"page_size": "²"}, "headers": AUTH},
        {"headers": AUTH},
    ),
    "upload": (
        "POST",
        "/v1/files/upload",
        {"content": b"--x\r\n", "headers": {**AUTH, "Content-Type": "multipart/form-data"}},
        {
            "files": {"file": ("a.txt", b"hello")},
            "data": {"purpose": "t2a_async_input"},
            "headers": AUTH,
        },
    ),
    "files list": (
        "GET",
        "/v1/files/list",
        {"params": {"purpose": "nope"}, "headers": AUTH},
        {"params": {"purpose": "t2a_async_input"}, "headers": AUTH},
    ),
    "agent create": (
        "POST",
        "/v1/video_template_generation",
        {"json": {**AGENT_BODY, "template_id": 7}, "headers": AUTH},
        {"json": AGENT_BODY, "headers": AUTH},
    ),
    "agent query": (
        "GET",
        "/v1/query/video_template_generation",
        {"headers": AUTH},
        {"params": {"task_id": "1"}, "headers": AUTH},
    ),
}


@pytest.mark.parametrize("name", list(NEWER))
def test_a_refused_request_on_a_newer_route_touches_no_task_or_rule(name: str) -> None:
    method, path, refused, accepted = NEWER[name]
    mock = MiniMaxMock(clock="virtual", seed=5)
    rule = mock.faults.add(delay=0, id="counting")
    with app_client(mock) as client:
        answer = client.request(method, path, **refused)
        assert answer.status_code >= 400 or answer.json()["base_resp"]["status_code"] != 0
        assert "application/json" in answer.headers["content-type"]
        assert (len(mock.store), len(mock.files)) == (0, 0)
        assert (rule.matched, rule.hits) == (0, 0)
        client.request(method, path, **accepted)
        assert (rule.matched, rule.hits) == (1, 1)
