"""Callbacks under the fixtures, as a downstream project sees them: the README's webhook
tests run as written, an app handed to `minimax_respx` is called in-process (sync and async
clients), and it is mounted for one test only."""

from __future__ import annotations

import re

from .conftest import Downstream
from .test_readme import README

pytest_plugins = ("pytester",)

_BLOCK = re.compile(r"```python\n# file: (\S+)\n(.*?)```", re.DOTALL)

_WEBHOOK = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

received = []


async def hook(request):
    body = await request.json()
    received.append((request.url.path, body))
    return JSONResponse({"challenge": body.get("challenge"), "status": "success"})


app = Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])
"""


def section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("<!-- callbacks:start -->", 1)[1].split("<!-- callbacks:end -->", 1)[0]


def test_the_readme_webhook_tests_run_and_pass(downstream: Downstream) -> None:
    files = dict(_BLOCK.findall(section()))
    assert set(files) == {"test_webhooks.py"}
    body = files["test_webhooks.py"]
    downstream.files(test_webhooks=body)

    result = downstream.run("-p", "no:cacheprovider")

    result.assert_outcomes(passed=body.count("\ndef test_"))


def test_an_async_client_and_a_base_url(downstream: Downstream) -> None:
    downstream.files(
        webhook=_WEBHOOK,
        test_async="""
import httpx
import pytest

from webhook import app, received


@pytest.mark.anyio
@pytest.mark.minimax(timing="instant")
async def test_async(minimax_respx, minimax_payloads):
    minimax_respx.callback_app(app, base_url="https://hooks.example.com/tenant")
    headers = {"Authorization": f"Bearer {minimax_respx.api_key}"}
    async with httpx.AsyncClient(base_url=minimax_respx.base_url, headers=headers) as http:
        mine = minimax_payloads.text_to_video(callback_url="https://hooks.example.com/tenant/a")
        other = minimax_payloads.text_to_video(callback_url="https://hooks.example.com/b")
        first = (await http.post("/v1/video_generation", json=mine)).json()["task_id"]
        second = (await http.post("/v1/video_generation", json=other)).json()["task_id"]

    assert [c.outcome for c in minimax_respx.callbacks(first)] == ["delivered"] * 3
    assert [c.outcome for c in minimax_respx.callbacks(second)] == ["not_sent"] * 3
    assert [path for path, _ in received] == ["/tenant/a"] * 3
    assert [body.get("status") for _, body in received] == [None, "processing", "success"]


@pytest.fixture
def anyio_backend():
    return "asyncio"
""",
    )

    result = downstream.run("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)


def test_the_app_is_mounted_for_one_test_only(downstream: Downstream) -> None:
    downstream.files(
        webhook=_WEBHOOK,
        test_mount="""
import httpx

from webhook import app, received


def create(api, url):
    body = {"model": "MiniMax-Hailuo-2.3", "prompt": "A fox", "callback_url": url}
    headers = {"Authorization": f"Bearer {api.api_key}"}
    return httpx.post(api.url("/v1/video_generation"), json=body, headers=headers).json()["task_id"]


def test_first(minimax_respx):
    minimax_respx.callback_app(app)
    task_id = create(minimax_respx, "https://hooks.example.com/one")
    minimax_respx.complete(task_id)
    assert [c.outcome for c in minimax_respx.callbacks(task_id)] == ["delivered"] * 3


def test_second(minimax_respx):
    task_id = create(minimax_respx, "https://hooks.example.com/two")
    minimax_respx.complete(task_id)
    calls = minimax_respx.callbacks(task_id)
    assert [c.outcome for c in calls] == ["not_sent"] * 3  # no app now: a host not allowed
    assert "/two" not in [path for path, _ in received]
""",
    )

    result = downstream.run("-p", "no:cacheprovider")

    result.assert_outcomes(passed=2)
