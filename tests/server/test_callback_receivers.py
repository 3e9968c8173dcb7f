"""A receiver whose answer frames its body with numbers Python reads loosely (`²`, `-5`,
`0x10`) is recorded as malformed in the mock's own words, like any garbage answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.receiver import canned_server

from .conftest import Serve
from .test_callbacks import create, deliveries

ANSWERS = {
    "content-length-superscript": (
        b"HTTP/1.1 200 OK\r\nContent-Length: \xc2\xb2\r\n\r\n",
        "a malformed Content-Length",
    ),
    "content-length-huge": (
        b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
        "a malformed Content-Length",
    ),
    "chunk-negative": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
        "a malformed chunk size",
    ),
    "chunk-0x": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
        "a malformed chunk size",
    ),
}


@pytest.fixture
def answering() -> Iterator[dict[str, str]]:
    """One loopback port per answer, each answering every connection with those bytes."""
    stop = threading.Event()
    urls: dict[str, str] = {}
    threads = []
    for name, (raw, _) in ANSWERS.items():
        urls[name], thread = canned_server(raw, stop)
        threads.append(thread)
    yield urls
    stop.set()
    for thread in threads:
        thread.join(5)


def test_loosely_numbered_answers_are_recorded_as_malformed(
    serve: Serve, answering: dict[str, str]
) -> None:
    _, client = serve(callback_unverified="send")
    tasks = {name: create(client, url) for name, url in answering.items()}
    for name, task_id in tasks.items():
        reason = deliveries(client, task_id)[0]["reason"]
        assert reason is not None and ANSWERS[name][1] in reason, (name, reason)
