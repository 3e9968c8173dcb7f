"""The MiniMax V1 surface through HTTP: lifecycle, validation, auth, the four seed requests."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mockminimax.core.catalog import MODELS, Mode
from mockminimax.core.images import png_data_url
from mockminimax.core.mock import MiniMaxMock
from tests.conftest import AUTH, app_client
from tests.helpers import IMAGE, SEED_OUTPUT, SEED_REQUESTS, mp4_info

LOGIN_FAIL = (
    "login fail: Please carry the API secret key in the 'Authorization' field of the request header"
)


def create(
    client: httpx.Client, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return client.post(
        "/v1/video_generation", json=body, headers=AUTH if headers is None else headers
    )


def base_resp(response: httpx.Response) -> tuple[int, str]:
    assert response.status_code == 200, response.text
    resp = response.json()["base_resp"]
    return resp["status_code"], resp["status_msg"]


@pytest.mark.parametrize("kind", list(SEED_REQUESTS))
def test_seed_request_runs_to_a_downloaded_mp4(
    client: httpx.Client, mock: MiniMaxMock, kind: str
) -> None:
    created = create(client, SEED_REQUESTS[kind])
    assert base_resp(created) == (0, "success")
    task_id = created.json()["task_id"]
    assert task_id.isdigit() and len(task_id) == 15

    first = client.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
    assert first.json()["status"] == "Preparing"
    mock.advance(60)
    done = client.get(
        "/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH
    ).json()
    assert done["status"] == "Success"
    assert isinstance(done["file_id"], str) and done["file_id"].isdigit()

    file = client.get(
        "/v1/files/retrieve", params={"file_id": done["file_id"]}, headers=AUTH
    ).json()
    assert file["base_resp"]["status_code"] == 0
    assert file["file"]["file_id"] == int(done["file_id"])  # a number here, a string in query
    assert file["file"]["filename"] == "output.mp4"
    video = client.get(file["file"]["download_url"])  # bare: no Authorization
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"

    info = mp4_info(video.content)
    width, height, seconds = SEED_OUTPUT[kind]
    assert (info.codec, info.width, info.height) == ("h264", width, height)
    assert (done["video_width"], done["video_height"]) == (info.width, info.height)
    assert info.fps == 24
    assert info.frames == seconds * 24
    assert info.seconds == pytest.approx(seconds, abs=0.05)

    content = client.get(
        "/v1/files/retrieve_content", params={"file_id": done["file_id"]}, headers=AUTH
    )
    assert content.content == video.content


def test_status_walks_every_phase_on_the_virtual_clock(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    task_id = create(client, SEED_REQUESTS["text_to_video"]).json()["task_id"]
    seen = []
    for _ in range(8):
        body = client.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
        seen.append(body.json()["status"])
        mock.advance(0.5)
    assert seen[:3] == ["Preparing", "Queueing", "Processing"]
    assert seen[-1] == "Success"


def test_pending_answer_carries_empty_file_fields(client: httpx.Client) -> None:
    task_id = create(client, SEED_REQUESTS["text_to_video"]).json()["task_id"]
    body = client.get(
        "/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH
    ).json()
    assert body == {
        "task_id": task_id,
        "status": "Preparing",
        "file_id": "",
        "video_width": 0,
        "video_height": 0,
        "base_resp": {"status_code": 0, "status_msg": "success"},
    }


def test_pending_fields_can_be_omitted() -> None:
    mock = MiniMaxMock(clock="virtual", pending_fields="omit")
    with app_client(mock) as client:
        task_id = create(client, SEED_REQUESTS["text_to_video"]).json()["task_id"]
        body = client.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
    assert set(body.json()) == {"task_id", "status", "base_resp"}


def test_trace_id_header_on_every_answer(client: httpx.Client) -> None:
    ok = create(client, SEED_REQUESTS["text_to_video"])
    bad = create(client, {"model": "nope"})
    assert len(ok.headers["Trace-Id"]) == 32
    assert len(bad.headers["Trace-Id"]) == 32
    assert ok.headers["Trace-Id"] != bad.headers["Trace-Id"]


def test_edge_headers_on_every_answer(client: httpx.Client, mock: MiniMaxMock) -> None:
    """MiniMax's edge adds these to every api.minimax.io answer seen, 404s included."""
    answers = [
        create(client, SEED_REQUESTS["text_to_video"]),
        create(client, {"model": "nope"}),
        client.get("/v1/nowhere", headers=AUTH),
    ]
    for answer in answers:
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["Minimax-Request-Id"])
        assert re.fullmatch(r"[0-9a-f]{40}", answer.headers["alb_request_id"])
        assert float(answer.headers["alb_receive_time"]) == mock.now()
        assert re.fullmatch(r"\d+\.\d{3}", answer.headers["alb_receive_time"])
    assert len({a.headers["alb_request_id"] for a in answers}) == 3
    assert len({a.headers["Minimax-Request-Id"] for a in answers}) == 3
    gateway = client.post("/minimaxi/v1/video_generation", json={}, headers=AUTH)
    assert "alb_request_id" not in gateway.headers  # the gateway's own answer, not MiniMax's


