"""The V2 (H3) surface through HTTP: create, query, list, delete, context-IR, regeneration,
and V2's error body with real HTTP statuses for every refusal."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import av
import httpx
import pytest

from mockminimax.core.images import png_data_url
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.settings import SettingsError

from ..conftest import AUTH, KEY, app_client
from ..helpers import mp4_info

TEXT = {"type": "text", "text": "A red fox runs through fresh snow"}


def t2va(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "MiniMax-H3",
        "content": [TEXT],
        "resolution": "768P",
        "duration": 4,
        "ratio": "16:9",
    }
    body.update(overrides)
    return body


def create(client: httpx.Client, body: dict[str, Any], path: str = "/v2/video_generation") -> str:
    answer = client.post(path, headers=AUTH, json=body)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"task_id"}
    task_id: str = answer.json()["task_id"]
    assert re.fullmatch(r"[1-9]\d{14}", task_id)
    return task_id


def task(client: httpx.Client, task_id: str) -> dict[str, Any]:
    answer = client.get(f"/v2/query/video_generation/{task_id}", headers=AUTH)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()["task"]
    return body


def refused(answer: httpx.Response, status: int, kind: str) -> str:
    """V2's error body: HTTP status, error.type, http_code as a string, request_id."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"type", "error", "request_id"} and body["type"] == "error"
    assert body["error"]["type"] == kind
    assert body["error"]["http_code"] == str(status)
    assert re.fullmatch(r"[0-9a-f]{32}", body["request_id"])
    assert answer.headers["Trace-Id"] == body["request_id"]
    message: str = body["error"]["message"]
    return message


def invalid(client: httpx.Client, body: Any, path: str = "/v2/video_generation") -> str:
    """A 400 bad_request_error ending in (2013); its message without the code."""
    message = refused(client.post(path, headers=AUTH, json=body), 400, "bad_request_error")
    assert message.startswith("invalid params, ") and message.endswith(" (2013)")
    return message[len("invalid params, ") : -len(" (2013)")]


# -- create, query, download --------------------------------------------------------------


def test_text_to_video_lifecycle(client: httpx.Client, mock: MiniMaxMock) -> None:
    task_id = create(client, t2va())
    queued = task(client, task_id)
    assert queued == {
        "id": task_id,
        "model": "MiniMax-H3",
        "status": "queued",
        "created_at": int(mock.now()),
        "updated_at": queued["created_at"],
        "content": {},
        "resolution": "768P",
        "duration": 4,
        "usage": {},
        "ratio": "16:9",
        "task_type": "generation",
        "modality": "video",
    }
    mock.advance(1.5)  # fast timing: 0.5 s preparing + 0.5 s queueing, then running
    running = task(client, task_id)
    assert running["status"] == "running"
    assert running["updated_at"] == queued["created_at"] + 1
    mock.advance(2)
    done = task(client, task_id)
    assert done["status"] == "succeeded"
    assert done["usage"] == {
        "total_seconds": 4,
        "input_seconds": 0,
        "output_seconds": 4,
        "input_image_count": 0,
        "input_audio_seconds": 0,
        "total_tokens": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
    }
    assert "error" not in done
    url = done["content"]["url"]
    assert re.match(
        r"http://mock\.test/inference_output/rollout/\d{4}-\d\d-\d\d/[0-9a-f-]{36}/", url
    )
    mock.advance(60)
    assert task(client, task_id)["content"]["url"] != url, "each query signs a fresh URL"
    video = client.get(url)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    info = mp4_info(video.content)
    assert (info.width, info.height, info.frames, info.fps) == (1344, 768, 107, 24.0)
    assert info.seconds == pytest.approx(4.458, abs=0.01)
    with av.open(io.BytesIO(video.content)) as container:
        (sound,) = container.streams.audio
        assert (sound.codec_context.name, sound.codec_context.channels) == ("aac", 2)


@pytest.mark.parametrize(
    ("resolution", "ratio", "size", "duration", "frames"),
    [
        ("2K", "16:9", (2560, 1440), 4, 107),
        ("768P", "9:16", (768, 1344), 5, 124),
        ("768P", "21:9", (1536, 672), 6, 158),
        ("768P", "1:1", (768, 768), 15, 362),
    ],
)
def test_output_geometry_follows_the_catalog(
    client: httpx.Client,
    mock: MiniMaxMock,
    resolution: str,
    ratio: str,
    size: tuple[int, int],
    duration: int,
    frames: int,
) -> None:
    task_id = create(client, t2va(resolution=resolution, ratio=ratio, duration=duration))
    ref = client.get(f"/_mock/tasks/{task_id}").json()
    assert (ref["request"]["width"], ref["request"]["height"]) == size
    assert ref["request"]["frames"] == frames
    assert (frames - 5) % 17 == 0 and frames >= duration * 24


