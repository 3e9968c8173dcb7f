"""A bounded property-based fuzz of the newer surfaces (V2, files, Video Agent, callbacks):
whatever JSON, query or path a client sends, the answer is the surface's own shape, never
a 5xx of ours, and what the mock then keeps still answers as strict JSON.

Hypothesis draws the inputs; the examples per test are few enough for `make test`. A
longer run, as for the other fuzz tests (`fuzzing.fuzz_settings`): `MOCKMINIMAX_FUZZ_EXAMPLES=30
.venv/bin/python -m pytest tests/server/test_fuzz_new_surfaces.py` (30 times as many).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockminimax.core.mock import MiniMaxMock

from ..conftest import AUTH, app_client
from .fuzzing import fuzz_settings

#: Scaled by MOCKMINIMAX_FUZZ_EXAMPLES as every fuzz test is (`make fuzz`).
FUZZ = fuzz_settings(60)

#: Strings a careless or hostile client sends: odd digits, surrogate-free odd code points,
#: long runs, URL-ish and ID-ish text.
ODD = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["²", "٣", "1²", "0", "-1", "1e3", "NaN", " ", "9" * 5000, "http://[::1",
                     "mm_file://²", "data:image/png;base64,²²", "MiniMax-H3", "768P", "2K",
                     "16:9", "adaptive", "first_frame", "base_video", "image_url", "text",
                     "393769180141805569", "video_generation_input", "544529763028279"]),
)  # fmt: skip
NUMBERS = st.one_of(
    st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
KEYS = st.sampled_from([
    "model", "content", "type", "text", "image_url", "video_url", "audio_url", "url", "role",
    "resolution", "duration", "ratio", "callback_url", "extra", "prompt_expansion_mode",
    "aigc_watermark", "source_task_id", "template_id", "media_inputs", "text_inputs", "value",
    "file_id", "purpose",
])  # fmt: skip
JSON = st.recursive(
    st.one_of(NUMBERS, ODD),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(KEYS, ODD), inner, max_size=5)
    ),
    max_leaves=25,
)
V2_ITEM = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(["text", "image_url", "video_url", "audio_url"]), JSON)},
    optional={
        "text": ODD,
        "image_url": st.fixed_dictionaries({"url": ODD}),
        "video_url": st.fixed_dictionaries({"url": ODD}),
        "role": ODD,
    },
)
V2_BODY = st.fixed_dictionaries(
    {"model": st.sampled_from(["MiniMax-H3", "MiniMax-H3-Max", "x"])},
    optional={
        "content": st.one_of(st.lists(V2_ITEM, max_size=4), JSON),
        "resolution": st.one_of(st.sampled_from(["768P", "1080P", "2K"]), JSON),
        "duration": st.one_of(st.integers(-2, 20), JSON),
        "ratio": st.one_of(st.sampled_from(["16:9", "adaptive"]), JSON),
        "callback_url": st.one_of(ODD, JSON),
        "extra": JSON,
        "source_task_id": st.one_of(ODD, JSON),
        "aigc_watermark": JSON,
    },
)
INPUTS = st.one_of(st.lists(st.fixed_dictionaries({"value": ODD}), max_size=6), JSON)
AGENT_BODY = st.fixed_dictionaries(
    {"template_id": st.one_of(st.sampled_from(["393769180141805569", "394875727173492739"]), JSON)},
    optional={"media_inputs": INPUTS, "text_inputs": INPUTS, "callback_url": st.one_of(ODD, JSON)},
)


@pytest.fixture(scope="module")
def fuzz_mock() -> MiniMaxMock:
    return MiniMaxMock(clock="virtual", seed=3, v2_regeneration_by_task=True)


@pytest.fixture(scope="module")
def fuzz_client(fuzz_mock: MiniMaxMock) -> Iterator[httpx.Client]:
    with app_client(fuzz_mock) as client:
        yield client


def v2_shaped(answer: httpx.Response) -> None:
    assert answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    body = answer.json()
    if answer.status_code >= 400:
        assert body["type"] == "error" and body["error"]["http_code"] == str(answer.status_code)
    else:
        assert isinstance(body, dict) and "type" not in body


def v1_shaped(answer: httpx.Response) -> None:
    assert answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    assert isinstance(answer.json()["base_resp"]["status_code"], int)


def state_still_answers(client: httpx.Client) -> None:
    for path in ("/_mock/tasks", "/_mock/journal", "/_mock/callbacks", "/_mock/health"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)
        json.loads(answer.content)  # strict: no NaN, no lone surrogate
    for task in client.get("/_mock/tasks").json()["tasks"]:
        assert client.get(f"/_mock/tasks/{task['task_id']}").status_code == 200


@FUZZ
@given(
    path=st.sampled_from(["/v2/video_generation", "/v2/h3_context_ir", "/v2/video_regeneration"]),
    body=st.one_of(V2_BODY, JSON),
)
def test_v2_creates(fuzz_client: httpx.Client, path: str, body: Any) -> None:
    v2_shaped(fuzz_client.post(path, headers=AUTH, json=body))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["page_num", "page_size", "filter.task_ids", "filter[status]",
                         "filter.status", "filter.task_type", "filter.model", "x"]),
        ODD,
        max_size=4,
    ),
    ref=ODD,
)  # fmt: skip
def test_v2_reads(fuzz_client: httpx.Client, params: dict[str, str], ref: str) -> None:
    v2_shaped(fuzz_client.get("/v2/query/video_generation", headers=AUTH, params=params))
    quoted = quote(ref, safe="")
    if quoted:
        v2_shaped(fuzz_client.get(f"/v2/query/video_generation/{quoted}", headers=AUTH))
        v2_shaped(fuzz_client.delete(f"/v2/video_generation/{quoted}", headers=AUTH))


@FUZZ
@given(body=st.one_of(AGENT_BODY, JSON), ref=ODD)
def test_video_agent(fuzz_client: httpx.Client, body: Any, ref: str) -> None:
    v1_shaped(fuzz_client.post("/v1/video_template_generation", headers=AUTH, json=body))
    params = {"task_id": ref}
    v1_shaped(fuzz_client.get("/v1/query/video_template_generation", headers=AUTH, params=params))


@FUZZ
@given(
    purpose=ODD,
    name=ODD,
    data=st.binary(max_size=64),
    body=st.one_of(st.fixed_dictionaries({"file_id": st.one_of(ODD, JSON), "purpose": ODD}), JSON),
)  # fmt: skip
def test_files(fuzz_client: httpx.Client, purpose: str, name: str, data: bytes, body: Any) -> None:
    files = {"file": (name, data, "application/octet-stream")}
    v1_shaped(
        fuzz_client.post("/v1/files/upload", headers=AUTH, data={"purpose": purpose}, files=files)
    )
    v1_shaped(fuzz_client.get("/v1/files/list", headers=AUTH, params={"purpose": purpose}))
    v1_shaped(fuzz_client.post("/v1/files/delete", headers=AUTH, json=body))


@FUZZ
@given(body=st.binary(max_size=300), boundary=ODD)
def test_multipart_bytes(fuzz_client: httpx.Client, body: bytes, boundary: str) -> None:
    head = b"--" + boundary.encode("utf-8", "replace") + b"\r\n"
    content_type = "multipart/form-data; boundary=" + quote(boundary or "b", safe="=-_")
    answer = fuzz_client.post(
        "/v1/files/upload",
        headers={**AUTH, "Content-Type": content_type},
        content=head + body,
    )
    v1_shaped(answer)


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["task_id", "kind", "outcome", "wait"]), ODD))
def test_callback_log(fuzz_client: httpx.Client, params: dict[str, str]) -> None:
    answer = fuzz_client.get("/_mock/callbacks", params=params)
    assert answer.status_code < 500 and answer.headers["content-type"].startswith(
        "application/json"
    )
    ref = quote(params.get("task_id", "1"), safe="") or "1"
    answer = fuzz_client.get(f"/_mock/tasks/{ref}/callbacks", params={"wait": "0"})
    assert answer.status_code < 500 and answer.headers["content-type"].startswith(
        "application/json"
    )


def test_what_the_fuzz_left_still_answers(fuzz_client: httpx.Client) -> None:
    """Runs after the fuzz tests above, on the same mock: nothing they stored breaks a read."""
    state_still_answers(fuzz_client)
