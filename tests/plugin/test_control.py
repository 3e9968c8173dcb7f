"""The control object and the router's pieces, directly (no inner pytest run)."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import pytest

from mockminimax.control import DEFAULT_API_KEY, MiniMaxControl, RequestLog
from mockminimax.core.hosts import CDN_URL
from mockminimax.core.mock import MiniMaxMock
from mockminimax.respx_router import InProcess, _root

BODY = {"model": "MiniMax-Hailuo-2.3", "prompt": "A heron takes off [Tilt up]."}


@pytest.fixture
def control() -> Iterator[MiniMaxControl]:
    backend = InProcess(MiniMaxMock(clock="virtual", seed=0, public_url=CDN_URL))
    router = backend.router()
    try:
        with router:
            yield MiniMaxControl(
                backend.mock, "https://api.minimax.io", kind="respx", router=router
            )
    finally:
        backend.close()


def create(control: MiniMaxControl, client: httpx.Client) -> str:
    answer = client.post(control.url("/v1/video_generation"), json=BODY)
    task_id: str = answer.json()["task_id"]
    return task_id


@pytest.fixture
def client(control: MiniMaxControl) -> Iterator[httpx.Client]:
    with httpx.Client(headers={"Authorization": f"Bearer {control.api_key}"}) as c:
        yield c


def test_tasks_by_either_id_and_forced_ends(control: MiniMaxControl, client: httpx.Client) -> None:
    first, second = create(control, client), create(control, client)
    info = control.task(first)
    assert control.task(info.platform_id) == info == control.tasks[0]
    assert (info.status, info.finished) == ("Preparing", False)
    assert control.complete(first).status == "Success"
    failed = control.fail(second, code=1026)
    assert (failed.status, failed.fail_code, failed.finished) == ("Fail", 1026, True)
    assert "task_id='" in repr(failed) and "request=" not in repr(failed)
    with pytest.raises(LookupError, match=f"no task 'nope' \\(tasks: {first}, {second}\\)"):
        control.task("nope")


def test_time(control: MiniMaxControl, client: httpx.Client) -> None:
    task_id = create(control, client)
    start = control.now
    control.sleep(0.6)  # fast timing: 0.5 s Preparing, 0.5 s Queueing, 2 s Processing
    assert control.now == start + 0.6 and control.task(task_id).status == "Queueing"
    anyio.run(control.asleep, 2.4)
    assert control.task(task_id).status == "Success"
    assert control.advance(0) == start + 3


def test_the_request_log(control: MiniMaxControl, client: httpx.Client) -> None:
    assert str(control.requests) == "  (no requests)"
    task_id = create(control, client)
    client.get(control.url("/v1/query/video_generation"), params={"task_id": task_id})
    client.post(control.url("/v1/video_generation"), json={"model": "nope"})
    log = control.requests
    assert isinstance(log, RequestLog) and len(log) == 3
    assert log.routes == ["create", "query", "create"]
    assert log.filter(route="create", status=200).routes == ["create", "create"]
    assert log.filter(method="get")[0].url == f"/v1/query/video_generation?task_id={task_id}"
    assert log.last.rejected == "2013: invalid params, unsupported model: nope"
    assert log.one(route="query").query == {"task_id": task_id}
    assert log[0].json == BODY and log[0].response["task_id"] == task_id
    assert log[0].headers["authorization"] == "Bearer sk-***test"  # masked in the journal
    assert repr(log.last) == (
        "<Request #3 POST /v1/video_generation -> 200 [official:create] "
        'rejected=\'2013: invalid params, unsupported model: nope\' json={"model": "nope"}>'
    )
    assert repr(log) == (
        "<RequestLog of 3: #1 POST /v1/video_generation 200, "
        "#2 GET /v1/query/video_generation 200, #3 POST /v1/video_generation 200>"
    )
    assert str(log).splitlines()[1].startswith("  <Request #2 GET /v1/query/video_generation")
    with pytest.raises(AssertionError, match="found 2; the journal holds:\n  <Request #1"):
        log.one(route="create")


def test_reset_faults_and_defaults(control: MiniMaxControl, client: httpx.Client) -> None:
    assert control.api_key == DEFAULT_API_KEY and control.gateway_url == control.base_url
    rule = control.faults.add(route="create", minimax_error=1008)
    assert control.faults.rules == (rule,)
    create(control, client)
    control.advance(9)
    control.reset()
    assert (control.tasks, len(control.requests), len(control.faults)) == ([], 0, 0)
    assert control.now == control.settings.start_time
    assert repr(control) == "<MiniMaxControl respx https://api.minimax.io tasks=0>"


def test_the_real_clock_is_not_moved() -> None:
    control = MiniMaxControl(MiniMaxMock(clock="real"), "http://x", kind="server")
    with pytest.raises(ValueError, match="the clock is real"):
        control.advance(1)


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://hub.example.com", "https://hub.example.com/"),
        ("https://hub.example.com/minimaxi/v1/", "https://hub.example.com/"),
        ("https://hub.example.com/api/minimaxi", "https://hub.example.com/api"),
        ("http://localhost:3000/", "http://localhost:3000/"),
    ],
)
def test_gateway_roots(url: str, root: str) -> None:
    assert str(_root(url, gateway=True)) == root


def test_bad_router_options() -> None:
    with pytest.raises(ValueError, match="is not an http"):
        _root("hub.example.com")
    backend = InProcess(MiniMaxMock())
    with pytest.raises(ValueError, match="unmatched: 'sometimes' is not one of"):
        backend.router(unmatched="sometimes")