def test_a_small_output_downloads_with_its_size(client: httpx.Client, mock: MiniMaxMock) -> None:
    body = t2va(model="MiniMax-H3-Max", resolution="480P", ratio="4:3", duration=5)
    task_id = create(client, body)
    mock.advance(5)
    done = task(client, task_id)
    info = mp4_info(client.get(done["content"]["url"]).content)
    assert (info.width, info.height, info.frames) == (640, 480, 124)


def test_polls_mode_moves_a_v2_task_per_query() -> None:
    mock = MiniMaxMock(clock="polls", seed=1)
    with app_client(mock) as client:
        task_id = create(client, t2va())
        seen = [task(client, task_id)["status"] for _ in range(5)]
    assert seen == ["queued", "queued", "running", "succeeded", "succeeded"]


# -- modes -----------------------------------------------------------------------------------


def image(url: str, role: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "image_url", "image_url": {"url": url}}
    if role is not None:
        item["role"] = role
    return item


def test_a_lone_image_is_the_first_frame_and_sets_the_shape(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    portrait = png_data_url(600, 800)
    task_id = create(client, t2va(content=[TEXT, image(portrait)], ratio="21:9"))
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert seen["mode"] == "i2va"
    assert [m["role"] for m in seen["media"]] == ["first_frame"]
    assert (seen["width"], seen["height"]) == (768, 1024), "3:4 input, ratio ignored"
    mock.advance(5)
    done = task(client, task_id)
    assert done["ratio"] == "" and done["usage"]["input_image_count"] == 1


def test_first_and_last_frame_by_url(client: httpx.Client) -> None:
    content = [
        TEXT,
        image("https://example.com/a.png", "first_frame"),
        image("https://example.com/b.png", "last_frame"),
    ]
    task_id = create(client, t2va(content=content, ratio="adaptive"))
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert seen["mode"] == "i2va" and (seen["width"], seen["height"]) == (1344, 768)


def test_last_frame_alone_is_a_setting(client: httpx.Client) -> None:
    body = t2va(content=[TEXT, image("https://example.com/b.png", "last_frame")])
    create(client, body)
    with app_client(MiniMaxMock(clock="virtual", v2_last_frame_only="reject")) as strict:
        assert invalid(strict, body) == "content: a last_frame must be paired with a first_frame"


def test_references_make_r2va(client: httpx.Client, mock: MiniMaxMock) -> None:
    content = [
        TEXT,
        image("https://example.com/hero.png", "reference_image"),
        image(png_data_url(400, 400), "reference_image"),
        {"type": "audio_url", "audio_url": {"url": "https://example.com/voice.mp3"}},
    ]
    task_id = create(client, t2va(content=content, ratio="9:16"))
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert seen["mode"] == "r2va"
    assert [m["role"] for m in seen["media"]] == [
        "reference_image", "reference_image", "reference_audio"
    ]  # fmt: skip
    assert (seen["width"], seen["height"]) == (768, 1344)
    adaptive = create(client, t2va(content=content[:3], ratio="adaptive"))
    shaped = client.get(f"/_mock/tasks/{adaptive}").json()["request"]
    assert (shaped["width"], shaped["height"]) == (768, 768), "follows the readable 1:1 image"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([], "content: must include a non-empty text item (prompt is required)"),
        ([{"type": "text", "text": "   "}],
         "content: must include a non-empty text item (prompt is required)"),
        ([TEXT, TEXT], "content: must include exactly one text item, got 2"),
        ([{"type": "text", "text": "x" * 7001}],
         "content[0].text: 7001 characters; the limit is 7000 characters"),
        ([TEXT, image("https://e.com/a.png", "first_frame"),
          image("https://e.com/b.png", "reference_image")],
         "content: frame roles (first_frame) and reference roles (reference_image) are "
         "mutually exclusive"),
        ([TEXT, {"type": "audio_url", "audio_url": {"url": "https://e.com/a.mp3"}}],
         "content: reference_audio needs a reference_image or reference_video beside it"),
        ([TEXT, image("https://e.com/a.png"), image("https://e.com/b.png")],
         "content[1].role: is required when the content holds more than one image "
         "(a single image without a role is the first frame)"),
        ([TEXT, *[image(f"https://e.com/{i}.png", "reference_image") for i in range(10)]],
         "content: at most 9 reference_image item(s), got 10"),
        ([TEXT, image("https://e.com/a.png", "first_frame"),
          image("https://e.com/b.png", "first_frame")],
         "content: at most 1 first_frame item(s), got 2"),
        ([TEXT, image("https://e.com/a.png", "reference_video")],
         "content[1].role: reference_video does not go with an image_url item"),
        ([TEXT, image("https://e.com/a.png", "hero")],
         "content[1].role: 'hero' is not one of first_frame, last_frame, reference_image"),
        ([TEXT, {"type": "video_url", "video_url": {"url": "https://e.com/a.mp4"},
                 "role": "base_video"}],
         "content[1].role: 'base_video' is not one of reference_video"),
        ([TEXT, {"type": "picture"}],
         "content[1].type: 'picture' is not one of text, image_url, video_url, audio_url"),
        ([TEXT, {"type": "image_url", "image_url": "https://e.com/a.png"}],
         'content[1].image_url: must be an object {"url": ...}, got a string'),
        ([TEXT, image("ftp://e.com/a.png")],
         "content[1].image_url.url: must be an http(s) URL, mm_file://{file_id} or a "
         "data:image/<format>;base64, URI"),
        ([TEXT, "text"], "content[1]: must be an object, got a string"),
    ],
)  # fmt: skip
def test_content_rules_name_the_item(
    client: httpx.Client, content: list[Any], message: str
) -> None:
    assert invalid(client, t2va(content=content)) == message


