"""The Video Agent under hostile input: what a template task keeps stays small."""

from __future__ import annotations

import httpx

from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.validation import MAX_CALLBACK_URL, MAX_STORED_IMAGE
from tests.conftest import AUTH

from .test_templates import CREATE, run_for_life


def test_a_long_callback_url_is_refused_naming_it(client: httpx.Client, mock: MiniMaxMock) -> None:
    url = "http://127.0.0.1/" + "x" * MAX_CALLBACK_URL
    body = client.post(CREATE, headers=AUTH, json=run_for_life(callback_url=url)).json()
    assert body["base_resp"]["status_code"] == 2013
    assert body["base_resp"]["status_msg"].startswith("invalid params, callback_url: ")
    assert len(mock.store) == 0


def test_a_long_media_url_is_kept_as_a_short_note(client: httpx.Client) -> None:
    url = "https://cdn.example.com/" + "a" * 3_000_000 + ".png"
    body = client.post(
        CREATE, headers=AUTH, json=run_for_life(media_inputs=[{"value": url}])
    ).json()
    assert body["base_resp"]["status_code"] == 0
    task = client.get(f"/_mock/tasks/{body['task_id']}")
    assert task.status_code == 200
    assert len(task.content) < 4 * MAX_STORED_IMAGE
    kept = task.json()["request"]["media_inputs"]
    assert kept == [f"{url[:48]}... ({len(url)} chars)"]


def test_a_media_url_within_the_bound_is_kept_whole(client: httpx.Client) -> None:
    url = "https://cdn.example.com/" + "a" * 1000 + ".png"
    body = client.post(
        CREATE, headers=AUTH, json=run_for_life(media_inputs=[{"value": url}])
    ).json()
    task = client.get(f"/_mock/tasks/{body['task_id']}").json()
    assert task["request"]["media_inputs"] == [url]
