"""Seed + virtual clock = the same bytes: two independent runs given the same requests answer
identically (IDs, URLs, timestamps, request-id headers); another seed answers differently."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from mockminimax.core.mock import MiniMaxMock
from mockminimax.inprocess import SyncASGITransport
from mockminimax.server.app import create_app
from tests.conftest import AUTH, app_client
from tests.helpers import SEED_REQUESTS
from tests.test_cli import ServeProcess

#: Headers whose values come from the seeded source.
SEEDED_HEADERS = ("trace-id", "x-oneapi-request-id", "x-oss-request-id")
#: The Host every run is addressed as, so download_urls do not carry a per-run port.
HOST = "mockminimax.test"

Exchange = tuple[str, int, dict[str, str], bytes]


def scenario(client: httpx.Client, fetch: Callable[[str], httpx.Response]) -> list[Exchange]:
    """A fixed request sequence over every surface; each answer as (label, status, ids, body).

    `fetch` downloads a download_url (whose host may not be the client's)."""
    log: list[Exchange] = []

    def record(label: str, answer: httpx.Response) -> httpx.Response:
        ids = {h: answer.headers[h] for h in SEEDED_HEADERS if h in answer.headers}
        body = answer.content
        if answer.headers.get("content-type") == "video/mp4":
            body = hashlib.sha256(body).hexdigest().encode()
        log.append((label, answer.status_code, ids, body))
        return answer

    def create(prefix: str, kind: str) -> Any:
        return record(
            f"create {prefix} {kind}",
            client.post(f"{prefix}/video_generation", json=SEED_REQUESTS[kind], headers=AUTH),
        ).json()

    def query(prefix: str, ref: str) -> Any:
        return record(
            f"query {prefix} {ref}",
            client.get(f"{prefix}/query/video_generation", params={"task_id": ref}, headers=AUTH),
        ).json()

    record("health", client.get("/_mock/health"))
    t2v = create("/v1", "text_to_video")
    s2v = create("/v1", "subject_reference")
    gw = create("/minimaxi/v1", "first_frame")
    create("/v1", "first_last_frame")
    record("refused", client.post("/v1/video_generation", json={"model": "nope"}, headers=AUTH))
    record("unknown", client.get("/minimaxi/v1/nope", headers=AUTH))
    query("/v1", t2v["task_id"])
    query("/minimaxi/v1", gw["platform_id"])
    record("advance", client.post("/_mock/clock/advance", json={"seconds": 1.25}))
    query("/v1", s2v["task_id"])
    record("advance", client.post("/_mock/clock/advance", json={"seconds": 60}))
    done = [query("/v1", t2v["task_id"]), query("/minimaxi/v1", gw["platform_id"])]
    for prefix, result in zip(("/v1", "/minimaxi/v1"), done, strict=True):
        file = record(
            f"retrieve {prefix}",
            client.get(
                f"{prefix}/files/retrieve", params={"file_id": result["file_id"]}, headers=AUTH
            ),
        ).json()
        url = file["file"]["download_url"]
        record(f"download {prefix}", fetch(url))
        record(f"download-forged {prefix}", fetch(url.replace("Signature=", "Signature=AA")))
    record("forced", client.post(f"/_mock/tasks/{s2v['task_id']}", json={"status": "Fail"}))
    query("/v1", s2v["task_id"])
    record("tasks", client.get("/_mock/tasks"))
    record("journal", client.get("/_mock/journal"))
    return log


def in_process_run(seed: int) -> list[Exchange]:
    mock = MiniMaxMock(clock="virtual", seed=seed)
    transport = SyncASGITransport(create_app(mock))
    # Host given up front, as the live runs give it, so journaled headers keep one order.
    with httpx.Client(transport=transport, base_url=f"http://{HOST}", headers={"Host": HOST}) as c:
        return scenario(c, c.get)


def assert_identical(one: list[Exchange], two: list[Exchange]) -> None:
    assert len(one) == len(two)
    for a, b in zip(one, two, strict=True):
        assert a == b, a[0]


def test_two_in_process_runs_answer_byte_identically() -> None:
    one, two = in_process_run(5), in_process_run(5)
    assert_identical(one, two)
    statuses = {label: status for label, status, _, _ in one}
    assert statuses["download /v1"] == 200
    assert statuses["refused"] == 200
    assert statuses["unknown"] == 404
    # The bodies really carry seeded values: IDs, signed URLs, virtual timestamps.
    text = b"".join(body for *_, body in one).decode()
    assert re.search(r'"task_id":"\d{15}"', text)
    assert re.search(r'"platform_id":"video_[0-9A-Z]{26}"', text)
    assert "Signature=" in text
    assert '"created_at":1767225600' in text


def test_another_seed_gives_other_ids() -> None:
    five, six = in_process_run(5), in_process_run(6)
    creates = [(a[3], b[3]) for a, b in zip(five, six, strict=True) if a[0].startswith("create /")]
    assert creates
    for a, b in creates:
        assert a != b
    assert five[1][2]["trace-id"] != six[1][2]["trace-id"]


def test_reset_replays_the_same_answers() -> None:
    mock = MiniMaxMock(clock="virtual", seed=9)
    with app_client(mock) as client:
        first = scenario(client, client.get)
        client.post("/_mock/reset")
        second = scenario(client, client.get)
    assert_identical(first, second)


def test_two_serve_processes_answer_byte_identically() -> None:
    # The control API answers a Host that is not this machine only when it is allowed.
    args = ("--seed", "5", "--clock", "virtual", "--allowed-host", HOST)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(ServeProcess(*args)) for _ in range(2)]
        runs = []
        for server in servers:
            with server.client(headers={"Host": HOST}) as client:

                def fetch(url: str, client: httpx.Client = client) -> httpx.Response:
                    parts = urlsplit(url)
                    assert parts.netloc == HOST
                    return client.get(f"{parts.path}?{parts.query}")

                runs.append(scenario(client, fetch))
        for server in servers:
            assert server.stop() == 0
    assert_identical(*runs)
    statuses = {label: status for label, status, _, _ in runs[0]}
    assert statuses["download /minimaxi/v1"] == 200
    # The same seed in-process answers the same too: the CLI adds nothing random. (Compared
    # as parsed JSON: the journal lists request headers in arrival order, and the in-process
    # transport sends Host last where a socket sends it first.)
    in_process = in_process_run(5)
    assert len(runs[0]) == len(in_process)
    for (label, status, ids, body), mine in zip(runs[0], in_process, strict=True):
        assert (label, status, ids) == mine[:3]
        if body.startswith(b"{"):
            assert json.loads(body) == json.loads(mine[3]), label
        else:
            assert body == mine[3], label