def test_backup_download_url_is_a_setting() -> None:
    for backup in (False, True):
        m = MiniMaxMock(clock="virtual", backup_download_url=backup)
        with app_client(m) as client:
            task_id = create(client, SEED_REQUESTS["text_to_video"]).json()["task_id"]
            m.advance(60)
            file_id = client.get(
                "/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH
            ).json()["file_id"]
            file = client.get(
                "/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH
            ).json()["file"]
            assert ("backup_download_url" in file) is backup
            if backup:
                mirror = client.get(file["backup_download_url"])
                assert mirror.status_code == 200
                assert mirror.content == client.get(file["download_url"]).content
                assert list(file)[-1] == "backup_download_url"


def test_legacy_group_id_and_unknown_fields_are_ignored(client: httpx.Client) -> None:
    body = {**SEED_REQUESTS["text_to_video"], "aspect_ratio": "16:9", "extra": {"a": 1}}
    created = client.post(
        "/v1/video_generation", params={"GroupId": "1900000000"}, json=body, headers=AUTH
    )
    assert base_resp(created) == (0, "success")
    query = client.get(
        "/v1/query/video_generation",
        params={"task_id": created.json()["task_id"], "GroupId": "19"},
        headers=AUTH,
    )
    assert query.json()["base_resp"]["status_code"] == 0


# -- auth ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}],
)
def test_missing_key_is_1004_with_the_real_message(
    client: httpx.Client, headers: dict[str, str]
) -> None:
    response = create(client, SEED_REQUESTS["text_to_video"], headers=headers)
    assert base_resp(response) == (1004, LOGIN_FAIL)
    assert response.json()["task_id"] == ""


def test_restricted_keys_refuse_others_with_2049() -> None:
    mock = MiniMaxMock(clock="virtual", api_keys=("sk-good",))
    with app_client(mock) as client:
        refused = create(
            client, SEED_REQUESTS["text_to_video"], headers={"Authorization": "Bearer sk-bad"}
        )
        accepted = create(
            client, SEED_REQUESTS["text_to_video"], headers={"Authorization": "Bearer sk-good"}
        )
        query = client.get("/v1/query/video_generation", params={"task_id": "1"}, headers={})
    assert base_resp(refused) == (2049, "invalid api key")
    assert base_resp(accepted) == (0, "success")
    assert base_resp(query)[0] == 1004


def test_tasks_are_scoped_to_the_key_that_made_them(client: httpx.Client) -> None:
    task_id = create(client, SEED_REQUESTS["text_to_video"]).json()["task_id"]
    other = client.get(
        "/v1/query/video_generation",
        params={"task_id": task_id},
        headers={"Authorization": "Bearer other"},
    )
    assert base_resp(other) == (1000, "record not found")


# -- validation ------------------------------------------------------------------------


def matrix_cases() -> list[tuple[str, Mode, str, int, bool]]:
    """Every model x mode x resolution x duration the catalog knows, plus the neighbours."""
    cases = []
    for model in MODELS.values():
        if model.legacy:  # takes any duration and resolution (tests/server/test_legacy.py)
            continue
        for mode in model.modes:
            for res in ("512P", "720P", "768P", "1080P"):
                for duration in (6, 10):
                    ok = duration in model.durations(mode, res)
                    cases.append((model.name, mode, res, duration, ok))
    return cases


