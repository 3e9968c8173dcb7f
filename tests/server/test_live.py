"""The live server over real sockets, driven by `requests` and by httpx: the four seed
requests end to end on both API surfaces, time moved over HTTP, the MP4 read by FFmpeg."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import httpx
import pytest
import requests

from mockminimax.server.runner import ServerThread
from tests.conftest import AUTH
from tests.helpers import SEED_OUTPUT, SEED_REQUESTS, mp4_info

TIMEOUT = 10


class Answer(Protocol):
    """What both libraries' responses offer."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Any: ...
    @property
    def content(self) -> bytes: ...
    def json(self) -> Any: ...


class Http:
    """The same few calls made with either library, so each test reads once for both."""

    def __init__(self, lib: str, base: str) -> None:
        self.lib = lib
        self.base = base
        if lib == "requests":
            self._session = requests.Session()
            self._session.trust_env = False
        else:
            self._client = httpx.Client(base_url=base, timeout=TIMEOUT, trust_env=False)

    def get(self, path: str, **kwargs: Any) -> Answer:
        if self.lib == "requests":
            return self._session.get(self.base + path, timeout=TIMEOUT, **kwargs)
        return self._client.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Answer:
        if self.lib == "requests":
            return self._session.post(self.base + path, timeout=TIMEOUT, **kwargs)
        return self._client.post(path, **kwargs)

    def close(self) -> None:
        if self.lib == "requests":
            self._session.close()
        else:
            self._client.close()


@pytest.fixture(params=["requests", "httpx"])
def http(request: pytest.FixtureRequest, live: ServerThread) -> Iterator[Http]:
    client = Http(request.param, live.url)
    yield client
    client.close()


SURFACES = {"official": "/v1", "gateway": "/minimaxi/v1"}
SUCCESS = {"official": "Success", "gateway": "Success"}  # the gateway's docs: official


def bare_download(url: str) -> requests.Response:
    """What real clients do with download_url: a plain GET, no key, no redirects followed."""
    with requests.Session() as session:
        session.trust_env = False
        return session.get(url, allow_redirects=False, timeout=TIMEOUT)


@pytest.mark.parametrize("surface", list(SURFACES))
@pytest.mark.parametrize("kind", list(SEED_REQUESTS))
def test_seed_request_end_to_end_over_the_wire(
    http: Http, live: ServerThread, surface: str, kind: str
) -> None:
    prefix = SURFACES[surface]
    created = http.post(f"{prefix}/video_generation", json=SEED_REQUESTS[kind], headers=AUTH)
    assert created.status_code == 200
    body = created.json()
    assert body["base_resp"] == {"status_code": 0, "status_msg": "success"}
    ref = body["platform_id"] if surface == "gateway" else body["task_id"]

    def query() -> dict[str, Any]:
        answer = http.get(f"{prefix}/query/video_generation", params={"task_id": ref}, headers=AUTH)
        assert answer.status_code == 200
        result: dict[str, Any] = answer.json()
        assert result["task_id"] == body["task_id"]
        return result

    assert query()["status"].lower() == "preparing"
    moved = http.post("/_mock/clock/advance", json={"seconds": 1.5})
    assert moved.status_code == 200
    assert query()["status"].lower() == "processing"
    assert http.post("/_mock/clock/advance", json={"seconds": 60}).status_code == 200
    done = query()
    assert done["status"] == SUCCESS[surface]

    retrieved = http.get(
        f"{prefix}/files/retrieve", params={"file_id": done["file_id"]}, headers=AUTH
    )
    assert retrieved.status_code == 200
    file = retrieved.json()["file"]
    assert file["file_id"] == int(done["file_id"])
    assert file["download_url"].startswith(f"{live.url}/inference_output/video/")

    video = bare_download(file["download_url"])
    assert video.status_code == 200
    assert video.headers["Content-Type"] == "video/mp4"
    assert int(video.headers["Content-Length"]) == len(video.content)
    assert "Location" not in video.headers
    info = mp4_info(video.content)
    width, height, seconds = SEED_OUTPUT[kind]
    assert (info.codec, info.width, info.height) == ("h264", width, height)
    assert info.frames == seconds * 24
    assert info.seconds == pytest.approx(seconds, abs=0.05)
    assert (done["video_width"], done["video_height"]) == (info.width, info.height)

    content = http.get(
        f"{prefix}/files/retrieve_content", params={"file_id": done["file_id"]}, headers=AUTH
    )
    assert content.status_code == 200
    assert content.content == video.content


def test_download_carries_storage_headers_over_the_wire(http: Http) -> None:
    task_id = http.post(
        "/v1/video_generation", json=SEED_REQUESTS["subject_reference"], headers=AUTH
    ).json()["task_id"]
    http.post("/_mock/clock/advance", json={"seconds": 30})
    file_id = http.get(
        "/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH
    ).json()["file_id"]
    url = http.get("/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH).json()["file"][
        "download_url"
    ]
    video = bare_download(url)
    assert video.status_code == 200
    assert video.headers["Server"] == "AliyunOSS"
    assert video.headers["Accept-Ranges"] == "bytes"
    assert video.headers["Content-Disposition"] == 'attachment; filename="output.mp4"'
    assert video.headers["ETag"].startswith('"')
