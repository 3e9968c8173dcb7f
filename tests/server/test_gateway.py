"""The One-Hub gateway surface: platform IDs, its own errors, MiniMax's passed through."""

from __future__ import annotations

import re

import httpx
import pytest

from mockminimax.core.mock import MiniMaxMock
from tests.conftest import AUTH, app_client
from tests.helpers import SEED_OUTPUT, SEED_REQUESTS, mp4_info

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def create(
    client: httpx.Client, body: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    return client.post(
        "/minimaxi/v1/video_generation", json=body, headers=AUTH if headers is None else headers
    )


def query(client: httpx.Client, ref: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.get(
        "/minimaxi/v1/query/video_generation",
        params={"task_id": ref},
        headers=AUTH if headers is None else headers,
    )


@pytest.mark.parametrize("kind", list(SEED_REQUESTS))
def test_seed_request_runs_to_a_downloaded_mp4(
    client: httpx.Client, mock: MiniMaxMock, kind: str
) -> None:
    created = create(client, SEED_REQUESTS[kind])
    assert created.status_code == 200
    body = created.json()
    assert body["base_resp"] == {"status_code": 0, "status_msg": "success"}
    assert body["task_id"].isdigit()
    assert body["platform_id"].startswith("video_")
    assert ULID.match(body["platform_id"][len("video_") :])

    mock.advance(60)
    done = query(client, body["platform_id"])
    assert done.json()["status"] == "Success"  # the docs' promise: official bodies
    assert done.json()["task_id"] == body["task_id"]  # the upstream ID, whichever was asked
    file = client.get(
        "/minimaxi/v1/files/retrieve", params={"file_id": done.json()["file_id"]}, headers=AUTH
    )
    assert isinstance(file.json()["file"]["file_id"], int)
    content = client.get(
        "/minimaxi/v1/files/retrieve_content",
        params={"file_id": done.json()["file_id"]},
        headers=AUTH,
    )
    assert content.headers["content-disposition"] == 'attachment; filename="output.mp4"'
    info = mp4_info(content.content)
    width, height, seconds = SEED_OUTPUT[kind]
    assert (info.width, info.height, info.frames) == (width, height, seconds * 24)
    assert client.get(file.json()["file"]["download_url"]).content == content.content


def test_query_accepts_every_id_form(client: httpx.Client) -> None:
    body = create(client, SEED_REQUESTS["text_to_video"]).json()
    ulid = body["platform_id"][len("video_") :]
    for ref in (
        body["task_id"],
        body["platform_id"],
        ulid,
        ulid.lower(),
        f"task_{ulid}",
        f"TASK_{ulid}",
    ):
        answer = query(client, ref)
        assert answer.status_code == 200, ref
        assert answer.json()["task_id"] == body["task_id"]
        assert "platform_id" not in answer.json()


@pytest.mark.parametrize(
    "ref",
    ["video_" + "Z" * 26, "video_" + "I" * 26, "task_01ARZ3NDEKTSV4RRFFQ69G5FA", "U" * 26],
)
def test_a_platform_id_that_is_no_ulid_is_not_found(client: httpx.Client, ref: str) -> None:
    # Past 128 bits, outside Crockford's alphabet, 25 characters: python-ulid refuses each
    # (a ValueError inside the lookup); the gateway answers its own 404, never a 500.
    create(client, SEED_REQUESTS["text_to_video"])
    answer = query(client, ref)
    assert answer.status_code == 404
    assert answer.json()["code"] == "upstream_not_found_or_no_permission"


@pytest.mark.parametrize(("profile", "ending"), [("docs", "}"), ("onehub-code", "}\n")])
def test_query_body_ends_as_the_profile_says(profile: str, ending: str) -> None:
    with app_client(MiniMaxMock(clock="virtual", gateway_profile=profile)) as client:
        body = create(client, SEED_REQUESTS["text_to_video"]).json()
        answer = query(client, body["platform_id"])
    assert answer.text.rstrip("\n").endswith("}") and answer.text[-len(ending) :] == ending
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r"\d{14}\d{1,9}[a-z0-9]{8}", answer.headers["X-Oneapi-Request-Id"])


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "Success"),
        ({"gateway_profile": "onehub-code"}, "success"),
        ({"gateway_status_case": "lower"}, "success"),
        ({"gateway_profile": "onehub-code", "gateway_status_case": "official"}, "Success"),
    ],
)
def test_status_casing_follows_the_profile_or_its_override(
    settings: dict[str, str], expected: str
) -> None:
    m = MiniMaxMock(clock="virtual", **settings)
    with app_client(m) as client:
        pid = create(client, SEED_REQUESTS["text_to_video"]).json()["platform_id"]
        m.advance(10)
        assert query(client, pid).json()["status"] == expected


