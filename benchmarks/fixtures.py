"""Benchmark the pytest fixtures: what they cost a test suite, against baselines measured
in the same run.

    .venv/bin/python benchmarks/fixtures.py [--quick]

Printed, each as a median over many repetitions:

1. session start and stop: `minimax_server` (uvicorn thread on a free port, bounded start
   and stop) and `minimax_respx` (the in-process app, plus the helper thread sync httpx
   clients are answered on);
2. the per-test reset: what each fixture does before a test (new settings, fresh state, a
   new router started and stopped for `minimax_respx`), against a bare
   `respx.mock` start and stop as a baseline;
3. one request through `minimax_respx` (a real query answered by the mock) against one
   through a static respx route answering the same bytes, for sync and async httpx clients,
   as a ratio;
4. one full lifecycle (create, poll to Success, retrieve, download a 1080P MP4) through
   each fixture, with the sync client (and async under `minimax_respx`);
5. the same fixtures inside real pytest runs: 200 tests that use each fixture against 200
   tests that use none, in fresh interpreters, so pytest's own fixture machinery and the
   marker merge are counted too. The three suites run in interleaved rounds; each gets its
   best wall time and its best CPU time (user + system of the child), the steadier figure
   on a busy machine.

`--sections 2,5` runs only those sections; `--tests 1000` makes section 5's suites longer
(its per-test figures steadier); `--quick` repeats less. To compare with another revision,
run this script with `PYTHONPATH` pointing at that revision's tree.

The helpers timed in 1-4 are the ones the fixtures call (`start_server`, `begin_server`,
`respx_for_test` in `mockminimax.pytest_plugin`), so the figures are the fixtures' own.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import respx
from _timing import median_seconds

from mockminimax.core.hosts import API_BASE_URL as BASE_URL
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.settings import Settings
from mockminimax.inprocess import asgi_scope
from mockminimax.pytest_plugin import (
    FixtureOptions,
    begin_server,
    respx_for_test,
    start_server,
)
from mockminimax.respx_router import InProcess

HERE = Path(__file__).resolve().parent
KEY = "bench-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
BODY = {"model": "MiniMax-Hailuo-2.3", "prompt": "A heron lifts off a still lake", "duration": 6}
LIFECYCLE_BODY = {**BODY, "resolution": "1080P"}
OPTIONS = FixtureOptions(Settings().merged({"clock": "virtual", "seed": 0}))


def per_call(fn: Callable[[], object], calls: int, rounds: int = 5) -> float:
    """Median over `rounds` of the mean time of `calls` back-to-back calls."""
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:8.2f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds * 1e6:8.1f} µs"


def row(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<52}{fmt(seconds)}  {note}".rstrip())


# -- 1. session start and stop ---------------------------------------------------------


def session_costs(repeat: int) -> None:
    print("1. session start and stop (once per test session, per xdist worker)")

    def server_start() -> Any:
        return start_server(OPTIONS, "127.0.0.1", 10.0)

    starts, stops = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        server = server_start()
        t1 = time.perf_counter()
        server.stop()
        t2 = time.perf_counter()
        starts.append(t1 - t0)
        stops.append(t2 - t1)
    row("minimax_server: start (bind, thread, uvicorn up)", statistics.median(starts))
    row("minimax_server: stop (should_exit, join)", statistics.median(stops))

    def inprocess_cycle() -> None:
        backend = InProcess(MiniMaxMock(OPTIONS.settings))
        backend.router()  # what the first test does
        # The first sync request (private: a client here would add its CA-bundle load, tens
        # of ms, to the figure).
        request = httpx.Request("GET", f"{BASE_URL}/_mock/health")
        backend._send_sync(asgi_scope(request, ("127.0.0.1", 123)), request)
        backend.close()

    row("minimax_respx: app + first sync request + close", median_seconds(inprocess_cycle, repeat))


# -- 2. per-test reset -----------------------------------------------------------------


def reset_costs(calls: int) -> None:
    print("\n2. per-test reset (before every test that uses the fixture)")
    server = start_server(OPTIONS, "127.0.0.1", 10.0)
    backend = InProcess(MiniMaxMock(OPTIONS.settings))
    try:
        row("minimax_server: fresh state with the test's settings", per_call(
            lambda: begin_server(server, OPTIONS), calls))  # fmt: skip

        def respx_test() -> None:
            with respx_for_test(backend, OPTIONS):
                pass

        respx_cost = per_call(respx_test, calls)
        row("minimax_respx: fresh state + router built, started, stopped", respx_cost)

        def bare_respx() -> None:
            with respx.mock(assert_all_called=False) as router:
                router.get("https://api.minimax.io/v1/query/video_generation").respond(200)

        if "block_network" in FixtureOptions.__dataclass_fields__:
            unguarded = dataclasses.replace(OPTIONS, block_network=False)

            def respx_unguarded() -> None:
                with respx_for_test(backend, unguarded):
                    pass

            row("  of which the network guard (on and off)", respx_cost - per_call(
                respx_unguarded, calls))  # fmt: skip

        bare = per_call(bare_respx, calls)
        row("baseline: respx.mock with one route, started, stopped", bare)
        row("  MiniMaxMock.configure alone", per_call(
            lambda: backend.mock.configure(OPTIONS.settings), calls))  # fmt: skip
        marker = {"timing": "instant", "api_keys": [KEY], "faults": ["route=query,http_status=503"]}
        row("  marker merge (3 keys, one fault rule)", per_call(
            lambda: OPTIONS.merged(marker), calls))  # fmt: skip
        print(f"  {'minimax_respx per-test reset / bare respx.mock':<52}{respx_cost / bare:8.1f} x")
    finally:
        server.stop()
        backend.close()


# -- 3. one request: minimax_respx vs a static respx route ------------------------------


def request_costs(calls: int) -> None:
    print("\n3. one request (a real query) through minimax_respx vs a static respx route")
    backend = InProcess(MiniMaxMock(OPTIONS.settings))
    try:
        with (
            respx_for_test(backend, OPTIONS),
            httpx.Client(base_url=BASE_URL, headers=AUTH) as client,
        ):
            task_id = client.post("/v1/video_generation", json=BODY).json()["task_id"]
            url = f"/v1/query/video_generation?task_id={task_id}"
            answer = client.get(url)
            body, headers = answer.content, dict(answer.headers)
            # The journal is bounded; reset it between rounds so it never evicts under test.
            sync_mock = per_call(lambda: client.get(url), calls)
            backend.mock.journal.clear()
            sync_async = asyncio.run(_async_per_call(url, calls))
        with (
            respx.mock(assert_all_called=False) as router,
            httpx.Client(base_url=BASE_URL, headers=AUTH) as client,
        ):
            router.get(url=f"{BASE_URL}{url}").respond(200, content=body, headers=headers)
            static_sync = per_call(lambda: client.get(url), calls)
            static_async = asyncio.run(_async_per_call(url, calls))
    finally:
        backend.close()
    row("sync httpx.Client: minimax_respx", sync_mock)
    row("sync httpx.Client: static respx route", static_sync)
    print(f"  {'  ratio':<52}{sync_mock / static_sync:8.1f} x")
    row("httpx.AsyncClient: minimax_respx", sync_async)
    row("httpx.AsyncClient: static respx route", static_async)
    print(f"  {'  ratio':<52}{sync_async / static_async:8.1f} x")


async def _async_per_call(url: str, calls: int, rounds: int = 5) -> float:
    async with httpx.AsyncClient(base_url=BASE_URL, headers=AUTH) as client:
        await client.get(url)
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(calls):
                await client.get(url)
            samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


# -- 4. full lifecycle -------------------------------------------------------------------


def lifecycle(client: httpx.Client, control: Any) -> int:
    task_id = client.post("/v1/video_generation", json=LIFECYCLE_BODY).json()["task_id"]
    while True:
        query = client.get("/v1/query/video_generation", params={"task_id": task_id}).json()
        if query["status"] == "Success":
            break
        control.sleep(1.0)
    file = client.get("/v1/files/retrieve", params={"file_id": query["file_id"]}).json()["file"]
    video = client.get(file["download_url"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    return len(video.content)


async def alifecycle(client: httpx.AsyncClient, control: Any) -> int:
    task_id = (await client.post("/v1/video_generation", json=LIFECYCLE_BODY)).json()["task_id"]
    while True:
        query = (await client.get(f"/v1/query/video_generation?task_id={task_id}")).json()
        if query["status"] == "Success":
            break
        await control.asleep(1.0)
    file = (await client.get(f"/v1/files/retrieve?file_id={query['file_id']}")).json()["file"]
    video = await client.get(file["download_url"])
    assert video.status_code == 200
    return len(video.content)


def lifecycle_costs(repeat: int) -> None:
    print("\n4. one full lifecycle: create, poll to Success (4 polls), retrieve, download 1080P")
    server = start_server(OPTIONS, "127.0.0.1", 10.0)
    backend = InProcess(MiniMaxMock(OPTIONS.settings))
    try:
        with httpx.Client(base_url=server.url, headers=AUTH) as client:

            def via_server() -> None:
                lifecycle(client, begin_server(server, OPTIONS))  # the reset included

            row("minimax_server (httpx.Client over loopback)", median_seconds(via_server, repeat))

        # One client per fixture, created outside the timing: building an httpx client
        # loads the CA bundle (tens of ms), which is the client's cost, not the fixture's.
        with httpx.Client(base_url=BASE_URL, headers=AUTH) as client:

            def via_respx() -> None:
                with respx_for_test(backend, OPTIONS) as control:  # the reset included
                    lifecycle(client, control)

            row("minimax_respx (httpx.Client, in-process)", median_seconds(via_respx, repeat))

        async def via_respx_async() -> float:
            async with httpx.AsyncClient(base_url=BASE_URL, headers=AUTH) as client:
                times = []
                for _ in range(repeat + 3):
                    start = time.perf_counter()
                    with respx_for_test(backend, OPTIONS) as control:
                        await alifecycle(client, control)
                    times.append(time.perf_counter() - start)
            return statistics.median(times[3:])

        row("minimax_respx (httpx.AsyncClient, in-process)", asyncio.run(via_respx_async()))
        size = len(backend.mock.videos.get(1920, 1080, 144).data)
        print(f"  (each downloads a {size / 1e6:.1f} MB MP4, rendered once and cached)")
    finally:
        server.stop()
        backend.close()


# -- 5. inside pytest ------------------------------------------------------------------

_SUITE = """
import pytest

