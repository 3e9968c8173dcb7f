"""The Starlette app: every route from the route list, over one `MiniMaxMock`.

A request to a fixed path (no `{param}`) with a method the path serves goes straight to
its endpoint: Starlette's middleware and router would only find that same endpoint, and
they cost more than the mock's own work on its busiest routes. Everything else (path
parameters, HEAD on a GET route, a wrong method, an unknown path, a crash) takes
Starlette's way, so 404s, 405s and 500s keep their shapes.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..core.faults import ConnectionFault
from ..core.mock import MiniMaxMock
from ..core.settings import Settings
from .cors import add_headers, allowed_headers, preflight_endpoint
from .exchange import Endpoint, Exchange, Problem, WholeBody
from .faults import DIRECTIVE_BYTES, HEADER_KEY
from .guard import check_control
from .routes import ROUTES
from .surfaces import CONTROL, ControlError, surface_for_path

__all__ = ["MockApp", "create_app"]


async def _unrouted(request: Request, exc: Exception) -> Response:
    """404, 405 and anything that escaped a handler, in the shape of the path's surface.

    A `ConnectionFault` is no error to answer: it leaves the app for the in-process
    transport to turn into the client's connection error.
    """
    if isinstance(exc, ConnectionFault):
        raise exc
    surface = surface_for_path(request.url.path)
    ex = Exchange(request.scope, request.receive, request.app.mock, surface, "unknown", request)
    if surface is CONTROL and isinstance(exc, HTTPException):
        try:  # an unknown control path tells a caller without the token nothing either
            check_control(ex)
        except ControlError as refused:
            return surface.error(refused, ex)
    if isinstance(exc, HTTPException) and exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        # Allow names the API's own methods; OPTIONS is the browsers' preflight (cors.py).
        allow = ", ".join(m for m in allow.split(", ") if m != "OPTIONS")
        problem = Problem("method", "method not allowed", allow=allow)
    elif isinstance(exc, HTTPException) and exc.status_code == 404:
        problem = Problem("route", "not found")
    else:
        problem = Problem("internal", f"{type(exc).__name__}: {exc}")
    response = surface.error(problem, ex)
    surface.finish(response, ex)
    add_headers(response, ex)
    ex.finish(response)
    return response


class _Asgi:
    """An endpoint Starlette's router runs as the ASGI app it is (a plain function would
    be wrapped in a Request/Response adapter)."""

    __slots__ = ("call",)

    def __init__(self, call: Endpoint) -> None:
        self.call = call

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.call(scope, receive)
        await response(scope, receive, send)


def _tables() -> dict[str, dict[str, Endpoint]]:
    """Each path's endpoint per method, preflights included."""
    from .exchange import endpoint

    by_path: dict[str, dict[str, Endpoint]] = {}
    for spec in ROUTES:
        handler = endpoint(spec.surface, spec.name, spec.handler)
        by_path.setdefault(spec.path, {}).update(dict.fromkeys(spec.methods, handler))
    for path, table in by_path.items():
        # A browser preflight per API path, from every route on it (the `cors` setting
        # decides per request whether it is answered).
        specs = [s for s in ROUTES if s.path == path and s.surface.cors]
        if specs:
            methods = tuple(dict.fromkeys(m for s in specs for m in s.methods))
            headers = allowed_headers(methods, [h for s in specs for h in s.headers])
            table["OPTIONS"] = preflight_endpoint(specs[0].surface, specs[0].name, methods, headers)
    return by_path


def _routes(tables: dict[str, dict[str, Endpoint]]) -> list[Route]:
    """One Starlette route per path, so a 405's Allow lists every method the path serves."""
    routes = []
    for path, table in tables.items():
        if len(set(table.values())) == 1:
            routes.append(Route(path, _Asgi(next(iter(table.values()))), methods=list(table)))
            continue

        async def dispatch(
            scope: Scope, receive: Receive, table: dict[str, Endpoint] = table
        ) -> Response:
            return await (table.get(scope["method"]) or table["GET"])(scope, receive)

        routes.append(Route(path, _Asgi(dispatch), methods=list(table)))
    return routes


#: The routes whose handlers wait for nothing but the request body and the fault point:
#: with the body in and no fault rule that could fire, they answer without suspending, so
#: the in-process transports may run them without an event loop (`inprocess.run_now`).
_AT_ONCE = frozenset(
    (surface, route)
    for surface in ("official", "gateway")
    for route in ("create", "query", "retrieve")
)
#: The request headers `head_at_once` looks into (besides forwarding ones): the fault
#: header, and the framing ones.
_HEAD_WATCHED = frozenset((HEADER_KEY, b"transfer-encoding", b"content-length"))
_crash_log = logging.getLogger("uvicorn.error")


