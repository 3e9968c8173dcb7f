"""`minimax_respx`: httpx calls to MiniMax answered in-process, sync and async alike."""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)

SYNC_AND_ASYNC = """
import httpx
import pytest

HOSTS = ["api.minimax.io", "api.minimaxi.com", "api.minimax.chat", "api.minimaxi.chat",
         "api.minimax.cn"]


@pytest.mark.parametrize("host", HOSTS)
def test_sync_lifecycle_on_every_host(minimax_respx, minimax_payloads, host):
    api = minimax_respx
    assert api.kind == "respx" and api.base_url == "https://api.minimax.io"
    auth = {"Authorization": f"Bearer {api.api_key}"}
    with httpx.Client(base_url=f"https://{host}", headers=auth) as http:
        body = minimax_payloads.text_to_video(resolution="768P", duration=10)
        task_id = http.post("/v1/video_generation", json=body).json()["task_id"]
        api.advance(3)
        query = http.get("/v1/query/video_generation", params={"task_id": task_id}).json()
        size = (query["video_width"], query["video_height"])
        assert (query["status"], size) == ("Success", (1366, 768))
        file = http.get("/v1/files/retrieve", params={"file_id": query["file_id"]}).json()["file"]
        content = http.get("/v1/files/retrieve_content", params={"file_id": query["file_id"]})
    url = file["download_url"]
    assert url.startswith("https://video-product.cdn.minimax.io/inference_output/video/")
    video = httpx.get(url)  # no key, another client: the download host answers too
    assert video.status_code == 200 and video.content == content.content
    assert video.headers["server"] == "AliyunOSS"
    assert httpx.head(url).headers["content-length"] == str(len(video.content))
    part = httpx.get(url, headers={"Range": "bytes=0-7"})
    assert (part.status_code, part.content) == (206, video.content[:8])
    assert api.requests.routes == [
        "create", "query", "retrieve", "retrieve_content", "download", "download", "download"
    ]
    assert {r.path for r in api.requests.filter(route="create")} == {"/v1/video_generation"}


@pytest.mark.anyio
async def test_async_lifecycle(minimax_respx, minimax_payloads):
    api = minimax_respx
    auth = {"Authorization": f"Bearer {api.api_key}"}
    async with httpx.AsyncClient(base_url=api.base_url, headers=auth) as http:
        created = await http.post("/v1/video_generation", json=minimax_payloads.image_to_video())
        task_id = created.json()["task_id"]
        assert api.task(task_id).status == "Preparing"
        await api.asleep(10)
        query = (await http.get(f"/v1/query/video_generation?task_id={task_id}")).json()
        file = (await http.get(f"/v1/files/retrieve?file_id={query['file_id']}")).json()["file"]
        video = await http.get(file["download_url"])
    assert video.content[4:8] == b"ftyp"
    assert api.requests.routes == ["create", "query", "retrieve", "download"]


@pytest.mark.anyio
async def test_async_and_sync_clients_in_one_test(minimax_respx, minimax_payloads):
    auth = {"Authorization": f"Bearer {minimax_respx.api_key}"}
    body = minimax_payloads.text_to_video()
    async with httpx.AsyncClient(headers=auth) as http:
        first = (await http.post("https://api.minimax.io/v1/video_generation", json=body)).json()
    with httpx.Client(headers=auth) as http:
        second = http.post("https://api.minimax.io/v1/video_generation", json=body).json()
    assert first["task_id"] != second["task_id"] and len(minimax_respx.tasks) == 2


def test_validation_errors_come_through(minimax_respx):
    auth = {"Authorization": f"Bearer {minimax_respx.api_key}"}
    body = {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "duration": 10, "resolution": "1080P"}
    answer = httpx.post(f"{minimax_respx.base_url}/v1/video_generation", json=body, headers=auth)
    assert answer.json()["base_resp"]["status_code"] == 2013
    assert minimax_respx.requests.last.rejected.startswith("2013: invalid params, duration")
"""

HOSTS_AND_GATEWAYS = """
import httpx
import pytest

AUTH = {"Authorization": "Bearer sk-test"}
BODY = {"model": "MiniMax-Hailuo-2.3", "prompt": "A lighthouse at dusk"}


@pytest.mark.minimax(gateway_urls=["https://hub.example.com/api/minimaxi/v1", "http://localhost:3000"])
def test_gateway_base_urls(minimax_respx):
    assert minimax_respx.gateway_url == "https://hub.example.com/api/minimaxi/v1"
    with httpx.Client(headers=AUTH) as http:
        one = http.post("https://hub.example.com/api/minimaxi/v1/video_generation", json=BODY)
        two = http.post("http://localhost:3000/minimaxi/v1/video_generation", json=BODY)
        query = http.get("http://localhost:3000/minimaxi/v1/query/video_generation",
                         params={"task_id": one.json()["platform_id"]})
    assert one.json()["platform_id"].startswith("video_") and "platform_id" in two.json()
    assert query.json()["status"] == "Preparing"
    assert [r.path for r in minimax_respx.requests] == [
        "/minimaxi/v1/video_generation",
        "/minimaxi/v1/video_generation",
        "/minimaxi/v1/query/video_generation",
    ]


def test_browser_preflights_in_process(minimax_respx):
    asked = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
    with httpx.Client() as http:
        official = http.options("https://api.minimax.io/v1/video_generation", headers=asked)
        gateway = http.options("https://api.minimax.io/minimaxi/v1/video_generation",
                               headers=asked)
    assert official.status_code == gateway.status_code == 200
    assert official.json() == {"status_code": 0, "status_msg": "success"}
    assert official.headers["access-control-allow-origin"] == "*"
    assert gateway.headers["access-control-allow-methods"] == "POST,OPTIONS"
    assert [(r.method, r.route) for r in minimax_respx.requests] == [
        ("OPTIONS", "create"), ("OPTIONS", "create")
    ]


def test_extra_hosts_from_the_ini(minimax_respx):
    answer = httpx.post("https://api-uw.minimax.io/v1/video_generation", json=BODY, headers=AUTH)
    assert answer.json()["base_resp"]["status_code"] == 0


@pytest.mark.minimax(cdn_url="https://files.example.net/media")
def test_another_download_host(minimax_respx):
    with httpx.Client(base_url=minimax_respx.base_url, headers=AUTH) as http:
        task_id = http.post("/v1/video_generation", json=BODY).json()["task_id"]
        file_id = minimax_respx.complete(task_id).file_id
        url = http.get(f"/v1/files/retrieve?file_id={file_id}").json()["file"]["download_url"]
    assert url.startswith("https://files.example.net/media/inference_output/")
    assert httpx.get(url).content[4:8] == b"ftyp"
"""

