"""Fault rules through the fixtures: `faults.add(...)`, the marker's `faults=`, and the same
scenario reading the same under the live server and the respx router."""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)

FAULTS = """
import httpx
import pytest

BODY = {"model": "MiniMax-Hailuo-2.3", "prompt": "A kite over the sea"}
BOTH = pytest.mark.parametrize("fixture", ["minimax_server", "minimax_respx"])


def client(api):
    return httpx.Client(base_url=api.base_url, headers={"Authorization": f"Bearer {api.api_key}"})


@BOTH
def test_a_minimax_error_then_success(request, fixture):
    api = request.getfixturevalue(fixture)
    rule = api.faults.add(route="create", minimax_error=1002, times=1)
    with client(api) as http:
        first = http.post("/v1/video_generation", json=BODY).json()
        second = http.post("/v1/video_generation", json=BODY).json()
    assert first["base_resp"]["status_msg"] == "rate limit, please retry later"
    assert second["base_resp"]["status_code"] == 0
    assert [r.fault for r in api.requests] == [rule.id, None]
    assert (rule.matched, rule.hits) == (2, 1)


@BOTH
def test_a_dropped_connection(request, fixture):
    api = request.getfixturevalue(fixture)
    api.faults.add(route="query", connection="reset", nth=1)
    with client(api) as http:
        task_id = http.post("/v1/video_generation", json=BODY).json()["task_id"]
        with pytest.raises(httpx.TransportError):
            http.get("/v1/query/video_generation", params={"task_id": task_id})
        again = http.get("/v1/query/video_generation", params={"task_id": task_id})
    assert again.json()["status"] == "Preparing"


@pytest.mark.anyio
async def test_async_clients_see_the_same_errors(minimax_respx):
    minimax_respx.faults.add(route="create", connection="stall", times=1)
    minimax_respx.faults.add(route="create", http_status=503, times=1)
    auth = {"Authorization": f"Bearer {minimax_respx.api_key}"}
    async with httpx.AsyncClient(base_url=minimax_respx.base_url, headers=auth) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.post("/v1/video_generation", json=BODY)
        assert (await http.post("/v1/video_generation", json=BODY)).status_code == 503
        assert (await http.post("/v1/video_generation", json=BODY)).status_code == 200


@BOTH
@pytest.mark.minimax(faults=["route=create,task=fail,code=1026"])
def test_a_task_fault_from_the_marker(request, fixture):
    api = request.getfixturevalue(fixture)
    with client(api) as http:
        task_id = http.post("/v1/video_generation", json=BODY).json()["task_id"]
        api.advance(60)
        query = http.get("/v1/query/video_generation", params={"task_id": task_id}).json()
    assert (query["status"], query["base_resp"]["status_code"]) == ("Fail", 1026)
    assert api.task(task_id).fault == "f1"


@BOTH
def test_faults_do_not_outlive_their_test(request, fixture):
    api = request.getfixturevalue(fixture)
    assert len(api.faults) == 0
"""


def test_fault_rules_under_both_fixtures(downstream: Downstream) -> None:
    downstream.files(test_faults=FAULTS)
    result = downstream.run("-W", "error", "-p", "no:randomly")
    result.assert_outcomes(passed=9)
