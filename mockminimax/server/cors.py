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
from collections.abc import Sequence

from starlette.responses import Response
from starlette.types import Receive, Scope

from .exchange import Endpoint, Exchange, Problem, add_header, dump_json, json_response
from .surfaces import Surface

__all__ = ["BODY_METHODS", "add_headers", "allowed_headers", "headers_of", "preflight_endpoint"]

#: Methods whose requests carry a body, and so a Content-Type the preflight must allow.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: Request headers MiniMax's own preflight was seen allowing beyond a route's own.
_OFFICIAL_EXTRA = ("Trace-Id", "X-Group-Id", "MM-API-Source")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
_MAX_ECHOED = 32
_ALLOW_ORIGIN = (b"access-control-allow-origin", b"*")
_EXPOSE = (b"access-control-expose-headers", b"*")


def allowed_headers(methods: Sequence[str], headers: Sequence[str]) -> tuple[str, ...]:
    """The request headers a route reads: Authorization, Content-Type on a body, its own."""
    names = ["Authorization"]
    if BODY_METHODS.intersection(methods):
        names.append("Content-Type")
    names.extend(headers)
    return tuple(dict.fromkeys(names))


def _requested(ex: Exchange) -> list[str]:
    """The headers a browser's preflight asks for, as far as they are header names."""
    raw = ex.header(b"access-control-request-headers") or ""
    names = [n.strip() for n in raw.split(",")[:_MAX_ECHOED]]
    return [n for n in names if _TOKEN.match(n)]


def headers_of(surface: Surface) -> tuple[tuple[bytes, bytes], ...]:
    """The headers `add_headers` adds to `surface`'s answers when the `cors` setting is on
    (for the endpoints to add them without a call)."""
    if not surface.cors:
        return ()
    return (_ALLOW_ORIGIN, _EXPOSE) if surface.name == "official" else (_ALLOW_ORIGIN,)


def add_headers(response: Response, ex: Exchange) -> None:
    """The CORS headers of an API answer (none on surfaces that opt out, or when off)."""
    if not ex.surface.cors or not ex.mock.settings.cors:
        return
    response.raw_headers.append(_ALLOW_ORIGIN)
    if ex.surface.name == "official":
        response.raw_headers.append(_EXPOSE)


def _preflight(
    ex: Exchange, methods: Sequence[str], headers: Sequence[str], allow: str
) -> Response:
    if not ex.settings.cors:
        raise Problem("method", "method not allowed", allow=allow)
    names = list(headers)
    if ex.surface.name == "official":
        names.extend(_OFFICIAL_EXTRA)
        body = {"status_code": 0, "status_msg": "success"}
        response = json_response(dump_json(body))
        ex.entry.response_body = body
    else:
        names.extend(_requested(ex))
        response = Response(b"", 200)
    add_header(response, b"access-control-allow-methods", ",".join((*methods, "OPTIONS")))
    add_header(response, b"access-control-allow-headers", ",".join(dict.fromkeys(names)))
    return response


def preflight_endpoint(
    surface: Surface, route: str, methods: Sequence[str], headers: Sequence[str]
) -> Endpoint:
    """The OPTIONS answer of one path: never authenticated, faulted or rate-limited, as a
    browser sends preflights on its own; journaled like any request."""
    allow = ", ".join(methods)

    async def run(scope: Scope, receive: Receive) -> Response:
        ex = Exchange(scope, receive, scope["app"].mock, surface, route)
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
