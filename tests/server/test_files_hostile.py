"""The files API under careless input: IDs take ASCII digits only, named in V1's shape."""

from __future__ import annotations

import httpx
import pytest

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
