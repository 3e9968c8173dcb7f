"""Refusals and reads draw nothing from the seeded stream the tasks' and files' IDs come
from: the same creates give the same IDs whatever was refused or read in between."""

from __future__ import annotations

from typing import Any

from mockminimax.core.mock import MiniMaxMock
from tests.conftest import AUTH, app_client

from .test_v2 import t2va

V1 = {"model": "MiniMax-Hailuo-2.3", "prompt": "A lighthouse at dusk"}


def _ids(noise: bool) -> list[Any]:
    mock = MiniMaxMock(clock="virtual", seed=7)
    with app_client(mock) as client:
        made: list[Any] = []

        def between() -> None:
            if noise:  # refusals and reads on each surface: every answer gets a trace ID
                client.post("/v2/video_generation", headers=AUTH, json=t2va(duration="x"))
                client.post("/v1/video_generation", headers=AUTH, json={"model": 7})
                client.post("/minimaxi/v1/video_generation", json=V1)
                client.get("/v2/query/video_generation", headers=AUTH)
                client.get("/v1/files/list", headers=AUTH, params={"purpose": "nope"})
                client.get("/inference_output/file/1/x.png")

        between()
        made.append(client.post("/v2/video_generation", headers=AUTH, json=t2va()).json())
        between()
        made.append(client.post("/v1/video_generation", headers=AUTH, json=V1).json()["task_id"])
        between()
        upload = client.post(
            "/v1/files/upload",
            headers=AUTH,
            data={"purpose": "t2a_async_input"},
            files={"file": ("a.txt", b"hello")},
        )
        made.append(upload.json()["file"]["file_id"])
        between()
        made.append(client.post("/v2/video_generation", headers=AUTH, json=t2va()).json())
    return made


def test_refusals_and_reads_between_creates_shift_no_id() -> None:
    quiet = _ids(noise=False)
    assert _ids(noise=True) == quiet
    assert len({str(v) for v in quiet}) == 4