OTHER_HOSTS = """
import httpx
import pytest
import respx
from respx.mocks import HTTPCoreMocker


def test_loopback_passes_through(minimax_server, minimax_respx):
    # The live server is just another host to the router, and a local one: the request
    # goes out for real even though other hosts are refused.
    query = httpx.get(
        f"{minimax_server.base_url}/v1/query/video_generation?task_id=1",
        headers={"Authorization": "Bearer k"},
    )
    assert query.json()["base_resp"]["status_code"] == 1000
    assert minimax_server.requests.routes == ["query"]
    assert minimax_respx.requests.routes == []


@pytest.mark.minimax(unmatched="passthrough")
def test_loopback_passes_through_in_passthrough_mode_too(minimax_server, minimax_respx):
    assert httpx.get(f"{minimax_server.base_url}/_mock/health").status_code == 200


def test_other_hosts_refused_by_default(minimax_respx):
    with pytest.raises(AssertionError, match="mockminimax refused GET https://example.com/x"):
        httpx.get("https://example.com/x")


@pytest.mark.parametrize("unmatched", ["passthrough", "refuse"])
def test_a_test_s_own_respx_routes_still_answer(request, unmatched, respx_mock):
    request.applymarker(pytest.mark.minimax(unmatched=unmatched))
    minimax = request.getfixturevalue("minimax_respx")
    respx_mock.get("https://example.com/mine").respond(204)
    assert httpx.get("https://example.com/mine").status_code == 204
    assert httpx.post("https://api.minimax.io/v1/video_generation", json={}).status_code == 200
    assert minimax.requests.routes == ["create"]


def test_routes_of_your_own_on_the_router(minimax_respx):
    minimax_respx.router.get("https://other.example/ping").respond(200, json={"pong": True})
    assert httpx.get("https://other.example/ping").json() == {"pong": True}


def test_a_route_of_your_own_wins_over_the_mock(minimax_respx):
    minimax_respx.router.post("https://api.minimax.io/v1/video_generation").respond(503)
    assert httpx.post("https://api.minimax.io/v1/video_generation", json={}).status_code == 503
    assert httpx.get("https://api.minimax.io/v1/query/video_generation").status_code == 200
    assert minimax_respx.requests.routes == ["query"]


def test_nothing_is_left_patched_after_a_test():
    assert HTTPCoreMocker.routers == []
    assert not respx.mock.routes
"""

SAME_READING = """
import httpx
import pytest

SEEN = {}


@pytest.mark.parametrize("fixture", ["minimax_server", "minimax_respx"])
def test_one_scenario(request, fixture, minimax_payloads):
    api = request.getfixturevalue(fixture)
    auth = {"Authorization": f"Bearer {api.api_key}"}
    with httpx.Client(base_url=api.base_url, headers=auth) as http:
        created = http.post("/v1/video_generation", json=minimax_payloads.text_to_video())
        task_id = created.json()["task_id"]
        api.advance(3)
        status = http.get("/v1/query/video_generation", params={"task_id": task_id}).json()
    SEEN[fixture] = (task_id, status, api.requests.routes, api.task(task_id))


def test_both_fixtures_read_the_same():
    assert SEEN["minimax_server"] == SEEN["minimax_respx"]
"""


def test_sync_and_async_httpx_clients(downstream: Downstream) -> None:
    downstream.files(test_clients=SYNC_AND_ASYNC)
    result = downstream.run("-W", "error")
    result.assert_outcomes(passed=8)


def test_hosts_gateways_and_download_hosts(downstream: Downstream) -> None:
    downstream.with_ini("minimax_hosts = api-uw.minimax.io\n")
    downstream.files(test_hosts=HOSTS_AND_GATEWAYS)
    result = downstream.run()
    result.assert_outcomes(passed=4)


def test_other_hosts_are_left_alone_or_refused(downstream: Downstream) -> None:
    downstream.files(test_other=OTHER_HOSTS)
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=8)


def test_a_test_reads_the_same_whichever_fixture_it_uses(downstream: Downstream) -> None:
    downstream.files(test_same=SAME_READING)
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=3)
