"""The files API under careless input: IDs take ASCII digits only, named in V1's shape."""

from __future__ import annotations

import httpx
import pytest

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
