"""Files API through HTTP: upload, list, delete, retrieve, with real clients and raw bodies."""

from __future__ import annotations

import httpx
import pytest

from mockminimax.core.images import encode_png
from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.runner import ServerThread
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


def test_upload_works_with_requests_against_the_live_server(live: ServerThread) -> None:
    requests = pytest.importorskip("requests")
    url = f"{live.url}/v1/files/upload"
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


# -- list and delete ---------------------------------------------------------------------


def ids_listed(client: httpx.Client, purpose: str, headers: dict[str, str] = AUTH) -> list[int]:
    body = client.get("/v1/files/list", params={"purpose": purpose}, headers=headers).json()
    assert body["base_resp"] == {"status_code": 0, "status_msg": "success"}
    return [f["file_id"] for f in body["files"]]


def test_list_shows_your_files_of_one_purpose(client: httpx.Client) -> None:
    a = upload(client, "voice_clone", WAV, "a.wav").json()["file"]
    b = upload(client, "voice_clone", WAV, "b.wav").json()["file"]
    upload(client, "video_generation_input")
    other = {"Authorization": "Bearer sk-other"}
    upload(client, "voice_clone", WAV, "theirs.wav", headers=other)
    listed = client.get("/v1/files/list", params={"purpose": "voice_clone"}, headers=AUTH).json()
    assert listed["files"] == [a, b]
    assert len(ids_listed(client, "voice_clone", other)) == 1
    assert ids_listed(client, "prompt_audio") == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "binding: expr_path=purpose, cause=missing required parameter"),
        ({"purpose": "retrieval"}, "purpose: 'retrieval' is not one of voice_clone"),
    ],
)
def test_list_needs_a_known_purpose(
    client: httpx.Client, params: dict[str, str], message: str
) -> None:
    code, msg = base_resp(client.get("/v1/files/list", params=params, headers=AUTH))
    assert code == 2013 and message in msg


def test_delete_removes_the_file_everywhere(client: httpx.Client, mock: MiniMaxMock) -> None:
    file_id = upload(client, "voice_clone", WAV).json()["file"]["file_id"]
    url = client.get("/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH).json()[
        "file"
    ]["download_url"]
    deleted = client.post(
        "/v1/files/delete", headers=AUTH, json={"file_id": file_id, "purpose": "voice_clone"}
    )
    assert deleted.json() == {
        "file_id": file_id,
        "base_resp": {"status_code": 0, "status_msg": "success"},
    }
    assert ids_listed(client, "voice_clone") == []
    again = client.get("/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH)
    assert base_resp(again) == (1000, "record not found")
    assert client.get(url).status_code == 404
    assert mock.files.total_bytes == 0


def test_delete_takes_the_id_as_digits_too(client: httpx.Client) -> None:
    file_id = upload(client, "voice_clone", WAV).json()["file"]["file_id"]
    body = {"file_id": str(file_id), "purpose": "voice_clone"}
    assert base_resp(client.post("/v1/files/delete", headers=AUTH, json=body))[0] == 0


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"purpose": "voice_clone"}, 2013, "expr_path=file_id"),
        ({"file_id": "abc", "purpose": "voice_clone"}, 2013, "file_id: must be an integer"),
        ({"file_id": True, "purpose": "voice_clone"}, 2013, "file_id: must be an integer"),
        ({"file_id": "\u00b2", "purpose": "voice_clone"}, 2013, "file_id: must be an integer"),
        ({"file_id": "1" * 33, "purpose": "voice_clone"}, 2013, "file_id: must be an integer"),
        ({"file_id": 1}, 2013, "expr_path=purpose"),
        ({"file_id": 1, "purpose": 7}, 2013, "purpose: 7 is not one of"),
        ({"file_id": 123456789012345, "purpose": "voice_clone"}, 1000, "record not found"),
    ],
)
def test_delete_refuses_bad_bodies(
    client: httpx.Client, mock: MiniMaxMock, body: dict[str, object], code: int, message: str
) -> None:
    upload(client, "voice_clone", WAV)
    response = client.post("/v1/files/delete", headers=AUTH, json=body)
    got_code, msg = base_resp(response)
    assert got_code == code and message in msg
    assert len(mock.files) == 1


