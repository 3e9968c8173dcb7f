"""V2 media limits, checked on what the mock holds: data URIs and uploaded `mm_file://`
files, read from their headers; public URLs are never fetched."""

from __future__ import annotations

import base64
import io
import wave
from typing import Any

import httpx
import pytest

from mockminimax.core.images import encode_png, png_data_url
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.mp4 import render_mp4

from ..conftest import AUTH
from ..helpers import mp4_info
from .test_v2 import TEXT, create, image, invalid, t2va, task


def data_uri(kind: str, data: bytes) -> str:
    return f"data:{kind};base64," + base64.b64encode(data).decode()


def wav(seconds: float, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(rate * seconds))
    return out.getvalue()


def mp3(seconds: float) -> bytes:
    """A constant-bitrate MPEG-1 layer III stream (128 kbit/s): frame header, then padding."""
    return b"\xff\xfb\x90\x00" + bytes(int(16000 * seconds) - 4)


def video_item(url: str) -> dict[str, Any]:
    return {"type": "video_url", "video_url": {"url": url}}


def audio_item(url: str) -> dict[str, Any]:
    return {"type": "audio_url", "audio_url": {"url": url}}


REF = image(png_data_url(512, 512), "reference_image")
CLIP = data_uri("video/mp4", render_mp4(320, 256, 48, 24))


def first_error(client: httpx.Client, *items: dict[str, Any]) -> str:
    return invalid(client, t2va(content=[TEXT, *items]))


# -- images ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (png_data_url(200, 300), "the image is 200x300 px; each side must be 256-5760 px"),
        (png_data_url(900, 300),
         "the image is 900x300 px (ratio 3.000); width/height must be 0.4-2.5"),
        (data_uri("image/gif", b"GIF89a" + bytes(40)),
         "the data is gif (image); an image_url takes JPEG, PNG, WEBP, HEIC, HEIF"),
        (data_uri("image/png", bytes(64)),
         "the data is of no recognised format; an image_url takes JPEG, PNG, WEBP, HEIC, HEIF"),
        (data_uri("image/png", wav(2)),
         "the data is wav (audio); an image_url takes JPEG, PNG, WEBP, HEIC, HEIF"),
        (data_uri("video/mp4", b"x"), "an image_url item takes data:image/..., not data:video/..."),
        ("data:image/png;base64,not base64!", "data is not valid Base64"),
        ("data:image/png;base64,", "data URI holds no data"),
        ("data:image/png,raw", "data URI must look like data:image/<format>;base64,<data>"),
    ],
)  # fmt: skip
def test_image_data_uris_are_checked(client: httpx.Client, url: str, message: str) -> None:
    assert first_error(client, image(url)) == f"content[1].image_url.url: {message}"


def test_a_task_keeps_a_bounded_form_of_a_data_uri(client: httpx.Client, mock: MiniMaxMock) -> None:
    url = png_data_url(4000, 3000)
    task_id = create(client, t2va(content=[TEXT, image(url)]))
    short = f"{url[:64]}... ({len(url)} chars)"
    kept = mock.store.get(task_id)
    assert kept is not None
    assert [m.url for m in kept.request.media] == [short]  # the task holds only this
    assert kept.request.media[0].info.width == 4000  # what was read of it stays
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert seen["media"][0]["url"] == short


def test_a_webp_or_jpeg_first_frame_passes(client: httpx.Client) -> None:
    create(client, t2va(content=[TEXT, image(png_data_url(256, 640))]))


# -- reference videos and audio -----------------------------------------------------------


