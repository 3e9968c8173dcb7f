"""One request/response exchange: reading the body within its limit, parsing JSON,
journaling, and the catch-all that keeps every error in its surface's own shape.

Endpoints are plain `async def handler(ex) -> Response` functions; `endpoint()` wraps
each in a bare ASGI callable, which the app runs directly for its fixed paths and Starlette's
router runs for the rest (see `app.py`). An exchange works on the ASGI scope itself: the
Starlette `Request` is built only when a handler asks for it, and the hot handlers read
headers and the query through `header()` and `param()` instead. This is deliberately not a
BaseHTTPMiddleware: that costs a task and a stream copy on every request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope

from ..core.faults import FaultRule
from ..core.journal import RAW_LIMIT, JournalEntry, RawJson, bounded, read_answer
from ..core.mock import MiniMaxMock
from ..core.params import whole_number
from ..core.strict_json import loads
from ..core.validation import BodyError, parse_body

if TYPE_CHECKING:
    from .surfaces import Surface

__all__ = [
    "JSON_TYPE",
    "MAX_HOST_CHARS",
    "ASGIApp",
    "Endpoint",
    "Exchange",
    "Handler",
    "Problem",
    "add_header",
    "dump_json",
    "endpoint",
    "json_response",
]

#: The longest `Host` put into the URLs the mock hands out: a DNS name (253) and a port.
MAX_HOST_CHARS = 260

log = logging.getLogger("mockminimax")

_JOURNAL_TEXT_LIMIT = 512
#: The Content-Type of every JSON answer, as bytes on the wire.
JSON_TYPE = "application/json; charset=utf-8"
_JSON_TYPE_HEADER = (b"content-type", JSON_TYPE.encode("latin-1"))


class Problem(Exception):
    """A request the HTTP layer refuses before MiniMax logic sees it.

    `kind` is one of: route, method, json, content_type, too_large, invalid, internal.
    Each surface words and shapes it its own way.
    """

    def __init__(
        self, kind: str, message: str, *, field: str | None = None, allow: str = ""
    ) -> None:
        self.kind = kind
        self.message = message
        self.field = field
        self.allow = allow
        super().__init__(message)


_ORJSON = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)


def dump_json(body: Any, newline: bool = False) -> bytes:
    """`body` as compact UTF-8 JSON, by orjson: what `json.dumps(ensure_ascii=False,
    separators=(",", ":"))` writes, but for exponents (`1e-07` is `1e-7`). What orjson
    will not write (integers past 64 bits, lone surrogates, types JSON lacks) is left to
    `json.dumps`, which answers or refuses it as before. Always strict JSON: orjson writes
    no NaN (the mock holds none; `strict_json` refuses them on the way in)."""
    try:
        data = orjson.dumps(body, option=_ORJSON)
    except TypeError:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        data = text.encode()
    return data + b"\n" if newline else data


def json_response(body: bytes, status: int = 200) -> Response:
    """A JSON `Response` as `Response(body, status, media_type=JSON_TYPE)` builds it (the
    same headers in the same order), without parsing a media type on every answer."""
    response = Response.__new__(Response)
    response.status_code = status
    response.background = None
    response.body = body
    if status < 200 or status in (204, 304):
        response.raw_headers = [_JSON_TYPE_HEADER]
    else:
        response.raw_headers = [(b"content-length", b"%d" % len(body)), _JSON_TYPE_HEADER]
    return response


def add_header(response: Response, name: bytes, value: str) -> None:
    """Add a header the response does not have yet (`name` in lower case): what
    `response.headers[name] = value` does then, without building a `MutableHeaders`."""
    response.raw_headers.append((name, value.encode("latin-1")))


class Exchange:
    """The request being answered, with what the journal will say about it."""

    __slots__ = (
        "_body",
        "_body_error",
        "_json",
        "_params",
        "_request",
        "_tags",
        "entry",
        "fault",
        "mock",
        "receive",
        "route",
        "scope",
        "surface",
    )

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        mock: MiniMaxMock,
        surface: Surface,
        route: str,
        request: Request | None = None,
    ) -> None:
        self.scope = scope
        self.receive = receive
        self._request = request
        self._params: dict[str, str] | None = None
        self.mock = mock
        self.surface = surface
        self.route = route
        self._body: bytes | None = None
        self._body_error: Problem | None = None
        self._json: Any = None
        #: The fault rule that fired on this request, if one did.
        self.fault: FaultRule | None = None
        self._tags: dict[str, Any] | None = None
        # Positional: keywords cost a quarter of a microsecond more here.
        self.entry = JournalEntry(
            0,  # seq
            mock.now(),
            scope["method"],
            scope["path"],
            scope.get("query_string", b""),
            surface.name,
            route,
            scope["headers"],
            None,  # request_body
        )

    @property
    def request(self) -> Request:
        """The Starlette request, built on first use."""
        if self._request is None:
            self._request = Request(self.scope, self.receive)
        return self._request

    @property
    def tags(self) -> dict[str, Any]:
        """What a surface keeps on the exchange (its request ID); the dict is made when first
        asked for (most surfaces keep nothing)."""
        tags = self._tags
        if tags is None:
            tags = self._tags = {}
        return tags

    @property
    def method(self) -> str:
        return str(self.scope["method"])

    @property
    def path(self) -> str:
        return str(self.scope["path"])

    def header(self, name: bytes) -> str | None:
        """The first value of request header `name` (lower case), as `request.headers`
        gives it."""
        for key, value in self.scope["headers"]:
            if key == name:
                text: str = value.decode("latin-1")  # typed here: no str() call for mypy
                return text
        return None

    @property
    def parsed(self) -> Any:
        """The body as `json_object` parsed it, or None if it has not."""
        return self._json

    @property
    def settings(self) -> Any:
        return self.mock.settings

    def base_url(self) -> str:
        """scheme://host of the request, for the download URLs it is handed. A `Host`
        longer than any name and port (`MAX_HOST_CHARS`) is not used: a task with a
        callback keeps its base URL, and the live server takes headers of any size."""
        scope = self.scope
        for key, value in scope["headers"]:
            if key == b"host" and 0 < len(value) <= MAX_HOST_CHARS:
                return f"{scope['scheme']}://{value.decode('latin-1')}"
        host, port = scope.get("server") or ("127.0.0.1", 80)
        return f"{scope['scheme']}://{host}:{port}"

    def param(self, name: str) -> str | None:
        """A query parameter, the last of its name, as `request.query_params` gives it."""
        params = self._params
        if params is None:
            params = self._params = _query(self.scope.get("query_string", b""))
        return params.get(name)

    async def body(self) -> bytes:
        # A refusal is kept: the stream cannot be read twice, and the body is read by
        # the handler's checks and again by the fault decision.
        body = self._body
        if body is not None:
            return body
        if self._body_error is not None:
            raise self._body_error
        body = self._whole_body()
        if body is not None:
            return body
        try:
            body = self._body = await self._read_body()
        except Problem as exc:
            self._body_error = exc
            raise
        return body

    def _whole_body(self) -> bytes | None:
        """The body of a `WholeBody` not yet read, if within the limit: what `_read_body`
        returns, without a receive() (0.5 µs). Its Content-Length was checked by the live
        server's protocol; a body not yet sent was never read nor refused."""
        receive = self.receive
        if (
            type(receive) is WholeBody
            and not receive.sent
            and len(receive.body) <= self.mock.settings.max_body_bytes
        ):
            receive.sent = True
            body = self._body = receive.body
            return body
        return None

    async def _read_body(self) -> bytes:
        limit = self.mock.settings.max_body_bytes
        declared = self.header(b"content-length")
        if declared is not None and whole_number(declared, limit) is None:
            if whole_number(declared, 10**30) is None:
                shown = declared if len(declared) <= 24 else declared[:21] + "..."
                raise Problem(
                    "invalid", f"Content-Length {shown!r} is not a size", field="Content-Length"
                )
            raise Problem("too_large", f"request body is {declared} bytes; the limit is {limit}")
        chunks: list[bytes] = []
        size = 0
        while True:  # what `Request.stream()` does, reading from `receive` directly
            message = await self.receive()
            kind = message["type"]
            if kind == "http.request":
                chunk = message.get("body", b"")
                if chunk:
                    size += len(chunk)
                    if size > limit:
                        raise Problem(
                            "too_large", f"request body exceeds the limit of {limit} bytes"
                        )
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            elif kind == "http.disconnect":
                raise ClientDisconnect()
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def json_object(self, *, require_content_type: bool) -> dict[str, Any]:
        # `body()`'s whole-body branch first, without making and awaiting its coroutine.
        raw = self._whole_body()
        if raw is None:
            raw = await self.body()
        if require_content_type:
            ctype = self.header(b"content-type") or ""
            if (
                ctype != "application/json"  # the usual value, taken without a split
                and ctype.split(";")[0].strip().lower() != "application/json"
            ):
                self.entry.request_body = bounded(
                    raw[:_JOURNAL_TEXT_LIMIT].decode("utf-8", "replace")
                )
                raise Problem(
                    "content_type",
                    f"Content-Type must be application/json, got {(ctype or 'none')[:100]!r}",
                    field="Content-Type",
                )
        try:
            # `parse_body` unrolled (one call less); it words the refusal of a non-object.
            data: dict[str, Any] = loads(raw)
            if type(data) is not dict:
                data = parse_body(raw)
        except BodyError as exc:
            self.entry.request_body = raw[:_JOURNAL_TEXT_LIMIT].decode("utf-8", "replace")
            raise Problem("json", str(exc)) from None
        # Small bodies stay bytes until the journal is read (the same value then).
        self.entry.request_body = (
            RawJson(raw, _journaled_request) if len(raw) <= RAW_LIMIT else bounded(data)
        )
        self._json = data
        return data

    def json(
        self,
        body: Any,
        status: int = 200,
        *,
        newline: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Response:
        try:  # `dump_json`'s usual way, without its call
            data = orjson.dumps(body, option=_ORJSON)
        except TypeError:
            data = dump_json(body)
        if newline:
            data += b"\n"
        self.entry._response_body = RawJson(data, read_answer)  # the setter, without its call
        if headers is None:
            return json_response(data, status)
        return Response(data, status, headers=headers, media_type=JSON_TYPE)

    def reject(self, reason: str) -> None:
        if self.entry.rejected is None:
            self.entry.rejected = reason

    def finish(self, response: Response) -> None:
        """Journal the exchange; the control API's own traffic is not journaled."""
        if self.surface.name == "control":
            return
        entry = self.entry
        entry.status = response.status_code
        if entry._response_body is None and response.status_code >= 400:
            text = bytes(response.body[: 4 * _JOURNAL_TEXT_LIMIT]).decode("utf-8", "replace")
            entry.response_body = bounded(text)
        self.mock.journal.append(entry)


Handler = Callable[[Exchange], Awaitable[Response]]
#: A route's answer to an ASGI request, not yet sent: what Starlette's router (through
#: `app._Asgi`) and the app's direct dispatch run.
Endpoint = Callable[[Scope, Receive], Awaitable[Response]]


def _journaled_request(raw: bytes) -> Any:
    """A request body the journal kept raw, as it shows it."""
    return bounded(loads(raw))


class WholeBody:
    """The `receive` of a request whose body is in already (`MockApp.respond`): the body,
    then a disconnect, as ASGI sends them; `Exchange.body` takes the body directly. Only
    requests found free of fault headers and directives get one (`faults.fault_point`
    then has nothing to look for but rules added since)."""

    __slots__ = ("body", "sent")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent = False

    async def __call__(self) -> dict[str, Any]:
        if self.sent:
            return {"type": "http.disconnect"}
        self.sent = True
        return {"type": "http.request", "body": self.body, "more_body": False}


def _query(raw: bytes) -> dict[str, str]:
    """`raw` as Starlette's `QueryParams` reads it (parse_qsl, blanks kept, last wins);
    split by hand when nothing in it needs unquoting."""
    text = raw.decode("latin-1")
    if "%" in text or "+" in text:
        return dict(parse_qsl(text, keep_blank_values=True))
    params: dict[str, str] = {}
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            params[name] = value
    return params


def endpoint(surface: Surface, route: str, handler: Handler) -> Endpoint:
    """An endpoint around `handler` that never lets an error out unshaped.

    Fault rules are decided by the handlers (`faults.fault_point`), once a request has
    passed their auth and body checks: a request the mock refuses touches no rule. A rule
    that breaks an answer already made is applied here, after the handler.
    """
    from .cors import headers_of
    from .faults import Gone, after_handler
    from .guard import check_control

    control = surface.name == "control"
    cors = headers_of(surface)

    async def run(scope: Scope, receive: Receive) -> Response:
        ex = Exchange(scope, receive, scope["app"].mock, surface, route)
        try:
            if control:
                check_control(ex)
            response = await handler(ex)
        except ClientDisconnect:  # gone before its body was in: nothing to answer, no error
            response = Gone()
        except Exception as exc:  # every failure still answers in the surface's shape
            if not isinstance(exc, Problem) and not surface.expected(exc):
                log.exception("internal error answering %s %s", ex.method, ex.path)
                exc = Problem("internal", f"{type(exc).__name__}: {exc}")
            response = surface.error(exc, ex)
        surface.finish(response, ex)
        if cors and ex.mock.settings.cors:  # what `cors.add_headers` adds, without its call
            response.raw_headers += cors
        if ex.fault is not None:
            response = after_handler(ex, response)
        ex.finish(response)
        return response

    run.__name__ = f"{surface.name}_{route}"
    return run