def test_delete_needs_the_owner_and_the_purpose(client: httpx.Client, mock: MiniMaxMock) -> None:
    file_id = upload(client, "voice_clone", WAV).json()["file"]["file_id"]
    other = {"Authorization": "Bearer sk-other"}
    body = {"file_id": file_id, "purpose": "voice_clone"}
    assert base_resp(client.post("/v1/files/delete", headers=other, json=body))[0] == 1000
    body["purpose"] = "prompt_audio"
    assert base_resp(client.post("/v1/files/delete", headers=AUTH, json=body))[0] == 1000
    form = client.post("/v1/files/delete", headers=AUTH, data={"file_id": str(file_id)})
    assert "Content-Type must be application/json" in base_resp(form)[1]
    assert len(mock.files) == 1


# -- retrieve, retrieve_content and the download URL ---------------------------------------


def test_retrieve_and_download_an_upload(client: httpx.Client, mock: MiniMaxMock) -> None:
    created = upload(client, name="my frame (1).png").json()["file"]
    file_id = created["file_id"]
    got = client.get("/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH).json()
    assert got["base_resp"]["status_code"] == 0
    file = got["file"]
    assert {k: v for k, v in file.items() if k != "download_url"} == created
    url = file["download_url"]
    assert f"/inference_output/file/{file_id}/my_frame_1_.png?Expires=" in url
    assert f"Expires={int(mock.now()) + mock.settings.download_ttl}" in url
    download = client.get(url)  # bare: no key, as clients fetch download_url
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"] == 'attachment; filename="my_frame_1_.png"'
    part = client.get(url, headers={"Range": "bytes=1-3"})
    assert (part.status_code, part.content) == (206, PNG[1:4])
    assert client.head(url).headers["content-length"] == str(len(PNG))
    tampered = url.replace("Signature=", "Signature=x")
    assert client.get(tampered).status_code == 403
    mock.advance(mock.settings.download_ttl + 1)
    assert "Request has expired." in client.get(url).text


def test_retrieve_content_serves_the_bytes(client: httpx.Client) -> None:
    file_id = upload(client, "voice_clone", WAV, "v.wav").json()["file"]["file_id"]
    content = client.get("/v1/files/retrieve_content", params={"file_id": file_id}, headers=AUTH)
    assert content.status_code == 200
    assert content.content == WAV
    assert content.headers["content-type"] == "audio/wav"
    other = client.get(
        "/v1/files/retrieve_content",
        params={"file_id": file_id},
        headers={"Authorization": "Bearer sk-other"},
    )
    assert base_resp(other) == (1000, "record not found")


def test_generated_video_files_still_retrieve(client: httpx.Client, mock: MiniMaxMock) -> None:
    upload(client)
    body = {"model": "MiniMax-Hailuo-02", "prompt": "A cat", "duration": 6, "resolution": "768P"}
    task_id = client.post("/v1/video_generation", headers=AUTH, json=body).json()["task_id"]
    mock.advance(10)
    query = client.get("/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH)
    file_id = query.json()["file_id"]
    file = client.get("/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH).json()
    assert file["file"]["purpose"] == "video_generation"
    assert "/inference_output/video/" in file["file"]["download_url"]


def test_a_wrong_download_path_is_no_such_key(client: httpx.Client) -> None:
    file_id = upload(client).json()["file"]["file_id"]
    missing = client.get(f"/inference_output/file/{file_id}/other.png?Expires=1&Signature=x")
    assert missing.status_code == 404
    assert "<Code>NoSuchKey</Code>" in missing.text


# -- bounds ------------------------------------------------------------------------------


def test_the_store_evicts_the_oldest_by_count() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, max_files=2)
    with app_client(mock) as client:
        ids = [upload(client, "voice_clone", WAV).json()["file"]["file_id"] for _ in range(3)]
        assert ids_listed(client, "voice_clone") == ids[1:]
    assert mock.files.evicted == 1


def test_the_store_evicts_the_oldest_by_bytes() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, max_file_store_bytes=2 * len(PNG) + 10)
    with app_client(mock) as client:
        ids = [upload(client).json()["file"]["file_id"] for _ in range(3)]
        assert ids_listed(client, "video_generation_input") == ids[1:]
    assert mock.files.total_bytes == 2 * len(PNG)


def test_a_file_larger_than_the_store_is_refused() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, max_file_store_bytes=100)
    with app_client(mock) as client:
        kept = upload(client, "t2a_async_input", b"short text", "a.txt").json()["file"]
        code, msg = base_resp(upload(client, "voice_clone", WAV + bytes(100)))
        assert code == 2013
        assert "file store holds at most 100 bytes" in msg
        assert ids_listed(client, "t2a_async_input") == [kept["file_id"]]


