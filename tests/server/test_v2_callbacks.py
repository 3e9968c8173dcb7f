"""V2 callbacks over real sockets: the live server pushes V2's own words, each push the
query's `{"task": {...}}` body, on the clock, on a forced status and on a cancel."""

from __future__ import annotations

from typing import Any

import httpx

from tests.receiver import Receiver

from .conftest import Serve
from .test_callbacks import deliveries

BODY = {
    "model": "MiniMax-H3",
    "content": [{"type": "text", "text": "Waves on a basalt shore"}],
    "resolution": "768P",
    "duration": 4,
    "ratio": "16:9",
}


def create(client: httpx.Client, url: str, **extra: Any) -> str:
    answer = client.post("/v2/video_generation", json={**BODY, "callback_url": url, **extra})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["task_id"])


def pushes(client: httpx.Client, task_id: str) -> list[tuple[str, str | None]]:
    return [(d["kind"], d["status"]) for d in deliveries(client, task_id)]


def test_a_v2_task_pushes_every_status_in_the_query_shape(serve: Serve, receiver: Receiver) -> None:
    _, client = serve(seed=5, timing="1,1,2")
    task_id = create(client, receiver.url())
    assert pushes(client, task_id) == [("challenge", None), ("push", "queued")]
    client.post("/_mock/clock/advance", json={"seconds": 2.5})
    assert pushes(client, task_id)[-1] == ("push", "running")
    client.post("/_mock/clock/advance", json={"seconds": 60})
    assert pushes(client, task_id) == [
        ("challenge", None),
        ("push", "queued"),
        ("push", "running"),
        ("push", "succeeded"),
    ]
    _, queued, running, succeeded = receiver.at("/hook")
    assert set(queued.json) == {"task"} and queued.json["task"]["status"] == "queued"
    assert queued.json["task"]["content"] == {} and queued.json["task"]["usage"] == {}
    assert running.json["task"]["status"] == "running"
    query = client.get(f"/v2/query/video_generation/{task_id}").json()
    assert succeeded.json == query  # the same body, the same fresh URL at the same moment
    video = client.get(succeeded.json["task"]["content"]["url"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"


def test_a_cancel_and_a_forced_failure_are_pushed(serve: Serve, receiver: Receiver) -> None:
    _, client = serve(seed=5, timing="5,5,5")
    cancelled = create(client, receiver.url("/hook/a"))
    assert client.delete(f"/v2/video_generation/{cancelled}").json()["status"] == "cancelled"
    assert pushes(client, cancelled)[-1] == ("push", "cancelled")
    assert receiver.at("/hook/a")[-1].json["task"]["status"] == "cancelled"

    failed = create(client, receiver.url("/hook/b"))
    client.post(f"/_mock/tasks/{failed}", json={"status": "failed", "code": 1026})
    assert pushes(client, failed)[-1] == ("push", "failed")
    body = receiver.at("/hook/b")[-1].json["task"]
    assert body["error"] == {"code": "1026", "message": "input new_sensitive"}
    client.post("/_mock/clock/advance", json={"seconds": 60})
    assert pushes(client, cancelled)[-1] == ("push", "cancelled"), "no push after a cancel"


def test_a_context_ir_task_pushes_its_prompt(serve: Serve, receiver: Receiver) -> None:
    _, client = serve(seed=5)
    body = {"model": "MiniMax-H3", "content": BODY["content"], "duration": 6}
    answer = client.post("/v2/h3_context_ir", json={**body, "callback_url": receiver.url()})
    task_id = answer.json()["task_id"]
    client.post("/_mock/clock/advance", json={"seconds": 60})
    assert pushes(client, task_id)[-1] == ("push", "succeeded")
    last = receiver.at("/hook")[-1].json["task"]
    assert last["modality"] == "text" and last["content"]["prompt"].startswith("Waves")
