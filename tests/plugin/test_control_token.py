"""A control token set for the fixtures: the control object drives the mock directly and
hands a test the headers its own HTTP calls to `/_mock/` need."""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)

TESTS = """
import httpx
import pytest


@pytest.mark.minimax(control_token="s3cret", clock="virtual")
def test_token_set(minimax_server):
    assert minimax_server.control_headers == {"X-Mock-Token": "s3cret"}
    refused = httpx.get(minimax_server.url("/_mock/health"))
    assert refused.status_code == 401
    health = httpx.get(minimax_server.url("/_mock/health"), headers=minimax_server.control_headers)
    assert health.json()["status"] == "ok"
    minimax_server.advance(5)  # the control object itself needs no token
    minimax_server.reset()
    assert minimax_server.now == minimax_server.settings.start_time


def test_no_token(minimax_server):
    assert minimax_server.control_headers == {}
    assert httpx.get(minimax_server.url("/_mock/health")).status_code == 200
"""


def test_fixtures_work_with_a_control_token(downstream: Downstream) -> None:
    downstream.files(test_token=TESTS)
    result = downstream.run()
    result.assert_outcomes(passed=2)
