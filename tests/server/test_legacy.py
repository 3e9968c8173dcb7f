"""The 2024-25 model names video-01 and video-01-live2d: taken by default as the models they
stood for, at video-01's 25 fps, or refused as unsupported models (`legacy_models`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockminimax.core.catalog import MODELS
from mockminimax.core.mock import MiniMaxMock
from tests.conftest import AUTH, app_client
from tests.helpers import IMAGE, mp4_info

PROMPT = "A beautiful sunrise over mountains with flowing water"
#: The body api.minimax.io took on 2026-01-31 (the capture behind OBS-A).
CAPTURED = {
    "model": "video-01",
    "prompt": PROMPT,
    "duration": 5,
    "aspect_ratio": "16:9",
    "resolution": "720p",
}


def run(client: httpx.Client, mock: MiniMaxMock, prefix: str, body: dict[str, Any]) -> Any:
    created = client.post(f"{prefix}/video_generation", json=body, headers=AUTH).json()
    assert created["base_resp"] == {"status_code": 0, "status_msg": "success"}, created
    mock.advance(300)
    done = client.get(
        f"{prefix}/query/video_generation", params={"task_id": created["task_id"]}, headers=AUTH
    ).json()
    assert done["status"] == "Success"
    content = client.get(
        f"{prefix}/files/retrieve_content", params={"file_id": done["file_id"]}, headers=AUTH
    ).content
    return done, mp4_info(content)


@pytest.mark.parametrize("prefix", ["/v1", "/minimaxi/v1"])
@pytest.mark.parametrize(
    ("body", "stands_for"),
    [
        (CAPTURED, "T2V-01"),
        ({"model": "video-01", "prompt": PROMPT, "first_frame_image": IMAGE}, "I2V-01"),
        ({"model": "video-01-live2d", "first_frame_image": IMAGE}, "I2V-01-live"),
    ],
)
def test_legacy_names_render_video_01_output(
    client: httpx.Client, mock: MiniMaxMock, prefix: str, body: dict[str, Any], stands_for: str
) -> None:
    done, video = run(client, mock, prefix, body)
    assert (done["video_width"], done["video_height"]) == (1280, 720)
    assert (video.width, video.height) == (1280, 720)
    assert video.fps == 25
    assert video.frames == 150  # 6 s at 25 fps, whatever duration was sent
    (task,) = mock.store
    assert task.request.model == body["model"]
    model = MODELS[body["model"]]
    assert model.stands_for is not None
    assert model.stands_for[task.request.mode] == stands_for
    assert (task.request.duration, task.request.resolution, task.request.fps) == (6, "720P", 25)


def test_legacy_names_keep_their_modes_and_types(client: httpx.Client, mock: MiniMaxMock) -> None:
    wrong_mode = client.post(
        "/v1/video_generation", json={"model": "video-01-live2d", "prompt": PROMPT}, headers=AUTH
    ).json()
    assert wrong_mode["base_resp"] == {
        "status_code": 2013,
        "status_msg": "model video-01-live2d does not support Text-to-Video mode",
    }
    wrong_type = client.post(
        "/v1/video_generation", json={**CAPTURED, "duration": "6"}, headers=AUTH
    ).json()
    assert wrong_type["base_resp"]["status_code"] == 2013
    assert "duration" in wrong_type["base_resp"]["status_msg"]
    assert len(mock.store) == 0


@pytest.mark.parametrize("model", ["video-01", "video-01-live2d"])
def test_reject_refuses_them_as_unsupported_models(model: str) -> None:
    mock = MiniMaxMock(clock="virtual", legacy_models="reject")
    body = {"model": model, "prompt": PROMPT, "first_frame_image": IMAGE}
    with app_client(mock) as client:
        official = client.post("/v1/video_generation", json=body, headers=AUTH).json()
        gateway = client.post("/minimaxi/v1/video_generation", json=body, headers=AUTH)
    expected = {"status_code": 2013, "status_msg": f"invalid params, unsupported model: {model}"}
    assert official == {"task_id": "", "base_resp": expected}
    assert gateway.status_code == 200  # MiniMax's refusal passes through the gateway
    assert gateway.json()["base_resp"] == expected
    assert len(mock.store) == 0


def test_current_models_still_render_at_24_fps(client: httpx.Client, mock: MiniMaxMock) -> None:
    body = {"model": "T2V-01", "prompt": PROMPT}
    done, video = run(client, mock, "/v1", body)
    assert (done["video_width"], done["video_height"]) == (1280, 720)
    assert (video.width, video.height, video.fps, video.frames) == (1280, 720, 24, 144)