def test_more_than_twelve_media_items_are_refused(client: httpx.Client) -> None:
    content = [TEXT, *[image(f"https://e.com/{i}.png", "reference_image") for i in range(9)]]
    content += [
        {"type": "video_url", "video_url": {"url": f"https://e.com/{i}.mp4"}} for i in range(3)
    ]
    create(client, t2va(content=content))
    content.append({"type": "audio_url", "audio_url": {"url": "https://e.com/a.mp3"}})
    assert (
        invalid(client, t2va(content=content)) == "content: at most 12 media items in all, got 13"
    )


# -- per-model rules and top-level fields ---------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"model": "MiniMax-Hailuo-2.3"},
         "unsupported model: MiniMax-Hailuo-2.3 (V2 serves MiniMax-H3, MiniMax-H3-Max)"),
        ({"model": 3}, "model: must be a string, got a number"),
        ({"resolution": "480P"}, "resolution: model MiniMax-H3 supports 768P, 2K, not '480P'"),
        ({"model": "MiniMax-H3-Max", "resolution": "2K"},
         "resolution: model MiniMax-H3-Max supports 480P, 768P, not '2K'"),
        ({"model": "MiniMax-H3-Max"},
         "duration: model MiniMax-H3-Max takes 5 to 15 seconds, not 4"),
        ({"duration": 16}, "duration: model MiniMax-H3 takes 4 to 15 seconds, not 16"),
        ({"duration": "6"}, "duration: must be an integer number of seconds, got a string"),
        ({"ratio": "adaptive"},
         "ratio: text-to-video needs a fixed ratio: one of 21:9, 16:9, 4:3, 1:1, 3:4, 9:16"),
        ({"ratio": "2:1"}, "ratio: '2:1' is not one of adaptive, 21:9, 16:9, 4:3, 1:1, 3:4, 9:16"),
        ({"extra": {"prompt_expansion_mode": "max"}},
         "extra.prompt_expansion_mode: 'max' is not one of disabled, balanced, quality"),
        ({"extra": {"seed": 1}},
         "extra.seed: unknown field (extra takes prompt_expansion_mode only)"),
        ({"extra": []}, "extra: must be an object, got an array"),
        ({"callback_url": "ftp://hooks.example.com/x"}, "callback_url: must be an http(s) URL"),
        ({"aigc_watermark": "yes"}, "aigc_watermark: must be a boolean, got a string"),
    ],
)  # fmt: skip
def test_model_rules_name_the_field(
    client: httpx.Client, overrides: dict[str, Any], message: str
) -> None:
    assert invalid(client, t2va(**overrides)) == message


@pytest.mark.parametrize("name", ["model", "content", "resolution", "duration", "ratio"])
def test_missing_fields_are_binding_errors(client: httpx.Client, name: str) -> None:
    body = t2va()
    del body[name]
    expected = f"binding: expr_path={name}, cause=missing required parameter"
    assert invalid(client, body) == expected


def test_resolution_default_and_extra_fields_are_settings(client: httpx.Client) -> None:
    body = t2va(
        model="MiniMax-H3-Max",
        duration=5,
        extra={"prompt_expansion_mode": "quality"},
        callback_url="https://hooks.example.com/h3",
        aigc_watermark=True,
    )
    task_id = create(client, body)
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert seen["prompt_expansion_mode"] == "quality"
    assert seen["callback_url"] == "https://hooks.example.com/h3" and seen["aigc_watermark"]
    del body["resolution"]
    assert invalid(client, body) == (
        "binding: expr_path=resolution, cause=missing required parameter"
    )
    mock = MiniMaxMock(clock="virtual", v2_resolution_required=False, v2_aigc_watermark="reject")
    with app_client(mock) as lenient:
        message = invalid(lenient, body)
        assert message.startswith("aigc_watermark: unknown field")
        del body["aigc_watermark"]
        defaulted = create(lenient, body)
        assert lenient.get(f"/_mock/tasks/{defaulted}").json()["request"]["resolution"] == "768P"


# -- errors -----------------------------------------------------------------------------------


