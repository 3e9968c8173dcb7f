"""What a user sees when something goes wrong: a journal assertion that fails reads well,
and a server that cannot start says why, at once, instead of hanging the run."""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)


def literal(pattern: str) -> str:
    """An fnmatch pattern whose only wildcard is `*`: `[` matches itself."""
    return pattern.replace("[", "[[]")


JOURNAL_ASSERTIONS = """
import httpx


def run_flow(api):
    auth = {"Authorization": f"Bearer {api.api_key}"}
    with httpx.Client(base_url=api.base_url, headers=auth) as http:
        body = {"model": "MiniMax-Hailuo-2.3", "prompt": "A fox in the snow"}
        task_id = http.post("/v1/video_generation", json=body).json()["task_id"]
        http.get("/v1/query/video_generation", params={"task_id": task_id})


def test_routes(minimax_respx):
    run_flow(minimax_respx)
    assert minimax_respx.requests.routes == ["create", "retrieve"]


def test_one(minimax_server):
    run_flow(minimax_server)
    minimax_server.requests.one(route="retrieve")


def test_body(minimax_respx):
    run_flow(minimax_respx)
    assert minimax_respx.requests.filter(route="create")[0].json["model"] == "MiniMax-Hailuo-02"


def test_empty(minimax_respx):
    assert minimax_respx.requests.last.status == 200


def test_unknown_task(minimax_respx):
    run_flow(minimax_respx)
    minimax_respx.complete("123")
"""


def test_a_failing_journal_assertion_reads_well(downstream: Downstream) -> None:
    downstream.files(test_journal=JOURNAL_ASSERTIONS)
    result = downstream.run()
    result.assert_outcomes(failed=5)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            literal(line)
            for line in [
                # a plain list of route names: pytest's own diff says what differs
                "*AssertionError: assert ['create', 'query'] == ['create', 'retrieve']",
                "*At index 1 diff: 'query' != 'retrieve'",
                # one(): what was asked, what was found, and the whole journal, one line each
                "*expected exactly one request with route='retrieve', found 0; the journal holds:",
                "*<Request #1 POST /v1/video_generation -> 200 [official:create] json="
                '{"model": "MiniMax-Hailuo-2.3", "prompt": "A fox in the snow"}>',
                "*<Request #2 GET /v1/query/video_generation?task_id=* -> 200 [official:query]>",
                # a record in an assertion shows as its one-line summary
                "*assert 'MiniMax-Hailuo-2.3' == 'MiniMax-Hailuo-02'",
                "*mockminimax received no request (matching) in this test",
                "*LookupError: mockminimax has no task '123' (tasks: *)",
            ]
        ],
        consecutive=False,
    )
    # The plugin's own frames are hidden: the failure points at the user's line.
    assert "mockminimax/control.py" not in out and "pytest_plugin.py" not in out


def test_a_server_that_cannot_bind_names_the_cause(downstream: Downstream) -> None:
    downstream.with_ini("minimax_server_host = 203.0.113.1\n")  # TEST-NET-3: not ours
    downstream.files(
        test_bind="""
def test_uses_the_server(minimax_server):
    pass


def test_uses_it_too(minimax_server):
    pass


def test_in_process_still_works(minimax_respx):
    pass
""",
    )
    result = downstream.run()
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*mockminimax: minimax_server could not bind '203.0.113.1' "
            "(ini option minimax_server_host): *Errno*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_server_whose_start_fails_names_the_cause(downstream: Downstream) -> None:
    downstream.pytester.makeconftest(
        """
import logging
import sys

import pytest
import uvicorn


@pytest.fixture(autouse=True, scope="session")
def broken_startup():
    async def startup(self, sockets=None):
        logging.getLogger("uvicorn.error").error("[Errno 24] Too many open files")
        sys.exit(3)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(uvicorn.Server, "startup", startup)
        yield
""",
    )
    downstream.files(test_start="def test_server(minimax_server): pass")
    result = downstream.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            literal(
                "*mockminimax: minimax_server could not start: mockminimax server on "
                "http://127.0.0.1:* failed to start: [Errno 24] Too many open files"
            ),
        ]
    )


def test_a_server_that_never_starts_is_given_up_on(downstream: Downstream) -> None:
    downstream.with_ini("minimax_server_timeout = 0.3\n")
    downstream.pytester.makeconftest(
        """
import asyncio

import pytest
import uvicorn


@pytest.fixture(autouse=True, scope="session")
def hung_startup():
    async def serve(self, sockets=None):
        while not self.should_exit:  # never reports started; does honour the stop
            await asyncio.sleep(0.01)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(uvicorn.Server, "serve", serve)
        yield
""",
    )
    downstream.files(
        test_hang="""
def test_server(minimax_server):
    pass


def test_server_again(minimax_server):
    pass
""",
    )
    result = downstream.run()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        ["*minimax_server could not start: mockminimax server on * did not start within 0.3 s"]
    )


def test_a_server_that_died_during_the_session_is_reported(downstream: Downstream) -> None:
    downstream.files(
        test_died="""
def test_stops_the_server(minimax_server, _minimax_live_server):
    _minimax_live_server.stop()


def test_next(minimax_server):
    pass
""",
    )
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*the live server at http://127.0.0.1:* stopped during the session"]
    )


def test_the_respx_fixture_without_respx_says_what_to_install(downstream: Downstream) -> None:
    downstream.pytester.makeconftest(
        """
import sys

import pytest


@pytest.fixture(autouse=True, scope="session")
def no_respx():
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "respx", None)  # as if it were not installed
        patch.delitem(sys.modules, "mockminimax.respx_router", raising=False)
        yield
""",
    )
    downstream.files(
        test_missing="""
def test_router(minimax_respx):
    pass


def test_server_needs_no_respx(minimax_server):
    pass
""",
    )
    result = downstream.run()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            literal(
                "*mockminimax: minimax_respx needs the pytest extra (respx is not installed): "
                "pip install 'mockminimax[pytest]'"
            )
        ]
    )
