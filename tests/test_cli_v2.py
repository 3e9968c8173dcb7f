"""`mockminimax validate --v2`: a V2 body checked offline, refused exactly as the app would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockminimax.core.mock import MiniMaxMock

from .conftest import AUTH, app_client
from .test_cli import run_cli

TEXT = {"type": "text", "text": "A kite over the dunes"}


def app_error(body: Any, path: str) -> tuple[int, dict[str, Any]]:
    with app_client(MiniMaxMock(clock="virtual")) as client:
        answer = client.post(path, headers=AUTH, json=body)
    data = answer.json()
    return answer.status_code, {"type": data["type"], "error": data["error"]}


def test_a_valid_v2_body_prints_the_normalized_request(tmp_path: Path) -> None:
    body = {
        "model": "MiniMax-H3",
        "content": [
            TEXT,
            {"type": "image_url", "image_url": {"url": "mm_file://123456789012345"}},
        ],
        "resolution": "2K",
        "duration": 5,
    }
    file = tmp_path / "v2.json"
    file.write_text(json.dumps(body), encoding="utf-8")
    result = run_cli("validate", "--v2", str(file))
    assert result.returncode == 0, result.stderr
    request = json.loads(result.stdout)
    assert (request["mode"], request["width"], request["height"]) == ("i2va", 2560, 1440)
    assert request["frames"] == 124 and request["media"][0]["role"] == "first_frame"


@pytest.mark.parametrize(
    ("endpoint", "path", "body"),
    [
        ("create", "/v2/video_generation",
         {"model": "MiniMax-H3-Max", "content": [TEXT], "resolution": "2K", "duration": 5,
          "ratio": "16:9"}),
        ("create", "/v2/video_generation", {"model": "MiniMax-H3", "content": []}),
        ("context_ir", "/v2/h3_context_ir",
         {"model": "MiniMax-H3-Max", "content": [TEXT], "duration": 5}),
        ("regeneration", "/v2/video_regeneration",
         {"model": "MiniMax-H3", "resolution": "768P", "source_task_id": "1"}),
        ("create", "/v2/video_generation", [1]),
    ],
)  # fmt: skip
def test_an_invalid_v2_body_gets_the_apps_answer(
    endpoint: str, path: str, body: Any, tmp_path: Path
) -> None:
    result = run_cli("validate", "--v2", "--endpoint", endpoint, "-", stdin=json.dumps(body))
    assert result.returncode == 1
    status, expected = app_error(body, path)
    assert result.stderr.startswith(f"# the API would answer HTTP {status} with:")
    assert json.loads(result.stdout) == expected
    assert expected["error"]["type"] == "bad_request_error"


def test_malformed_json_is_a_400(tmp_path: Path) -> None:
    result = run_cli("validate", "--v2", "-", stdin='{"model": ')
    assert result.returncode == 1
    printed = json.loads(result.stdout)
    assert printed["error"]["http_code"] == "400"
    assert printed["error"]["message"].startswith("invalid params, request body is not valid JSON")