def test_a_body_over_the_limit_is_refused_unread() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, max_body_bytes=1000)
    with app_client(mock) as client:
        code, msg = base_resp(upload(client, "voice_clone", WAV + bytes(2000)))
    assert code == 2013 and "limit is 1000" in msg
    assert len(mock.files) == 0


def test_upload_format_check_off_keeps_any_file() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, upload_format_check="off")
    with app_client(mock) as client:
        answer = upload(client, "voice_clone", PNG)
    assert base_resp(answer) == (0, "success")
    stored = mock.files.get(str(answer.json()["file"]["file_id"]))
    assert stored is not None and stored.kind == "image"


def test_v2_input_size_caps_by_kind(client: httpx.Client) -> None:
    big_wav = WAV + bytes(15 * 1024 * 1024)
    response = upload(client, "video_generation_input", big_wav, "long.wav")
    assert response.status_code == 400
    assert "takes at most 15 MB" in base_resp(response)[1]


# -- other clients and cross-cutting concerns ---------------------------------------------


@pytest.mark.anyio
async def test_upload_with_the_async_client(aclient: httpx.AsyncClient) -> None:
    response = await aclient.post(
        "/v1/files/upload",
        headers=AUTH,
        data={"purpose": "prompt_audio"},
        files={"file": ("p.wav", WAV, "audio/wav")},
    )
    assert response.json()["file"]["purpose"] == "prompt_audio"


def test_a_fault_rule_on_upload_keeps_nothing(client: httpx.Client, mock: MiniMaxMock) -> None:
    mock.faults.add(route="upload", minimax_error=1002, times=1)
    assert base_resp(upload(client))[0] == 1002
    assert len(mock.files) == 0
    assert base_resp(upload(client))[0] == 0
    mock.faults.add(route="list_files", http_status=500)
    listed = client.get("/v1/files/list", params={"purpose": "voice_clone"}, headers=AUTH)
    assert listed.status_code == 500


