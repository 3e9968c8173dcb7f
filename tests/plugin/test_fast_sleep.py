"""`minimax_fast_sleep`: a client that sleeps for real between polls runs at the speed of
the virtual clock, unmodified; sleeps outside the test's own code stay real."""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)

#: An SDK as some are written: it sleeps 20 s between polls, 30 polls at most, and takes
#: no `sleep` to inject.
SLOW_CLIENT = """
import asyncio
import time

import httpx
import requests

BODY = {"model": "MiniMax-Hailuo-02", "prompt": "A heron lifts off", "duration": 6,
        "resolution": "768P"}


def generate_with_requests(base_url, key):
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {key}"
        task_id = http.post(f"{base_url}/v1/video_generation", json=BODY).json()["task_id"]
        for polls in range(1, 31):
            time.sleep(20)
            url = f"{base_url}/v1/query/video_generation"
            if http.get(url, params={"task_id": task_id}).json()["status"] == "Success":
                return task_id, polls
    raise TimeoutError(task_id)


def generate_with_httpx(base_url, key):
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as http:
        task_id = http.post("/v1/video_generation", json=BODY).json()["task_id"]
        for polls in range(1, 31):
            time.sleep(20)
            query = http.get("/v1/query/video_generation", params={"task_id": task_id})
            if query.json()["status"] == "Success":
                return task_id, polls
    raise TimeoutError(task_id)


async def generate_async(base_url, key):
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        task_id = (await http.post("/v1/video_generation", json=BODY)).json()["task_id"]
        for polls in range(1, 31):
            await asyncio.sleep(20)
            query = await http.get("/v1/query/video_generation", params={"task_id": task_id})
            if query.json()["status"] == "Success":
                return task_id, polls
    raise TimeoutError(task_id)
"""

TESTS = """
import asyncio
import threading
import time

import pytest

from slow_client import generate_async, generate_with_httpx, generate_with_requests

pytestmark = pytest.mark.minimax(timing="realistic")


def check(api, task_id, polls):
    # realistic timing: 4 s Preparing, 10 s Queueing, 220 s Processing = 234 s
    assert api.task(task_id).status == "Success"
    assert api.now - api.settings.start_time == 20 * polls
    assert polls == 12 and 20 * polls >= 234


def test_requests_against_the_live_server(minimax_server, minimax_fast_sleep):
    check(minimax_server, *generate_with_requests(minimax_server.base_url, "k"))


def test_sync_httpx_in_process(minimax_fast_sleep, minimax_respx):
    check(minimax_respx, *generate_with_httpx(minimax_respx.base_url, "k"))


def test_async_httpx_in_process(minimax_respx, minimax_fast_sleep):
    check(minimax_respx, *asyncio.run(generate_async(minimax_respx.base_url, "k")))


@pytest.mark.anyio
async def test_async_on_the_test_s_own_loop(minimax_respx, minimax_fast_sleep):
    check(minimax_respx, *(await generate_async(minimax_respx.base_url, "k")))
    assert await asyncio.sleep(0.5, result="kept") == "kept"


def test_both_servers_move_together(minimax_server, minimax_respx, minimax_fast_sleep):
    time.sleep(30)
    assert minimax_server.now == minimax_respx.now == minimax_server.settings.start_time + 30


def test_other_threads_sleep_for_real(minimax_respx, minimax_fast_sleep):
    start = minimax_respx.now
    done = []
    worker = threading.Thread(target=lambda: done.append(time.sleep(0.01)))
    worker.start()
    worker.join()
    assert done == [None] and minimax_respx.now == start  # a real sleep: the clock stayed


def test_bad_values_still_fail_as_time_sleep_does(minimax_respx, minimax_fast_sleep):
    with pytest.raises(ValueError):
        time.sleep(-1)


def test_nothing_is_patched_after_the_test():
    assert time.sleep.__module__ == "time"  # the builtin again
    assert asyncio.sleep.__module__ == "asyncio.tasks"


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""


def test_hard_coded_sleeps_move_the_virtual_clock(downstream: Downstream) -> None:
    downstream.files(slow_client=SLOW_CLIENT, test_slow=TESTS)
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=8)


def test_fast_sleep_needs_a_virtual_clock_and_a_server(downstream: Downstream) -> None:
    downstream.files(
        test_misuse="""
import pytest


def test_alone(minimax_fast_sleep):
    pass


@pytest.mark.minimax(clock="real")
def test_real_clock(minimax_respx, minimax_fast_sleep):
    pass
"""
    )
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*minimax_fast_sleep moves a mock's clock: use it with minimax_server or minimax_respx",
            "*minimax_fast_sleep moves the virtual clock, and minimax_respx runs on clock='real'*",
        ],
        consecutive=False,
    )