@pytest.mark.parametrize("n", range({tests}))
def test_it(n{fixture}):
    pass
"""


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pytest_costs(tests: int, rounds: int = 5) -> None:
    """Each suite once per round, rounds interleaved so load from elsewhere on the machine
    falls on all three alike; the best wall time and the best CPU time (the child's user +
    system time, which other processes barely move) of each."""
    print(f"\n5. inside real pytest runs: {tests} tests each, in a fresh interpreter")
    suites = {"no fixture": "", "minimax_server": ", minimax_server"}
    suites["minimax_respx"] = ", minimax_respx"
    wall = dict.fromkeys(suites, float("inf"))
    cpu = dict.fromkeys(suites, float("inf"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text("[pytest]\naddopts = -q -p no:cacheprovider\n")
        for label, fixture in suites.items():
            path = root / f"test_{label.replace(' ', '_')}.py"
            path.write_text(_SUITE.format(tests=tests, fixture=fixture))
        for _ in range(rounds):
            for label in suites:
                path = root / f"test_{label.replace(' ', '_')}.py"
                cpu_start, start = _child_cpu(), time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "pytest", str(path)],
                    cwd=root,
                    check=True,
                    capture_output=True,
                )
                wall[label] = min(wall[label], time.perf_counter() - start)
                cpu[label] = min(cpu[label], _child_cpu() - cpu_start)
    row(f"no fixture: whole run (best of {rounds}, wall)", wall["no fixture"])
    row("no fixture: whole run (CPU)", cpu["no fixture"])
    for label in ("minimax_server", "minimax_respx"):
        extra = wall[label] - wall["no fixture"]
        row(f"{label}: whole run (wall)", wall[label], f"+{fmt(extra).strip()} for the run")
        row(f"  {label}: extra per test (session start amortised)", extra / tests)
        extra_cpu = cpu[label] - cpu["no fixture"]
        row(f"  {label}: extra CPU per test", extra_cpu / tests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--sections", default="1,2,3,4,5", help="which sections to run, e.g. 2,5 (default all)"
    )
    parser.add_argument(
        "--tests",
        type=int,
        default=200,
        help="tests per suite in section 5 (more amortises the session start further)",
    )
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0
    wanted = {part.strip() for part in args.sections.split(",")}
    print(f"mockminimax fixture benchmarks (python {sys.version.split()[0]}, {time.ctime()})\n")
    sections: dict[str, Callable[[], None]] = {
        "1": lambda: session_costs(max(3, int(15 * scale))),
        "2": lambda: reset_costs(max(50, int(500 * scale))),
        "3": lambda: request_costs(max(100, int(1000 * scale))),
        "4": lambda: lifecycle_costs(max(5, int(30 * scale))),
        "5": lambda: pytest_costs(max(1, args.tests), rounds=3 if args.quick else 5),
    }
    for number, run in sections.items():
        if number in wanted:
            run()


if __name__ == "__main__":
    main()
