"""A client written for MiniMax's own surface works unchanged through the gateway, its base
URL ending in `/minimaxi`, as the gateways' docs promise (与官网一致).

The client is the README's example client, made strict the way real V1 clients are: it
compares statuses case-sensitively and reads `file_id` and `download_url` as MiniMax
shapes them. It runs over httpx (in-process and over a socket) and over requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import requests

from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.tasks import Status
from mockminimax.inprocess import SyncASGITransport
from mockminimax.server.app import create_app
from mockminimax.server.runner import ServerThread
from tests.conftest import KEY
from tests.helpers import SEED_OUTPUT, SEED_REQUESTS, mp4_info

TIMEOUT = 10


class VideoError(Exception):
    pass


class StrictClient:
    """The README's client shape, checking what real V1 clients check, exactly."""

    def __init__(
        self,
        get: Callable[..., Any],
        post: Callable[..., Any],
        fetch: Callable[[str], bytes],
        sleep: Callable[[float], None],
        close: Callable[[], None],
    ) -> None:
        self.get, self.post, self.fetch, self.sleep = get, post, fetch, sleep
        self.close = close

    def create(self, body: dict[str, Any]) -> str:
        answer = self.post("/v1/video_generation", json=body).json()
        if answer["base_resp"]["status_code"] != 0:
            raise VideoError(answer["base_resp"]["status_msg"])
        task_id: str = answer["task_id"]
        return task_id

    def wait(self, task_id: str) -> dict[str, Any]:
        for _ in range(20):
            answer: dict[str, Any] = self.get(
                "/v1/query/video_generation", params={"task_id": task_id}
            ).json()
            if answer["status"] == "Success":
                return answer
            if answer["status"] == "Fail":
                raise VideoError(f"task failed: {answer['base_resp']['status_code']}")
            if answer["status"] not in ("Preparing", "Queueing", "Processing"):
                raise VideoError(f"unknown status {answer['status']!r}")
            self.sleep(10)
        raise VideoError("never finished")

    def download(self, file_id: str) -> bytes:
        file = self.get("/v1/files/retrieve", params={"file_id": file_id}).json()["file"]
        if not isinstance(file["file_id"], int) or str(file["file_id"]) != file_id:
            raise VideoError(f"file_id {file['file_id']!r} is not the number MiniMax sends")
        return self.fetch(file["download_url"])


def httpx_client(base_url: str, mock: MiniMaxMock, transport: Any = None) -> StrictClient:
    http = httpx.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {KEY}"},
        transport=transport,
        timeout=TIMEOUT,
        trust_env=False,
    )
    return StrictClient(
        http.get, http.post, lambda url: http.get(url).content, mock.advance, http.close
    )


def requests_client(base_url: str, mock: MiniMaxMock) -> StrictClient:
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {KEY}"

    def get(path: str, **kwargs: Any) -> requests.Response:
        return session.get(base_url + path, timeout=TIMEOUT, **kwargs)

    def post(path: str, **kwargs: Any) -> requests.Response:
        return session.post(base_url + path, timeout=TIMEOUT, **kwargs)

    def fetch(url: str) -> bytes:
        return requests.get(url, timeout=TIMEOUT, allow_redirects=False).content

    return StrictClient(get, post, fetch, mock.advance, session.close)


@pytest.fixture(params=["httpx-in-process", "httpx-live", "requests-live"])
def make_client(
    request: pytest.FixtureRequest, live: ServerThread, live_mock: MiniMaxMock
) -> Iterator[Callable[[str], tuple[StrictClient, MiniMaxMock]]]:
    made: list[StrictClient] = []

    def make(prefix: str) -> tuple[StrictClient, MiniMaxMock]:
        mock = live_mock
        if request.param == "httpx-in-process":
            mock = MiniMaxMock(clock="virtual", seed=3)
            transport = SyncASGITransport(create_app(mock))
            client = httpx_client("http://mock.test" + prefix, mock, transport)
        elif request.param == "httpx-live":
            client = httpx_client(live.url + prefix, live_mock)
        else:
            client = requests_client(live.url + prefix, live_mock)
        made.append(client)
        return client, mock

    yield make
    for client in made:
        client.close()


@pytest.mark.parametrize("kind", list(SEED_REQUESTS))
def test_an_official_client_works_unchanged_through_the_gateway(
    make_client: Callable[[str], tuple[StrictClient, MiniMaxMock]], kind: str
) -> None:
    for prefix in ("", "/minimaxi"):
        client, _ = make_client(prefix)
        done = client.wait(client.create(SEED_REQUESTS[kind]))
        video = mp4_info(client.download(done["file_id"]))
        width, height, seconds = SEED_OUTPUT[kind]
        assert (done["video_width"], done["video_height"]) == (width, height)
        assert (video.width, video.height, video.frames) == (width, height, seconds * 24)


def test_a_failed_task_reads_the_same_through_the_gateway(
    make_client: Callable[[str], tuple[StrictClient, MiniMaxMock]],
) -> None:
    client, mock = make_client("/minimaxi")
    task_id = client.create(SEED_REQUESTS["text_to_video"])
    task = mock.find_task(task_id)
    assert task is not None
    mock.force(task, Status.FAIL, 1027)
    with pytest.raises(VideoError, match="task failed: 1027"):
        client.wait(task_id)


def test_the_onehub_code_profile_breaks_the_same_client() -> None:
    """What the profile exists to show: a strict client never sees `Success` there."""
    mock = MiniMaxMock(clock="virtual", gateway_profile="onehub-code")
    client = httpx_client("http://mock.test/minimaxi", mock, SyncASGITransport(create_app(mock)))
    try:
        task_id = client.create(SEED_REQUESTS["text_to_video"])
        with pytest.raises(VideoError, match="unknown status 'preparing'"):
            client.wait(task_id)
    finally:
        client.close()
