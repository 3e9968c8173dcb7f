"""The files API under careless input: IDs take ASCII digits only, named in V1's shape."""

from __future__ import annotations

import httpx
import pytest

from mockminimax.core.images import encode_png
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.multipart import MAX_CONTENT_TYPE_CHARS
from tests.conftest import AUTH


@pytest.mark.parametrize("purpose", ["voice_clone", "video_generation"])
@pytest.mark.parametrize("file_id", ["²", "٣٣", "9" * 5000])
def test_delete_takes_an_ascii_file_id(client: httpx.Client, purpose: str, file_id: str) -> None:
    answer = client.post(
        "/v1/files/delete", headers=AUTH, json={"file_id": file_id, "purpose": purpose}
    )
    assert answer.status_code == 200
    assert answer.json()["base_resp"] == {
        "status_code": 2013,
        "status_msg": "invalid params, file_id: must be an integer",
    }


def test_a_huge_multipart_content_type_is_refused_before_it_is_parsed(
    client: httpx.Client,
) -> None:
    """The stdlib's parameter parsing is superlinear (1.8 MB of parameters: 4 s)."""
    ctype = "multipart/form-data; " + "a=b; " * 100_000 + "boundary=x"
    answer = client.post(
        "/v1/files/upload", headers={**AUTH, "Content-Type": ctype}, content=b"--x--\r\n"
    )
    assert answer.json()["base_resp"] == {
        "status_code": 2013,
        "status_msg": f"invalid params, Content-Type: Content-Type is {len(ctype)} characters; "
        f"at most {MAX_CONTENT_TYPE_CHARS}",
    }


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v1/files/delete", AUTH),
        ("/v2/video_generation", AUTH),
        ("/_mock/faults", {}),
    ],
)
def test_a_refused_content_type_is_echoed_short(
    client: httpx.Client, path: str, headers: dict[str, str]
) -> None:
    answer = client.post(
        path, headers={**headers, "Content-Type": "text/plain; x=" + "y" * 1_000_000}, content=b"{}"
    )
    assert 400 <= answer.status_code < 500 or answer.json()["base_resp"]["status_code"] == 2013
    assert "Content-Type" in answer.text and len(answer.content) < 2048


def _png_as_voice(client: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    return client.post(
        "/v1/files/upload",
        headers=headers,
        data={"purpose": "voice_clone"},
        files={"file": ("a.png", encode_png(64, 64), "image/png")},
    )


def test_a_fault_rule_never_sees_an_upload_refused_for_its_file(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    rule = client.post("/_mock/faults", json={"route": "upload", "minimax_error": 1002})
    assert rule.status_code == 201
    answer = _png_as_voice(client, AUTH)
    assert answer.json()["base_resp"]["status_code"] == 2013
    assert "voice_clone takes" in answer.json()["base_resp"]["status_msg"]
    assert [(r["matched"], r["hits"]) for r in client.get("/_mock/faults").json()["faults"]] == [
        (0, 0)
    ]
    header = _png_as_voice(client, {**AUTH, "X-Mock-Fault": "minimax_error=1002"})
    assert header.json()["base_resp"]["status_code"] == 2013
    assert len(mock.files) == 0


def test_a_fault_rule_still_fires_on_a_good_upload(client: httpx.Client, mock: MiniMaxMock) -> None:
    answer = client.post(
        "/v1/files/upload",
        headers={**AUTH, "X-Mock-Fault": "minimax_error=1002"},
        data={"purpose": "video_generation_input"},
        files={"file": ("a.png", encode_png(64, 64), "image/png")},
    )
    assert answer.json()["base_resp"]["status_code"] == 1002
    assert len(mock.files) == 0
