"""Concurrent clients running full lifecycles on the live server: every ID handed out once,
none lost, every download the right file."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import httpx
import pytest

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.runner import ServerThread
from tests.helpers import SEED_REQUESTS

THREADS = 8
ASYNC_CLIENTS = 8
LIFECYCLES = 6  # per client
TIMEOUT = 30


def lifecycle(client: httpx.Client, key: str, kind: str, prefix: str) -> tuple[str, str, int]:
    """create -> query -> retrieve -> download; (task_id, file_id, bytes downloaded)."""
    auth = {"Authorization": f"Bearer {key}"}
    created = client.post(f"{prefix}/video_generation", json=SEED_REQUESTS[kind], headers=auth)
    assert created.status_code == 200, created.text
    task_id = created.json()["task_id"]
    done = client.get(f"{prefix}/query/video_generation", params={"task_id": task_id}, headers=auth)
    assert done.json()["status"] in ("Success", "success"), done.text
    file_id = done.json()["file_id"]
    file = client.get(f"{prefix}/files/retrieve", params={"file_id": file_id}, headers=auth)
    video = client.get(file.json()["file"]["download_url"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    return task_id, file_id, len(video.content)


@pytest.fixture(scope="module")
def server() -> ServerThread:
    # Instant timing: a task is done when it is first queried, so no clock is moved and
    # clients never wait on each other.
    with ServerThread(MiniMaxMock(timing="instant", seed=21)) as live:
        yield live


def test_concurrent_lifecycles_lose_and_repeat_no_id(server: ServerThread) -> None:
    results: list[tuple[str, str, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    kinds = list(SEED_REQUESTS)

    def sync_worker(n: int) -> None:
        try:
            with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
                for i in range(LIFECYCLES):
                    prefix = "/v1" if (n + i) % 2 else "/minimaxi/v1"
                    got = lifecycle(client, f"sk-key-{n}", kinds[(n + i) % len(kinds)], prefix)
                    with lock:
                        results.append(got)
        except BaseException as exc:  # reported below, with the thread's cause
            errors.append(exc)

    async def async_clients() -> None:
        async def one(n: int) -> None:
            async with httpx.AsyncClient(base_url=server.url, timeout=TIMEOUT) as client:
                for _ in range(LIFECYCLES):
                    auth = {"Authorization": f"Bearer sk-async-{n}"}
                    body = SEED_REQUESTS["text_to_video"]
                    created = await client.post("/v1/video_generation", json=body, headers=auth)
                    task_id = created.json()["task_id"]
                    done = await client.get(
                        "/v1/query/video_generation", params={"task_id": task_id}, headers=auth
                    )
                    file_id = done.json()["file_id"]
                    file = await client.get(
                        "/v1/files/retrieve", params={"file_id": file_id}, headers=auth
                    )
                    video = await client.get(file.json()["file"]["download_url"])
                    assert video.status_code == 200
                    with lock:
                        results.append((task_id, file_id, len(video.content)))

        await asyncio.gather(*(one(n) for n in range(ASYNC_CLIENTS)))

    threads = [threading.Thread(target=sync_worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    asyncio.run(async_clients())
    for thread in threads:
        thread.join(TIMEOUT * LIFECYCLES)
    assert not errors, errors[0]

    expected = (THREADS + ASYNC_CLIENTS) * LIFECYCLES
    task_ids = Counter(r[0] for r in results)
    file_ids = Counter(r[1] for r in results)
    assert len(results) == expected
    assert [t for t, n in task_ids.items() if n > 1] == []
    assert [f for f, n in file_ids.items() if n > 1] == []
    with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
        stored = client.get("/_mock/tasks").json()["tasks"]
        journal = client.get("/_mock/journal", params={"route": "create"}).json()
    assert sorted(t["task_id"] for t in stored) == sorted(task_ids)
    assert sorted(e["task_id"] for e in journal["entries"]) == sorted(task_ids)
    assert {t["status"] for t in stored} == {"Success"}