def test_reference_video_and_audio_count_in_usage(client: httpx.Client, mock: MiniMaxMock) -> None:
    content = [TEXT, video_item(CLIP), audio_item(data_uri("audio/wav", wav(3)))]
    task_id = create(client, t2va(content=content, ratio="adaptive"))
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert seen["mode"] == "r2va"
    assert seen["media"][0]["size"] == "320x256" and seen["media"][0]["seconds"] == 2.0
    assert (seen["width"], seen["height"]) == (1024, 768), "5:4 clip, nearest 4:3"
    mock.advance(5)
    usage = task(client, task_id)["usage"]
    assert (usage["input_seconds"], usage["input_audio_seconds"], usage["total_seconds"]) == (
        2,
        3,
        6,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (render_mp4(320, 256, 24, 24), "the video lasts 1.000 s; each must last 2-15 s"),
        (render_mp4(320, 256, 30, 10), "the video runs at 10.000 fps; it must be 23.976-60.0"),
        (render_mp4(640, 200, 48, 24), "the video is 640x200 px; each side must be 256-5760 px"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(32),
         "the video has no readable video track (no moov box)"),
        (wav(2), "the data is wav (audio); a video_url takes MP4, MOV"),
    ],
)  # fmt: skip
def test_reference_videos_are_checked(client: httpx.Client, data: bytes, message: str) -> None:
    found = first_error(client, REF, video_item(data_uri("video/mp4", data)))
    assert found == f"content[2].video_url.url: {message}"


def test_reference_videos_may_last_15_seconds_in_all(client: httpx.Client) -> None:
    eight = data_uri("video/mp4", render_mp4(256, 256, 192, 24))
    assert first_error(client, video_item(eight), video_item(eight)) == (
        "content: reference_video items last 16.000 s in all; at most 15 s"
    )


def test_reference_audio_may_last_15_seconds_in_all(client: httpx.Client) -> None:
    eight = audio_item(data_uri("audio/wav", wav(8)))
    assert first_error(client, REF, eight, eight) == (
        "content: reference_audio items last 16.000 s in all; at most 15 s"
    )
    create(client, t2va(content=[TEXT, REF, eight, audio_item(data_uri("audio/wav", wav(7)))]))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (data_uri("audio/wav", wav(1)), "the audio lasts 1.000 s; each must last 2-15 s"),
        (data_uri("audio/mpeg", mp3(16)), "the audio lasts 16.000 s; each must last 2-15 s"),
        (data_uri("audio/wav", encode_png(300, 300)),
         "the data is png (image); an audio_url takes WAV, MP3"),
        (data_uri("audio/wav", bytes(16 * 1024 * 1024)),
         "the audio is 16.00 MB (16777216 bytes); at most 15 MB"),
    ],
)  # fmt: skip
def test_reference_audio_is_checked(client: httpx.Client, url: str, message: str) -> None:
    assert first_error(client, REF, audio_item(url)) == f"content[2].audio_url.url: {message}"


def test_mp3_and_wav_references_pass(client: httpx.Client) -> None:
    mp3_uri = data_uri("audio/mpeg", mp3(2.5))
    create(client, t2va(content=[TEXT, REF, audio_item(mp3_uri)]))


# -- uploaded files (mm_file://) -------------------------------------------------------------


def upload(client: httpx.Client, data: bytes, name: str, headers: dict[str, str] = AUTH) -> str:
    answer = client.post(
        "/v1/files/upload",
        headers=headers,
        data={"purpose": "video_generation_input"},
        files={"file": (name, data, "application/octet-stream")},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["file"]["file_id"])


def test_an_uploaded_first_frame_shapes_the_output(client: httpx.Client, mock: MiniMaxMock) -> None:
    file_id = upload(client, encode_png(360, 640), "portrait.png")
    task_id = create(client, t2va(content=[TEXT, image(f"mm_file://{file_id}")]))
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert seen["media"][0]["format"] == "png" and seen["media"][0]["size"] == "360x640"
    assert (seen["width"], seen["height"]) == (768, 1344)
    mock.advance(5)
    assert task(client, task_id)["status"] == "succeeded"