def test_auth_errors_are_401(client: httpx.Client) -> None:
    message = refused(client.post("/v2/video_generation", json=t2va()), 401, "authorized_error")
    assert message == (
        "login fail: Please carry the API secret key in the 'Authorization' field of the "
        "request header (1004)"
    )
    for path in ("/v2/query/video_generation/123456789012345", "/v2/query/video_generation"):
        refused(client.get(path), 401, "authorized_error")
    mock = MiniMaxMock(clock="virtual", api_keys=("sk-good",))
    with app_client(mock) as strict:
        wrong = strict.post("/v2/video_generation", headers=AUTH, json=t2va())
        assert refused(wrong, 401, "authorized_error") == "invalid api key (2049)"
    assert len(mock.store) == 0


def test_bad_json_and_content_type_are_400(client: httpx.Client, mock: MiniMaxMock) -> None:
    broken = client.post(
        "/v2/video_generation",
        headers={**AUTH, "Content-Type": "application/json"},
        content=b'{"model": ',
    )
    assert refused(broken, 400, "bad_request_error").startswith(
        "invalid params, request body is not valid JSON"
    )
    listed = client.post(
        "/v2/video_generation", headers={**AUTH, "Content-Type": "application/json"}, content=b"[]"
    )
    assert "must be a JSON object, got an array" in refused(listed, 400, "bad_request_error")
    text = client.post(
        "/v2/video_generation",
        headers={**AUTH, "Content-Type": "text/plain"},
        content=b'{"model": "MiniMax-H3"}',
    )
    assert "Content-Type must be application/json" in refused(text, 400, "bad_request_error")
    assert len(mock.store) == 0


def test_oversized_body_is_413() -> None:
    mock = MiniMaxMock(clock="virtual", max_body_bytes=2000)
    with app_client(mock) as client:
        body = t2va(content=[{"type": "text", "text": "x" * 3000}])
        answer = client.post("/v2/video_generation", headers=AUTH, json=body)
    assert "the limit is 2000" in refused(answer, 413, "request_too_large_error")
    assert len(mock.store) == 0


def test_unknown_route_and_wrong_method(client: httpx.Client) -> None:
    gone = client.get("/v2/video_generation/123/extra", headers=AUTH)
    assert refused(gone, 404, "not_found_error") == (
        "invalid params, unknown route: GET /v2/video_generation/123/extra (2013)"
    )
    refused(client.get("/v2", headers=AUTH), 404, "not_found_error")
    wrong = client.put("/v2/video_generation", headers=AUTH, json=t2va())
    refused(wrong, 405, "method_not_allowed_error")
    assert wrong.headers["Allow"] == "POST"
    patch = client.patch("/v2/video_generation/123456789012345", headers=AUTH)
    refused(patch, 405, "method_not_allowed_error")
    assert patch.headers["Allow"] == "DELETE"


def test_rate_limit_is_429() -> None:
    mock = MiniMaxMock(clock="virtual", rpm=1)
    with app_client(mock) as client:
        create(client, t2va())
        limited = client.post("/v2/video_generation", headers=AUTH, json=t2va())
        assert refused(limited, 429, "rate_limit_error") == "rate limit, please retry later (1002)"
        mock.advance(61)
        create(client, t2va())
    assert len(mock.store) == 2


def test_in_flight_limit_is_429_until_a_task_finishes_or_is_cancelled() -> None:
    mock = MiniMaxMock(clock="virtual", v2_max_in_flight=2)
    with app_client(mock) as client:
        first = create(client, t2va())
        create(client, t2va())
        busy = client.post("/v2/video_generation", headers=AUTH, json=t2va())
        assert refused(busy, 429, "rate_limit_error") == (
            "rate limit, 2 tasks in flight (the limit is 2) (1002)"
        )
        other = {"Authorization": "Bearer sk-api-other"}
        assert client.post("/v2/video_generation", headers=other, json=t2va()).status_code == 200
        client.delete(f"/v2/video_generation/{first}", headers=AUTH)
        third = create(client, t2va())
        refused(
            client.post("/v2/video_generation", headers=AUTH, json=t2va()), 429, "rate_limit_error"
        )
        mock.advance(5)
        assert task(client, third)["status"] == "succeeded"
        create(client, t2va())
    assert len(mock.store) == 5
    with pytest.raises(SettingsError, match="v2_max_in_flight: must be at least 1"):
        MiniMaxMock(v2_max_in_flight=0)


def test_unknown_task_is_404_or_a_setting(client: httpx.Client) -> None:
    missing = client.get("/v2/query/video_generation/123456789012345", headers=AUTH)
    assert refused(missing, 404, "not_found_error") == "record not found (1000)"
    gone = client.delete("/v2/video_generation/123456789012345", headers=AUTH)
    refused(gone, 404, "not_found_error")
    with app_client(MiniMaxMock(clock="virtual", v2_unknown_task="400")) as docs:
        answer = docs.get("/v2/query/video_generation/123456789012345", headers=AUTH)
        assert refused(answer, 400, "bad_request_error") == "invalid params, invalid task_id (2013)"


