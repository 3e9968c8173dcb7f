"""V2 factories of `minimax_payloads`: every body the V2 surface accepts, through HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockminimax.core.mock import MiniMaxMock
from mockminimax.payloads import OMIT, Payloads

from ..conftest import AUTH, app_client

FACTORIES = {
    "v2_text_to_video": ("/v2/video_generation", "t2va"),
    "v2_image_to_video": ("/v2/video_generation", "i2va"),
    "v2_reference_to_video": ("/v2/video_generation", "r2va"),
    "v2_context_ir": ("/v2/h3_context_ir", "t2va"),
}


@pytest.fixture
def client() -> Any:
    with app_client(MiniMaxMock(clock="virtual", seed=3)) as c:
        yield c


@pytest.mark.parametrize("name", FACTORIES)
def test_every_v2_body_is_accepted_in_its_mode(client: httpx.Client, name: str) -> None:
    path, mode = FACTORIES[name]
    for seed in range(40):
        body = getattr(Payloads(seed), name)()
        answer = client.post(path, headers=AUTH, json=body)
        assert answer.status_code == 200, (body, answer.text)
        task = client.get(f"/_mock/tasks/{answer.json()['task_id']}").json()
        assert task["request"]["mode"] == mode


def test_v2_options_and_overrides(client: httpx.Client) -> None:
    payloads = Payloads(5)
    both = payloads.v2_image_to_video(data_url=True, last_frame=True, model="MiniMax-H3-Max")
    assert [item.get("role") for item in both["content"]] == [None, "first_frame", "last_frame"]
    assert both["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert both["model"] == "MiniMax-H3-Max" and both["resolution"] in ("480P", "768P")
    answer = client.post("/v2/video_generation", headers=AUTH, json=both)
    assert answer.status_code == 200, answer.text
    no_ratio = payloads.v2_text_to_video(ratio=OMIT)
    assert "ratio" not in no_ratio
    refused = client.post("/v2/video_generation", headers=AUTH, json=no_ratio)
    assert refused.status_code == 400
    assert len(payloads.v2_reference_to_video(images=9)["content"]) == 10
    with pytest.raises(ValueError, match="1 to 9"):
        payloads.v2_reference_to_video(images=10)
    assert Payloads(5).v2_text_to_video() == Payloads(5).v2_text_to_video()


def test_v2_regeneration_body_of_a_finished_task(client: httpx.Client) -> None:
    payloads = Payloads(1)
    body = payloads.v2_text_to_video(model="MiniMax-H3", resolution="768P")
    source = client.post("/v2/video_generation", headers=AUTH, json=body).json()["task_id"]
    client.post("/_mock/clock/advance", json={"seconds": 10})
    regen = payloads.v2_regeneration(source)
    answer = client.post("/v2/video_regeneration", headers=AUTH, json=regen)
    assert answer.status_code == 200, answer.text
