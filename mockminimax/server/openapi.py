"""The OpenAPI 3.1 document of every surface, generated from the route list.

Each `RouteSpec` brings its parameters, body, success answers, extra error statuses and
links; each surface brings its error shapes, the headers on all its answers, its own
parameters and security. Served at `GET /_mock/openapi.json`, printed by
`mockminimax openapi`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from .._version import __version__
from .routes import ROUTES, RouteSpec
from .schemas import Answer, Link, Param

__all__ = ["document", "operation_id"]

_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")

_INTRO = """\
A local twin of the MiniMax (Hailuo) video generation API, on five surfaces:

- **official** (`/v1`): MiniMax's own API. Refusals are HTTP 200 with a non-zero
  `base_resp.status_code`; create adds `task_id: ""`. An unknown path answers 404 and a wrong
  method 405 (with `Allow`), both with `base_resp` 2013. Every answer has `Trace-Id`.
- **gateway** (`/minimaxi/v1`): a One-Hub gateway in front of it. Its own refusals are
  401 `{"error": {"message", "type": "one_hub_error"}}`, 400/413
  `{"code": "invalid_request", "message"}` and 404 `{"code", "message"}`; MiniMax's
  `base_resp` refusals pass through with 200. An unknown path or a wrong method answers 404
  `one_hub_error`. Every answer has `X-Oneapi-Request-Id`.
- **v2** (`/v2`): MiniMax's V2 (H3) API. Refusals carry real HTTP statuses with
  `{"type": "error", "error": {"type", "message", "http_code"}, "request_id"}`, also for an
  unknown `/v2` path (404) or method (405 with `Allow`). Every answer has `Trace-Id`, equal
  to `request_id`. (The files API and the Video Agent are on the official surface.)
- **cdn** (`/inference_output/...`): the download host behind `download_url`: signed,
  expiring, `Range` and `HEAD`; Aliyun OSS's XML errors (`<Error><Code>`...), also for an
  unknown path (404 `NoSuchKey`) or method (405 `MethodNotAllowed`).
- **control** (`/_mock`): the mock's own API. Errors are
  `{"error": {"message", "field"}}` with real HTTP codes (404 for an unknown path, 405 with
  `Allow` for a wrong method). Bodies only as `application/json` (415 otherwise); a foreign
  `Origin`, a cross-site fetch or, on a live server, a `Host` that is not this machine get
  403; with a control token set, a request without it gets 401.

Every GET route also answers HEAD (headers only); the official, gateway and v2 paths answer
a browser's CORS preflight (OPTIONS). A fault rule (control API, `--fault`, the
`X-Mock-Fault` header or a `[mock:...]` prompt directive) answers what it asks for instead,
whatever this document says.
"""


def operation_id(spec: RouteSpec, method: str, routes: Iterable[RouteSpec] = ROUTES) -> str:
    """`surface_route`, plus `_2`, `_3` for later routes of the same surface and name (the
    CDN serves several kinds of download), and `_head` (etc.) for every method of a route
    but its first."""
    same = [r for r in routes if (r.surface.name, r.name) == (spec.surface.name, spec.name)]
    nth = next((i for i, r in enumerate(same) if r is spec), 0)
    base = f"{spec.surface.name}_{spec.name}" + (f"_{nth + 1}" if nth else "")
    return base if method == spec.methods[0] else f"{base}_{method.lower()}"


def _param(param: Param) -> dict[str, Any]:
    out: dict[str, Any] = {"name": param.name, "in": param.where}
    if param.description:
        out["description"] = param.description
    if param.required or param.where == "path":
        out["required"] = True
    out["schema"] = param.schema
    return out


def _params(spec: RouteSpec) -> list[dict[str, Any]]:
    declared = {(p.where, p.name.lower()) for p in spec.params}
    params = [
        Param(name, "path", {"type": "string", "minLength": 1}, "")
        for name in _PATH_PARAM.findall(spec.path)
        if ("path", name.lower()) not in declared
    ]
    params += spec.params
    params += [p for p in spec.surface.doc_params if (p.where, p.name.lower()) not in declared]
    return [_param(p) for p in params]


#: What a route that describes no answer of its own is documented to answer.
_UNDESCRIBED = Answer("the answer, a JSON object", {"application/json": {"type": "object"}})


def _answers(spec: RouteSpec) -> dict[int, Answer]:
    answers = dict(spec.answers) or {200: _UNDESCRIBED}
    for status in sorted({*spec.surface.error_statuses(spec), *spec.errors}):
        error = spec.surface.error_answer(status, spec)
        answers[status] = answers[status].merged(error) if status in answers else error
    return dict(sorted(answers.items()))


def _response(
    answer: Answer, spec: RouteSpec, method: str, links: Iterable[Link]
) -> dict[str, Any]:
    out: dict[str, Any] = {"description": answer.description}
    headers = {**spec.surface.doc_headers, **answer.headers}
    if headers:
        out["headers"] = {
            name: {"description": text, "required": True, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    if answer.content and method != "HEAD":
        out["content"] = {media: {"schema": schema} for media, schema in answer.content.items()}
    links = list(links)
    if links:
        out["links"] = {link.name: _link(link) for link in links}
    return out


def _link(link: Link) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": link.target, "parameters": dict(link.parameters)}
    if link.body is not None:
        out["requestBody"] = dict(link.body)
    out["description"] = link.description
    return out


def _operation(spec: RouteSpec, method: str, routes: list[RouteSpec]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": operation_id(spec, method, routes),
        "summary": spec.summary,
        "tags": [spec.surface.name],
    }
    params = _params(spec)
    if params:
        op["parameters"] = params
    if spec.body is not None and method not in ("GET", "HEAD", "DELETE"):
        op["requestBody"] = {
            "description": spec.body.description,
            "required": spec.body.required,
            "content": {spec.body.media_type: {"schema": spec.body.schema}},
        }
    if spec.surface.doc_security:
        op["security"] = [{name: []} for name in spec.surface.doc_security]
        if spec.surface.doc_security_optional:
            op["security"].insert(0, {})
    op["responses"] = {
        str(status): _response(
            answer, spec, method, (lk for lk in spec.links if lk.status == status)
        )
        for status, answer in _answers(spec).items()
    }
    return op


def build(routes: Iterable[RouteSpec]) -> dict[str, Any]:
    """The document for `routes` (the app's own are `document()`)."""
    routes = list(routes)
    paths: dict[str, dict[str, Any]] = {}
    security: dict[str, Any] = {}
    for spec in routes:
        item = paths.setdefault(_PATH_PARAM.sub(r"{\1}", spec.path), {})
        for method in spec.methods:
            item[method.lower()] = _operation(spec, method, routes)
        security.update(spec.surface.doc_security)
    tags = list(dict.fromkeys(spec.surface.name for spec in routes))
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "mockminimax", "version": __version__, "description": _INTRO},
        "tags": [{"name": name} for name in tags],
        "paths": paths,
    }
    if security:
        doc["components"] = {"securitySchemes": security}
    return doc


@cache
def _cached() -> dict[str, Any]:
    return build(ROUTES)


def document() -> dict[str, Any]:
    """The app's OpenAPI 3.1 document (a fresh copy each call: callers may change it)."""
    import copy

    return copy.deepcopy(_cached())