def test_v1_and_v2_tasks_are_apart(client: httpx.Client) -> None:
    v1 = client.post(
        "/v1/video_generation",
        headers=AUTH,
        json={"model": "MiniMax-Hailuo-2.3", "prompt": "a boat", "duration": 6},
    ).json()["task_id"]
    v2 = create(client, t2va())
    refused(client.get(f"/v2/query/video_generation/{v1}", headers=AUTH), 404, "not_found_error")
    v1_view = client.get("/v1/query/video_generation", params={"task_id": v2}, headers=AUTH)
    assert v1_view.status_code == 200
    assert v1_view.json()["base_resp"] == {"status_code": 1000, "status_msg": "record not found"}


def test_tasks_are_scoped_by_key(client: httpx.Client) -> None:
    task_id = create(client, t2va())
    other = {"Authorization": "Bearer sk-api-someone-else"}
    answer = client.get(f"/v2/query/video_generation/{task_id}", headers=other)
    refused(answer, 404, "not_found_error")
    assert client.get("/v2/query/video_generation", headers=other).json() == {
        "items": [],
        "total": 0,
    }


# -- list -------------------------------------------------------------------------------------


@pytest.fixture
def three(client: httpx.Client, mock: MiniMaxMock) -> Iterator[list[str]]:
    """Three tasks, oldest first: an H3 that succeeds, an H3-Max, a context-IR."""
    first = create(client, t2va())
    mock.advance(10)
    second = create(client, t2va(model="MiniMax-H3-Max", duration=5))
    third = create(
        client,
        {"model": "MiniMax-H3", "content": [TEXT], "duration": 6},
        "/v2/h3_context_ir",
    )
    yield [first, second, third]


def listed(client: httpx.Client, **params: Any) -> tuple[list[str], int]:
    answer = client.get("/v2/query/video_generation", headers=AUTH, params=params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"items", "total"}
    return [item["id"] for item in body["items"]], body["total"]


def test_list_pages_newest_first(client: httpx.Client, three: list[str]) -> None:
    first, second, third = three
    assert listed(client) == ([third, second, first], 3)
    assert listed(client, page_num=1, page_size=2) == ([third, second], 3)
    assert listed(client, page_num=2, page_size=2) == ([first], 3)
    assert listed(client, page_num=3, page_size=2) == ([], 3)
    # Leading zeros are zeros, however many (the long fuzz run sent 16 digits for a page
    # within the bound, which was refused as "at most 1000000000").
    assert listed(client, page_num="0" * 14 + "2", page_size=" 0000000000002 ") == ([first], 3)
    items = client.get("/v2/query/video_generation", headers=AUTH).json()["items"]
    assert items[2]["status"] == "succeeded" and items[2]["content"]["url"].startswith("http")
    assert items[0]["status"] == "queued" and items[0]["usage"] == {}


def test_list_filters(client: httpx.Client, three: list[str]) -> None:
    first, second, third = three
    assert listed(client, **{"filter.status": "succeeded"}) == ([first], 1)
    assert listed(client, **{"filter.status": "queued,succeeded"}) == ([third, second, first], 3)
    assert listed(client, **{"filter.model": "MiniMax-H3-Max"}) == ([second], 1)
    assert listed(client, **{"filter.task_type": "h3_context_ir"}) == ([third], 1)
    assert listed(client, **{"filter.task_ids": f"{first},{third}"}) == ([third, first], 2)
    repeated = client.get(
        "/v2/query/video_generation",
        headers=AUTH,
        params=[("filter.task_ids", first), ("filter.task_ids", second)],
    ).json()
    assert [i["id"] for i in repeated["items"]] == [second, first]
    assert listed(client, **{"filter[task_type]": "generation"}) == ([second, first], 2)
    assert listed(client, **{"filter.status": "expired"}) == ([], 0)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page_num": "0"}, "page_num: must be a whole number >= 1"),
        ({"page_size": "abc"}, "page_size: must be a whole number >= 1"),
        ({"page_size": "101"}, "page_size: at most 100"),
        ({"filter.status": "done"},
         "filter.status: 'done' is not one of queued, running, succeeded, failed, cancelled, "
         "expired"),
        ({"filter.task_type": "video"},
         "filter.task_type: 'video' is not one of generation, h3_context_ir, regeneration"),
        ({"filter.task_ids": "12,abc"}, "filter.task_ids: 'abc' is not a task_id"),
    ],
)  # fmt: skip
def test_list_parameters_are_checked(
    client: httpx.Client, params: dict[str, str], message: str
) -> None:
    answer = client.get("/v2/query/video_generation", headers=AUTH, params=params)
    assert refused(answer, 400, "bad_request_error") == f"invalid params, {message} (2013)"


