"""Hypothesis where schemathesis cannot reach: raw body bytes, odd headers, odd paths and
query strings, fault headers, against the app in-process; and a bounded few raw-socket
requests against the live server for bytes no HTTP client sends."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockminimax.core.catalog import MODELS
from mockminimax.core.faults import FaultRuleError, header_rule
from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.routes import ROUTES
from mockminimax.server.runner import ServerThread

from ..conftest import app_client
from .fuzzing import fuzz_mock, fuzz_settings, record, shape_problem

#: Every (method, path template) the app serves.
OPERATIONS = [(m, spec.path) for spec in ROUTES for m in spec.methods]
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
KEYS = ("", "Bearer ", "Bearer fuzz-key", "sk-fuzz", "Basic Zm9vOmJhcg==")
CONTENT_TYPES = (
    None,
    "",
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "text/plain",
    "text/html",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
)

# Path segments a URL can carry (httpx refuses control characters; raw sockets send those).
segments = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: not set(s) & set("/?#") and s not in (".", ".."))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and Infinity included: a strict parser refuses them
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.builds(
        lambda model, prompt, extra: json.dumps({"model": model, "prompt": prompt, **extra}),
        st.sampled_from(list(MODELS)) | st.text(max_size=10),
        st.text(max_size=40),  # lone surrogates are written as \ud800 escapes
        st.dictionaries(
            st.sampled_from(["duration", "resolution", "seconds", "status", "code", "route"]),
            json_values,
        ),
    ).map(str.encode),
    st.integers(1, 2000).map(lambda d: b'{"a":' + b"[" * d + b"]" * d + b"}"),
    st.integers(1, 600).map(
        lambda n: b'{"duration":' + b"9" * n + b',"seconds":1e' + b"9" * 3 + b"}"
    ),
    st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),  # invalid UTF-8
)


def fill(path: str, draw: Any) -> str:
    """`path` with each `{param}` replaced by a drawn segment."""
    return re.sub(r"{[^}]+}", lambda _: draw(segments), path)


_APP: list[tuple[MiniMaxMock, httpx.Client]] = []


@pytest.fixture(scope="module", autouse=True)
def _app() -> Iterator[None]:
    mock = fuzz_mock()
    with app_client(mock) as client:
        _APP.append((mock, client))
        yield
        _APP.clear()


@contextmanager
def in_process() -> Iterator[tuple[MiniMaxMock, httpx.Client]]:
    """One app for the module (its videos rendered once); each example starts it afresh."""
    mock, client = _APP[0]
    mock.reset()
    yield mock, client


def check(response: httpx.Response, *, kind: str = "raw", fault: bool = False) -> None:
    record(kind, response.status_code)
    problem = shape_problem(
        response.request.method,
        response.request.url.path,
        response.status_code,
        response.headers,
        response.content,
        fault=fault,
    )
    assert problem is None, (
        problem,
        response.request.method,
        response.request.url,
        response.content[:300],
    )


def _directive(body: bytes) -> bool:
    return b"[mock:" in body.lower()


@given(data=st.data())
@fuzz_settings(120)
def test_raw_bodies_get_the_surface_answer(data: st.DataObject) -> None:
    method, template = data.draw(st.sampled_from(OPERATIONS))
    body = data.draw(bodies)
    headers = {"Authorization": data.draw(st.sampled_from(KEYS))}
    ctype = data.draw(st.sampled_from(CONTENT_TYPES))
    if ctype is not None:
        headers["Content-Type"] = ctype
    with in_process() as (_, client):
        response = client.request(method, fill(template, data.draw), content=body, headers=headers)
        check(response, fault=_directive(body))


header_bytes = st.binary(max_size=80).filter(lambda b: b"\r" not in b and b"\n" not in b)


@given(data=st.data())
@fuzz_settings(80)
def test_odd_headers_get_the_surface_answer(data: st.DataObject) -> None:
    method, template = data.draw(st.sampled_from(OPERATIONS))
    headers: dict[str, Any] = {
        name: data.draw(header_bytes | st.sampled_from([b"", b"Bearer", b"bytes=0-" + b"9" * 600]))
        for name in data.draw(
            st.sets(
                st.sampled_from(
                    ["Authorization", "Content-Type", "Range", "Content-Length", "Origin",
                     "X-Mock-Token", "Accept", "Host"]
                )
            )
        )
    }  # fmt: skip
    body = b'{"model":"MiniMax-Hailuo-2.3","prompt":"a cat"}' if method == "POST" else b""
    if "Content-Length" in headers:
        headers["Content-Length"] = str(len(body)).encode()  # the transport needs the truth
    with in_process() as (_, client):
        try:
            response = client.request(
                method, fill(template, data.draw), content=body, headers=headers
            )
        except (httpx.InvalidURL, UnicodeError):
            return  # a Host httpx itself refuses to send (raw sockets cover those)
        check(response)


query_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
path_prefixes = ("/", "/v1/", "/minimaxi/v1/", "/_mock/", "/inference_output/video/", "//v1/")


@given(data=st.data())
@fuzz_settings(100)
def test_odd_paths_and_query_strings_get_the_surface_answer(data: st.DataObject) -> None:
    method = data.draw(st.sampled_from(METHODS))
    if data.draw(st.booleans()):
        _, template = data.draw(st.sampled_from(OPERATIONS))
        path = fill(template, data.draw) + data.draw(st.sampled_from(["", "/", "//", "/x"]))
    else:
        parts = data.draw(st.lists(segments, max_size=4))
        path = data.draw(st.sampled_from(path_prefixes)) + "/".join(parts)
    names = st.sampled_from(["task_id", "file_id", "limit", "Expires", "Signature", "surface"])
    params = data.draw(st.lists(st.tuples(names | query_text, query_text), max_size=4))
    params += data.draw(st.sampled_from([[], [("limit", "\u00b2")], [("Expires", "9" * 5000)]]))
    with in_process() as (_, client):
        try:
            response = client.request(
                method, httpx.URL(path, params=params), headers={"Authorization": "Bearer k"}
            )
        except httpx.InvalidURL:
            return
        check(response)


@given(data=st.data())
@fuzz_settings(40)
def test_download_with_a_real_key_and_odd_signatures_ranges_and_expiry(
    data: st.DataObject,
) -> None:
    """The CDN route past its key lookup: Range, Expires and Signature as a client mangles them."""
    with in_process() as (mock, client):
        created = client.post(
            "/v1/video_generation",
            json={"model": "T2V-01", "prompt": "a cat"},
            headers={"Authorization": "Bearer k"},
        ).json()
        file_id = client.get(
            "/v1/query/video_generation",
            params={"task_id": created["task_id"]},
            headers={"Authorization": "Bearer k"},
        ).json()["file_id"]
        url = client.get(
            "/v1/files/retrieve", params={"file_id": file_id}, headers={"Authorization": "Bearer k"}
        ).json()["file"]["download_url"]
        parts = urlsplit(url)
        query = dict(p.split("=", 1) for p in parts.query.split("&"))
        for name in ("Expires", "Signature", "OSSAccessKeyId"):
            query[name] = data.draw(
                st.sampled_from([query[name], "", "9" * 5000, "-1", "1e9", "\u00b2"]) | query_text
            )
        rng = data.draw(
            st.from_regex(r"\Abytes=[0-9]{0,30}-[0-9]{0,30}\Z")
            | st.just("bytes=0-" + "9" * 5000)
            | query_text
        )
        method = data.draw(st.sampled_from(["GET", "HEAD"]))
        response = client.request(
            method, httpx.URL(parts.path, params=query), headers={"Range": rng.encode()}
        )
        check(response)
        if response.status_code == 206:
            assert mock.store  # a range of a real file


fault_rules = st.one_of(
    st.integers(200, 599).map(lambda s: f"http_status={s}"),
    st.integers(1, 99999).map(lambda c: f"minimax_error={c}"),
    st.sampled_from(["task=fail", "task=stuck", "task=slow,factor=3"]),
    query_text,  # mostly no rule at all: refused as the surface's bad request
)


@given(data=st.data())
@fuzz_settings(60)
def test_fault_headers_answer_in_the_surface_shape(data: st.DataObject) -> None:
    method, template = data.draw(st.sampled_from(OPERATIONS))
    if template.startswith("/_mock"):
        return  # the control API is never faulted
    rule = data.draw(fault_rules)
    try:
        header_rule(rule)
        valid = True
    except FaultRuleError:
        valid = False
    body = b'{"model":"T2V-01","prompt":"a cat"}' if method == "POST" else b""
    headers = {
        "X-Mock-Fault": rule.encode(),
        "Authorization": "Bearer k",
        "Content-Type": "application/json",
    }
    with in_process() as (_, client):
        try:
            response = client.request(
                method, fill(template, data.draw), content=body, headers=headers
            )
        except httpx.TransportError:
            assert valid  # only a connection fault breaks the connection
            return
        check(response, fault=valid)
        if not valid:
            assert response.status_code in (200, 400, 401, 403, 404), response.text


# -- the live server, raw bytes ---------------------------------------------------------

#: Requests no HTTP client library sends: each must get an answer (or a closed connection),
#: never a 5xx or a hang, and the server must answer normally afterwards.
RAW_REQUESTS = [
    b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
    b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Bad: \x7f\x01\r\n\r\n",
    b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
    b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n  folded\r\n\r\n",
    b"GET /v1/query/video_generation?task_id=\xff\xfe HTTP/1.1\r\nHost: x\r\n"
    b"Authorization: Bearer \xff\xfe\r\n\r\n",
    b"GET /v1/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 40 + b"\r\n\r\n",
    b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /v1/video_generation HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /minimaxi/v1/video_generation HTTP/1.1\r\nHost: x\r\nAuthorization: k\r\n"
    b"Content-Type: application/json\r\nContent-Length: 4\r\n\r\n\xff\xfe\xfd\xfc",
    b"GET /inference_output/video/x/y/output.mp4 HTTP/1.1\r\nHost: \xff\r\n"
    b"Range: bytes=\xff-\r\n\r\n",
    b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n",
]


#: What uvicorn's HTTP parser answers (400, text/plain) to bytes it cannot read as a request,
#: before any app (or surface) sees them.
UVICORN_REFUSAL = b"Invalid HTTP request received."


def _exchange(server: ServerThread, raw: bytes) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("raw", RAW_REQUESTS, ids=range(len(RAW_REQUESTS)))
def test_raw_socket_bytes_get_an_answer_and_the_server_keeps_going(
    live: ServerThread, raw: bytes
) -> None:
    answer = _exchange(live, raw)  # a hang fails here, on the socket timeout
    if answer:
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 "), answer[:200]
        status = int(status_line.split()[1])
        record("socket", status)
        assert status < 500, answer[:400]
        head, _, body = answer.partition(b"\r\n\r\n")
        if body != UVICORN_REFUSAL:
            # Past uvicorn's parser (which refuses what it cannot read in plain text): the
            # app's answer, in the surface's shape.
            lines = head.split(b"\r\n")[1:]
            headers = dict(
                (k.strip().lower().decode("latin-1"), v.strip().decode("latin-1"))
                for k, _, v in (line.partition(b":") for line in lines)
            )
            path = raw.split(b" ", 2)[1].split(b"?")[0].decode("latin-1")
            if "chunked" in headers.get("transfer-encoding", ""):
                body = b""  # the status and content type are what we judge here
            problem = shape_problem(raw.split(b" ")[0].decode(), path, status, headers, body)
            assert problem is None or body == b"", (problem, answer[:400])
    else:
        record("socket", 0)
    health = httpx.get(f"{live.url}/_mock/health", timeout=10)
    assert health.status_code == 200
