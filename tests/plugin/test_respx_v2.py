"""`minimax_respx` and `minimax_server` answer V2 (`/v2/...`) the same way, on every MiniMax
host, for sync and async httpx clients."""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)

V2_LIFECYCLE = """
import httpx
import pytest

HOSTS = ["api.minimax.io", "api.minimaxi.com", "api.minimax.cn"]


@pytest.mark.parametrize("host", HOSTS)
def test_v2_on_every_host(minimax_respx, minimax_payloads, host):
    api = minimax_respx
    auth = {"Authorization": f"Bearer {api.api_key}"}
    with httpx.Client(base_url=f"https://{host}", headers=auth) as http:
        body = minimax_payloads.v2_text_to_video(model="MiniMax-H3", resolution="768P",
                                                 ratio="16:9", duration=4)
        created = http.post("/v2/video_generation", json=body)
        assert created.status_code == 200 and set(created.json()) == {"task_id"}
        task_id = created.json()["task_id"]
        assert api.task(task_id).v2_status == "queued"
        api.advance(5)
        task = http.get(f"/v2/query/video_generation/{task_id}").json()["task"]
        listed = http.get("/v2/query/video_generation", params={"filter.status": "succeeded"})
        missing = http.get("/v2/query/video_generation/123456789012345")
    assert task["status"] == "succeeded"
    url = task["content"]["url"]
    assert url.startswith("https://video-product.cdn.minimax.io/inference_output/rollout/")
    video = httpx.get(url)
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert listed.json()["total"] == 1
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"
    assert api.requests.routes == ["create", "query", "list_tasks", "query", "download"]
    assert {r.surface for r in api.requests} == {"v2", "cdn"}


@pytest.mark.anyio
async def test_v2_async_and_errors(minimax_respx, minimax_payloads):
    api = minimax_respx
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        anonymous = await http.post("/v2/video_generation", json={})
        auth = {"Authorization": f"Bearer {api.api_key}"}
        body = minimax_payloads.v2_context_ir()
        created = await http.post("/v2/h3_context_ir", json=body, headers=auth)
        task_id = created.json()["task_id"]
        await api.asleep(5)
        task = (await http.get(f"/v2/query/video_generation/{task_id}", headers=auth)).json()
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["type"] == "authorized_error"
    assert task["task"]["modality"] == "text" and task["task"]["content"]["prompt"]


@pytest.mark.parametrize("fixture", ["minimax_server", "minimax_respx"])
def test_same_reading_on_both_fixtures(request, fixture, minimax_payloads):
    api = request.getfixturevalue(fixture)
    auth = {"Authorization": f"Bearer {api.api_key}"}
    api.faults.add(route="create", surface="v2", minimax_error=1002, times=1)
    with httpx.Client(base_url=api.base_url, headers=auth) as http:
        limited = http.post("/v2/video_generation", json=minimax_payloads.v2_text_to_video())
        created = http.post("/v2/video_generation", json=minimax_payloads.v2_text_to_video())
        gone = http.delete(f"/v2/video_generation/{created.json()['task_id']}")
    assert limited.status_code == 429
    assert gone.json()["action"] == "cancelled"
    assert api.tasks[0].v2_status == "cancelled"
"""


def test_v2_through_both_fixtures(downstream: Downstream) -> None:
    downstream.files(test_v2=V2_LIFECYCLE)
    result = downstream.run("-W", "error", "-p", "no:randomly")
    result.assert_outcomes(passed=6)
