"""Bytes no client should send, answered in each surface's shape and naming the field:
strict JSON within limits on every body, bounded numbers in every query and header, and
nothing stored that could break a later answer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mockminimax.core.clock import MAX_CLOCK
from mockminimax.core.faults import MAX_DELAY
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.settings import DEFAULT_START_TIME
from mockminimax.core.strict_json import MAX_DEPTH
from tests.conftest import AUTH, app_client
from tests.helpers import SEED_REQUESTS
from tests.server.test_cdn import finished_url, with_params
from tests.server.test_errors import assert_official

JSON = {"Content-Type": "application/json"}
NINES = "9" * 5000


def strict(text: str) -> Any:
    """`text` read as strict JSON: a bare NaN or Infinity fails the test."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in an answer")

    return json.loads(text, parse_constant=refuse)


def deep(levels: int) -> bytes:
    return b'{"model": "MiniMax-Hailuo-2.3", "prompt": "x", "extra": ' + (
        b"[" * levels + b"]" * levels + b"}"
    )


BAD_BODIES = {
    "nan": (b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a", "duration": NaN}', "duration"),
    "infinity": (b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a", "duration": -Infinity}', None),
    "overflow": (b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a", "duration": 1e400}', "duration"),
    "400 digits": (
        b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a", "duration": ' + b"9" * 400 + b"}",
        "duration",
    ),
    "int64": (b'{"model": "MiniMax-Hailuo-2.3", "duration": 9223372036854775808}', "duration"),
    "lone surrogate": (b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a \\ud800 cat"}', "prompt"),
    "surrogate key": (b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a", "\\udc80": 1}', "\\udc80"),
    "invalid utf-8": (b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a \xff cat"}', "UTF-8"),
    "utf-16": ('{"model": "MiniMax-Hailuo-2.3", "prompt": "a"}'.encode("utf-16"), "UTF-8"),
    "490 deep": (deep(490), f"deeper than {MAX_DEPTH}"),
    "100000 deep": (deep(100_000), f"deeper than {MAX_DEPTH}"),
}


@pytest.mark.parametrize("raw, named", BAD_BODIES.values(), ids=list(BAD_BODIES))
def test_bodies_outside_strict_json_are_refused_on_every_surface(
    client: httpx.Client, mock: MiniMaxMock, raw: bytes, named: str | None
) -> None:
    official = client.post("/v1/video_generation", content=raw, headers={**AUTH, **JSON})
    message = assert_official(official, 200, 2013)
    assert message.startswith("invalid params, ")
    if named:
        assert named in message

    gateway = client.post("/minimaxi/v1/video_generation", content=raw, headers={**AUTH, **JSON})
    assert gateway.status_code == 400
    assert gateway.json()["code"] == "invalid_request"
    if named:
        assert named in gateway.json()["message"]

    for path in ("/_mock/faults", "/_mock/clock/advance", "/_mock/tasks/none"):
        control = client.post(path, content=raw, headers=JSON)
        assert control.status_code in (400, 404), control.text  # 404: no such task
        assert control.headers["content-type"].startswith("application/json")
        assert set(control.json()["error"]) == {"message", "field"}

    assert len(mock.store) == 0
    assert mock.faults.rules == ()
    assert mock.now() == DEFAULT_START_TIME
    # What was refused is kept in a form every later answer can still serialize.
    strict(client.get("/_mock/journal").text)
    strict(client.get("/_mock/tasks").text)


def test_a_valid_surrogate_pair_is_a_character(client: httpx.Client) -> None:
    raw = b'{"model": "MiniMax-Hailuo-2.3", "prompt": "a cat \\ud83d\\ude00"}'
    answer = client.post("/v1/video_generation", content=raw, headers={**AUTH, **JSON})
    assert answer.json()["base_resp"]["status_code"] == 0
    task = client.get(f"/_mock/tasks/{answer.json()['task_id']}").json()
    assert task["request"]["prompt"] == "a cat \N{GRINNING FACE}"


def test_poison_attempts_leave_every_listing_readable(client: httpx.Client) -> None:
    """After every kind of refused body, each listing answers 200 in strict JSON."""
    for raw, _ in BAD_BODIES.values():
        client.post("/v1/video_generation", content=raw, headers={**AUTH, **JSON})
        client.post("/minimaxi/v1/video_generation", content=raw, headers={**AUTH, **JSON})
    good = client.post("/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH)
    task_id = good.json()["task_id"]
    for path in ("/_mock/tasks", f"/_mock/tasks/{task_id}", "/_mock/faults", "/_mock/health"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        strict(answer.text)
    journal = client.get("/_mock/journal")
    assert journal.status_code == 200
    entries = strict(journal.text)["entries"]
    api = [e for e in entries if e["surface"] != "control"]
    assert len(api) == 2 * len(BAD_BODIES) + 1
    assert [e["status"] for e in api].count(200) == len(BAD_BODIES) + 1


# -- numbers in queries and headers --------------------------------------------------------


def test_range_with_huge_positions(client: httpx.Client) -> None:
    url = finished_url(client)
    whole = client.get(url)
    size = len(whole.content)
    tail = client.get(url, headers={"Range": "bytes=0-" + NINES})
    assert tail.status_code == 206
    assert tail.headers["content-range"] == f"bytes 0-{size - 1}/{size}"
    past = client.get(url, headers={"Range": f"bytes={NINES}-"})
    assert past.status_code == 416
    suffix = client.get(url, headers={"Range": f"bytes=-{NINES}"})
    assert suffix.status_code == 206
    assert suffix.content == whole.content
    odd = client.get(url, headers={"Range": "bytes=\N{SUPERSCRIPT TWO}-".encode()})
    assert odd.status_code == 200  # not a range: ignored, the whole file


def test_range_with_huge_positions_on_retrieve_content(client: httpx.Client) -> None:
    for prefix in ("/v1", "/minimaxi/v1"):
        task_id = client.post(
            f"{prefix}/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH
        ).json()["task_id"]
        client.post("/_mock/clock/advance", json={"seconds": 30})
        file_id = client.get(
            f"{prefix}/query/video_generation", params={"task_id": task_id}, headers=AUTH
        ).json()["file_id"]
        answer = client.get(
            f"{prefix}/files/retrieve_content",
            params={"file_id": file_id},
            headers={**AUTH, "Range": "bytes=0-" + NINES},
        )
        assert answer.status_code == 206, answer.text


@pytest.mark.parametrize("expires", [NINES, "\N{SUPERSCRIPT TWO}", "-1", "1.5", ""])
def test_expires_that_is_no_time(client: httpx.Client, expires: str) -> None:
    url = finished_url(client)
    answer = client.get(with_params(url, Expires=expires))
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/xml")
    assert "<Code>AccessDenied</Code>" in answer.text


@pytest.mark.parametrize("limit", ["\N{SUPERSCRIPT TWO}", NINES, "-1", "1e3", "٣"])
def test_journal_limit_that_is_no_count(client: httpx.Client, limit: str) -> None:
    answer = client.get("/_mock/journal", params={"limit": limit})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "limit"


@pytest.mark.parametrize("seconds", [1e300, MAX_CLOCK])
def test_clock_cannot_run_past_year_9999(client: httpx.Client, seconds: float) -> None:
    answer = client.post("/_mock/clock/advance", json={"seconds": seconds})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "seconds"
    assert client.get("/_mock/clock").json()["now"] == DEFAULT_START_TIME
    # Nothing moved: creates and queries answer as before.
    created = client.post("/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH)
    assert created.json()["base_resp"]["status_code"] == 0
    gateway = client.post(
        "/minimaxi/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH
    )
    assert gateway.status_code == 200


@pytest.mark.parametrize("key", ["delay", "jitter"])
def test_fault_delays_have_a_maximum(client: httpx.Client, key: str) -> None:
    rule = {"delay": 1, key: 1e12} if key == "jitter" else {"delay": 1e12}
    answer = client.post("/_mock/faults", json=rule)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == key
    assert f"at most {MAX_DELAY:g}" in answer.json()["error"]["message"]
    header = client.post(
        "/v1/video_generation",
        json=SEED_REQUESTS["text_to_video"],
        headers={
            **AUTH,
            "X-Mock-Fault": f"{key}=1e12" if key == "delay" else "delay=1,jitter=1e12",
        },
    )
    message = assert_official(header, 200, 2013)
    assert key in message
    assert client.get("/_mock/tasks").json()["tasks"] == []


def test_fault_integers_of_any_length(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/video_generation",
        json=SEED_REQUESTS["text_to_video"],
        headers={**AUTH, "X-Mock-Fault": f"http_status={NINES}"},
    )
    assert "http_status" in assert_official(answer, 200, 2013)
    rule = client.post("/_mock/faults", json={"minimax_error": NINES})
    assert rule.status_code == 400
    assert rule.json()["error"]["field"] == "minimax_error"


def test_stall_seconds_setting_has_the_same_maximum() -> None:
    from mockminimax.core.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="stall_seconds"):
        Settings(stall_seconds=MAX_DELAY + 1)
    assert Settings(stall_seconds=MAX_DELAY).stall_seconds == MAX_DELAY


# -- bounded state --------------------------------------------------------------------------


def test_rate_limit_windows_are_dropped_once_empty() -> None:
    mock = MiniMaxMock(clock="virtual", seed=3, rpm=2)
    with app_client(mock) as client:
        for n in range(300):
            answer = client.post(
                "/v1/video_generation",
                json=SEED_REQUESTS["text_to_video"],
                headers={"Authorization": f"Bearer key-{n}"},
            )
            assert answer.json()["base_resp"]["status_code"] == 0
        assert len(mock.limiter) == 300
        client.post("/_mock/clock/advance", json={"seconds": 61})
        again = client.post(
            "/v1/video_generation",
            json=SEED_REQUESTS["text_to_video"],
            headers={"Authorization": "Bearer key-0"},
        )
        assert again.json()["base_resp"]["status_code"] == 0
        assert len(mock.limiter) == 1  # only key-0's window, holding this call


def test_a_task_keeps_a_bounded_form_of_a_data_url_image(client: httpx.Client) -> None:
    from mockminimax.core.images import png_data_url

    image = png_data_url(4000, 3000)
    body = {**SEED_REQUESTS["first_frame"], "first_frame_image": image}
    created = client.post("/v1/video_generation", json=body, headers=AUTH)
    assert created.json()["base_resp"]["status_code"] == 0
    stored = client.get(f"/_mock/tasks/{created.json()['task_id']}").json()["request"]
    assert stored["first_frame_image"] == f"{image[:64]}... ({len(image)} chars)"
    assert (stored["width"], stored["height"]) == (1440, 1080)  # the image's 4:3 kept


def test_a_callback_url_has_a_length_limit(client: httpx.Client) -> None:
    body = {**SEED_REQUESTS["text_to_video"], "callback_url": "https://x.example/" + "a" * 2100}
    answer = client.post("/v1/video_generation", json=body, headers=AUTH)
    assert "callback_url" in assert_official(answer, 200, 2013)


def test_fault_rules_are_bounded(client: httpx.Client, mock: MiniMaxMock) -> None:
    from mockminimax.core.faults import MAX_RULES, MAX_TEXT_VALUE

    long = client.post(
        "/_mock/faults", json={"http_status": 500, "body": "x" * (MAX_TEXT_VALUE + 1)}
    )
    assert long.status_code == 400 and long.json()["error"]["field"] == "body"
    slow = client.post("/_mock/faults", json={"task": "slow", "factor": 1e300})
    assert slow.status_code == 400 and slow.json()["error"]["field"] == "factor"
    for _ in range(MAX_RULES):
        mock.faults.add(route="download", http_status=404)
    full = client.post("/_mock/faults", json={"minimax_error": 1002})
    assert full.status_code == 400 and full.json()["error"]["field"] == "rule"
    assert len(mock.faults) == MAX_RULES