def test_seven_day_window(client: httpx.Client, mock: MiniMaxMock) -> None:
    task_id = create(client, t2va())
    mock.advance(7 * 24 * 3600)
    assert listed(client) == ([task_id], 1)
    mock.advance(1)
    assert listed(client) == ([], 0)
    answer = client.get(f"/v2/query/video_generation/{task_id}", headers=AUTH)
    assert refused(answer, 400, "bad_request_error") == "invalid params, invalid task_id (2013)"
    gone = client.delete(f"/v2/video_generation/{task_id}", headers=AUTH)
    assert refused(gone, 400, "bad_request_error") == "invalid params, invalid task_id (2013)"


# -- delete -----------------------------------------------------------------------------------


def test_delete_cancels_a_queued_task(client: httpx.Client, mock: MiniMaxMock) -> None:
    task_id = create(client, t2va())
    mock.advance(0.7)
    answer = client.delete(f"/v2/video_generation/{task_id}", headers=AUTH)
    assert answer.status_code == 200
    assert answer.json() == {"task_id": task_id, "action": "cancelled", "status": "cancelled"}
    mock.advance(10)
    cancelled = task(client, task_id)
    assert cancelled["status"] == "cancelled" and cancelled["content"] == {}
    assert cancelled["updated_at"] == cancelled["created_at"]
    again = client.delete(f"/v2/video_generation/{task_id}", headers=AUTH)
    assert "is already cancelled" in refused(again, 400, "bad_request_error")
    assert listed(client, **{"filter.status": "cancelled"}) == ([task_id], 1)


def test_a_running_task_cannot_be_deleted(client: httpx.Client, mock: MiniMaxMock) -> None:
    task_id = create(client, t2va())
    mock.advance(1.5)
    answer = client.delete(f"/v2/video_generation/{task_id}", headers=AUTH)
    message = refused(answer, 400, "bad_request_error")
    assert message == (
        f"invalid params, task {task_id} is running; only queued tasks can be cancelled and "
        "only succeeded or failed ones deleted (2013)"
    )
    assert task(client, task_id)["status"] == "running"


def test_delete_removes_a_finished_task_and_its_file(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    task_id = create(client, t2va())
    mock.advance(5)
    url = task(client, task_id)["content"]["url"]
    answer = client.delete(f"/v2/video_generation/{task_id}", headers=AUTH)
    assert answer.json() == {"task_id": task_id, "action": "deleted", "status": "deleted"}
    refused(
        client.get(f"/v2/query/video_generation/{task_id}", headers=AUTH), 404, "not_found_error"
    )
    assert client.get(url).status_code == 404
    assert listed(client) == ([], 0)


def test_a_failed_task_reports_its_error_and_can_be_deleted(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    mock.faults.add(route="create", surface="v2", task="fail", code=1026)
    task_id = create(client, t2va())
    mock.advance(5)
    failed = task(client, task_id)
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "1026", "message": "input new_sensitive"}
    assert failed["usage"] == {} and failed["content"] == {}
    answer = client.delete(f"/v2/video_generation/{task_id}", headers=AUTH)
    assert answer.json()["action"] == "deleted"


# -- context-IR and regeneration ----------------------------------------------------------


def test_context_ir_yields_a_prompt(client: httpx.Client, mock: MiniMaxMock) -> None:
    body = {"model": "MiniMax-H3", "content": [TEXT], "duration": 6, "ratio": "9:16"}
    task_id = create(client, body, "/v2/h3_context_ir")
    assert task(client, task_id)["content"] == {}
    mock.advance(5)
    done = task(client, task_id)
    assert (done["task_type"], done["modality"], done["ratio"]) == ("h3_context_ir", "text", "9:16")
    prompt = done["content"]["prompt"]
    assert prompt.startswith("A red fox runs through fresh snow. ") and len(prompt) > 60
    assert task(client, task_id)["content"]["prompt"] == prompt
    assert done["usage"]["prompt_tokens"] == 9 and done["usage"]["total_tokens"] > 9
    assert done["usage"]["output_seconds"] == 0
    refused_model = {**body, "model": "MiniMax-H3-Max"}
    assert invalid(client, refused_model, "/v2/h3_context_ir") == (
        "model: MiniMax-H3-Max does not support h3_context_ir; use MiniMax-H3"
    )
    assert invalid(client, {"model": "MiniMax-H3", "content": [TEXT]}, "/v2/h3_context_ir") == (
        "binding: expr_path=duration, cause=missing required parameter"
    )


def test_regeneration_from_a_task(client: httpx.Client, mock: MiniMaxMock) -> None:
    source = create(client, t2va(ratio="9:16", duration=6))
    body = {"model": "MiniMax-H3", "source_task_id": source, "resolution": "2K"}
    early = invalid(client, body, "/v2/video_regeneration")
    assert early == f"source_task_id: task {source} is queued, not succeeded"
    mock.advance(5)
    task_id = create(client, {**body, "aigc_watermark": True}, "/v2/video_regeneration")
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert (seen["width"], seen["height"], seen["frames"]) == (1440, 2560, 158)
    assert seen["aigc_watermark"] is True
    mock.advance(5)
    done = task(client, task_id)
    assert (done["task_type"], done["resolution"], done["duration"]) == ("regeneration", "2K", 6)
    assert done["ratio"] == "9:16"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "MiniMax-H3", "source_task_id": "123456789012345", "resolution": "768P"},
         "resolution: video_regeneration renders 2K only, not '768P'"),
        ({"model": "MiniMax-H3-Max", "source_task_id": "1", "resolution": "2K"},
         "model: MiniMax-H3-Max does not support video_regeneration; use MiniMax-H3"),
        ({"model": "MiniMax-H3", "source_task_id": "123456789012345", "resolution": "2K"},
         "source_task_id: no task 123456789012345"),
        ({"model": "MiniMax-H3", "source_task_id": "x1", "resolution": "2K"},
         "source_task_id: must be a task_id of digits"),
        ({"model": "MiniMax-H3", "resolution": "2K"},
         "binding: expr_path=content, cause=missing required parameter"),
        ({"model": "MiniMax-H3", "resolution": "2K", "source_task_id": "1", "content": []},
         "source_task_id: give either source_task_id or content, not both"),
        ({"model": "MiniMax-H3", "resolution": "2K", "content": [TEXT]},
         "content: must hold exactly one video_url with role base_video, got 0"),
    ],
)  # fmt: skip
def test_regeneration_rules(client: httpx.Client, body: dict[str, Any], message: str) -> None:
    assert invalid(client, body, "/v2/video_regeneration") == message


