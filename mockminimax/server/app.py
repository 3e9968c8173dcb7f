"""The Starlette app: every route from the route list, over one `MiniMaxMock`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.mock import MiniMaxMock
from ..core.settings import Settings
from .exchange import Exchange, Problem
from .routes import ROUTES
from .surfaces import surface_for_path

__all__ = ["create_app"]


async def _unrouted(request: Request, exc: Exception) -> Response:
    """404, 405 and anything that escaped a handler, in the shape of the path's surface."""
    surface = surface_for_path(request.url.path)
    ex = Exchange(request, request.app.state.mock, surface, "unknown")
    if isinstance(exc, HTTPException) and exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        problem = Problem("method", "method not allowed", allow=allow)
    elif isinstance(exc, HTTPException) and exc.status_code == 404:
        problem = Problem("route", "not found")
    else:
        problem = Problem("internal", f"{type(exc).__name__}: {exc}")
    response = surface.error(problem, ex)
    surface.finish(response, ex)
    ex.finish(response)
    return response


def create_app(mock: MiniMaxMock | None = None, settings: Settings | None = None) -> Starlette:
    """The mock as an ASGI app; pass a `MiniMaxMock` to share it with tests or fixtures."""
    from .exchange import endpoint

    mock = mock or MiniMaxMock(settings)
    routes = [
        Route(
            spec.path, endpoint(spec.surface, spec.name, spec.handler), methods=list(spec.methods)
        )
        for spec in ROUTES
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: _unrouted, 405: _unrouted, 500: _unrouted, Exception: _unrouted},
    )
    app.state.mock = mock
    return app
