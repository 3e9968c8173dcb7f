"""V2 under hostile and careless input: odd digits, huge numbers, broken URLs and refused
requests answer V2's own error body, store nothing large and count against nothing."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from mockminimax.core.images import encode_png
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.validation import MAX_CALLBACK_URL
from mockminimax.server.app import create_app

from ..conftest import AUTH, app_client
from .test_v2 import refused, t2va
from .test_v2_media import upload

LIST = "/v2/query/video_generation"


@pytest.mark.parametrize("name", ["page_num", "page_size"])
@pytest.mark.parametrize("value", ["²", "1²", "٣", "9" * 5000, "-1", "1e3"])
def test_page_parameters_take_ascii_digits_within_bounds(
    client: httpx.Client, name: str, value: str
) -> None:
    answer = client.get(LIST, headers=AUTH, params={name: value})
    message = refused(answer, 400, "bad_request_error")
    assert message.startswith(f"invalid params, {name}: ")


def test_a_page_past_the_bound_is_refused_one_within_is_empty(client: httpx.Client) -> None:
    far = client.get(LIST, headers=AUTH, params={"page_num": str(10**9)})
    assert far.status_code == 200 and far.json()["items"] == []
    message = refused(
        client.get(LIST, headers=AUTH, params={"page_num": str(10**9 + 1)}),
        400,
        "bad_request_error",
    )
    assert message == "invalid params, page_num: at most 1000000000 (2013)"


@pytest.mark.parametrize("value", ["²", "٣٣٣", "12,²"])
def test_task_ids_filter_takes_ascii_digits_only(client: httpx.Client, value: str) -> None:
    answer = client.get(LIST, headers=AUTH, params={"filter.task_ids": value})
    message = refused(answer, 400, "bad_request_error")
    assert message.startswith("invalid params, filter.task_ids: ")


@pytest.mark.parametrize("path", ["/v2/video_generation", "/v2/h3_context_ir"])
@pytest.mark.parametrize("url", ["http://[::1", "http://[x/cb", "https://[", "http:///cb"])
def test_a_malformed_callback_url_is_a_2013(
    client: httpx.Client, mock: MiniMaxMock, path: str, url: str
) -> None:
    answer = client.post(path, headers=AUTH, json=t2va(callback_url=url))
    message = refused(answer, 400, "bad_request_error")
    assert message == "invalid params, callback_url: must be an http(s) URL (2013)"
    assert len(mock.store) == 0


def test_a_callback_url_is_bounded_like_v1s(client: httpx.Client, mock: MiniMaxMock) -> None:
    url = "http://127.0.0.1/" + "x" * MAX_CALLBACK_URL
    answer = client.post("/v2/video_generation", headers=AUTH, json=t2va(callback_url=url))
    message = refused(answer, 400, "bad_request_error")
    assert message.startswith("invalid params, callback_url: ")
    assert str(MAX_CALLBACK_URL) in message
    assert len(mock.store) == 0


def test_echoed_values_in_refusals_are_bounded(client: httpx.Client) -> None:
    answer = client.post("/v2/video_generation", headers=AUTH, json=t2va(model="m" * 1_000_000))
    assert "unsupported model" in refused(answer, 400, "bad_request_error")
    assert len(answer.content) < 2048
    regen = {"model": "MiniMax-H3", "resolution": "r" * 1_000_000, "source_task_id": "1"}
    answer = client.post("/v2/video_regeneration", headers=AUTH, json=regen)
    assert "renders 2K only" in refused(answer, 400, "bad_request_error")
    assert len(answer.content) < 2048


def _regenerate_missing(client: httpx.Client) -> httpx.Response:
    body = {"model": "MiniMax-H3", "resolution": "2K", "source_task_id": "123456789012345"}
    return client.post("/v2/video_regeneration", headers=AUTH, json=body)


def test_a_regeneration_of_a_missing_task_uses_no_rate_limit_slot() -> None:
    mock = MiniMaxMock(clock="virtual", seed=7, rpm=1, v2_regeneration_by_task=True)
    with app_client(mock) as client:
        message = refused(_regenerate_missing(client), 400, "bad_request_error")
        assert "source_task_id: no task 123456789012345" in message
        created = client.post("/v2/video_generation", headers=AUTH, json=t2va())
        assert created.status_code == 200, created.text
        refused(
            client.post("/v2/video_generation", headers=AUTH, json=t2va()),
            429,
            "rate_limit_error",
        )


def test_a_fault_rule_never_sees_a_regeneration_refused_for_its_source() -> None:
    mock = MiniMaxMock(clock="virtual", seed=7, v2_regeneration_by_task=True)
    with app_client(mock) as client:
        assert client.post("/_mock/faults", json={"minimax_error": 1002}).status_code == 201
        refused(_regenerate_missing(client), 400, "bad_request_error")
        rules = client.get("/_mock/faults").json()["faults"]
        assert [(r["matched"], r["hits"]) for r in rules] == [(0, 0)]


def test_in_flight_limit_refuses_before_the_rate_limit_counts() -> None:
    mock = MiniMaxMock(clock="virtual", seed=7, rpm=2, v2_max_in_flight=1)
    with app_client(mock) as client:
        assert client.post("/v2/video_generation", headers=AUTH, json=t2va()).status_code == 200
        busy = client.post("/v2/video_generation", headers=AUTH, json=t2va())
        assert "in flight" in refused(busy, 429, "rate_limit_error")
        mock.clock.advance(3600)  # the first task is done: a slot is free, one create left
        assert client.post("/v2/video_generation", headers=AUTH, json=t2va()).status_code == 200


@pytest.mark.parametrize("source", ["²", "٣٣٣", "9" * 100_000])
def test_source_task_id_takes_ascii_digits_of_an_ids_length(source: str) -> None:
    mock = MiniMaxMock(clock="virtual", seed=7, v2_regeneration_by_task=True)
    with app_client(mock) as client:
        body = {"model": "MiniMax-H3", "resolution": "2K", "source_task_id": source}
        answer = client.post("/v2/video_regeneration", headers=AUTH, json=body)
        message = refused(answer, 400, "bad_request_error")
        assert message == "invalid params, source_task_id: must be a task_id of digits (2013)"


@pytest.mark.parametrize("file_id", ["²", "٣", "9" * 100_000])
def test_an_mm_file_reference_takes_ascii_digits_and_is_echoed_short(
    client: httpx.Client, file_id: str
) -> None:
    item = {
        "type": "image_url",
        "image_url": {"url": f"mm_file://{file_id}"},
        "role": "first_frame",
    }
    body = t2va(content=[{"type": "text", "text": "a cat"}, item])
    answer = client.post("/v2/video_generation", headers=AUTH, json=body)
    message = refused(answer, 400, "bad_request_error")
    assert "mm_file:// takes a numeric file_id" in message
    assert len(answer.content) < 1024


@pytest.mark.anyio
async def test_a_create_held_by_a_fault_delay_meets_the_in_flight_limit_after_it() -> None:
    """The limit is checked again once the delay is over: a create that got in meanwhile
    holds the only slot, so the delayed one is refused and no second task is made."""
    mock = MiniMaxMock(clock="virtual", seed=7, v2_max_in_flight=1)
    transport = httpx.ASGITransport(app=create_app(mock))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        delayed = {**AUTH, "X-Mock-Fault": "delay=0.5"}

        async def held() -> httpx.Response:
            return await client.post("/v2/video_generation", headers=delayed, json=t2va())

        async def quick() -> httpx.Response:
            await anyio.sleep(0)  # let the delayed create reach its fault delay first
            return await client.post("/v2/video_generation", headers=AUTH, json=t2va())

        results: dict[str, httpx.Response] = {}

        async def run(name: str, call: Any) -> None:
            results[name] = await call()

        async with anyio.create_task_group() as group:
            group.start_soon(run, "held", held)
            group.start_soon(run, "quick", quick)
    assert results["quick"].status_code == 200
    assert "in flight" in refused(results["held"], 429, "rate_limit_error")
    assert len(mock.store) == 1


def test_media_items_are_counted_before_any_is_read(client: httpx.Client) -> None:
    """A 5 KB body naming one 20 MB upload 50 times took 30 s, each reference probed."""
    file_id = upload(client, encode_png(640, 360), "frame.png")
    item = {"type": "image_url", "image_url": {"url": f"mm_file://{file_id}"}}
    body = t2va(
        content=[{"type": "text", "text": "a cat"}]
        + [{**item, "role": "reference_image"}] * 100_000
    )
    message = refused(
        client.post("/v2/video_generation", headers=AUTH, json=body), 400, "bad_request_error"
    )
    assert message == "invalid params, content: at most 12 media items in all, got 100000 (2013)"


def test_one_upload_named_several_times_is_read_once(client: httpx.Client) -> None:
    file_id = upload(client, encode_png(640, 360), "frame.png")
    refs = [
        {
            "type": "image_url",
            "image_url": {"url": f"mm_file://{file_id}"},
            "role": "reference_image",
        }
    ] * 3
    task_id = client.post(
        "/v2/video_generation",
        headers=AUTH,
        json=t2va(content=[{"type": "text", "text": "a cat"}, *refs]),
    ).json()["task_id"]
    kept = client.get(f"/_mock/tasks/{task_id}").json()["request"]["media"]
    assert [m["size"] for m in kept] == ["640x360"] * 3


@pytest.mark.parametrize(
    "body",
    [
        t2va(resolution="r" * 1_000_000),
        t2va(ratio="r" * 1_000_000),
        t2va(extra={"prompt_expansion_mode": "m" * 1_000_000}),
        t2va(
            content=[
                {"type": "text", "text": "a cat"},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://e.com/a.png"},
                    "role": "r" * 10**6,
                },
            ]
        ),
        t2va(content=[{"type": "t" * 1_000_000}]),
    ],
)
def test_a_refused_value_is_echoed_short(client: httpx.Client, body: dict[str, Any]) -> None:
    answer = client.post("/v2/video_generation", headers=AUTH, json=body)
    refused(answer, 400, "bad_request_error")
    assert len(answer.content) < 2048


def test_a_refused_list_filter_is_echoed_short(client: httpx.Client) -> None:
    answer = client.get(LIST, headers=AUTH, params={"filter.status": "s" * 60_000})
    refused(answer, 400, "bad_request_error")
    assert len(answer.content) < 2048