def test_the_journal_records_an_upload_without_its_bytes(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    upload(client)
    entry = client.get("/_mock/journal", params={"route": "upload"}).json()["entries"][-1]
    assert entry["request_body"] == {
        "purpose": "video_generation_input",
        "file": f"<frame.png, {len(PNG)} bytes>",
    }
    assert entry["surface"] == "official"


def test_health_shows_the_store_and_reset_empties_it(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    upload(client)
    health = client.get("/_mock/health").json()
    assert health["files"] == {"count": 1, "bytes": len(PNG)}
    assert client.post("/_mock/reset").status_code == 200
    assert client.get("/_mock/health").json()["files"] == {"count": 0, "bytes": 0}
    assert len(mock.files) == 0


def test_same_seed_same_file_ids() -> None:
    def ids() -> list[int]:
        with app_client(MiniMaxMock(clock="virtual", seed=99)) as client:
            return [upload(client).json()["file"]["file_id"] for _ in range(3)]

    assert ids() == ids()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"\x00\x00\x00\x18ftypheic" + bytes(16), "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1" + bytes(16), "image/heif"),
        (b"\x00\x00\x00\x14ftypqt  " + bytes(16), "video/quicktime"),
        (b"\x00\x00\x00\x18ftypM4A " + bytes(16), "audio/mp4"),
        (MP4, "video/mp4"),
        (b"\x1a\x45\xdf\xa3" + bytes(8) + b"webm", "video/webm"),
        (b"\x1a\x45\xdf\xa3" + bytes(8) + b"matroska", "video/x-matroska"),
        (b"\xff\xfb\x90\x00" + bytes(32), "audio/mpeg"),
        (b"\xff\xf1\x50\x80" + bytes(32), "application/octet-stream"),  # AAC ADTS, not mp3
        (b"fLaC" + bytes(8), "audio/flac"),
        (b"OggS" + bytes(8), "audio/ogg"),
        (b"GIF89a" + bytes(8), "image/gif"),
        (encode_png(10, 10), "image/png"),
        (b"\xff\xd8\xff\xe0" + bytes(8), "image/jpeg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(8), "image/webp"),
        ("日本語のテキスト".encode(), "text/plain"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
    ],
)
def test_the_kind_is_read_from_the_bytes(data: bytes, content_type: str) -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, upload_format_check="off")
    with app_client(mock) as client:
        file_id = upload(client, "t2a_async_input", data, "x.bin").json()["file"]["file_id"]
        content = client.get(
            "/v1/files/retrieve_content", params={"file_id": file_id}, headers=AUTH
        )
    assert content.headers["content-type"].split(";")[0] == content_type
    assert content.content == data


def test_delete_a_generated_video_file(client: httpx.Client, mock: MiniMaxMock) -> None:
    body = {"model": "MiniMax-Hailuo-02", "prompt": "A cat", "duration": 6, "resolution": "768P"}
    task_id = client.post("/v1/video_generation", headers=AUTH, json=body).json()["task_id"]
    mock.advance(10)
    query = {"task_id": task_id}
    file_id = client.get("/v1/query/video_generation", params=query, headers=AUTH).json()["file_id"]
    url = client.get("/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH).json()[
        "file"
    ]["download_url"]
    wrong = {"file_id": int(file_id), "purpose": "voice_clone"}
    assert base_resp(client.post("/v1/files/delete", headers=AUTH, json=wrong))[0] == 1000
    other = {"Authorization": "Bearer sk-other"}
    mine = {"file_id": int(file_id), "purpose": "video_generation"}
    assert base_resp(client.post("/v1/files/delete", headers=other, json=mine))[0] == 1000
    deleted = client.post("/v1/files/delete", headers=AUTH, json=mine).json()
    assert deleted == {
        "file_id": int(file_id),
        "base_resp": {"status_code": 0, "status_msg": "success"},
    }
    gone = client.get("/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH)
    assert base_resp(gone) == (1000, "record not found")
    assert client.get(url).status_code == 404
    still = client.get("/v1/query/video_generation", params=query, headers=AUTH).json()
    assert still["status"] == "Success"  # the task stays; only its file is gone
    again = client.post("/v1/files/delete", headers=AUTH, json=mine)
    assert base_resp(again) == (1000, "record not found")


def test_delete_of_speech_files_finds_none(client: httpx.Client) -> None:
    file_id = upload(client, "voice_clone", WAV).json()["file"]["file_id"]
    body = {"file_id": file_id, "purpose": "t2a_async"}
    assert base_resp(client.post("/v1/files/delete", headers=AUTH, json=body))[0] == 1000
    body["purpose"] = "video_generation"  # an upload is no generated video
    assert base_resp(client.post("/v1/files/delete", headers=AUTH, json=body))[0] == 1000
    assert ids_listed(client, "voice_clone") == [file_id]
