"""The download host: signed, expiring URLs; HEAD and Range as object storage answers them;
OSS-style XML refusals; never a redirect."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import requests

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.runner import ServerThread
from tests.conftest import AUTH, app_client
from tests.helpers import SEED_REQUESTS

TTL = 3600  # the default download_ttl


def finished_url(client: httpx.Client, kind: str = "subject_reference") -> str:
    """Create a task over HTTP, move the clock over HTTP, and return its download_url."""
    task_id = client.post("/v1/video_generation", json=SEED_REQUESTS[kind], headers=AUTH).json()[
        "task_id"
    ]
    assert client.post("/_mock/clock/advance", json={"seconds": 30}).status_code == 200
    file_id = client.get(
        "/v1/query/video_generation", params={"task_id": task_id}, headers=AUTH
    ).json()["file_id"]
    return retrieve(client, file_id)


def retrieve(client: httpx.Client, file_id: str) -> str:
    file = client.get("/v1/files/retrieve", params={"file_id": file_id}, headers=AUTH).json()
    url = file["file"]["download_url"]
    assert isinstance(url, str)
    return url


def with_params(url: str, **changes: str | None) -> str:
    """`url` with query parameters replaced (a value) or removed (None)."""
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return parts._replace(query=urlencode(params)).geturl()


def assert_oss_error(answer: httpx.Response, status: int, code: str, message: str) -> None:
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/xml")
    assert answer.headers["Server"] == "AliyunOSS"
    text = answer.text
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert f"<Code>{code}</Code>" in text
    assert f"<Message>{message}</Message>" in text
    request_id = re.search(r"<RequestId>([0-9A-F]+)</RequestId>", text)
    assert request_id is not None
    assert answer.headers["x-oss-request-id"] == request_id[1]


# -- HEAD, Range, ETag ------------------------------------------------------------------


def test_head_has_no_body_and_the_gets_length(client: httpx.Client) -> None:
    url = finished_url(client)
    full = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(full.content) > 0
    assert head.headers["etag"] == full.headers["etag"]
    assert head.headers["content-type"] == "video/mp4"
    assert head.headers["accept-ranges"] == "bytes"


def test_head_over_the_wire(live: ServerThread) -> None:
    with httpx.Client(base_url=live.url, timeout=10, trust_env=False) as client:
        url = finished_url(client)
    with requests.Session() as session:
        session.trust_env = False
        full = session.get(url, allow_redirects=False, timeout=10)
        head = session.head(url, allow_redirects=False, timeout=10)
        ranged = session.head(url, headers={"Range": "bytes=0-99"}, timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) == len(full.content) > 0
    assert ranged.status_code == 206
    assert ranged.headers["Content-Length"] == "100"
    assert ranged.headers["Content-Range"] == f"bytes 0-99/{len(full.content)}"


@pytest.mark.parametrize(
    ("spec", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=-100", -100, None),
        ("bytes=100-", 100, None),
        ("bytes=10-10", 10, 10),
        ("bytes=0-99999999", 0, None),
    ],
)
def test_range(client: httpx.Client, spec: str, start: int, end: int | None) -> None:
    url = finished_url(client)
    full = client.get(url).content
    size = len(full)
    first = start if start >= 0 else size + start
    last = size - 1 if end is None else end
    part = client.get(url, headers={"Range": spec})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
    assert part.content == full[first : last + 1]
    assert int(part.headers["content-length"]) == last - first + 1
    assert part.headers["etag"] == client.get(url).headers["etag"]


@pytest.mark.parametrize("beyond", [0, 1, 1000])
def test_unsatisfiable_range_is_416(client: httpx.Client, beyond: int) -> None:
    url = finished_url(client)
    size = len(client.get(url).content)
    answer = client.get(url, headers={"Range": f"bytes={size + beyond}-"})
    assert answer.status_code == 416
    assert answer.headers["content-range"] == f"bytes */{size}"
    assert answer.content == b""


def test_range_positions_of_any_length(client: httpx.Client) -> None:
    """Positions longer than int() converts (4,300 digits) are past the end, not a crash."""
    url = finished_url(client)
    full = client.get(url).content
    size, far = len(full), "9" * 5000
    for spec in (f"bytes=0-{far}", f"bytes=-{far}"):
        answer = client.get(url, headers={"Range": spec})
        assert answer.status_code == 206
        assert answer.headers["content-range"] == f"bytes 0-{size - 1}/{size}"
        assert answer.content == full
    past = client.get(url, headers={"Range": f"bytes={far}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}"
    backwards = client.get(url, headers={"Range": f"bytes={far}-5"})
    assert backwards.status_code == 200 and backwards.content == full


@pytest.mark.parametrize("spec", ["bytes=0-9,20-29", "bytes=5-2", "items=0-9", "bytes=x-"])
def test_multi_backwards_or_malformed_range_gets_the_whole_file(
    client: httpx.Client, spec: str
) -> None:
    url = finished_url(client)
    full = client.get(url).content
    answer = client.get(url, headers={"Range": spec})
    assert answer.status_code == 200
    assert answer.content == full
    assert "content-range" not in answer.headers


def test_etag_is_stable_and_follows_the_content(client: httpx.Client, mock: MiniMaxMock) -> None:
    small = finished_url(client, "subject_reference")
    again = finished_url(client, "subject_reference")
    large = finished_url(client, "text_to_video")
    etags = [client.get(u).headers["etag"] for u in (small, small, again, large)]
    assert re.fullmatch(r'"[0-9A-F]{32}"', etags[0])
    assert etags[0] == etags[1] == etags[2]  # same file, same tag, across tasks and fetches
    assert etags[3] != etags[0]
    assert client.head(small).headers["etag"] == etags[0]


def test_no_answer_is_ever_a_redirect(client: httpx.Client) -> None:
    url = finished_url(client)
    answers = [
        client.get(url),
        client.head(url),
        client.get(url, headers={"Range": "bytes=0-1"}),
        client.get(with_params(url, Signature="AAAA")),
        client.get(with_params(url, Expires=None)),
        client.get("/inference_output/video/2026-01-01/nope/output.mp4"),
    ]
    client.post("/_mock/clock/advance", json={"seconds": TTL + 1})
    answers.append(client.get(url))
    for answer in answers:
        assert not answer.is_redirect
        assert "location" not in answer.headers


# -- signing and expiry ----------------------------------------------------------------


def test_expired_url_is_403_request_has_expired(client: httpx.Client) -> None:
    url = finished_url(client)
    client.post("/_mock/clock/advance", json={"seconds": TTL - 1})
    assert client.get(url).status_code == 200
    client.post("/_mock/clock/advance", json={"seconds": 2})
    assert_oss_error(client.get(url), 403, "AccessDenied", "Request has expired.")
    head = client.head(url)
    assert head.status_code == 403
    assert head.content == b""


def test_download_ttl_setting_shortens_the_life() -> None:
    mock = MiniMaxMock(clock="virtual", download_ttl=60)
    with app_client(mock) as client:
        url = finished_url(client)
        expires = int(parse_qs(urlsplit(url).query)["Expires"][0])
        assert expires == int(mock.now()) + 60
        client.post("/_mock/clock/advance", json={"seconds": 61})
        assert_oss_error(client.get(url), 403, "AccessDenied", "Request has expired.")


def test_tampered_signature_is_403(client: httpx.Client) -> None:
    url = finished_url(client)
    signature = parse_qs(urlsplit(url).query)["Signature"][0]
    forged = ("B" if signature[0] != "B" else "C") + signature[1:]
    assert_oss_error(
        client.get(with_params(url, Signature=forged)),
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    )


def test_extending_expires_breaks_the_signature(client: httpx.Client) -> None:
    url = finished_url(client)
    expires = int(parse_qs(urlsplit(url).query)["Expires"][0])
    answer = client.get(with_params(url, Expires=str(expires + 86400)))
    assert answer.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in answer.text


def test_signature_is_bound_to_the_object(client: httpx.Client) -> None:
    one = urlsplit(finished_url(client))
    two = urlsplit(finished_url(client))
    assert one.path != two.path
    swapped = client.get(f"{two.path}?{one.query}")
    assert swapped.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in swapped.text


@pytest.mark.parametrize("missing", ["Expires", "Signature"])
def test_missing_signing_parameter_is_403(client: httpx.Client, missing: str) -> None:
    url = finished_url(client)
    answer = client.get(with_params(url, **{missing: None}))
    assert answer.status_code == 403
    assert "<Code>AccessDenied</Code>" in answer.text
    assert client.get(urlsplit(url).path).status_code == 403  # no query at all


@pytest.mark.parametrize(
    "path",
    [
        "/inference_output/video/2026-01-01/00000000-0000-4000-8000-000000000000/output.mp4",
        "/inference_output/video/2026-01-01/x/other.mp4",
        "/inference_output/rollout/2026-01-01/x/output.mp4",
    ],
)
def test_unknown_object_is_404_no_such_key(client: httpx.Client, path: str) -> None:
    url = finished_url(client)
    query = urlsplit(url).query
    assert_oss_error(
        client.get(f"{path}?{query}"), 404, "NoSuchKey", "The specified key does not exist."
    )


def test_public_url_setting_is_used_in_download_url() -> None:
    public = "https://video-product.cdn.minimax.io"
    mock = MiniMaxMock(clock="virtual", public_url=public + "/")
    with app_client(mock) as client:
        url = finished_url(client)
        assert url.startswith(f"{public}/inference_output/video/2026-01-01/")
        parts = urlsplit(url)
        assert parts.path.endswith("/output.mp4")
        assert client.get(f"{parts.path}?{parts.query}").status_code == 200


def test_download_url_uses_the_requests_host_by_default(client: httpx.Client) -> None:
    assert finished_url(client).startswith("http://mock.test/inference_output/video/")


def test_download_url_of_a_pending_task_is_404(client: httpx.Client, mock: MiniMaxMock) -> None:
    client.post("/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=AUTH)
    (task,) = mock.store
    # A correctly signed URL for a task still Preparing: the object does not exist yet.
    early = mock.file_object(task, "http://mock.test").download_url
    assert_oss_error(client.get(early), 404, "NoSuchKey", "The specified key does not exist.")
    client.post("/_mock/clock/advance", json={"seconds": 30})
    assert client.get(early).status_code == 200


@pytest.mark.parametrize("status", ["Processing", "Fail"])
def test_download_url_stops_working_when_the_task_is_forced_back(
    client: httpx.Client, mock: MiniMaxMock, status: str
) -> None:
    url = finished_url(client)
    (task,) = mock.store
    assert client.get(url).status_code == 200
    assert client.post(f"/_mock/tasks/{task.task_id}", json={"status": status}).status_code == 200
    assert_oss_error(client.get(url), 404, "NoSuchKey", "The specified key does not exist.")


def test_every_retrieve_gives_a_fresh_expires(client: httpx.Client, mock: MiniMaxMock) -> None:
    first = finished_url(client)
    (task,) = mock.store
    client.post("/_mock/clock/advance", json={"seconds": 10})
    second = retrieve(client, task.file_id)
    e1 = int(parse_qs(urlsplit(first).query)["Expires"][0])
    e2 = int(parse_qs(urlsplit(second).query)["Expires"][0])
    assert e2 == e1 + 10
    assert e1 == int(mock.now()) - 10 + TTL
    assert urlsplit(first).path == urlsplit(second).path
    assert first != second
    # Once the first has expired, the fresher one still works.
    client.post("/_mock/clock/advance", json={"seconds": TTL - 5})
    assert client.get(first).status_code == 403
    assert client.get(second).status_code == 200


def test_download_is_journaled_without_the_video_bytes(
    client: httpx.Client, mock: MiniMaxMock
) -> None:
    url = finished_url(client)
    client.get(url, headers={"Range": "bytes=0-9"})
    client.get(with_params(url, Signature="AAAA"))
    entries = [e for e in mock.journal if e.surface == "cdn"]
    served, refused = entries
    assert (served.route, served.status) == ("download", 206)
    assert served.rejected is None
    assert isinstance(served.response_body, str) and served.response_body.startswith("<video/mp4")
    (task,) = mock.store
    assert served.task_id == task.task_id
    assert refused.status == 403
    assert refused.rejected is not None and refused.rejected.startswith("SignatureDoesNotMatch")