class MockApp(Starlette):
    """Starlette, with the fixed paths' endpoints called directly (see the module doc)."""

    #: The mock the app serves (`create_app` sets it, and `state.mock` too).
    mock: MiniMaxMock

    def __init__(self, tables: dict[str, dict[str, Endpoint]], **kwargs: object) -> None:
        super().__init__(routes=_routes(tables), **kwargs)  # type: ignore[arg-type]
        self.direct = {path: table for path, table in tables.items() if "{" not in path}
        self.at_once = frozenset(
            (spec.path, method)
            for spec in ROUTES
            if (spec.surface.name, spec.name) in _AT_ONCE and "{" not in spec.path
            for method in spec.methods
        )

    def answers_at_once(self, scope: Scope, body: bytes) -> bool:
        """Whether this request, body in, will be answered without waiting on anything: a
        route of `_AT_ONCE`, and no fault rule, header or directive that could delay it."""
        return self.head_at_once(scope["path"], scope["method"], scope["headers"]) and (
            self.body_at_once(body)
        )

    def head_at_once(
        self,
        path: str,
        method: str,
        headers: list[tuple[bytes, bytes]],
        proxied: bool = False,
        body_limit: int | None = None,
    ) -> bool:
        """The part of `answers_at_once` a request head decides. For the live server's
        protocol (`direct.py`), also: `proxied`, a forwarding header needs uvicorn's
        proxy-headers layer; `body_limit`, the body must be declared and no larger."""
        if (path, method) not in self.at_once:
            return False
        for name, value in headers:
            if name in _HEAD_WATCHED:  # one set lookup for the common header
                if name == HEADER_KEY:
                    return False
                if body_limit is not None and (
                    name == b"transfer-encoding"
                    or not (value.isdigit() and len(value) < 10 and int(value) <= body_limit)
                ):
                    return False
            elif proxied and name.startswith(b"x-forwarded-"):
                return False
        return True

    def body_at_once(self, body: bytes) -> bool:
        """The part of `answers_at_once` the body and the fault rules decide."""
        if len(self.mock.faults):
            return False
        return not body or DIRECTIVE_BYTES.search(body) is None

    async def respond(self, scope: Scope, body: bytes) -> Response:
        """The answer to a request on a fixed path, `body` in: what `__call__` sends, for
        the live server's protocol to write itself (`direct.py`), which has checked that
        `body` is all the request's Content-Length declared. An error that escapes is
        logged as uvicorn logs it and answered as `__call__` answers it."""
        receive = WholeBody(body)
        scope["app"] = self
        try:
            return await self.direct[scope["path"]][scope["method"]](scope, receive)
        except Exception as exc:
            _crash_log.error("Exception in ASGI application\n", exc_info=exc)
            return await _unrouted(Request(scope, receive), exc)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            table = self.direct.get(scope["path"])
            if table is not None:
                call = table.get(scope["method"])
                if call is not None:
                    scope["app"] = self
                    try:
                        response = await call(scope, receive)
                    except Exception as exc:  # as Starlette's ServerErrorMiddleware does
                        response = await _unrouted(Request(scope, receive), exc)
                        await response(scope, receive, send)
                        raise
                    # The live server's cycle writes a plain answer without ASGI messages.
                    whole = getattr(getattr(send, "__self__", None), "answer_whole", None)
                    if whole is not None and type(response) is Response and not response.background:
                        await whole(response.status_code, response.raw_headers, response.body)
                    else:
                        await response(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)


def create_app(mock: MiniMaxMock | None = None, settings: Settings | None = None) -> MockApp:
    """The mock as an ASGI app; pass a `MiniMaxMock` to share it with tests or fixtures."""
    mock = mock or MiniMaxMock(settings)
    app = MockApp(
        _tables(),
        exception_handlers={404: _unrouted, 405: _unrouted, 500: _unrouted, Exception: _unrouted},
    )
    # A trailing slash is an unknown path like any other: the surface's own 404, never a
    # redirect (whose Location would echo the request's Host).
    app.router.redirect_slashes = False
    # A plain attribute for the request path (Starlette's `State` lookup costs more);
    # `app.state.mock` stays for anyone reading it there.
    app.mock = app.state.mock = mock
    return app