def test_failed_task_is_official_fail_by_default() -> None:
    # One task seen through both surfaces (the gateway strips the key's `sk-`).
    with app_client(MiniMaxMock(clock="virtual", scope_tasks_by_key=False)) as client:
        pid = create(client, SEED_REQUESTS["text_to_video"]).json()["platform_id"]
        client.post(f"/_mock/tasks/{pid}", json={"status": "Fail", "code": 1026})
        answer = query(client, pid)
        direct = client.get(
            "/v1/query/video_generation", params={"task_id": answer.json()["task_id"]}, headers=AUTH
        )
    assert answer.json() == {
        "task_id": answer.json()["task_id"],
        "status": "Fail",
        "file_id": "",
        "video_width": 0,
        "video_height": 0,
        "base_resp": {"status_code": 1026, "status_msg": "input new_sensitive"},
    }
    assert answer.content == direct.content  # byte for byte what MiniMax itself answers


def test_onehub_code_profile_lower_cases_and_drops_empty_fields() -> None:
    mock = MiniMaxMock(clock="virtual", gateway_profile="onehub-code")
    with app_client(mock) as client:
        pending = create(client, SEED_REQUESTS["text_to_video"]).json()
        failed = create(client, SEED_REQUESTS["text_to_video"]).json()
        client.post(f"/_mock/tasks/{failed['platform_id']}", json={"status": "Fail", "code": 1026})
        assert query(client, pending["platform_id"]).json() == {
            "task_id": pending["task_id"],
            "status": "preparing",
            "base_resp": {"status_code": 0, "status_msg": "success"},
        }
        assert query(client, failed["platform_id"]).json() == {
            "task_id": failed["task_id"],
            "status": "failed",
            "base_resp": {"status_code": 1026, "status_msg": "input new_sensitive"},
        }


def test_onehub_code_profile_files_retrieve_is_go_encoded() -> None:
    mock = MiniMaxMock(
        clock="virtual",
        gateway_profile="onehub-code",
        backup_download_url=True,
        scope_tasks_by_key=False,
    )
    with app_client(mock) as client:
        created = create(client, SEED_REQUESTS["text_to_video"]).json()
        mock.advance(60)
        file_id = query(client, created["task_id"]).json()["file_id"]
        file = client.get(
            "/minimaxi/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH
        ).json()["file"]
        official = client.get(
            "/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH
        ).json()["file"]
    assert file["file_id"] == file_id and isinstance(file["file_id"], str)
    assert "bytes" not in file and "backup_download_url" not in file
    assert official["file_id"] == int(file_id) and official["bytes"] == 0
    assert "backup_download_url" in official
    assert set(official) - set(file) == {"bytes", "backup_download_url"}


def test_onehub_code_profile_forwards_its_fixed_field_list() -> None:
    mock = MiniMaxMock(clock="virtual", gateway_profile="onehub-code")
    with app_client(mock) as client:
        body = {**SEED_REQUESTS["text_to_video"], "enable_prompt_expansion": False}
        assert create(client, body).status_code == 200
        wrong = create(client, {**body, "enable_prompt_expansion": "no"})
        assert (wrong.status_code, wrong.json()) == (
            400,
            {"code": "invalid_request", "message": "enable_prompt_expansion must be a boolean"},
        )
        kept = create(client, {**body, "prompt_optimizer": True})
        assert kept.status_code == 200
    first, second = mock.store
    assert first.request.prompt_optimizer is False  # mapped from enable_prompt_expansion
    assert second.request.prompt_optimizer is True  # prompt_optimizer wins when both are sent
    # The docs profile forwards every field; MiniMax ignores the one it does not know.
    with app_client(MiniMaxMock(clock="virtual")) as client:
        assert create(client, body).status_code == 200
        assert client.get("/_mock/tasks").json()["tasks"][0]["request"]["prompt_optimizer"] is True


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "Bearer "}])
def test_missing_key_is_one_hub_401(client: httpx.Client, headers: dict[str, str]) -> None:
    answer = create(client, SEED_REQUESTS["text_to_video"], headers=headers)
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["type"] == "one_hub_error"
    assert error["message"].startswith("无效的令牌 (request id: ")
    assert answer.headers["X-Oneapi-Request-Id"] in error["message"]


