"""The callback log's `?wait=` is read as the other numbers in queries are: ASCII only."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize("wait", ["٣", "²", "1_0", "nan", "inf", "9" * 5000, "-1"])
def test_wait_is_refused_naming_it(client: httpx.Client, wait: str) -> None:
    answer = client.get("/_mock/callbacks", params={"wait": wait})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "wait"


@pytest.mark.parametrize("wait", ["0", "0.5", " 1 "])
def test_a_plain_number_waits(client: httpx.Client, wait: str) -> None:
    answer = client.get("/_mock/callbacks", params={"wait": wait})
    assert answer.status_code == 200 and answer.json()["idle"] is True