def test_uploaded_files_are_checked_like_data(client: httpx.Client) -> None:
    small = upload(client, encode_png(240, 240), "small.png")
    assert first_error(client, image(f"mm_file://{small}")) == (
        "content[1].image_url.url: the image is 240x240 px; each side must be 256-5760 px"
    )
    sound = upload(client, wav(3), "voice.wav")
    assert first_error(client, image(f"mm_file://{sound}")) == (
        "content[1].image_url.url: the data is wav (audio); an image_url takes JPEG, PNG, WEBP, "
        "HEIC, HEIF"
    )
    create(client, t2va(content=[TEXT, REF, audio_item(f"mm_file://{sound}")]))
    clip = upload(client, render_mp4(320, 256, 48, 24), "clip.mp4")
    create(client, t2va(content=[TEXT, video_item(f"mm_file://{clip}")]))


def test_unknown_or_foreign_files_are_not_found(client: httpx.Client) -> None:
    theirs = upload(client, encode_png(640, 360), "x.png", {"Authorization": "Bearer sk-other"})
    for file_id in ("123456789012345", theirs):
        assert first_error(client, image(f"mm_file://{file_id}")) == (
            f"content[1].image_url.url: no uploaded file {file_id} (upload it with "
            "POST /v1/files/upload)"
        )
    assert first_error(client, image("mm_file://abc")) == (
        "content[1].image_url.url: mm_file:// takes a numeric file_id, got 'abc'"
    )


def test_a_deleted_upload_no_longer_resolves(client: httpx.Client, mock: MiniMaxMock) -> None:
    file_id = upload(client, encode_png(640, 360), "x.png")
    create(client, t2va(content=[TEXT, image(f"mm_file://{file_id}")]))
    mock.files.delete(file_id)
    assert "no uploaded file" in first_error(client, image(f"mm_file://{file_id}"))


# -- regeneration's base video ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (render_mp4(1344, 768, 107, 24), "the base video must have an audio track"),
        (render_mp4(1344, 768, 125, 25, audio=True),
         "the base video must run at 24 fps, got 25.000"),
        (render_mp4(1366, 768, 107, 24, audio=True),
         "the base video is 1366x768; sides must be multiples of 32 and the area "
         "589,824-1,032,192 px (an H3 768P output)"),
        (render_mp4(2560, 1440, 107, 24, audio=True),
         "the base video is 2560x1440; sides must be multiples of 32 and the area "
         "589,824-1,032,192 px (an H3 768P output)"),
        (render_mp4(1344, 768, 108, 24, audio=True),
         "the base video has 108 frames; it must have 107-362 in steps of 17"),
    ],
)  # fmt: skip
def test_a_base_video_must_be_an_h3_768p_output(
    client: httpx.Client, data: bytes, message: str
) -> None:
    base = {**video_item(data_uri("video/mp4", data)), "role": "base_video"}
    body = {"model": "MiniMax-H3", "resolution": "2K", "content": [TEXT, base]}
    found = invalid(client, body, "/v2/video_regeneration")
    assert found == f"content[1].video_url.url: {message}"


def test_an_h3_output_downloaded_regenerates_at_2k(client: httpx.Client, mock: MiniMaxMock) -> None:
    source = create(client, t2va(ratio="9:16", duration=5))
    mock.advance(5)
    output = client.get(task(client, source)["content"]["url"]).content
    base = {**video_item(data_uri("video/mp4", output)), "role": "base_video"}
    first = image(png_data_url(768, 1344), "first_frame")
    body = {"model": "MiniMax-H3", "resolution": "2K", "content": [TEXT, first, base]}
    task_id = create(client, body, "/v2/video_regeneration")
    seen = client.get(f"/_mock/tasks/{task_id}").json()["request"]
    assert (seen["width"], seen["height"], seen["frames"], seen["duration"]) == (
        1440,
        2560,
        124,
        5,
    )
    assert seen["mode"] == "i2va"
    mock.advance(5)
    done = task(client, task_id)
    assert done["task_type"] == "regeneration" and done["usage"]["input_seconds"] == 6
    info = mp4_info(client.get(done["content"]["url"]).content)
    assert (info.width, info.height, info.frames) == (1440, 2560, 124)
