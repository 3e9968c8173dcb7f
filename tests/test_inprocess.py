"""The in-process transports: a request nothing can delay is answered without an event
loop turn, and answers exactly as one run on the loop (or over httpx's own ASGI transport)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from mockminimax.core.mock import MiniMaxMock
from mockminimax.inprocess import AsyncASGITransport, SyncASGITransport, asgi_scope
from mockminimax.server.app import create_app
from tests.conftest import AUTH

BODY = {"model": "MiniMax-Hailuo-02", "prompt": "A heron lifts off a still lake"}
#: A rule that never fires (no such route), so no request is answered at once.
IDLE_RULE = "route=download,http_status=503"


def lifecycle(client: httpx.Client) -> list[tuple[int, dict[str, str], bytes]]:
    answers = [client.post("/v1/video_generation", json=BODY, headers=AUTH)]
    task_id = answers[0].json()["task_id"]
    answers.append(
        client.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
    )
    file_id = answers[-1].json()["file_id"]
    answers.append(client.get("/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH))
    answers.append(client.get("/v1/query/video_generation", params={"task_id": "1"}, headers=AUTH))
    return [(a.status_code, dict(a.headers), a.content) for a in answers]


def run(faults: list[str]) -> tuple[list[tuple[int, dict[str, str], bytes]], MiniMaxMock]:
    mock = MiniMaxMock(clock="virtual", timing="instant", seed=3, faults=faults)
    app = create_app(mock)
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://mock.test") as client:
        return lifecycle(client), mock


def test_answered_at_once_only_when_nothing_can_delay_it() -> None:
    app = create_app(MiniMaxMock(clock="virtual"))
    request = httpx.Request("GET", "http://mock.test/v1/query/video_generation?task_id=1")
    scope = asgi_scope(request, ("127.0.0.1", 123))
    assert app.answers_at_once(scope, b"")
    assert not app.answers_at_once({**scope, "path": "/v1/files/retrieve_content"}, b"")
    faulted = {**scope, "headers": [*scope["headers"], (b"x-mock-fault", b"delay=1")]}
    assert not app.answers_at_once(faulted, b"")
    create = {**scope, "method": "POST", "path": "/v1/video_generation"}
    assert app.answers_at_once(create, b'{"prompt": "a cat"}')
    assert not app.answers_at_once(create, b'{"prompt": "a cat [MOCK:delay=1]"}')
    app.state.mock.faults.add_rule(IDLE_RULE)
    assert not app.answers_at_once(scope, b"")


def test_at_once_and_on_the_loop_answer_the_same_bytes() -> None:
    at_once, quick = run([])
    on_loop, slow = run([IDLE_RULE])
    assert at_once == on_loop
    assert [e.to_json() for e in quick.journal] == [e.to_json() for e in slow.journal]


def test_the_transports_answer_as_httpx_asgi_transport_does() -> None:
    async def both() -> list[Any]:
        answers = []
        for transport in (
            AsyncASGITransport(app=create_app(MiniMaxMock(clock="virtual", seed=4))),
            httpx.ASGITransport(app=create_app(MiniMaxMock(clock="virtual", seed=4))),
        ):
            async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as c:
                created = await c.post("/v1/video_generation", json=BODY, headers=AUTH)
                head = await c.head("/v1/query/video_generation", headers=AUTH)
                missing = await c.get("/v1/nope", headers=AUTH)
                answers.append(
                    [(a.status_code, dict(a.headers), a.content) for a in (created, head, missing)]
                )
        return answers

    ours, theirs = asyncio.run(both())
    assert ours == theirs
    assert ours[1][2] == b""  # HEAD: headers only


def test_an_app_error_is_raised_or_answered_500_as_httpx_does() -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    async def both() -> list[int]:
        codes = []
        for transport in (
            AsyncASGITransport(app=broken, raise_app_exceptions=False),
            httpx.ASGITransport(app=broken, raise_app_exceptions=False),
        ):
            async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as c:
                codes.append((await c.get("/")).status_code)
        async with httpx.AsyncClient(
            transport=AsyncASGITransport(app=broken), base_url="http://mock.test"
        ) as c:
            try:
                await c.get("/")
            except RuntimeError as exc:
                codes.append(len(str(exc)))
        return codes

    assert asyncio.run(both()) == [500, 500, 4]