def body_for(model: str, mode: Mode, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "prompt": "a red fox in snow"}
    if mode is Mode.I2V:
        body["first_frame_image"] = IMAGE
    elif mode is Mode.FL2V:
        body.update(first_frame_image=IMAGE, last_frame_image=IMAGE)
    elif mode is Mode.S2V:
        body["subject_reference"] = [{"type": "character", "image": [IMAGE]}]
    return {**body, **extra}


@pytest.mark.parametrize(("model", "mode", "res", "duration", "ok"), matrix_cases())
def test_model_matrix(
    client: httpx.Client, model: str, mode: Mode, res: str, duration: int, ok: bool
) -> None:
    response = create(client, body_for(model, mode, resolution=res, duration=duration))
    code, message = base_resp(response)
    if ok:
        assert code == 0, message
    else:
        assert code == 2013
        assert message.startswith("invalid params, ")
        assert ("resolution:" in message) or ("duration:" in message)
        assert model in message


def test_duration_error_says_which_resolution_allows_it(client: httpx.Client) -> None:
    response = create(
        client, body_for("MiniMax-Hailuo-2.3", Mode.T2V, duration=10, resolution="1080P")
    )
    assert base_resp(response) == (
        2013,
        "invalid params, duration: model MiniMax-Hailuo-2.3 allows 6s at 1080P for Text-to-Video; "
        "10s needs 768P",
    )


def test_defaults_fill_in_resolution_and_duration(client: httpx.Client, mock: MiniMaxMock) -> None:
    create(client, {"model": "MiniMax-Hailuo-02", "prompt": "x"})
    create(client, {"model": "T2V-01", "prompt": "x"})
    hailuo, series01 = (t.request for t in mock.store)
    assert (hailuo.resolution, hailuo.duration, hailuo.width, hailuo.height) == (
        "768P",
        6,
        1366,
        768,
    )
    assert (series01.resolution, series01.width, series01.height) == ("720P", 1280, 720)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"prompt": "x"},
            "invalid params, binding: expr_path=model, cause=missing required parameter",
        ),
        ({"model": "video-02", "prompt": "x"}, "invalid params, unsupported model: video-02"),
        ({"model": 5, "prompt": "x"}, "invalid params, model: must be a string, got a number"),
        (
            {"model": "MiniMax-Hailuo-2.3"},
            "invalid params, binding: expr_path=prompt, cause=missing required parameter",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3-Fast", "prompt": "x"},
            "model MiniMax-Hailuo-2.3-Fast does not support Text-to-Video mode",
        ),
        (
            {"model": "T2V-01", "prompt": "x", "first_frame_image": IMAGE},
            "model T2V-01 does not support Image-to-Video mode",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "last_frame_image": IMAGE},
            "model MiniMax-Hailuo-2.3 does not support First-Last-Frame-to-Video mode",
        ),
        (
            {"model": "S2V-01", "prompt": "x"},
            "invalid params, binding: expr_path=subject_reference, "
            "cause=missing required parameter",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3", "prompt": "x" * 2001},
            "invalid params, prompt: 2001 characters; the limit is 2000 characters",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "duration": "6"},
            "invalid params, duration: must be an integer number of seconds, got a string",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "duration": 6.5},
            "invalid params, duration: must be an integer number of seconds, got a number",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "prompt_optimizer": "yes"},
            "invalid params, prompt_optimizer: must be a boolean, got a string",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "resolution": "1080p"},
            "invalid params, resolution: model MiniMax-Hailuo-2.3 supports 768P, 1080P for "
            "Text-to-Video, not '1080p'",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "first_frame_image": "ftp://x/y.png"},
            "invalid params, first_frame_image: "
            "must be an http(s) URL or a data:image/...;base64, URL",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "callback_url": "localhost:9000"},
            "invalid params, callback_url: must be an http(s) URL",
        ),
        (
            {
                "model": "S2V-01",
                "prompt": "x",
                "subject_reference": [{"type": "object", "image": [IMAGE]}],
            },
            "invalid params, subject_reference[0].type: must be 'character', got 'object'",
        ),
        (
            {
                "model": "S2V-01",
                "prompt": "x",
                "subject_reference": [{"type": "character", "image": IMAGE}],
            },
            "invalid params, subject_reference[0].image: "
            "must be an array of one image, got a string",
        ),
        (
            {
                "model": "S2V-01",
                "prompt": "x",
                "subject_reference": [{"type": "character", "image": [IMAGE, IMAGE]}],
            },
            "invalid params, subject_reference[0].image: only one image is supported, got 2",
        ),
        (
            {"model": "S2V-01", "prompt": "x", "subject_reference": []},
            "invalid params, subject_reference: must hold exactly one subject, got 0",
        ),
    ],
)
def test_invalid_requests_name_the_field_and_rule(
    client: httpx.Client, mock: MiniMaxMock, body: dict[str, Any], expected: str
) -> None:
    response = create(client, body)
    assert base_resp(response) == (2013, expected)
    assert response.json()["task_id"] == ""
    assert len(mock.store) == 0
    entry = list(mock.journal)[-1]
    assert entry.rejected == f"2013: {expected}"


