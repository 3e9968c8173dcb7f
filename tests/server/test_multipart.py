"""Hostile and odd multipart bodies for POST /v1/files/upload, sent as raw bytes: each gets
V1's `base_resp` 2013 naming what is wrong, never a 500, and keeps nothing."""

from __future__ import annotations

import json
import random
import socket

import httpx
import pytest

from mockminimax.core.images import encode_png
from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.runner import ServerThread
from tests.conftest import AUTH, app_client

PNG = encode_png(320, 320)
B = b"XyZ"


def part(name: bytes, value: bytes, extra: bytes = b"") -> bytes:
    return (
        b"--XyZ\r\nContent-Disposition: form-data; name=\"" + name + b'"' + extra + b"\r\n\r\n"
        + value + b"\r\n"
    )  # fmt: skip


GOOD_FILE = part(b"file", PNG, b'; filename="a.png"')
GOOD = part(b"purpose", b"video_generation_input") + GOOD_FILE + b"--XyZ--\r\n"
FORM = "multipart/form-data; boundary=XyZ"


def send(client: httpx.Client, body: bytes, content_type: str | None = FORM) -> httpx.Response:
    headers = dict(AUTH)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post("/v1/files/upload", headers=headers, content=body)


def test_the_hand_built_form_is_accepted(client: httpx.Client, mock: MiniMaxMock) -> None:
    response = send(client, GOOD)
    assert response.json()["base_resp"]["status_code"] == 0
    assert len(mock.files) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (GOOD, None, "Content-Type: Content-Type must be multipart/form-data with a boundary"),
        (GOOD, "application/json", "Content-Type must be multipart/form-data, got"),
        (GOOD, "multipart/form-data", "needs a boundary of 1 to 70 characters"),
        (GOOD, "multipart/form-data; boundary=" + "x" * 71, "boundary of 1 to 70"),
        (b"", FORM, "the multipart body is empty"),
        (b"just some bytes", FORM, "does not start with its boundary"),
        (b"junk--XyZ\r\n" + GOOD[7:], FORM, "does not start with its boundary"),
        (b"--XyZjunk\r\n" + GOOD[7:], FORM, "boundary line must end with CRLF"),
        (GOOD.replace(b"\r\n", b"\n"), FORM, "boundary line must end with CRLF"),
        (b"--XyZ\r\nContent-Disposition: form-data", FORM, "headers are unterminated"),
        (b"--XyZ\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\nv\r\n--XyZ--", FORM, "longer than 8192"),
        (GOOD[: len(GOOD) // 2], FORM, "ends before its closing boundary"),
        (b"--XyZ\r\nX-Other: 1\r\n\r\nv\r\n--XyZ--", FORM, "no Content-Disposition: form-data"),
        (b"--XyZ\r\n\r\nv\r\n--XyZ--", FORM, "no Content-Disposition: form-data"),
        (part(b"purpose", b"x").replace(b"form-data", b"attachment") + b"--XyZ--", FORM,
         "no Content-Disposition: form-data"),
        (b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--", FORM, "has no name"),
        (b"--XyZ\r\nno colon here\r\n\r\nv\r\n--XyZ--", FORM, "malformed header line"),
        (b"--XyZ\r\n folded: x\r\n\r\nv\r\n--XyZ--", FORM, "malformed header line"),
        (b"--XyZ\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nv\r\n--XyZ--", FORM,
         "header that is not UTF-8"),
        (part(b"a", b"1") * 17 + b"--XyZ--", FORM, "more than 16 parts"),
        (part(b"purpose", b"\xff\xfe") + GOOD_FILE + b"--XyZ--", FORM, "purpose must be UTF-8"),
        (part(b"purpose", b"voice_clone") * 2 + GOOD_FILE + b"--XyZ--", FORM,
         "purpose: given 2 times"),
        (part(b"purpose", b"voice_clone") + part(b"file", PNG) + b"--XyZ--", FORM,
         "file: must be a file part"),
        (part(b"purpose", b"voice_clone") + b"--XyZ--", FORM, "expr_path=file"),
    ],
)  # fmt: skip
def test_a_hostile_body_is_named_not_crashed_on(
    client: httpx.Client, mock: MiniMaxMock, body: bytes, content_type: str | None, message: str
) -> None:
    response = send(client, body, content_type)
    assert response.status_code == 200
    answer = response.json()
    assert answer["base_resp"]["status_code"] == 2013
    assert answer["base_resp"]["status_msg"].startswith("invalid params, ")
    assert message in answer["base_resp"]["status_msg"]
    assert len(mock.files) == 0


def test_a_preamble_and_an_epilogue_are_ignored(client: httpx.Client) -> None:
    body = b"a preamble\r\n" + GOOD + b"an epilogue"
    assert send(client, body).json()["base_resp"]["status_code"] == 0


def test_an_rfc_2231_filename_is_decoded(client: httpx.Client, mock: MiniMaxMock) -> None:
    name = b"; filename*=utf-8''%E5%9B%BE.png"
    body = part(b"purpose", b"video_generation_input") + part(b"file", PNG, name) + b"--XyZ--"
    answer = send(client, body).json()
    assert answer["file"]["filename"] == "图.png"


def test_a_quoted_boundary_and_unknown_fields(client: httpx.Client) -> None:
    body = part(b"note", b"ignored") + GOOD
    response = send(client, body, 'multipart/form-data; boundary="XyZ"; charset=utf-8')
    assert response.json()["base_resp"]["status_code"] == 0


def raw_exchange(server: ServerThread, request: bytes) -> tuple[int, dict[str, object]]:
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def test_raw_bodies_over_the_wire(live: ServerThread) -> None:
    cases = [
        (GOOD[: len(GOOD) // 2], "ends before its closing boundary"),
        (GOOD.replace(b"XyZ--", b"XyZ"), "headers are unterminated"),
        (b"\x00" * 1000, "does not start with its boundary"),
    ]
    for body, message in cases:
        request = (
            b"POST /v1/files/upload HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n"
            b"Authorization: Bearer sk-raw\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        status, answer = raw_exchange(live, request)
        assert status == 200
        resp = answer["base_resp"]
        assert isinstance(resp, dict) and resp["status_code"] == 2013
        assert message in resp["status_msg"]


def test_a_chunked_upload_over_the_wire(live: ServerThread) -> None:
    chunks = (
        b"".join(
            f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for piece in (GOOD[:100], GOOD[100:])
        )
        + b"0\r\n\r\n"
    )
    request = (
        b"POST /v1/files/upload HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n"
        b"Authorization: Bearer sk-raw\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunks
    )
    status, answer = raw_exchange(live, request)
    assert status == 200
    assert answer["file"] == {
        "file_id": answer["file"]["file_id"],  # type: ignore[index]
        "bytes": len(PNG),
        "created_at": int(live.mock.now()),
        "filename": "a.png",
        "purpose": "video_generation_input",
    }


def test_mangled_forms_never_crash(client: httpx.Client, mock: MiniMaxMock) -> None:
    """Seeded byte-level damage to a good form: every answer is a 200 with base_resp
    0 or 2013, never an internal error."""
    rng = random.Random(2026)
    seen = set()
    for _ in range(300):
        body = bytearray(GOOD)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(body))
            action = rng.randrange(3)
            if action == 0:
                body[i] = rng.randrange(256)
            elif action == 1:
                del body[i : i + rng.randint(1, 40)]
            else:
                body[i:i] = rng.choice([b"\r\n", b"--XyZ", b'"', b";", b"\r\n\r\n", b"\x00"])
        response = send(client, bytes(body))
        assert response.status_code in (200, 400)
        code = response.json()["base_resp"]["status_code"]
        assert code in (0, 2013)
        seen.add(code)
    assert seen == {0, 2013}
    assert all(e["status"] in (200, 400) for e in client.get("/_mock/journal").json()["entries"])


def test_a_non_form_is_refused_before_its_body_is_read() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, max_body_bytes=100)
    with app_client(mock) as client:
        response = send(client, bytes(1000), "application/octet-stream")
    msg = response.json()["base_resp"]["status_msg"]
    assert "Content-Type must be multipart/form-data" in msg  # not the body-size refusal
