"""CORS on the API surfaces, so browser clients can call the mock as they call MiniMax.

Everything comes from the route list: a path's preflight allows the methods its routes
declare and the request headers they read (`RouteSpec.headers`, plus `Authorization`, and
`Content-Type` where a body is sent), so a route added to `routes.ROUTES` is covered with
no change here. A surface opts out with `Surface.cors = False`: the control API (it must
stay unreachable from web pages) and the download host (the real CDN sends no CORS
headers, minimax-video-api.md §4.5).

What the real API was seen sending (§10.5): `Access-Control-Allow-Origin: *` for every
origin, `Access-Control-Expose-Headers: *`, and a preflight body of
`{"status_code":0,"status_msg":"success"}`. One-Hub's CORS middleware allows every
request header (onehub-proxy.md §7), so the gateway's preflight also allows the headers
the browser asks for.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response

from .exchange import Exchange, Problem, dump_json
from .surfaces import Surface

__all__ = ["BODY_METHODS", "add_headers", "allowed_headers", "preflight_endpoint"]

#: Methods whose requests carry a body, and so a Content-Type the preflight must allow.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: Request headers MiniMax's own preflight was seen allowing beyond a route's own.
_OFFICIAL_EXTRA = ("Trace-Id", "X-Group-Id", "MM-API-Source")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
_MAX_ECHOED = 32


def allowed_headers(methods: Sequence[str], headers: Sequence[str]) -> tuple[str, ...]:
    """The request headers a route reads: Authorization, Content-Type on a body, its own."""
    names = ["Authorization"]
    if BODY_METHODS.intersection(methods):
        names.append("Content-Type")
    names.extend(headers)
    return tuple(dict.fromkeys(names))


def _requested(request: Request) -> list[str]:
    """The headers a browser's preflight asks for, as far as they are header names."""
    raw = request.headers.get("access-control-request-headers", "")
    names = [n.strip() for n in raw.split(",")[:_MAX_ECHOED]]
    return [n for n in names if _TOKEN.match(n)]


def add_headers(response: Response, ex: Exchange) -> None:
    """The CORS headers of an API answer (none on surfaces that opt out, or when off)."""
    if not ex.surface.cors or not ex.settings.cors:
        return
    response.headers["Access-Control-Allow-Origin"] = "*"
    if ex.surface.name == "official":
        response.headers["Access-Control-Expose-Headers"] = "*"


def _preflight(
    ex: Exchange, methods: Sequence[str], headers: Sequence[str], allow: str
) -> Response:
    if not ex.settings.cors:
        raise Problem("method", "method not allowed", allow=allow)
    names = list(headers)
    if ex.surface.name == "official":
        names.extend(_OFFICIAL_EXTRA)
        body = {"status_code": 0, "status_msg": "success"}
        response = Response(dump_json(body), 200, media_type="application/json; charset=utf-8")
        ex.entry.response_body = body
    else:
        names.extend(_requested(ex.request))
        response = Response(b"", 200)
    response.headers["Access-Control-Allow-Methods"] = ",".join((*methods, "OPTIONS"))
    response.headers["Access-Control-Allow-Headers"] = ",".join(dict.fromkeys(names))
    return response


def preflight_endpoint(
    surface: Surface, route: str, methods: Sequence[str], headers: Sequence[str]
) -> Callable[[Request], Awaitable[Response]]:
    """The OPTIONS answer of one path: never authenticated, faulted or rate-limited, as a
    browser sends preflights on its own; journaled like any request."""
    allow = ", ".join(methods)

    async def run(request: Request) -> Response:
        ex = Exchange(request, request.app.state.mock, surface, route)
        try:
            response = _preflight(ex, methods, headers, allow)
        except Problem as exc:
            response = surface.error(exc, ex)
        surface.finish(response, ex)
        add_headers(response, ex)
        ex.finish(response)
        return response

    run.__name__ = f"{surface.name}_{route}_preflight"
    return run
