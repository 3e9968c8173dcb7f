"""`minimax_server`: a live server per session, reset per test, for any HTTP client."""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)

LIFECYCLE = """
import asyncio
import subprocess
import sys

import httpx
import pytest
import requests


def test_requests_lifecycle(minimax_server, minimax_payloads):
    api = minimax_server
    assert api.kind == "server" and api.base_url.startswith("http://127.0.0.1:")
    auth = {"Authorization": f"Bearer {api.api_key}"}
    with requests.Session() as http:
        created = http.post(api.url("/v1/video_generation"), headers=auth,
                            json=minimax_payloads.text_to_video(resolution="1080P", duration=6))
        task_id = created.json()["task_id"]
        query = api.url(f"/v1/query/video_generation?task_id={task_id}")
        assert http.get(query, headers=auth).json()["status"] == "Preparing"
        api.advance(3)
        done = http.get(query, headers=auth).json()
        size = (done["video_width"], done["video_height"])
        assert (done["status"], size) == ("Success", (1920, 1080))
        file = http.get(api.url(f"/v1/files/retrieve?file_id={done['file_id']}"),
                        headers=auth).json()["file"]
        assert file["download_url"].startswith(api.base_url + "/inference_output/")
        video = http.get(file["download_url"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert api.requests.routes == ["create", "query", "query", "retrieve", "download"]
    assert api.task(task_id).status == "Success"


def test_httpx_sync_and_gateway(minimax_server, minimax_payloads):
    api = minimax_server
    auth = {"Authorization": f"Bearer {api.api_key}"}
    with httpx.Client(base_url=api.gateway_url, headers=auth) as http:
        body = minimax_payloads.first_last_frame()
        created = http.post("/minimaxi/v1/video_generation", json=body).json()
        api.complete(created["platform_id"])
        query = http.get("/minimaxi/v1/query/video_generation",
                         params={"task_id": created["platform_id"]}).json()
    assert query["status"] == "Success"
    assert api.task(created["task_id"]) == api.task(created["platform_id"])


@pytest.mark.anyio
async def test_httpx_async(minimax_server, minimax_payloads):
    api = minimax_server
    auth = {"Authorization": f"Bearer {api.api_key}"}
    async with httpx.AsyncClient(base_url=api.base_url, headers=auth) as http:
        created = await http.post("/v1/video_generation", json=minimax_payloads.image_to_video())
        task_id = created.json()["task_id"]
        api.fail(task_id, code=1026)
        query = (await http.get(f"/v1/query/video_generation?task_id={task_id}")).json()
    assert (query["status"], query["base_resp"]["status_code"]) == ("Fail", 1026)


def test_a_subprocess_client(minimax_server):
    code = (
        "import sys, urllib.request; "
        "print(urllib.request.urlopen(sys.argv[1] + '/_mock/health').read().decode())"
    )
    out = subprocess.run([sys.executable, "-c", code, minimax_server.base_url],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert '"status":"ok"' in out
"""

ISOLATION = """
import requests

SEEN = {}


def create(api):
    auth = {"Authorization": f"Bearer {api.api_key}"}
    body = {"model": "MiniMax-Hailuo-2.3", "prompt": "A cat on a skateboard"}
    return requests.post(api.url("/v1/video_generation"), json=body, headers=auth).json()["task_id"]


def test_first(minimax_server):
    SEEN["first"] = (minimax_server.base_url, create(minimax_server))
    minimax_server.advance(100)
    minimax_server.faults.add(route="create", minimax_error=1002)


def test_second_starts_fresh(minimax_server):
    assert minimax_server.tasks == [] and len(minimax_server.requests) == 0
    assert len(minimax_server.faults) == 0
    assert minimax_server.now == minimax_server.settings.start_time
    base_url, task_id = SEEN["first"]
    assert minimax_server.base_url == base_url  # one server for the session
    assert create(minimax_server) == task_id  # same seed, same requests: same IDs


def test_reset_in_a_test(minimax_server):
    create(minimax_server)
    minimax_server.advance(5)
    minimax_server.reset()
    assert minimax_server.tasks == [] and minimax_server.now == minimax_server.settings.start_time
"""


def test_any_client_works_against_the_live_server(downstream: Downstream) -> None:
    downstream.files(test_lifecycle=LIFECYCLE)
    result = downstream.run("-W", "error")
    result.assert_outcomes(passed=4)


def test_state_is_reset_before_each_test_on_one_server(downstream: Downstream) -> None:
    downstream.files(test_isolation=ISOLATION)
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=3)


def test_each_xdist_worker_gets_its_own_server(downstream: Downstream) -> None:
    downstream.files(
        test_workers="""
import os

import pytest


@pytest.mark.parametrize("n", range(6))
def test_port(minimax_server, n, request):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (request.config.rootpath / f"{worker}-{n}.url").write_text(minimax_server.base_url)
""",
    )
    result = downstream.run_subprocess("-n", "2")
    result.assert_outcomes(passed=6)
    by_worker: dict[str, set[str]] = {}
    for path in downstream.pytester.path.glob("*.url"):
        by_worker.setdefault(path.name.split("-")[0], set()).add(path.read_text())
    assert set(by_worker) == {"gw0", "gw1"}
    assert all(len(urls) == 1 for urls in by_worker.values())  # one server per worker...
    assert len(set.union(*by_worker.values())) == 2  # ...each on its own port
