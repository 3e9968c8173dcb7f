"""Telling when a test fails: a report section of what the mock saw, rules that never fired,
and the exact key a client sent when a test asks for it."""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)


def literal(pattern: str) -> str:
    return pattern.replace("[", "[[]")


FAILING = """
import httpx
import pytest
import requests


def flow(http):
    body = {"model": "MiniMax-Hailuo-02", "prompt": "A fox"}
    created = http.post("/v1/video_generation", json=body)
    http.post("/v1/video_generation", json={"model": "nope", "prompt": "A fox"})
    http.get("/v1/query/video_generation", params={"task_id": created.json()["task_id"]})


@pytest.mark.minimax(faults=["route=query,minimax_error=1002,times=1"])
def test_in_process(minimax_respx):
    auth = {"Authorization": f"Bearer {minimax_respx.api_key}"}
    with httpx.Client(base_url=minimax_respx.base_url, headers=auth) as http:
        flow(http)
    assert minimax_respx.requests.last.status == 201


def test_live(minimax_server):
    requests.get(f"{minimax_server.base_url}/v1/files/retrieve", params={"file_id": "1"})
    assert len(minimax_server.requests) == 2


def test_passing(minimax_respx):
    httpx.get("https://api.minimax.io/v1/query/video_generation", params={"task_id": "7"})


def test_failing_without_a_fixture():
    assert False
"""


def test_a_failing_test_lists_what_the_mock_saw(downstream: Downstream) -> None:
    downstream.files(test_report=FAILING)
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(failed=3, passed=1)
    result.stdout.fnmatch_lines(
        [
            literal(line)
            for line in [
                "*_ test_in_process _*",
                # the assertion's own line: the record's repr keeps its outcome first
                "*where 200 = <Request #3 GET /v1/query/video_generation?task_id=* -> 200 "
                "[official:query] rejected='1002: rate limit, please retry later' "
                "fault='f1'>.status",
                "*- mockminimax: minimax_respx requests -*",
                "3 requests to https://api.minimax.io (1 task; clock virtual, 0 s after the start)",
                "  #1 POST /v1/video_generation -> 200 [official:create]",
                "  #2 POST /v1/video_generation -> 200 [official:create] "
                "rejected='2013: invalid params, unsupported model: nope'",
                "  #3 GET /v1/query/video_generation?task_id=* -> 200 [official:query] "
                "rejected='1002: rate limit, please retry later' "
                "fault='f1' (route=query,times=1,minimax_error=1002)",
                "fault rules:",
                "  FaultRule('route=query,times=1,minimax_error=1002,id=f1', matched=1, hits=1)",
                "*_ test_live _*",
                "*where 1 = len(<RequestLog of 1: #1 GET /v1/files/retrieve 200>)",
                "*- mockminimax: minimax_server requests -*",
                "1 request to http://127.0.0.1:* (0 tasks; clock virtual, 0 s after the start)",
                "  #1 GET /v1/files/retrieve?file_id=1 -> 200 [official:retrieve] "
                "rejected=*1004: login*",
                "*_ test_failing_without_a_fixture _*",
            ]
        ],
        consecutive=False,
    )
    out = result.stdout.str()
    # One section per failing test that used a fixture; none for the passing one.
    assert out.count("- mockminimax: minimax_respx requests -") == 1
    assert out.count("- mockminimax: minimax_server requests -") == 1
    assert "task_id=7" not in out
    assert out.split("_ test_failing_without_a_fixture _")[1].count("mockminimax:") == 0


def test_a_long_journal_is_bounded_in_the_report(downstream: Downstream) -> None:
    downstream.files(
        test_long="""
import httpx


def test_many(minimax_respx):
    with httpx.Client(base_url=minimax_respx.base_url) as http:
        for n in range(60):
            http.get("/v1/query/video_generation", params={"task_id": n})
    assert repr(minimax_respx.requests).endswith("... 54 more>")
    assert False
"""
    )
    result = downstream.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "60 requests to https://api.minimax.io*",
            "  (10 older requests not shown)",
            "  #11 GET /v1/query/video_generation?task_id=10 -> *",
        ]
    )
    assert "task_id=9 " not in result.stdout.str()


