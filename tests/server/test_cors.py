"""CORS: browsers' preflights on every API route of the route list, Access-Control-Allow-Origin
on API answers, none at all on the control API and the download host."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import requests
from starlette.responses import Response

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server import app as app_module
from mockminimax.server.exchange import Exchange
from mockminimax.server.routes import ROUTES, RouteSpec
from mockminimax.server.runner import ServerThread
from mockminimax.server.surfaces import GATEWAY, OFFICIAL
from tests.conftest import AUTH, app_client
from tests.helpers import SEED_REQUESTS

API_ROUTES = [r for r in ROUTES if r.surface.name in ("official", "gateway")]
PREFLIGHT = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def listed(value: str) -> list[str]:
    return [v.strip() for v in value.split(",")]


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: f"{r.surface.name}-{r.name}")
def test_every_api_route_answers_a_preflight_from_the_route_list(
    client: httpx.Client, mock: MiniMaxMock, route: RouteSpec
) -> None:
    answer = client.options(concrete(route.path), headers=PREFLIGHT)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert listed(answer.headers["Access-Control-Allow-Methods"]) == [*route.methods, "OPTIONS"]
    allowed = listed(answer.headers["Access-Control-Allow-Headers"])
    assert "Authorization" in allowed
    assert ("Content-Type" in allowed) == ("POST" in route.methods)
    assert set(route.headers) <= set(allowed)
    assert len(mock.store) == 0
    (entry,) = list(mock.journal)
    assert (entry.method, entry.route, entry.status) == ("OPTIONS", route.name, 200)


def test_official_preflight_is_what_minimax_was_seen_sending(client: httpx.Client) -> None:
    answer = client.options(
        "/v1/video_generation",
        headers={**PREFLIGHT, "Access-Control-Request-Headers": "authorization,x-custom"},
    )
    assert answer.json() == {"status_code": 0, "status_msg": "success"}
    allowed = listed(answer.headers["Access-Control-Allow-Headers"])
    assert allowed == [
        "Authorization",
        "Content-Type",
        "Trace-Id",
        "X-Group-Id",
        "MM-API-Source",
    ]
    assert "Trace-Id" in answer.headers  # the surface's own headers, as on every answer


def test_gateway_preflight_allows_the_headers_asked_for(client: httpx.Client) -> None:
    asked = "authorization, X-Stainless-Lang ,content-type,bad header,\x7f, x-" + "y" * 80
    answer = client.options(
        "/minimaxi/v1/video_generation",
        headers={**PREFLIGHT, "Access-Control-Request-Headers": asked},
    )
    assert answer.status_code == 200
    assert answer.content == b""
    allowed = listed(answer.headers["Access-Control-Allow-Headers"])
    assert allowed[:2] == ["Authorization", "Content-Type"]
    assert "X-Stainless-Lang" in allowed and "authorization" in allowed
    assert not any(" " in a or len(a) > 64 for a in allowed)
    assert "X-Oneapi-Request-Id" in answer.headers


def test_api_answers_carry_allow_origin_errors_included(client: httpx.Client) -> None:
    created = client.post("/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH)
    answers = [
        created,
        client.get("/v1/query/video_generation", params={"task_id": created.json()["task_id"]}),
        client.post("/minimaxi/v1/video_generation", json={}),  # 401
        client.get("/v1/nowhere", headers=AUTH),  # 404
        client.delete("/v1/video_generation", headers=AUTH),  # 405
        client.options("/v1/nowhere", headers=PREFLIGHT),  # 404 in the surface's shape
    ]
    for answer in answers:
        assert answer.headers["Access-Control-Allow-Origin"] == "*", answer.request.url
    assert answers[0].headers["Access-Control-Expose-Headers"] == "*"
    assert answers[-1].status_code == 404
    assert answers[-1].json()["base_resp"]["status_code"] == 2013
    assert answers[-2].status_code == 405
    assert listed(answers[-2].headers["Allow"]) == ["POST"]  # the API's own methods


def test_unknown_gateway_path_preflight_is_its_404(client: httpx.Client) -> None:
    answer = client.options("/minimaxi/v1/nowhere", headers=PREFLIGHT)
    assert answer.status_code == 404
    assert answer.json()["error"]["type"] == "one_hub_error"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_control_api_and_download_host_send_no_cors_headers(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    task_id = client.post(
        "/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH
    ).json()["task_id"]
    mock.advance(60)
    file_id = client.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
    url = client.get(
        "/v1/files/retrieve", params={"file_id": file_id.json()["file_id"]}, headers=AUTH
    ).json()["file"]["download_url"]
    answers = {
        "health": client.get("/_mock/health", headers={"Origin": "https://app.example.com"}),
        "control preflight": client.options("/_mock/health", headers=PREFLIGHT),
        "control 404": client.options("/_mock/nowhere", headers=PREFLIGHT),
        "download": client.get(url, headers={"Origin": "https://app.example.com"}),
        "download preflight": client.options(url, headers=PREFLIGHT),
    }
    for name, answer in answers.items():
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")], name
    assert answers["health"].status_code == 403  # a foreign page: refused, not just un-CORSed
    assert answers["health"].json()["error"]["field"] == "Origin"
    assert answers["download"].status_code == 200
    assert answers["control preflight"].status_code in (403, 405)
    assert "error" in answers["control preflight"].json()
    assert answers["download preflight"].status_code == 405
    assert "<Code>MethodNotAllowed</Code>" in answers["download preflight"].text


def test_a_setting_turns_cors_off() -> None:
    with app_client(MiniMaxMock(clock="virtual", cors=False)) as client:
        official = client.options("/v1/video_generation", headers=PREFLIGHT)
        gateway = client.options("/minimaxi/v1/video_generation", headers=PREFLIGHT)
        created = client.post(
            "/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH
        )
    assert official.status_code == 405
    assert official.json()["base_resp"]["status_code"] == 2013
    assert listed(official.headers["Allow"]) == ["POST"]
    assert gateway.status_code == 404  # gin answers a wrong method like an unknown route
    assert gateway.json()["error"]["message"].startswith("Invalid URL (OPTIONS ")
    for answer in (official, gateway, created):
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
    assert created.json()["base_resp"]["status_code"] == 0


def test_preflights_are_never_faulted_rate_limited_or_authenticated() -> None:
    mock = MiniMaxMock(clock="virtual", rpm=1, api_keys=("only-this",))
    mock.faults.add(route="create", http_status=500)
    with app_client(mock) as client:
        answers = [client.options("/v1/video_generation", headers=PREFLIGHT) for _ in range(3)]
        create = client.post(
            "/v1/video_generation",
            json=SEED_REQUESTS["text_to_video"],
            headers={"Authorization": "Bearer only-this"},
        )
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert create.status_code == 500  # the rule still fires on the real request
    assert create.headers["Access-Control-Allow-Origin"] == "*"


def test_a_route_added_to_the_route_list_gets_cors_for_free(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def cancel(ex: Exchange) -> Response:
        return ex.json({"cancelled": ex.request.path_params["task_id"]})

    extra = (
        RouteSpec(OFFICIAL, "v2_cancel", ("DELETE",), "/v2/video_generation/{task_id}", cancel,
                  "cancel", ("X-Reason",)),
        RouteSpec(GATEWAY, "v2_put", ("PUT",), "/minimaxi/v2/thing", cancel, "put"),
    )  # fmt: skip
    monkeypatch.setattr(app_module, "ROUTES", (*ROUTES, *extra))
    with app_client(MiniMaxMock(clock="virtual")) as client:
        preflight = client.options("/v2/video_generation/42", headers=PREFLIGHT)
        gateway = client.options("/minimaxi/v2/thing", headers=PREFLIGHT)
        answer = client.delete("/v2/video_generation/42", headers=AUTH)
    assert listed(preflight.headers["Access-Control-Allow-Methods"]) == ["DELETE", "OPTIONS"]
    assert listed(preflight.headers["Access-Control-Allow-Headers"])[:2] == [
        "Authorization",
        "X-Reason",
    ]
    assert listed(gateway.headers["Access-Control-Allow-Headers"])[:2] == [
        "Authorization",
        "Content-Type",
    ]
    assert answer.json() == {"cancelled": "42"}
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_over_a_real_socket(live: ServerThread) -> None:
    """The bytes a browser gets: requests and httpx over the live server."""
    headers: dict[str, Any] = {**PREFLIGHT, "Access-Control-Request-Headers": "authorization"}
    with requests.Session() as session:
        session.trust_env = False
        by_requests = session.options(
            live.url + "/minimaxi/v1/files/retrieve_content", headers=headers, timeout=10
        )
    with httpx.Client(trust_env=False) as http:
        by_httpx = http.options(live.url + "/v1/files/retrieve_content", headers=headers)
    for answer in (by_requests, by_httpx):
        assert answer.status_code == 200
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert listed(answer.headers["Access-Control-Allow-Methods"]) == ["GET", "HEAD", "OPTIONS"]
        assert "Range" in listed(answer.headers["Access-Control-Allow-Headers"])
