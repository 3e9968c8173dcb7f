"""The control API under `/_mock/`: health, reset, journal, tasks, forced states, clock."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.settings import DEFAULT_START_TIME
from tests.conftest import AUTH, app_client
from tests.helpers import SEED_REQUESTS


def create(client: httpx.Client, surface: str = "official", kind: str = "text_to_video") -> Any:
    prefix = "/minimaxi/v1" if surface == "gateway" else "/v1"
    answer = client.post(f"{prefix}/video_generation", json=SEED_REQUESTS[kind], headers=AUTH)
    assert answer.status_code == 200
    assert answer.json()["base_resp"]["status_code"] == 0
    return answer.json()


def query(client: httpx.Client, task_id: str, prefix: str = "/v1") -> Any:
    answer = client.get(
        f"{prefix}/query/video_generation", params={"task_id": task_id}, headers=AUTH
    )
    return answer.json()


def advance(client: httpx.Client, seconds: float) -> httpx.Response:
    return client.post("/_mock/clock/advance", json={"seconds": seconds})


def assert_control_error(answer: httpx.Response, status: int, field: str | None) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    error = answer.json()["error"]
    assert error["field"] == field
    assert isinstance(error["message"], str) and error["message"]
    return error["message"]


# -- health, reset ------------------------------------------------------------------------


def test_health(client: httpx.Client) -> None:
    before = client.get("/_mock/health")
    assert before.status_code == 200
    body = before.json()
    assert body["status"] == "ok"
    assert (body["seed"], body["clock"], body["now"]) == (7, "virtual", DEFAULT_START_TIME)
    assert (body["tasks"], body["journal"]) == (0, 0)
    create(client)
    advance(client, 12.5)
    after = client.get("/_mock/health").json()
    assert after["tasks"] == 1
    assert after["journal"] == 1  # the create: the control API's own calls are not journaled
    assert after["now"] == DEFAULT_START_TIME + 12.5


def test_reset_drops_tasks_and_journal_and_rewinds(client: httpx.Client) -> None:
    first = create(client)
    create(client, "gateway")
    advance(client, 100)
    assert client.post("/_mock/reset").json() == {"status": "reset"}

    journal = client.get("/_mock/journal").json()
    assert journal["entries"] == []
    assert journal["dropped"] == 0
    assert client.get("/_mock/tasks").json()["tasks"] == []
    assert client.get("/_mock/clock").json()["now"] == DEFAULT_START_TIME
    assert_control_error(client.get(f"/_mock/tasks/{first['task_id']}"), 404, "task_id")
    # The seed is rewound too (control answers draw nothing from it): the same first request
    # gets the same ID again.
    assert create(client)["task_id"] == first["task_id"]


# -- journal ---------------------------------------------------------------------------


def test_journal_records_every_exchange(client: httpx.Client) -> None:
    created = create(client)
    refused = client.post(
        "/v1/video_generation", json={"model": "nope", "prompt": "x"}, headers=AUTH
    )
    assert refused.json()["base_resp"]["status_code"] == 2013
    gateway_404 = client.get(
        "/minimaxi/v1/query/video_generation", params={"task_id": "video_nope"}, headers=AUTH
    )
    assert gateway_404.status_code == 404

    entries = client.get("/_mock/journal").json()["entries"]
    ok, bad, missing = entries
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert (ok["method"], ok["path"], ok["surface"], ok["route"]) == (
        "POST",
        "/v1/video_generation",
        "official",
        "create",
    )
    assert ok["request_body"] == SEED_REQUESTS["text_to_video"]
    assert (ok["status"], ok["response_body"]) == (200, created)
    assert ok["rejected"] is None
    assert ok["task_id"] == created["task_id"]
    assert ok["headers"]["authorization"] != AUTH["Authorization"]  # masked
    assert ok["headers"]["authorization"].startswith("Bearer sk")

    assert bad["request_body"] == {"model": "nope", "prompt": "x"}
    assert bad["response_body"] == refused.json()
    assert bad["rejected"] == "2013: invalid params, unsupported model: nope"

    assert (missing["method"], missing["surface"], missing["route"]) == ("GET", "gateway", "query")
    assert missing["query"] == {"task_id": "video_nope"}
    assert missing["status"] == 404
    assert missing["rejected"].startswith("upstream_not_found_or_no_permission")


def test_journal_filters(client: httpx.Client) -> None:
    official = create(client)
    create(client, "gateway")
    query(client, official["task_id"])
    query(client, official["task_id"], "/minimaxi/v1")

    def routes(**params: str) -> list[tuple[str, str, str]]:
        answer = client.get("/_mock/journal", params=params)
        assert answer.status_code == 200
        return [(e["surface"], e["route"], e["method"]) for e in answer.json()["entries"]]

    assert routes(surface="gateway") == [("gateway", "create", "POST"), ("gateway", "query", "GET")]
    assert routes(route="create") == [("official", "create", "POST"), ("gateway", "create", "POST")]
    assert routes(method="POST") == [
        ("official", "create", "POST"),
        ("gateway", "create", "POST"),
    ]
    assert routes(surface="official", method="GET") == [("official", "query", "GET")]
    assert routes(route="create", limit="1") == [("gateway", "create", "POST")]
    assert routes(surface="official", limit="2") == [
        ("official", "create", "POST"),
        ("official", "query", "GET"),
    ]
    assert routes(limit="0") == []
    assert routes(limit="1") == [("gateway", "query", "GET")]  # the newest entry
    # The journal never lists its own reads, nor any other control call.
    assert routes(surface="control") == []
    assert routes(surface="cdn") == []


def test_journal_bad_limit_is_400(client: httpx.Client) -> None:
    assert "limit" in assert_control_error(
        client.get("/_mock/journal", params={"limit": "many"}), 400, "limit"
    )
    assert_control_error(client.get("/_mock/journal", params={"limit": "-1"}), 400, "limit")


def test_delete_journal_empties_only_the_journal(client: httpx.Client) -> None:
    created = create(client)
    query(client, created["task_id"])
    assert client.delete("/_mock/journal").json() == {"status": "cleared"}
    journal = client.get("/_mock/journal").json()
    assert journal["entries"] == []
    assert journal["dropped"] == 0
    assert query(client, created["task_id"])["status"] == "Preparing"  # tasks untouched


def test_journal_is_bounded() -> None:
    mock = MiniMaxMock(clock="virtual", journal_size=5)
    with app_client(mock) as client:
        for _ in range(8):
            client.get("/v1/query/video_generation", params={"task_id": "1"}, headers=AUTH)
        journal = client.get("/_mock/journal").json()
        assert journal["limit"] == 5
        assert journal["dropped"] == 3
        assert [e["seq"] for e in journal["entries"]] == [4, 5, 6, 7, 8]
        again = client.get("/_mock/journal").json()
        assert again == journal  # reading it changes nothing


def test_reading_the_journal_does_not_grow_it(client: httpx.Client, mock: MiniMaxMock) -> None:
    create(client)
    sizes = []
    for _ in range(20):
        answer = client.get("/_mock/journal")
        sizes.append(len(answer.content))
        client.get("/_mock/tasks")
    assert len(set(sizes)) == 1
    assert len(mock.journal) == 1


def test_journal_is_bounded_by_bytes() -> None:
    budget = 256 * 1024
    mock = MiniMaxMock(clock="virtual", journal_bytes=budget)
    big = {**SEED_REQUESTS["text_to_video"], "unused": list(range(200_000)), "text": "x" * 10**6}
    with app_client(mock) as client:
        for _ in range(40):
            answer = client.post("/v1/video_generation", json=big, headers=AUTH)
            assert answer.json()["base_resp"]["status_code"] == 0
        journal = client.get("/_mock/journal").json()
    assert mock.journal.bytes <= budget
    assert journal["dropped"] == 40 - len(journal["entries"])
    assert journal["entries"], "a bounded entry still fits"
    kept = journal["entries"][-1]["request_body"]
    assert kept["model"] == big["model"]
    assert kept["unused"][-1] == "... (200000 items)"
    assert kept["text"].endswith("(1000000 chars)")


# -- tasks -----------------------------------------------------------------------------


def test_task_store_is_bounded() -> None:
    mock = MiniMaxMock(clock="virtual", max_tasks=3)
    gw = "/minimaxi/v1"
    with app_client(mock) as client:
        oldest = create(client, "gateway")
        advance(client, 30)
        file_id = query(client, oldest["platform_id"], gw)["file_id"]
        url = client.get(f"{gw}/files/retrieve", params={"file_id": file_id}, headers=AUTH).json()[
            "file"
        ]["download_url"]
        assert client.get(url).status_code == 200
        newer = [create(client, "gateway")["task_id"] for _ in range(3)]

        listed = [t["task_id"] for t in client.get("/_mock/tasks").json()["tasks"]]
        assert listed == newer
        # Every ID of the evicted task is now unknown.
        by_task_id = query(client, oldest["task_id"], gw)
        assert by_task_id["base_resp"] == {"status_code": 1000, "status_msg": "record not found"}
        by_platform_id = client.get(
            f"{gw}/query/video_generation", params={"task_id": oldest["platform_id"]}, headers=AUTH
        )
        assert by_platform_id.status_code == 404
        assert_control_error(client.get(f"/_mock/tasks/{oldest['task_id']}"), 404, "task_id")
        assert_control_error(client.get(f"/_mock/tasks/{oldest['platform_id']}"), 404, "task_id")
        file = client.get(f"{gw}/files/retrieve", params={"file_id": file_id}, headers=AUTH)
        assert (file.status_code, file.json()["code"]) == (404, "task_not_found")
        assert client.get(url).status_code == 404


def test_tasks_lists_every_task(client: httpx.Client) -> None:
    official = create(client)
    gateway = create(client, "gateway", "subject_reference")
    advance(client, 1.2)
    tasks = client.get("/_mock/tasks").json()["tasks"]
    assert [t["task_id"] for t in tasks] == [official["task_id"], gateway["task_id"]]
    first, second = tasks
    assert (first["surface"], second["surface"]) == ("official", "gateway")
    assert second["platform_id"] == gateway["platform_id"]
    assert first["status"] == "Processing"
    assert first["request"]["resolution"] == "1080P"
    assert (second["request"]["width"], second["request"]["height"]) == (1280, 720)
    assert first["finishes_at"] == first["created_at"] + 3.0


def test_task_by_any_of_its_ids(client: httpx.Client) -> None:
    created = create(client, "gateway")
    ulid = created["platform_id"][len("video_") :]
    views = [
        client.get(f"/_mock/tasks/{ref}")
        for ref in (created["task_id"], created["platform_id"], ulid, ulid.lower())
    ]
    assert all(v.status_code == 200 for v in views)
    assert all(v.json() == views[0].json() for v in views)
    body = views[0].json()
    assert (body["task_id"], body["platform_id"]) == (created["task_id"], created["platform_id"])
    assert body["file_id"].isdigit()
    assert body["status"] == "Preparing"
    message = assert_control_error(client.get("/_mock/tasks/123456789012345"), 404, "task_id")
    assert "123456789012345" in message


def test_control_view_does_not_count_as_a_poll() -> None:
    mock = MiniMaxMock(clock="polls")
    with app_client(mock) as client:
        task_id = create(client)["task_id"]
        for _ in range(3):
            assert client.get(f"/_mock/tasks/{task_id}").json()["status"] == "Preparing"
        assert client.get("/_mock/tasks").json()["tasks"][0]["polls"] == 0


# -- forcing states --------------------------------------------------------------------


def test_force_success(client: httpx.Client) -> None:
    task_id = create(client)["task_id"]
    forced = client.post(f"/_mock/tasks/{task_id}", json={"status": "Success"})
    assert forced.status_code == 200
    assert (forced.json()["status"], forced.json()["forced"]) == ("Success", "Success")
    done = query(client, task_id)
    assert done["status"] == "Success"
    assert (done["video_width"], done["video_height"]) == (1920, 1080)
    file = client.get("/v1/files/retrieve", params={"file_id": done["file_id"]}, headers=AUTH)
    assert file.json()["base_resp"]["status_code"] == 0
    assert client.get(file.json()["file"]["download_url"]).status_code == 200


def test_force_fail_with_a_code(client: httpx.Client, mock: MiniMaxMock) -> None:
    created = create(client, "gateway")
    task_id = created["task_id"]
    advance(client, 30)  # it had already succeeded: forcing overrides the clock
    forced = client.post(
        f"/_mock/tasks/{created['platform_id']}", json={"status": "Fail", "code": 1027}
    )
    assert forced.status_code == 200
    assert (forced.json()["status"], forced.json()["fail_code"]) == ("Fail", 1027)

    failed = query(client, task_id, "/minimaxi/v1")
    assert failed["status"] == "Fail"  # the gateway's docs: official casing
    assert failed["base_resp"] == {"status_code": 1027, "status_msg": "output new_sensitive"}
    assert not failed.get("file_id")

    (task,) = mock.store
    for route in ("retrieve", "retrieve_content"):
        file = client.get(
            f"/minimaxi/v1/files/{route}", params={"file_id": task.file_id}, headers=AUTH
        )
        assert (file.status_code, file.json()["code"]) == (404, "task_not_found")


def test_force_fail_on_the_official_surface(client: httpx.Client, mock: MiniMaxMock) -> None:
    task_id = create(client)["task_id"]
    forced = client.post(f"/_mock/tasks/{task_id}", json={"status": "Fail", "code": 1026})
    assert forced.json()["fail_code"] == 1026
    failed = query(client, task_id)
    assert failed["status"] == "Fail"
    assert failed["base_resp"] == {"status_code": 1026, "status_msg": "input new_sensitive"}
    assert failed.get("file_id", "") == ""
    (task,) = mock.store
    file = client.get("/v1/files/retrieve", params={"file_id": task.file_id}, headers=AUTH)
    assert file.json()["base_resp"] == {"status_code": 1000, "status_msg": "record not found"}


def test_force_fail_defaults_to_1027(client: httpx.Client) -> None:
    task_id = create(client)["task_id"]
    assert client.post(f"/_mock/tasks/{task_id}", json={"status": "fail"}).status_code == 200
    assert query(client, task_id)["base_resp"]["status_code"] == 1027


def test_force_null_after_fail_releases_the_task_to_the_clock(client: httpx.Client) -> None:
    task_id = create(client)["task_id"]
    client.post(f"/_mock/tasks/{task_id}", json={"status": "Fail", "code": 1026})
    advance(client, 30)
    assert query(client, task_id)["status"] == "Fail"
    released = client.post(f"/_mock/tasks/{task_id}", json={"status": None})
    assert released.status_code == 200
    assert released.json()["forced"] is None
    assert query(client, task_id)["status"] == "Success"  # the clock had moved past the end


def test_force_a_pending_state_holds_it_until_released(client: httpx.Client) -> None:
    task_id = create(client)["task_id"]
    client.post(f"/_mock/tasks/{task_id}", json={"status": "Queueing"})
    advance(client, 1000)
    assert query(client, task_id)["status"] == "Queueing"
    released = client.post(f"/_mock/tasks/{task_id}", json={"status": None})
    assert (released.status_code, released.json()["forced"]) == (200, None)
    assert query(client, task_id)["status"] == "Success"


def test_force_success_then_release_follows_the_clock(client: httpx.Client) -> None:
    task_id = create(client)["task_id"]
    client.post(f"/_mock/tasks/{task_id}", json={"status": "Success"})
    assert query(client, task_id)["status"] == "Success"
    client.post(f"/_mock/tasks/{task_id}", json={"status": None})
    assert query(client, task_id)["status"] == "Preparing"  # the clock has not moved


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "status"),
        ({"code": 1027}, "status"),
        ({"status": "Done"}, "status"),
        ({"status": 3}, "status"),
        ({"status": ["Success"]}, "status"),
        ({"status": "Success", "code": 1027}, "code"),
        ({"status": None, "code": 1027}, "code"),
        ({"status": "Fail", "code": "1027"}, "code"),
        ({"status": "Fail", "code": -1}, "code"),
        ({"status": "Fail", "code": True}, "code"),
    ],
)
def test_force_bad_bodies_are_400_naming_the_field(
    client: httpx.Client, body: dict[str, Any], field: str
) -> None:
    task_id = create(client)["task_id"]
    assert_control_error(client.post(f"/_mock/tasks/{task_id}", json=body), 400, field)
    view = client.get(f"/_mock/tasks/{task_id}").json()
    assert (view["status"], view["forced"]) == ("Preparing", None)  # nothing changed


def test_force_unknown_task_is_404(client: httpx.Client) -> None:
    assert_control_error(
        client.post("/_mock/tasks/video_01KDVDNA00VXNF3P1G7SGWV1P3", json={"status": "Success"}),
        404,
        "task_id",
    )


def test_an_unknown_task_reference_is_echoed_in_a_bounded_form(client: httpx.Client) -> None:
    ref = "9" * 60_000  # httpx sends URLs of up to 64 KB
    answer = client.get(f"/_mock/tasks/{ref}")
    assert_control_error(answer, 404, "task_id")
    assert len(answer.content) < 400
    assert "(60000 chars)" in answer.json()["error"]["message"]


# -- clock -----------------------------------------------------------------------------


def test_clock_advance(client: httpx.Client) -> None:
    assert client.get("/_mock/clock").json() == {"mode": "virtual", "now": DEFAULT_START_TIME}
    moved = advance(client, 2.5)
    assert moved.json() == {"mode": "virtual", "now": DEFAULT_START_TIME + 2.5}
    assert advance(client, 0).json()["now"] == DEFAULT_START_TIME + 2.5


@pytest.mark.parametrize(
    "body",
    [{}, {"seconds": "ten"}, {"seconds": None}, {"seconds": True}, {"seconds": -1}],
    ids=["missing", "string", "null", "bool", "negative"],
)
def test_clock_advance_bad_bodies_are_400(client: httpx.Client, body: dict[str, Any]) -> None:
    assert_control_error(client.post("/_mock/clock/advance", json=body), 400, "seconds")
    assert client.get("/_mock/clock").json()["now"] == DEFAULT_START_TIME


def test_clock_advance_non_finite_is_400(client: httpx.Client) -> None:
    for raw in (b'{"seconds": NaN}', b'{"seconds": Infinity}'):
        answer = client.post(
            "/_mock/clock/advance", content=raw, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 400
    assert client.get("/_mock/clock").json()["now"] == DEFAULT_START_TIME


def test_clock_advance_on_a_real_clock_is_409() -> None:
    mock = MiniMaxMock(clock="real")
    with app_client(mock) as client:
        message = assert_control_error(advance(client, 10), 409, "seconds")
        assert "real" in message
        assert client.get("/_mock/clock").json()["mode"] == "real"


def test_polls_clock_moves_one_phase_per_query() -> None:
    mock = MiniMaxMock(clock="polls")
    with app_client(mock) as client:
        official = create(client)["task_id"]
        seen = [query(client, official)["status"] for _ in range(5)]
        assert seen == ["Preparing", "Queueing", "Processing", "Success", "Success"]

        gateway = create(client, "gateway")["platform_id"]
        seen = [query(client, gateway, "/minimaxi/v1")["status"] for _ in range(5)]
        assert seen == ["Preparing", "Queueing", "Processing", "Success", "Success"]
        # Each task moves on its own queries only.
        other = create(client)["task_id"]
        assert query(client, other)["status"] == "Preparing"