UNFIRED = """
import httpx
import pytest


def create(api, model="MiniMax-Hailuo-2.3"):
    auth = {"Authorization": f"Bearer {api.api_key}"}
    body = {"model": model, "prompt": "A fox"}
    return httpx.post(f"{api.base_url}/v1/video_generation", json=body, headers=auth)


@pytest.mark.minimax(faults=["route=create,model=MiniMax-Haiuo-2.3,minimax_error=1002,times=1"])
def test_a_typo_in_the_filter(minimax_respx):
    create(minimax_respx)


@pytest.mark.minimax(faults=["route=create,minimax_error=1002,nth=2"])
def test_an_nth_never_reached(minimax_server):
    create(minimax_server)


@pytest.mark.minimax(faults=["route=create,minimax_error=1002,times=1"])
def test_fired(minimax_respx):
    assert create(minimax_respx).json()["base_resp"]["status_code"] == 1002


def test_added_by_the_test_and_unlimited_rules_are_fine(minimax_respx):
    minimax_respx.faults.add(route="query", minimax_error=1002)  # no times/nth: not checked
    minimax_respx.faults.add(route="create", minimax_error=1002, times=1)
    create(minimax_respx)
"""


def test_rules_that_never_fired_fail_the_test_when_asked(downstream: Downstream) -> None:
    downstream.files(test_unfired=UNFIRED)
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=4)  # off by default

    downstream.with_ini("minimax_assert_all_fired = true\n")
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_typo_in_the_filter*",
            "mockminimax: fault rule never fired: f1 (route=create,model=MiniMax-Haiuo-2.3,"
            "times=1,minimax_error=1002: matched 0 calls) (assert_all_fired is on)",
            # the report section comes with it: the request the rule was meant for
            "*- mockminimax: minimax_respx requests -*",
            "  #1 POST /v1/video_generation -> 200 [official:create]",
            "*ERROR at teardown of test_an_nth_never_reached*",
            "mockminimax: fault rule never fired: f1 (route=create,nth=2,minimax_error=1002: "
            "matched 1 call) (assert_all_fired is on)",
        ],
        consecutive=False,
    )

    downstream.with_ini("minimax_assert_all_fired = true\n")
    result = downstream.run(
        "-p", "no:randomly", "-k", "typo", "-o", "minimax_assert_all_fired=false"
    )
    result.assert_outcomes(passed=1)


def test_the_marker_turns_the_check_on_for_one_test(downstream: Downstream) -> None:
    downstream.files(
        test_marker=UNFIRED.replace(
            "def test_a_typo_in_the_filter",
            "@pytest.mark.minimax(assert_all_fired=True)\ndef test_a_typo_in_the_filter",
        )
    )
    result = downstream.run()
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_a_typo_in_the_filter*"])


KEYS = """
import httpx
import pytest

KEY = "sk-api-0123456789abcdef"


def send(api):
    headers = {"Authorization": f"Bearer {KEY}"}
    httpx.get(f"{api.base_url}/v1/query/video_generation?task_id=1", headers=headers)
    return api.requests.last.headers["authorization"]


def test_masked_by_default(minimax_respx):
    assert send(minimax_respx) == "Bearer sk-***cdef"


@pytest.mark.minimax(journal_keys="full")
@pytest.mark.parametrize("fixture", ["minimax_respx", "minimax_server"])
def test_full_keys_when_asked(request, fixture):
    assert send(request.getfixturevalue(fixture)) == f"Bearer {KEY}"


@pytest.mark.minimax(journal_keys="all")
def test_a_bad_value(minimax_respx):
    pass
"""


def test_journal_keys_full_keeps_the_exact_key(downstream: Downstream) -> None:
    downstream.files(test_keys=KEYS)
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        ["*test_a_bad_value: journal_keys: 'all' is not one of masked, full*"]
    )

    downstream.with_ini("minimax_journal_keys = full\n")
    result = downstream.run("-p", "no:randomly", "-k", "masked")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*+ Bearer sk-api-0123456789abcdef"])


def test_a_test_s_control_is_not_kept_past_its_report(downstream: Downstream) -> None:
    # The report needs each test's control until its teardown is reported, and no longer:
    # items live all session, and a router kept per test slowed every later test's GC.
    downstream.files(
        test_kept="""
import gc
import weakref

import pytest

REFS = []


@pytest.mark.parametrize("fixture", ["minimax_respx", "minimax_server"])
def test_uses(request, fixture):
    control = request.getfixturevalue(fixture)
    REFS.append(weakref.ref(control))
    REFS.append(weakref.ref(control.router) if control.router is not None else None)


def test_then():
    gc.collect()
    alive = [r() for r in REFS if r is not None and r() is not None]
    assert len(REFS) == 4 and alive == []
"""
    )
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=3)
