"""Real answers of the V2, files, Video Agent and callback routes, each checked against
the schema the OpenAPI document gives for its route and status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from mockminimax.core.images import encode_png, png_data_url
from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.openapi import document
from tests.conftest import AUTH, app_client

DOC = document()
HOOK = "https://hooks.example.com/cb"  # not an allowed host: recorded, never sent


@pytest.fixture
def instant() -> Iterator[httpx.Client]:
    with app_client(MiniMaxMock(clock="virtual", timing="instant", seed=3)) as client:
        yield client


def conforms(response: httpx.Response, path: str, method: str) -> Any:
    """The answer's body, after checking it against the documented schema for its status."""
    answers = DOC["paths"][path][method]["responses"]
    assert str(response.status_code) in answers, (path, method, response.status_code)
    schema = answers[str(response.status_code)]["content"]["application/json"]["schema"]
    body = response.json()
    errors = list(Draft202012Validator(schema).iter_errors(body))
    assert errors == [], (path, method, body, [e.message for e in errors])
    return body


def body_conforms(path: str, body: Any, method: str = "post") -> bool:
    schema = DOC["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return bool(Draft202012Validator(schema).is_valid(body))


def test_v2_lifecycle_answers_as_documented(instant: httpx.Client) -> None:
    body = {
        "model": "MiniMax-H3",
        "content": [{"type": "text", "text": "a lighthouse at dusk"}],
        "duration": 6,
        "resolution": "768P",
        "ratio": "16:9",
        "extra": {"prompt_expansion_mode": "balanced"},
        "callback_url": HOOK,
    }
    assert body_conforms("/v2/video_generation", body)
    created = instant.post("/v2/video_generation", headers=AUTH, json=body)
    task_id = conforms(created, "/v2/video_generation", "post")["task_id"]
    one = "/v2/query/video_generation/{task_id}"
    task = conforms(instant.get(f"/v2/query/video_generation/{task_id}", headers=AUTH), one, "get")
    assert task["task"]["status"] == "succeeded" and task["task"]["content"]["url"]
    listed = instant.get("/v2/query/video_generation", headers=AUTH, params={"page_size": "5"})
    assert conforms(listed, "/v2/query/video_generation", "get")["total"] == 1
    deleted = instant.delete(f"/v2/video_generation/{task_id}", headers=AUTH)
    assert conforms(deleted, "/v2/video_generation/{task_id}", "delete")["action"] == "deleted"
    gone = instant.get(f"/v2/query/video_generation/{task_id}", headers=AUTH)
    assert gone.status_code == 404
    assert conforms(gone, one, "get")["error"]["http_code"] == "404"


def test_v2_context_ir_and_refusals_answer_as_documented(instant: httpx.Client) -> None:
    body = {"model": "MiniMax-H3", "content": [{"type": "text", "text": "a cat"}], "duration": 6}
    assert body_conforms("/v2/h3_context_ir", body)
    created = instant.post("/v2/h3_context_ir", headers=AUTH, json=body)
    task_id = conforms(created, "/v2/h3_context_ir", "post")["task_id"]
    got = instant.get(f"/v2/query/video_generation/{task_id}", headers=AUTH)
    task = conforms(got, "/v2/query/video_generation/{task_id}", "get")["task"]
    assert task["modality"] == "text" and task["content"]["prompt"].startswith("a cat")
    # A body the document refuses is refused, with the documented error shape.
    bad = {**body, "model": "MiniMax-H3-Max"}
    assert not body_conforms("/v2/h3_context_ir", bad)
    refused = instant.post("/v2/h3_context_ir", headers=AUTH, json=bad)
    assert refused.status_code == 400
    assert "(2013)" in conforms(refused, "/v2/h3_context_ir", "post")["error"]["message"]
    no_key = instant.post("/v2/video_generation", json=body)
    assert conforms(no_key, "/v2/video_generation", "post")["error"]["http_code"] == "401"
    t2v_without_ratio = {**body, "resolution": "768P"}
    assert not body_conforms("/v2/video_generation", t2v_without_ratio)
    refused = instant.post("/v2/video_generation", headers=AUTH, json=t2v_without_ratio)
    assert refused.status_code == 400 and "ratio" in refused.json()["error"]["message"]


def test_files_answer_as_documented(instant: httpx.Client) -> None:
    uploaded = instant.post(
        "/v1/files/upload",
        headers=AUTH,
        data={"purpose": "video_generation_input"},
        files={"file": ("frame.png", encode_png(640, 360), "image/png")},
    )
    file_id = conforms(uploaded, "/v1/files/upload", "post")["file"]["file_id"]
    listed = instant.get(
        "/v1/files/list", headers=AUTH, params={"purpose": "video_generation_input"}
    )
    assert len(conforms(listed, "/v1/files/list", "get")["files"]) == 1
    got = instant.get("/v1/files/retrieve", headers=AUTH, params={"file_id": file_id})
    assert conforms(got, "/v1/files/retrieve", "get")["file"]["download_url"]
    content = instant.get("/v1/files/retrieve_content", headers=AUTH, params={"file_id": file_id})
    assert content.headers["content-type"] == "image/png"
    documented = DOC["paths"]["/v1/files/retrieve_content"]["get"]["responses"]["200"]["content"]
    assert "*/*" in documented  # an upload's own media type, as served
    delete = {"file_id": file_id, "purpose": "video_generation_input"}
    assert body_conforms("/v1/files/delete", delete)
    deleted = instant.post("/v1/files/delete", headers=AUTH, json=delete)
    assert conforms(deleted, "/v1/files/delete", "post")["file_id"] == file_id


def test_video_agent_and_callbacks_answer_as_documented(instant: httpx.Client) -> None:
    body = {
        "template_id": "393769180141805569",  # Run for Life: a media and a text input
        "media_inputs": [{"value": png_data_url(640, 480)}],
        "text_inputs": [{"value": "Lion"}],
        "callback_url": HOOK,
    }
    assert body_conforms("/v1/video_template_generation", body)
    assert not body_conforms("/v1/video_template_generation", {**body, "text_inputs": []})
    created = instant.post("/v1/video_template_generation", headers=AUTH, json=body)
    task_id = conforms(created, "/v1/video_template_generation", "post")["task_id"]
    path = "/v1/query/video_template_generation"
    got = conforms(instant.get(path, headers=AUTH, params={"task_id": task_id}), path, "get")
    assert got["status"] == "Success" and got["video_url"]
    every = instant.get("/_mock/callbacks", params={"task_id": task_id, "wait": "5"})
    deliveries = conforms(every, "/_mock/callbacks", "get")["deliveries"]
    assert deliveries and {d["outcome"] for d in deliveries} == {"not_sent"}
    one = instant.get(f"/_mock/tasks/{task_id}/callbacks", params={"outcome": "not_sent"})
    assert conforms(one, "/_mock/tasks/{task_id}/callbacks", "get")["deliveries"] == deliveries
    refused = instant.get("/_mock/callbacks", params={"wait": "61"})
    assert refused.status_code == 400
    assert conforms(refused, "/_mock/callbacks", "get")["error"]["field"] == "wait"
