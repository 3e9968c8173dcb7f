"""A `Host` longer than any name and port never reaches the URLs the mock hands out, nor
what a task with a callback keeps (the live server takes headers of any size)."""

from __future__ import annotations

import httpx

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.exchange import MAX_HOST_CHARS
from tests.conftest import AUTH
from tests.receiver import Receiver

from .conftest import Serve
from .test_callbacks import deliveries
from .test_v2 import t2va

HUGE = "h" * 100_000 + ".example"


def test_a_huge_host_is_not_put_into_a_download_url(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    task_id = client.post("/v2/video_generation", headers=AUTH, json=t2va()).json()["task_id"]
    mock.clock.advance(3600)
    answer = client.get(f"/v2/query/video_generation/{task_id}", headers={**AUTH, "Host": HUGE})
    assert answer.status_code == 200
    url = answer.json()["task"]["content"]["url"]
    assert url.startswith("http://") and HUGE not in url and len(url) < 1024
    near = "h" * (MAX_HOST_CHARS - 5) + ":8080"
    answer = client.get(f"/v2/query/video_generation/{task_id}", headers={**AUTH, "Host": near})
    assert answer.json()["task"]["content"]["url"].startswith(f"http://{near}/")


def test_a_v2_callback_task_keeps_no_huge_host(serve: Serve, receiver: Receiver) -> None:
    _, client = serve(timing="1,1,2")
    body = t2va(callback_url=receiver.url())
    answer = client.post("/v2/video_generation", json=body, headers={"Host": HUGE})
    assert answer.status_code == 200, answer.text[:200]
    task_id = answer.json()["task_id"]
    client.post("/_mock/clock/advance", json={"seconds": 60})
    succeeded = [d for d in deliveries(client, task_id) if d["status"] == "succeeded"]
    assert len(succeeded) == 1 and succeeded[0]["outcome"] == "delivered"
    push = receiver.at("/hook")[-1].json
    url = push["task"]["content"]["url"]
    assert HUGE not in url and len(url) < 1024
