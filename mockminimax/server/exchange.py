"""One request/response exchange: reading the body within its limit, parsing JSON,
journaling, and the catch-all that keeps every error in its surface's own shape.

Endpoints are plain `async def handler(ex) -> Response` functions; `endpoint()` wraps
them. This is deliberately not a BaseHTTPMiddleware: that costs a task and a stream
copy on every request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from ..core.faults import FaultRule
from ..core.journal import JournalEntry, bounded
from ..core.mock import MiniMaxMock
from ..core.params import whole_number
from ..core.validation import BodyError, parse_body

if TYPE_CHECKING:
    from .surfaces import Surface

__all__ = ["MAX_HOST_CHARS", "ASGIApp", "Exchange", "Handler", "Problem", "dump_json", "endpoint"]

#: The longest `Host` put into the URLs the mock hands out: a DNS name (253) and a port.
MAX_HOST_CHARS = 260

log = logging.getLogger("mockminimax")

_JOURNAL_TEXT_LIMIT = 512


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


def dump_json(body: Any, newline: bool = False) -> bytes:
    # allow_nan=False: an answer is strict JSON or it is a bug, never a bare NaN.
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode() if newline else text.encode()


class Exchange:
    """The request being answered, with what the journal will say about it."""

    __slots__ = (
        "_body",
        "_body_error",
        "_json",
        "entry",
        "fault",
        "mock",
        "request",
        "route",
        "surface",
        "tags",
    )

    def __init__(self, request: Request, mock: MiniMaxMock, surface: Surface, route: str) -> None:
        self.request = request
        self.mock = mock
        self.surface = surface
        self.route = route
        self._body: bytes | None = None
        self._body_error: Problem | None = None
        self._json: Any = None
        #: The fault rule that fired on this request, if one did.
        self.fault: FaultRule | None = None
        self.tags: dict[str, Any] = {}
        scope = request.scope
        self.entry = JournalEntry(
            seq=0,
            time=mock.now(),
            method=scope["method"],
            path=scope["path"],
            raw_query=scope.get("query_string", b""),
            surface=surface.name,
            route=route,
            raw_headers=scope["headers"],
            request_body=None,
        )

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
        scope = self.request.scope
        for key, value in scope["headers"]:
            if key == b"host" and 0 < len(value) <= MAX_HOST_CHARS:
                return f"{scope['scheme']}://{value.decode('latin-1')}"
        host, port = scope.get("server") or ("127.0.0.1", 80)
        return f"{scope['scheme']}://{host}:{port}"

    def param(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    async def body(self) -> bytes:
        # A refusal is kept: the stream cannot be read twice, and the body is read by
        # the handler's checks and again by the fault decision.
        if self._body_error is not None:
            raise self._body_error
        if self._body is None:
            try:
                self._body = await self._read_body()
            except Problem as exc:
                self._body_error = exc
                raise
        return self._body

    async def _read_body(self) -> bytes:
        limit = self.mock.settings.max_body_bytes
        declared = self.request.headers.get("content-length")
        if declared is not None and whole_number(declared, limit) is None:
            if whole_number(declared, 10**30) is None:
                shown = declared if len(declared) <= 24 else declared[:21] + "..."
                raise Problem(
                    "invalid", f"Content-Length {shown!r} is not a size", field="Content-Length"
                )
            raise Problem("too_large", f"request body is {declared} bytes; the limit is {limit}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.request.stream():
            size += len(chunk)
            if size > limit:
                raise Problem("too_large", f"request body exceeds the limit of {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def json_object(self, *, require_content_type: bool) -> dict[str, Any]:
        raw = await self.body()
        if require_content_type:
            ctype = self.request.headers.get("content-type", "")
            if ctype.split(";")[0].strip().lower() != "application/json":
                self.entry.request_body = bounded(
                    raw[:_JOURNAL_TEXT_LIMIT].decode("utf-8", "replace")
                )
                raise Problem(
                    "content_type",
                    f"Content-Type must be application/json, got {(ctype or 'none')[:100]!r}",
                    field="Content-Type",
                )
        try:
            data = parse_body(raw)
        except BodyError as exc:
            self.entry.request_body = raw[:_JOURNAL_TEXT_LIMIT].decode("utf-8", "replace")
            raise Problem("json", str(exc)) from None
        self.entry.request_body = bounded(data)
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
        self.entry.response_body = body
        return Response(
            dump_json(body, newline),
            status,
            headers=headers,
            media_type="application/json; charset=utf-8",
        )

    def reject(self, reason: str) -> None:
        if self.entry.rejected is None:
            self.entry.rejected = reason

    def finish(self, response: Response) -> None:
        """Journal the exchange; the control API's own traffic is not journaled."""
        if self.surface.name == "control":
            return
        entry = self.entry
        entry.status = response.status_code
        if entry.response_body is None and response.status_code >= 400:
            text = bytes(response.body[: 4 * _JOURNAL_TEXT_LIMIT]).decode("utf-8", "replace")
            entry.response_body = bounded(text)
        self.mock.journal.append(entry)


Handler = Callable[[Exchange], Awaitable[Response]]


def endpoint(
    surface: Surface, route: str, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint around `handler` that never lets an error out unshaped.

    Fault rules are decided by the handlers (`faults.fault_point`), once a request has
    passed their auth and body checks: a request the mock refuses touches no rule. A rule
    that breaks an answer already made is applied here, after the handler.
    """
    from .cors import add_headers
    from .faults import after_handler
    from .guard import check_control

    control = surface.name == "control"

    async def run(request: Request) -> Response:
        ex = Exchange(request, request.app.state.mock, surface, route)
        try:
            if control:
                check_control(ex)
            response = await handler(ex)
        except Exception as exc:  # every failure still answers in the surface's shape
            if not isinstance(exc, Problem) and not surface.expected(exc):
                log.exception("internal error answering %s %s", request.method, request.url.path)
                exc = Problem("internal", f"{type(exc).__name__}: {exc}")
            response = surface.error(exc, ex)
        surface.finish(response, ex)
        add_headers(response, ex)
        if ex.fault is not None:
            response = after_handler(ex, response)
        ex.finish(response)
        return response

    run.__name__ = f"{surface.name}_{route}"
    return run