def test_keys_without_bearer_or_sk_prefix_match() -> None:
    mock = MiniMaxMock(clock="virtual", api_keys=("sk-abc",))
    with app_client(mock) as client:
        for header in ("Bearer sk-abc", "sk-abc", "abc", "Bearer abc"):
            assert (
                create(
                    client, SEED_REQUESTS["text_to_video"], {"Authorization": header}
                ).status_code
                == 200
            )
        assert (
            create(
                client, SEED_REQUESTS["text_to_video"], {"Authorization": "Bearer nope"}
            ).status_code
            == 401
        )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "MiniMax-Hailuo-2.3"}, "prompt is required for text2video"),
        (
            {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "duration": 10, "resolution": "1080P"},
            "model MiniMax-Hailuo-2.3 does not support duration 10s at 1080p for text2video",
        ),
        (
            {"model": "MiniMax-Hailuo-2.3-Fast", "prompt": "x"},
            "model MiniMax-Hailuo-2.3-Fast does not support duration 6s at 768p for text2video",
        ),
        (
            {
                "model": "S2V-01",
                "subject_reference": [{"type": "character", "image": ["https://a/b.png"]}],
            },
            "prompt is required for subject2video",
        ),
        ({"prompt": "x" * 2001}, "prompt must be at most 2000 characters"),
        ({"prompt": "x", "duration": "6"}, "duration must be an integer"),
    ],
)
def test_gateway_refuses_in_its_own_shape(
    client: httpx.Client, mock: MiniMaxMock, body: object, message: str
) -> None:
    answer = create(client, body)
    assert answer.status_code == 400
    assert answer.json() == {"code": "invalid_request", "message": message}
    assert len(mock.store) == 0


def test_gateway_defaults_then_minimax_errors_pass_through(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    ok = create(client, {"prompt": "a lighthouse", "resolution": "1080"})
    assert ok.status_code == 200
    (task,) = mock.store
    assert (task.request.model, task.request.resolution, task.request.duration) == (
        "MiniMax-Hailuo-02",
        "1080P",
        6,
    )
    # The gateway allows Hailuo-02 1080P at 10 s; MiniMax does not, and its 2013 passes through.
    passed = create(
        client, {"model": "MiniMax-Hailuo-02", "prompt": "x", "duration": 10, "resolution": "1080P"}
    )
    assert passed.status_code == 200
    assert passed.json()["task_id"] == ""
    assert passed.json()["base_resp"]["status_code"] == 2013
    assert "platform_id" not in passed.json()


def test_query_errors(client: httpx.Client) -> None:
    missing = client.get("/minimaxi/v1/query/video_generation", headers=AUTH)
    assert (missing.status_code, missing.json()) == (
        400,
        {"code": "invalid_request", "message": "task_id is required"},
    )
    unknown = query(client, "video_01KDVDNA00VXNF3P1G7SGWV1P3")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "upstream_not_found_or_no_permission"
    upstream = query(client, "123456789012345")
    assert upstream.status_code == 200
    assert upstream.json()["base_resp"] == {"status_code": 1000, "status_msg": "record not found"}


def test_platform_ids_are_scoped_to_the_key(client: httpx.Client) -> None:
    pid = create(client, SEED_REQUESTS["text_to_video"]).json()["platform_id"]
    other = query(client, pid, {"Authorization": "Bearer someone-else"})
    assert other.status_code == 404


def test_file_errors(client: httpx.Client) -> None:
    missing = client.get("/minimaxi/v1/files/retrieve", headers=AUTH)
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid_request")
    unknown = client.get(
        "/minimaxi/v1/files/retrieve_content", params={"file_id": "42"}, headers=AUTH
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "task_not_found")


def test_onehub_code_profile_unknown_route_is_json_not_a_web_page() -> None:
    with app_client(MiniMaxMock(clock="virtual", gateway_profile="onehub-code")) as client:
        for answer in (
            client.get("/minimaxi/v1/video_generation/cancel", headers=AUTH),
            client.options("/minimaxi/nowhere", headers=AUTH),
            client.put("/minimaxi/v1/video_generation", headers=AUTH),
        ):
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "application/json; charset=utf-8"
            method, path = answer.request.method, answer.request.url.path
            assert answer.json() == {
                "error": {
                    "message": f"Invalid URL ({method} {path})",
                    "type": "invalid_request_error",
                    "param": "",
                    "code": "",
                }
            }


def test_unknown_route_and_wrong_method_are_one_hub_404(client: httpx.Client) -> None:
    for answer in (
        client.get("/minimaxi/v1/video_generation/cancel", headers=AUTH),
        client.get("/minimaxi/v1/video_generation", headers=AUTH),
        client.delete("/minimaxi/v1/query/video_generation", headers=AUTH),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"]["type"] == "one_hub_error"
        assert answer.json()["error"]["message"].startswith("Invalid URL (")


def test_malformed_json_is_invalid_request(client: httpx.Client) -> None:
    answer = client.post("/minimaxi/v1/video_generation", content=b"[1,2", headers=AUTH)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request"
    array = client.post("/minimaxi/v1/video_generation", json=[1], headers=AUTH)
    assert array.json() == {
        "code": "invalid_request",
        "message": "request body must be a JSON object, got an array",
    }
