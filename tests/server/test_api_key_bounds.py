"""An API key is kept with every task, upload and rate-limit window, so its length is
bounded: a longer one is refused as unknown, on every surface, and nothing is kept."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from mockminimax.core.mock import MAX_KEY_CHARS, MiniMaxMock
from mockminimax.server.runner import ServerThread

from .test_v2 import refused, t2va

LONG = {"Authorization": "Bearer " + "k" * (MAX_KEY_CHARS + 1)}
AT_BOUND = {"Authorization": "Bearer " + "k" * MAX_KEY_CHARS}
V1_BODY = {"model": "MiniMax-Hailuo-2.3", "prompt": "A lighthouse at dusk"}
AGENT = {
    "template_id": "393769180141805569",
    "media_inputs": [{"value": "https://example.com/cat.jpg"}],
    "text_inputs": [{"value": "Lion"}],
}


def test_v2_refuses_a_key_over_the_bound(client: httpx.Client, mock: MiniMaxMock) -> None:
    answer = client.post("/v2/video_generation", headers=LONG, json=t2va())
    assert refused(answer, 401, "authorized_error") == "invalid api key (2049)"
    assert len(mock.store) == 0
    assert client.post("/v2/video_generation", headers=AT_BOUND, json=t2va()).status_code == 200


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/v1/video_generation", {"json": V1_BODY}),
        ("/v1/video_template_generation", {"json": AGENT}),
        (
            "/v1/files/upload",
            {"data": {"purpose": "t2a_async_input"}, "files": {"file": ("a.txt", b"hi")}},
        ),
    ],
)
def test_v1_routes_refuse_a_key_over_the_bound(
    client: httpx.Client, mock: MiniMaxMock, path: str, kwargs: dict[str, object]
) -> None:
    answer = client.post(path, headers=LONG, **kwargs)  # type: ignore[arg-type]
    assert answer.json()["base_resp"] == {"status_code": 2049, "status_msg": "invalid api key"}
    assert len(mock.store) == 0 and len(mock.files) == 0


def test_the_gateway_refuses_a_key_over_the_bound(client: httpx.Client, mock: MiniMaxMock) -> None:
    answer = client.post("/minimaxi/v1/video_generation", headers=LONG, json=V1_BODY)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"].startswith("无效的令牌")
    assert len(mock.store) == 0


def test_a_megabyte_authorization_header_on_the_live_server_keeps_nothing() -> None:
    mock = MiniMaxMock(clock="virtual", seed=7)
    body = json.dumps(t2va()).encode()
    head = (
        "POST /v2/video_generation HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {'k' * 1_000_000}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with ServerThread(mock) as server, socket.create_connection(("127.0.0.1", server.port)) as s:
        s.settimeout(10)
        s.sendall(head.encode() + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]
    assert b'"invalid api key (2049)"' in answer
    assert len(mock.store) == 0
