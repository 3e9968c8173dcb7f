"""The Video Agent through HTTP: template creates, their lifecycle, video_url and errors."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from mockminimax.core.images import encode_png, png_data_url
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.settings import SettingsError
from mockminimax.core.templates import TEMPLATES
from tests.conftest import AUTH, app_client
from tests.helpers import mp4_info

RUN_FOR_LIFE = "393769180141805569"
DIVING = "392747428568649728"
ART_FONTS = "394875727173492739"
PHOTO = png_data_url(640, 480)
URL_PHOTO = "https://cdn.example.com/pets/cat.jpg"
CREATE = "/v1/video_template_generation"
QUERY = "/v1/query/video_template_generation"


def run_for_life(**extra: Any) -> dict[str, Any]:
    return {
        "template_id": RUN_FOR_LIFE,
        "media_inputs": [{"value": PHOTO}],
        "text_inputs": [{"value": "Lion"}],
        **extra,
    }


def create(client: httpx.Client, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.post(CREATE, headers=AUTH if headers is None else headers, json=body).json()


def query(client: httpx.Client, task_id: str, headers: dict[str, str] | None = None) -> Any:
    params = {"task_id": task_id}
    return client.get(QUERY, headers=AUTH if headers is None else headers, params=params).json()


@pytest.fixture
def timed() -> MiniMaxMock:
    """Preparing 1 s, Queueing 2 s, Processing 5 s: every phase can be stood in."""
    return MiniMaxMock(clock="virtual", seed=5, timing="1,2,5")


def test_create_answers_an_18_digit_task_id(client: httpx.Client) -> None:
    body = create(client, run_for_life())
    assert body["base_resp"] == {"status_code": 0, "status_msg": "success"}
    assert body["task_id"].isdigit() and len(body["task_id"]) == 18


def test_lifecycle_has_no_queueing_and_ends_with_a_video_url(timed: MiniMaxMock) -> None:
    with app_client(timed) as client:
        task_id = create(client, run_for_life())["task_id"]
        seen = []
        for _ in range(5):
            answer = query(client, task_id)
            seen.append(answer["status"])
            if answer["status"] != "Success":
                assert answer["video_url"] == ""
            timed.advance(2)
        assert seen == ["Preparing", "Preparing", "Processing", "Processing", "Success"]
        done = query(client, task_id)
        assert set(done) == {"task_id", "status", "video_url", "base_resp"}
        video = client.get(done["video_url"])
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"
    info = mp4_info(video.content)
    assert (info.width, info.height, round(info.seconds)) == (1280, 720, 6)


def test_video_url_lives_nine_hours(client: httpx.Client, mock: MiniMaxMock) -> None:
    task_id = create(client, run_for_life())["task_id"]
    mock.advance(10)
    url = query(client, task_id)["video_url"]
    assert f"Expires={int(mock.now()) + 9 * 3600}" in url
    mock.advance(9 * 3600)
    assert client.head(url).status_code == 200
    mock.advance(1)
    expired = client.get(url)
    assert expired.status_code == 403
    assert "<Message>Request has expired.</Message>" in expired.text
    fresh = query(client, task_id)["video_url"]
    assert fresh != url and client.head(fresh).status_code == 200


def test_template_url_ttl_setting() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, template_url_ttl=60)
    with app_client(mock) as client:
        task_id = create(client, run_for_life())["task_id"]
        mock.advance(10)
        url = query(client, task_id)["video_url"]
        mock.advance(61)
        assert client.get(url).status_code == 403


def test_pending_fields_omit_leaves_video_url_out() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, pending_fields="omit")
    with app_client(mock) as client:
        answer = query(client, create(client, run_for_life())["task_id"])
    assert answer["status"] == "Preparing" and "video_url" not in answer


@pytest.mark.parametrize(("setting", "code"), [("code", 1027), ("zero", 0)])
def test_a_forced_failure(setting: str, code: int) -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, fail_base_resp=setting)
    with app_client(mock) as client:
        task_id = create(client, run_for_life())["task_id"]
        forced = client.post(f"/_mock/tasks/{task_id}", json={"status": "Fail", "code": 1027})
        assert forced.status_code == 200
        answer = query(client, task_id)
    assert answer["status"] == "Fail"
    assert answer["video_url"] == ""
    assert answer["base_resp"]["status_code"] == code


def test_control_api_lists_gets_and_forces_template_tasks(client: httpx.Client) -> None:
    task_id = create(client, run_for_life())["task_id"]
    listed = client.get("/_mock/tasks").json()["tasks"]
    assert [t["task_id"] for t in listed] == [task_id]
    one = client.get(f"/_mock/tasks/{task_id}").json()
    assert one["request"]["template_id"] == RUN_FOR_LIFE
    assert one["request"]["text_inputs"] == ["Lion"]
    assert one["request"]["media_inputs"][0].endswith(f"({len(PHOTO)} chars)")
    client.post(f"/_mock/tasks/{task_id}", json={"status": "Success"})
    assert query(client, task_id)["status"] == "Success"


def test_polls_clock_steps_through_the_agent_statuses() -> None:
    mock = MiniMaxMock(clock="polls", seed=1, timing="1,1,1")
    with app_client(mock) as client:
        task_id = create(client, run_for_life())["task_id"]
        statuses = [query(client, task_id)["status"] for _ in range(4)]
    assert statuses == ["Preparing", "Preparing", "Processing", "Success"]


def test_the_v1_and_gateway_queries_do_not_see_template_tasks(client: httpx.Client) -> None:
    task_id = create(client, run_for_life())["task_id"]
    v1 = client.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
    assert v1.json()["base_resp"]["status_code"] == 1000
    gateway = client.get(
        "/minimaxi/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH
    )
    assert gateway.json()["base_resp"]["status_code"] == 1000


def test_the_template_query_does_not_see_video_tasks(client: httpx.Client) -> None:
    body = {"model": "MiniMax-Hailuo-02", "prompt": "A cat"}
    task_id = client.post("/v1/video_generation", headers=AUTH, json=body).json()["task_id"]
    answer = query(client, task_id)
    assert answer["base_resp"] == {"status_code": 1000, "status_msg": "record not found"}


def test_tasks_are_scoped_by_key(client: httpx.Client) -> None:
    task_id = create(client, run_for_life())["task_id"]
    other = query(client, task_id, {"Authorization": "Bearer sk-someone-else"})
    assert other["base_resp"]["status_code"] == 1000


def test_every_listed_template_takes_its_inputs(client: httpx.Client) -> None:
    for template in TEMPLATES.values():
        body: dict[str, Any] = {"template_id": template.template_id}
        if template.media:
            body["media_inputs"] = [{"value": URL_PHOTO}]
        if template.text:
            body["text_inputs"] = [{"value": "Ocean"}]
        answer = create(client, body)
        assert answer["base_resp"]["status_code"] == 0, (template.name, answer)


def test_a_numeric_template_id_is_read_as_its_digits(client: httpx.Client) -> None:
    answer = create(client, {"template_id": int(DIVING), "media_inputs": [{"value": URL_PHOTO}]})
    assert answer["base_resp"]["status_code"] == 0


def test_extra_templates_setting_adds_templates() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, extra_templates="900000000000000001:text,9002")
    with app_client(mock) as client:
        missing = create(client, {"template_id": "900000000000000001"})
        assert (
            "text_inputs: template custom 900000000000000001 requires"
            in (missing["base_resp"]["status_msg"])
        )
        body = {"template_id": "900000000000000001", "text_inputs": [{"value": "hi"}]}
        assert create(client, body)["base_resp"]["status_code"] == 0
        assert create(client, {"template_id": "9002"})["base_resp"]["status_code"] == 0


@pytest.mark.parametrize("spec", ["abc", "123:video", ":media"])
def test_bad_extra_templates_are_refused_by_name(spec: str) -> None:
    with pytest.raises(SettingsError, match=r"^extra_templates: "):
        MiniMaxMock(extra_templates=spec)


TOO_SMALL = png_data_url(300, 300)
GIF = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "binding: expr_path=template_id, cause=missing required parameter"),
        ({"template_id": True}, "template_id: must be a string, got a boolean"),
        ({"template_id": "123"}, "template_id: unknown template '123'"),
        ({"template_id": DIVING}, "media_inputs: template Diving requires a media input"),
        (
            {"template_id": RUN_FOR_LIFE, "media_inputs": [{"value": URL_PHOTO}]},
            "text_inputs: template Run for Life requires a text input",
        ),
        ({"template_id": DIVING, "media_inputs": "x"}, "media_inputs: must be an array"),
        ({"template_id": DIVING, "media_inputs": ["x"]}, "media_inputs[0]: must be an object"),
        ({"template_id": DIVING, "media_inputs": [{}]}, "expr_path=media_inputs[0].value"),
        ({"template_id": DIVING, "media_inputs": [{"value": 3}]}, "media_inputs[0].value: must"),
        ({"template_id": DIVING, "media_inputs": [{"value": " "}]}, "must not be empty"),
        (
            {"template_id": DIVING, "media_inputs": [{"value": "ftp://x/a.png"}]},
            "media_inputs[0].value: must be an http(s) URL",
        ),
        (
            {"template_id": DIVING, "media_inputs": [{"value": TOO_SMALL}]},
            "media_inputs[0].value: image is 300x300 px: short edge is 300 px",
        ),
        (
            {"template_id": DIVING, "media_inputs": [{"value": GIF}]},
            "media_inputs[0].value: image type 'gif' is not supported",
        ),
        (
            {"template_id": DIVING, "media_inputs": [{"value": URL_PHOTO}] * 6},
            "media_inputs: holds 6 items; at most 5",
        ),
        (
            {"template_id": ART_FONTS, "text_inputs": [{"value": "x" * 2001}]},
            "text_inputs[0].value: 2001 characters; the limit is 2000",
        ),
        (
            {"template_id": ART_FONTS, "text_inputs": [{"value": "A"}], "callback_url": "x"},
            "callback_url: must be an http(s) URL",
        ),
        ([1, 2], "request body must be a JSON object, got an array"),
    ],
)
def test_bad_bodies_are_refused_naming_the_field(
    client: httpx.Client, mock: MiniMaxMock, body: Any, message: str
) -> None:
    response = client.post(CREATE, headers=AUTH, json=body)
    assert response.status_code == 200
    answer = response.json()
    assert answer["task_id"] == ""
    assert answer["base_resp"]["status_code"] == 2013
    assert message in answer["base_resp"]["status_msg"]
    assert len(mock.store) == 0


def test_transport_errors_in_v1_shape(client: httpx.Client, mock: MiniMaxMock) -> None:
    no_key = client.post(CREATE, json=run_for_life()).json()
    assert no_key["base_resp"]["status_code"] == 1004
    bad_json = client.post(
        CREATE, headers={**AUTH, "Content-Type": "application/json"}, content=b"{"
    ).json()
    assert bad_json["base_resp"]["status_code"] == 2013
    assert "not valid JSON" in bad_json["base_resp"]["status_msg"]
    form = client.post(CREATE, headers=AUTH, data={"template_id": DIVING}).json()
    assert "Content-Type must be application/json" in form["base_resp"]["status_msg"]
    missing = client.get(QUERY, headers=AUTH).json()
    assert "expr_path=task_id" in missing["base_resp"]["status_msg"]
    wrong_method = client.get(CREATE, headers=AUTH)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["base_resp"]["status_code"] == 2013
    assert len(mock.store) == 0


def test_fault_rules_name_the_template_routes(client: httpx.Client, mock: MiniMaxMock) -> None:
    mock.faults.add(route="template_create", minimax_error=1002, times=1)
    limited = create(client, run_for_life())
    assert limited == {
        "task_id": "",
        "base_resp": {"status_code": 1002, "status_msg": "rate limit, please retry later"},
    }
    task_id = create(client, run_for_life())["task_id"]
    mock.faults.add(route="template_query", http_status=502)
    assert client.get(QUERY, headers=AUTH, params={"task_id": task_id}).status_code == 502
    mock.faults.clear()
    v1 = client.post("/v1/video_generation", headers=AUTH, json={"model": "T2V-01", "prompt": "x"})
    assert v1.json()["base_resp"]["status_code"] == 0


def test_a_task_fault_fails_a_template_task(client: httpx.Client, mock: MiniMaxMock) -> None:
    mock.faults.add(route="template_create", task="fail", code=1026)
    task_id = create(client, run_for_life())["task_id"]
    mock.advance(10)
    answer = query(client, task_id)
    assert answer["status"] == "Fail"
    assert answer["base_resp"]["status_code"] == 1026


def test_same_seed_same_answers() -> None:
    def run() -> tuple[str, str]:
        mock = MiniMaxMock(clock="virtual", seed=42)
        with app_client(mock) as client:
            task_id = create(client, run_for_life())["task_id"]
            mock.advance(10)
            return task_id, query(client, task_id)["video_url"]

    assert run() == run()


def test_a_large_media_input_is_summarised_in_the_task(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    raw = encode_png(2000, 2000) + bytes(4_000_000)
    big = "data:image/png;base64," + base64.b64encode(raw).decode()
    task_id = create(client, {"template_id": DIVING, "media_inputs": [{"value": big}]})["task_id"]
    task = mock.find_task(task_id)
    assert task is not None
    kept = task.request.media_inputs  # type: ignore[attr-defined]
    assert len(kept[0]) < 100