def test_data_url_images_are_checked_and_set_the_output_aspect(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    small = create(
        client, body_for("MiniMax-Hailuo-2.3", Mode.I2V, first_frame_image=png_data_url(300, 400))
    )
    assert base_resp(small) == (
        2013,
        "invalid params, first_frame_image: image is 300x400 px: short edge is 300 px; "
        "it must be greater than 300 px",
    )
    ok = create(
        client, body_for("MiniMax-Hailuo-02", Mode.I2V, first_frame_image=png_data_url(900, 800))
    )
    assert base_resp(ok)[0] == 0
    (task,) = mock.store
    assert (task.request.width, task.request.height) == (864, 768)  # as seen live for 768P


def test_legacy_01_params_setting_rejects_duration() -> None:
    mock = MiniMaxMock(clock="virtual", legacy_01_params="reject")
    with app_client(mock) as client:
        response = create(client, {"model": "T2V-01", "prompt": "x", "duration": 6})
    assert base_resp(response) == (
        2013,
        "invalid params, duration: model T2V-01 does not take duration",
    )


# -- query and files -------------------------------------------------------------------


def test_query_and_files_refuse_missing_and_unknown_ids(client: httpx.Client) -> None:
    missing = client.get("/v1/query/video_generation", headers=AUTH)
    assert base_resp(missing) == (
        2013,
        "invalid params, binding: expr_path=task_id, cause=missing required parameter",
    )
    unknown = client.get(
        "/v1/query/video_generation", params={"task_id": "123456789012345"}, headers=AUTH
    )
    assert base_resp(unknown) == (1000, "record not found")
    bad_file = client.get("/v1/files/retrieve", params={"file_id": "abc"}, headers=AUTH)
    assert base_resp(bad_file) == (2013, "invalid params, file_id: must be an integer")
    no_file = client.get("/v1/files/retrieve_content", params={"file_id": "1"}, headers=AUTH)
    assert base_resp(no_file) == (1000, "record not found")


def test_file_of_a_pending_task_does_not_exist_yet(client: httpx.Client, mock: MiniMaxMock) -> None:
    create(client, SEED_REQUESTS["text_to_video"])
    (task,) = mock.store
    early = client.get("/v1/files/retrieve", params={"file_id": task.file_id}, headers=AUTH)
    assert base_resp(early) == (1000, "record not found")
    mock.advance(10)
    late = client.get("/v1/files/retrieve", params={"file_id": task.file_id}, headers=AUTH)
    assert base_resp(late) == (0, "success")


async def test_async_client_runs_a_lifecycle(aclient: httpx.AsyncClient, mock: MiniMaxMock) -> None:
    created = await aclient.post(
        "/v1/video_generation", json=SEED_REQUESTS["first_frame"], headers=AUTH
    )
    task_id = created.json()["task_id"]
    mock.advance(3)
    done = (
        await aclient.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
    ).json()
    assert done["status"] == "Success"
    file = (
        await aclient.get("/v1/files/retrieve", params={"file_id": done["file_id"]}, headers=AUTH)
    ).json()
    head = await aclient.head(file["file"]["download_url"])
    assert head.status_code == 200
    assert int(head.headers["content-length"]) > 1000


pytestmark = pytest.mark.anyio