def test_regeneration_of_a_2k_task_or_without_whitelist_is_refused(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    source = create(client, t2va(resolution="2K"))
    mock.advance(5)
    body = {"model": "MiniMax-H3", "source_task_id": source, "resolution": "2K"}
    assert invalid(client, body, "/v2/video_regeneration") == (
        f"source_task_id: task {source} is 2K; only 768P outputs are regenerated"
    )
    with app_client(MiniMaxMock(clock="virtual", v2_regeneration_by_task=False)) as plain:
        message = invalid(plain, body, "/v2/video_regeneration")
        assert message == (
            "source_task_id: regeneration by task needs a whitelisted account; send content"
        )


def test_regeneration_from_a_base_video_url(client: httpx.Client) -> None:
    base = {"type": "video_url", "video_url": {"url": "https://e.com/out.mp4"}}
    body = {"model": "MiniMax-H3", "resolution": "2K", "content": [TEXT, base]}
    task_id = create(client, body, "/v2/video_regeneration")
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert seen["media"][0]["role"] == "base_video"
    assert (seen["width"], seen["height"], seen["frames"]) == (2560, 1440, 107)


# -- one core: control API, faults, journal, determinism -------------------------------------


def test_control_api_lists_forces_and_cancels_v2_tasks(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    task_id = create(client, t2va())
    shown = client.get(f"/_mock/tasks/{task_id}").json()
    assert (shown["surface"], shown["v2_status"], shown["task_type"]) == (
        "v2",
        "queued",
        "generation",
    )
    assert [t["task_id"] for t in client.get("/_mock/tasks").json()["tasks"]] == [task_id]
    forced = client.post(f"/_mock/tasks/{task_id}", json={"status": "succeeded"}).json()
    assert forced["v2_status"] == "succeeded"
    assert task(client, task_id)["status"] == "succeeded"
    failed = client.post(f"/_mock/tasks/{task_id}", json={"status": "failed", "code": 1026})
    assert failed.json()["v2_status"] == "failed"
    assert task(client, task_id)["error"]["code"] == "1026"
    cancelled = client.post(f"/_mock/tasks/{task_id}", json={"status": "cancelled"}).json()
    assert cancelled["v2_status"] == "cancelled"
    assert task(client, task_id)["status"] == "cancelled"
    released = client.post(f"/_mock/tasks/{task_id}", json={"status": None}).json()
    assert released["v2_status"] == "queued"
    client.post("/_mock/clock/advance", json={"seconds": 5})
    assert task(client, task_id)["status"] == "succeeded"
    v1 = client.post(
        "/v1/video_generation", headers=AUTH, json={"model": "MiniMax-Hailuo-2.3", "prompt": "x"}
    ).json()["task_id"]
    no = client.post(f"/_mock/tasks/{v1}", json={"status": "cancelled"})
    assert no.status_code == 400 and no.json()["error"]["field"] == "status"


def test_fault_rules_reach_v2_routes(client: httpx.Client, mock: MiniMaxMock) -> None:
    mock.faults.add(route="create", surface="v2", minimax_error=1008, times=1)
    broke = client.post("/v2/video_generation", headers=AUTH, json=t2va())
    assert refused(broke, 402, "insufficient_balance_error") == "insufficient balance (1008)"
    task_id = create(client, t2va())
    mock.faults.add(route="query", surface="v2", http_status=503, times=1)
    answer = client.get(f"/v2/query/video_generation/{task_id}", headers=AUTH)
    assert answer.status_code == 503 and answer.json()["type"] == "error"
    mock.faults.add(route="list_tasks", http_status=429, times=1)
    limited = client.get("/v2/query/video_generation", headers=AUTH)
    assert refused(limited, 429, "rate_limit_error") == "rate limit, please retry later (1002)"
    header = {**AUTH, "X-Mock-Fault": "minimax_error=1026"}
    flagged = client.post("/v2/video_generation", headers=header, json=t2va())
    assert refused(flagged, 422, "unprocessable_entity_error") == "input new_sensitive (1026)"
    assert [e["route"] for e in client.get("/_mock/journal?surface=v2").json()["entries"]] == [
        "create", "create", "query", "list_tasks", "create"
    ]  # fmt: skip


def test_a_prompt_directive_in_the_text_item_fails_the_task(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    body = t2va(content=[{"type": "text", "text": "a storm [mock:fail=1027]"}])
    task_id = create(client, body)
    mock.advance(5)
    assert task(client, task_id)["error"] == {"code": "1027", "message": "output new_sensitive"}
    assert mock.faults.to_json() == []


def test_same_seed_same_answers() -> None:
    def run() -> list[Any]:
        mock = MiniMaxMock(clock="virtual", seed=42)
        with app_client(mock) as client:
            first = create(client, t2va())
            second = create(client, t2va(model="MiniMax-H3-Max", duration=5))
            mock.advance(5)
            return [
                task(client, first),
                client.get("/v2/query/video_generation", headers=AUTH).json(),
                client.delete(f"/v2/video_generation/{second}", headers=AUTH).json(),
                client.get("/v2/nope", headers=AUTH).json(),
            ]

    assert run() == run()


def test_refused_requests_change_nothing(client: httpx.Client, mock: MiniMaxMock) -> None:
    invalid(client, t2va(duration=99))
    invalid(client, t2va(content=[TEXT, image("data:image/png;base64,AAAA")]))
    assert len(mock.store) == 0
    assert all(e.rejected for e in mock.journal)
    assert KEY not in str([e.to_json()["headers"] for e in mock.journal])


CREATE, REGEN = "/v2/video_generation", "/v2/video_regeneration"
ODD_ROLE = {"type": "image_url", "image_url": {"url": "https://e.com/a.png"}, "role": {"r": 1}}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (CREATE, {"model": ["MiniMax-H3"]}),
        (CREATE, t2va(content=[{"type": ["text"]}])),
        (CREATE, t2va(content=[{"type": "text", "text": {"a": 1}}])),
        (CREATE, t2va(content=[TEXT, {"type": "image_url", "image_url": {}}])),
        (CREATE, t2va(content=[TEXT, ODD_ROLE])),
        (CREATE, t2va(content=[TEXT, {"type": "image_url", "image_url": {"url": 7}}])),
        (CREATE, t2va(content=[TEXT, image("data:image/png;base64," + "A" * 5)])),
        (CREATE, t2va(content=[TEXT, image("mm_file://" + "9" * 400)])),
        (CREATE, t2va(content=[TEXT, image("http://[::1")])),
        (CREATE, t2va(content=[TEXT, image("https://e.com:99999/a.png")])),
        (CREATE, t2va(content={"type": "text"})),
        (CREATE, t2va(duration=1e308)),
        (CREATE, t2va(ratio=None)),
        (CREATE, t2va(extra={"prompt_expansion_mode": ["quality"]})),
        (CREATE, t2va(callback_url="http://")),
        ("/v2/h3_context_ir", {"model": "MiniMax-H3", "content": [TEXT], "duration": True}),
        (REGEN, {"model": "MiniMax-H3", "resolution": ["2K"]}),
        (REGEN, {"model": "MiniMax-H3", "resolution": "2K", "source_task_id": 5}),
        (REGEN, {"model": "MiniMax-H3", "resolution": "2K", "source_task_id": " "}),
    ],
)  # fmt: skip
def test_hostile_bodies_get_a_400_naming_a_field(
    client: httpx.Client, mock: MiniMaxMock, path: str, body: dict[str, Any]
) -> None:
    message = invalid(client, body, path)
    assert ":" in message or "binding" in message or "unsupported" in message
    assert len(mock.store) == 0


@pytest.mark.parametrize(
    "query",
    ["page_num=%D9%A1&page_size=%D9%A1", "page_num=99999999999999999999", "filter.task_ids=%D9%A1"],
)
def test_odd_list_parameters_never_break_the_list(client: httpx.Client, query: str) -> None:
    answer = client.get(f"/v2/query/video_generation?{query}", headers=AUTH)
    assert answer.status_code in (200, 400), answer.text
    assert answer.headers["content-type"].startswith("application/json")
