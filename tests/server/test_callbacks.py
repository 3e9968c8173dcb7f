"""Callbacks over real sockets: the live server calls a live receiver back, on every clock
kind, through the control API, never beyond the allowed hosts, and never at the cost of an
API request or of shutdown."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from typing import Any

import httpx
import pytest

from tests.receiver import Receiver, canned_server

from .conftest import Serve

T2V = {"model": "MiniMax-Hailuo-2.3", "prompt": "A lighthouse at dusk"}


def create(client: httpx.Client, url: str, path: str = "/v1/video_generation") -> str:
    answer = client.post(path, json={**T2V, "callback_url": url})
    assert answer.json()["base_resp"]["status_code"] == 0
    return str(answer.json()["task_id"])


def deliveries(client: httpx.Client, task_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/_mock/tasks/{task_id}/callbacks", params={"wait": 10})
    assert answer.status_code == 200
    assert answer.json()["idle"] is True
    return list(answer.json()["deliveries"])


def test_virtual_clock_pushes_when_an_advance_passes_a_change(
    serve: Serve, receiver: Receiver
) -> None:
    _, client = serve(timing="1,1,2")
    task_id = create(client, receiver.url())
    assert [d["kind"] for d in deliveries(client, task_id)] == ["challenge"]
    assert receiver.kinds() == ["challenge"]

    client.post("/_mock/clock/advance", json={"seconds": 1.5})  # Queueing: no word
    assert [d["kind"] for d in deliveries(client, task_id)] == ["challenge"]
    client.post("/_mock/clock/advance", json={"seconds": 1})  # Processing
    deliveries(client, task_id)
    assert receiver.kinds() == ["challenge", "processing"]
    client.post("/_mock/clock/advance", json={"seconds": 60})
    found = deliveries(client, task_id)

    assert receiver.kinds() == ["challenge", "processing", "success"]
    assert [(d["kind"], d["status"], d["outcome"]) for d in found] == [
        ("challenge", None, "delivered"),
        ("push", "processing", "delivered"),
        ("push", "success", "delivered"),
    ]
    challenge, processing, success = receiver.at("/hook")
    assert challenge.json == found[0]["body"] and len(challenge.json["challenge"]) == 32
    query = client.get("/v1/query/video_generation", params={"task_id": task_id}).json()
    assert success.json == {**query, "status": "success"}  # the query's shape, its own word
    assert processing.json["file_id"] == "" and processing.json["status"] == "processing"
    assert challenge.headers["content-type"] == "application/json"
    assert found[2]["attempts"][0]["status"] == 200
    assert found[2]["attempts"][0]["answer"] == '{"status":"success"}'


def test_one_advance_past_every_change_pushes_each_in_order(
    serve: Serve, receiver: Receiver
) -> None:
    _, client = serve()
    task_id = create(client, receiver.url())
    client.post("/_mock/clock/advance", json={"seconds": 3600})
    deliveries(client, task_id)
    client.post("/_mock/clock/advance", json={"seconds": 3600})  # nothing changes: no push
    deliveries(client, task_id)

    assert receiver.kinds() == ["challenge", "processing", "success"]


def test_polls_clock_pushes_when_a_query_moves_the_task(serve: Serve, receiver: Receiver) -> None:
    _, client = serve(clock="polls")
    task_id = create(client, receiver.url())
    seen = []
    for _ in range(4):
        status = client.get("/v1/query/video_generation", params={"task_id": task_id})
        deliveries(client, task_id)
        seen.append((status.json()["status"], receiver.kinds()[1:]))

    # Each query moves the task on, and the move is pushed at once.
    assert seen == [
        ("Preparing", []),
        ("Queueing", ["processing"]),
        ("Processing", ["processing", "success"]),
        ("Success", ["processing", "success"]),
    ]


def test_real_clock_pushes_on_time_without_any_query(serve: Serve, receiver: Receiver) -> None:
    server, client = serve(clock="real", timing="0,0,0.2")
    task_id = create(client, receiver.url())

    got = receiver.wait_for("/hook", 3)  # the scheduler, not a query, moves it

    assert [r.kind for r in got] == ["challenge", "processing", "success"]
    assert got[2].json["task_id"] == task_id
    assert server.mock.journal and {e.route for e in server.mock.journal} == {
        "create",
        "challenge",
        "push",
    }


def test_forcing_a_task_through_the_control_api_pushes(serve: Serve, receiver: Receiver) -> None:
    _, client = serve()
    task_id = create(client, receiver.url())
    client.post(f"/_mock/tasks/{task_id}", json={"status": "Fail", "code": 1026})
    found = deliveries(client, task_id)

    assert receiver.kinds() == ["challenge", "processing", "failed"]
    assert found[-1]["body"]["base_resp"] == {
        "status_code": 1026,
        "status_msg": "input new_sensitive",
    }


def test_gateway_tasks_are_called_back_too(serve: Serve, receiver: Receiver) -> None:
    _, client = serve()
    task_id = create(client, receiver.url(), "/minimaxi/v1/video_generation")
    client.post("/_mock/clock/advance", json={"seconds": 60})
    deliveries(client, task_id)

    assert receiver.kinds() == ["challenge", "processing", "success"]


def test_the_journal_and_the_listing_record_deliveries(serve: Serve, receiver: Receiver) -> None:
    _, client = serve()
    task_id = create(client, receiver.url())
    client.post("/_mock/clock/advance", json={"seconds": 60})
    deliveries(client, task_id)

    journal = client.get("/_mock/journal", params={"surface": "callback"}).json()["entries"]
    assert [(e["route"], e["status"], e["task_id"]) for e in journal] == [
        ("challenge", 200, task_id),
        ("push", 200, task_id),
        ("push", 200, task_id),
    ]
    assert journal[1]["path"] == receiver.url()
    every = client.get("/_mock/callbacks", params={"kind": "push"}).json()
    assert [d["status"] for d in every["deliveries"]] == ["processing", "success"]
    assert every["limit"] == 1000 and every["dropped"] == 0


def test_the_control_routes_refuse_bad_input(serve: Serve) -> None:
    _, client = serve()
    unknown = client.get("/_mock/tasks/123/callbacks")
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "task_id"
    for wait in ("soon", "-1", "61", "nan"):
        bad = client.get("/_mock/callbacks", params={"wait": wait})
        assert bad.status_code == 400 and bad.json()["error"]["field"] == "wait"


def test_a_host_not_allowed_is_accepted_and_never_called(serve: Serve) -> None:
    _, client = serve()
    task_id = create(client, "http://hooks.example.com/minimax")
    client.post("/_mock/clock/advance", json={"seconds": 60})
    found = deliveries(client, task_id)

    assert [(d["kind"], d["outcome"], d["attempts"]) for d in found] == [
        ("challenge", "not_sent", []),
        ("push", "not_sent", []),
        ("push", "not_sent", []),
    ]
    assert "'hooks.example.com' is not allowed" in found[0]["reason"]


def test_redirects_are_answers_never_followed(serve: Serve, receiver: Receiver) -> None:
    _, client = serve(callback_unverified="send")
    task_id = create(client, receiver.url("/redirect"))
    client.post("/_mock/clock/advance", json={"seconds": 60})
    found = deliveries(client, task_id)

    assert [d["outcome"] for d in found] == ["failed", "failed", "failed"]
    assert found[1]["reason"] == "the receiver answered HTTP 302"
    assert receiver.at("/hook") == []


def test_proxies_from_the_environment_are_never_used(
    serve: Serve, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    _, client = serve()
    task_id = create(client, receiver.url())
    client.post("/_mock/clock/advance", json={"seconds": 60})

    assert [d["outcome"] for d in deliveries(client, task_id)] == ["delivered"] * 3


def test_receivers_that_refuse_or_answer_garbage_affect_no_other_task(
    serve: Serve, receiver: Receiver
) -> None:
    _, client = serve(callback_unverified="send")
    closed = socket.create_server(("127.0.0.1", 0))
    refused_url = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    closed.close()  # nothing listens: connections are refused
    stop = threading.Event()
    garbage_url, thread = canned_server(b"\x00\x01 certainly not HTTP\r\n\r\n", stop)
    try:
        refused = create(client, refused_url)
        garbage = create(client, garbage_url)
        html = create(client, receiver.url("/garbage"))
        good = create(client, receiver.url())
        client.post("/_mock/clock/advance", json={"seconds": 60})

        assert [d["outcome"] for d in deliveries(client, good)] == ["delivered"] * 3
        assert "ConnectionRefusedError" in deliveries(client, refused)[1]["reason"]
        assert "not an HTTP answer" in deliveries(client, garbage)[1]["reason"]
        html_found = deliveries(client, html)
        assert html_found[0]["reason"] == "the answer is not JSON holding the challenge"
        assert html_found[1]["outcome"] == "delivered"  # a 200 is a delivered push
    finally:
        stop.set()
        thread.join(5)


def _latencies(client: httpx.Client, task_id: str, count: int = 40) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get("/v1/query/video_generation", params={"task_id": task_id})
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200
    return times


def test_a_hanging_receiver_does_not_slow_api_requests(serve: Serve, receiver: Receiver) -> None:
    server, client = serve(callback_timeout=120, callback_unverified="send")
    quiet = create(client, receiver.url())
    client.post("/_mock/clock/advance", json={"seconds": 60})
    deliveries(client, quiet)
    _latencies(client, quiet, 10)  # warm up
    without = statistics.median(_latencies(client, quiet))

    hanging = [create(client, receiver.url("/hang")) for _ in range(20)]
    client.post("/_mock/clock/advance", json={"seconds": 60})
    receiver.wait_for("/hang", 20)  # every challenge is in the receiver's hands, unanswered
    with_hang = statistics.median(_latencies(client, quiet))

    assert server.mock.callbacks.busy == 20  # all twenty still held by the receiver
    # Blocked requests would wait for the receiver (minutes); unaffected ones cost the same.
    assert with_hang < without * 10
    listing = client.get("/_mock/callbacks", params={"task_id": hanging[0]}).json()
    assert listing["idle"] is False
    assert [d["outcome"] for d in listing["deliveries"]] == ["pending"] * 3


def test_shutdown_never_waits_for_a_hanging_receiver(serve: Serve, receiver: Receiver) -> None:
    server, client = serve(callback_timeout=300)
    create(client, receiver.url("/hang"))
    receiver.wait_for("/hang", 1)
    engine = server.mock.callbacks
    assert engine.busy == 1
    thread = engine._thread
    assert thread is not None and thread.is_alive()

    server.stop()

    assert not server.alive and not thread.is_alive()  # stop cancelled the delivery


def test_a_video_agent_task_pushes_the_agents_own_query_body(
    serve: Serve, receiver: Receiver
) -> None:
    _, client = serve(timing="1,1,2")
    body = {
        "template_id": "393769180141805569",
        "text_inputs": [{"value": "Lion"}],
        "media_inputs": [{"value": "https://example.com/face.jpg"}],
        "callback_url": receiver.url(),
    }
    task_id = client.post("/v1/video_template_generation", json=body).json()["task_id"]
    client.post("/_mock/clock/advance", json={"seconds": 60})
    found = deliveries(client, task_id)

    assert [(d["kind"], d["status"]) for d in found] == [
        ("challenge", None),
        ("push", "processing"),
        ("push", "success"),
    ]
    success = receiver.at("/hook")[-1].json
    assert set(success) == {"task_id", "status", "video_url", "base_resp"}  # no file_id
    assert success["status"] == "success" and success["task_id"] == task_id
    video = client.get(success["video_url"])  # signed on the host the create came through
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
