"""Files API through HTTP: upload, list, delete, retrieve, with real clients and raw bodies."""

from __future__ import annotations

import httpx
import pytest

from mockminimax.core.images import encode_png
from mockminimax.core.mock import MiniMaxMock
from tests.conftest import AUTH, KEY, app_client

PNG = encode_png(640, 360)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(32)


def upload(
    client: httpx.Client,
    purpose: str = "video_generation_input",
    data: bytes = PNG,
    name: str = "frame.png",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return client.post(
        "/v1/files/upload",
        headers=AUTH if headers is None else headers,
        data={"purpose": purpose},
        files={"file": (name, data, "application/octet-stream")},
    )


def base_resp(response: httpx.Response) -> tuple[int, str]:
    body = response.json()["base_resp"]
    return body["status_code"], body["status_msg"]


def test_upload_answers_the_documented_file_object(client: httpx.Client, mock: MiniMaxMock) -> None:
    response = upload(client)
    assert response.status_code == 200
    body = response.json()
    assert body["base_resp"] == {"status_code": 0, "status_msg": "success"}
    file = body["file"]
    assert set(file) == {"file_id", "bytes", "created_at", "filename", "purpose"}
    assert isinstance(file["file_id"], int) and len(str(file["file_id"])) == 15
    assert file["bytes"] == len(PNG)
    assert file["created_at"] == int(mock.now())
    assert file["filename"] == "frame.png"
    assert file["purpose"] == "video_generation_input"
    stored = mock.files.get(str(file["file_id"]), KEY)
    assert stored is not None
    assert stored.data == PNG
    assert (stored.kind, stored.media.format, stored.content_type) == ("image", "png", "image/png")
    assert (stored.media.width, stored.media.height) == (640, 360)
    assert stored.api_key == KEY


@pytest.mark.parametrize(
    ("purpose", "data", "name", "kind", "fmt"),
    [
        ("voice_clone", WAV, "voice.wav", "audio", "wav"),
        ("prompt_audio", b"ID3\x04\x00\x00" + bytes(64), "sample.mp3", "audio", "mp3"),
        ("t2a_async_input", "长文本 text".encode(), "book.txt", "text", "text"),
        ("t2a_async_input", b"PK\x03\x04" + bytes(40), "book.zip", "archive", "zip"),
        ("video_understanding", MP4, "clip.mp4", "video", "mp4"),
        (
            "video_understanding",
            b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(20),
            "a.avi",
            "video",
            "avi",
        ),
        ("video_generation_input", MP4, "ref.mp4", "video", "mp4"),
        ("video_generation_input", WAV, "ref.wav", "audio", "wav"),
    ],
)
def test_each_documented_purpose_takes_its_formats(
    client: httpx.Client,
    mock: MiniMaxMock,
    purpose: str,
    data: bytes,
    name: str,
    kind: str,
    fmt: str,
) -> None:
    response = upload(client, purpose, data, name)
    assert base_resp(response) == (0, "success")
    stored = mock.files.get(str(response.json()["file"]["file_id"]))
    assert stored is not None
    assert (stored.kind, stored.media.format) == (kind, fmt)


def test_upload_works_with_requests_against_the_live_server(live: object) -> None:
    requests = pytest.importorskip("requests")
    url = f"{live.url}/v1/files/upload"  # type: ignore[attr-defined]
    response = requests.post(
        url,
        headers=AUTH,
        data={"purpose": "voice_clone"},
        files={"file": ("voice.wav", WAV, "audio/wav")},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["file"]["bytes"] == len(WAV)
    assert response.json()["file"]["purpose"] == "voice_clone"


def test_upload_needs_a_key(client: httpx.Client, mock: MiniMaxMock) -> None:
    response = upload(client, headers={})
    assert base_resp(response)[0] == 1004
    assert len(mock.files) == 0


@pytest.mark.parametrize(
    ("form", "files", "message"),
    [
        ({}, {"file": ("a.png", PNG)}, "expr_path=purpose, cause=missing required parameter"),
        ({"purpose": "voice_clone"}, None, "expr_path=file, cause=missing required parameter"),
        ({"purpose": "fine-tune"}, {"file": ("a.png", PNG)}, "purpose: 'fine-tune' is not one of"),
        ({"purpose": "voice_clone"}, {"file": ("a.png", PNG)}, "file: the file is png (image)"),
        ({"purpose": "voice_clone"}, {"file": ("a.wav", b"")}, "file: the file is empty"),
        ({"purpose": "voice_clone"}, {"file": ("", WAV)}, "filename"),
    ],
)
def test_bad_fields_are_refused_by_name(
    client: httpx.Client,
    mock: MiniMaxMock,
    form: dict[str, str],
    files: dict[str, tuple[str, bytes]] | None,
    message: str,
) -> None:
    if files is None:
        # httpx sends url-encoded without files: build the multipart body by hand.
        response = client.post(
            "/v1/files/upload",
            headers={**AUTH, "Content-Type": "multipart/form-data; boundary=XyZ"},
            content=b'--XyZ\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n'
            b"voice_clone\r\n--XyZ--\r\n",
        )
    else:
        response = client.post("/v1/files/upload", headers=AUTH, data=form, files=files)
    assert response.status_code == 200
    code, msg = base_resp(response)
    assert code == 2013
    assert msg.startswith("invalid params")
    assert message in msg
    assert len(mock.files) == 0


def test_an_unusable_v2_input_gets_http_400(client: httpx.Client, mock: MiniMaxMock) -> None:
    response = upload(client, "video_generation_input", b"just some text", "notes.txt")
    assert response.status_code == 400
    code, msg = base_resp(response)
    assert code == 2013
    assert "purpose video_generation_input takes" in msg
    assert len(mock.files) == 0


def test_refused_upload_draws_no_id(client: httpx.Client, mock: MiniMaxMock) -> None:
    """Same seed, a refused upload or a refused query first (each answer draws only its
    Trace-Id): the next upload gets the same file_id, so the refusal drew nothing."""
    assert base_resp(upload(client, "voice_clone", PNG))[0] == 2013
    first = upload(client).json()["file"]["file_id"]
    with app_client(MiniMaxMock(clock="virtual", seed=7)) as other:
        assert base_resp(other.get("/v1/query/video_generation", headers=AUTH))[0] == 2013
        assert upload(other).json()["file"]["file_id"] == first
