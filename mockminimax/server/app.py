"""The Starlette app: every route from the route list, over one `MiniMaxMock`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.faults import ConnectionFault
from ..core.mock import MiniMaxMock
from ..core.settings import Settings
from .cors import add_headers, allowed_headers, preflight_endpoint
from .exchange import Exchange, Problem
from .guard import check_control
from .routes import ROUTES
from .surfaces import CONTROL, ControlError, surface_for_path

__all__ = ["create_app"]

Endpoint = Callable[[Request], Awaitable[Response]]


async def _unrouted(request: Request, exc: Exception) -> Response:
    """404, 405 and anything that escaped a handler, in the shape of the path's surface.

    A `ConnectionFault` is no error to answer: it leaves the app for the in-process
    transport to turn into the client's connection error.
    """
    if isinstance(exc, ConnectionFault):
        raise exc
    surface = surface_for_path(request.url.path)
    ex = Exchange(request, request.app.state.mock, surface, "unknown")
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


def _routes() -> list[Route]:
    """One Starlette route per path, so a 405's Allow lists every method the path serves."""
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
    routes = []
    for path, table in by_path.items():
        if len(set(table.values())) == 1:
            routes.append(Route(path, next(iter(table.values())), methods=list(table)))
            continue

        async def dispatch(request: Request, table: dict[str, Endpoint] = table) -> Response:
            return await (table.get(request.method) or table["GET"])(request)

        routes.append(Route(path, dispatch, methods=list(table)))
    return routes


def create_app(mock: MiniMaxMock | None = None, settings: Settings | None = None) -> Starlette:
    """The mock as an ASGI app; pass a `MiniMaxMock` to share it with tests or fixtures."""
    mock = mock or MiniMaxMock(settings)
    app = Starlette(
        routes=_routes(),
        exception_handlers={404: _unrouted, 405: _unrouted, 500: _unrouted, Exception: _unrouted},
    )
    # A trailing slash is an unknown path like any other: the surface's own 404, never a
    # redirect (whose Location would echo the request's Host).
    app.router.redirect_slashes = False
    app.state.mock = mock
    return app
