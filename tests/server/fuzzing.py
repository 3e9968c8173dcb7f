"""What the fuzz tests share: how many examples to run, what they count, and the check that
every answer has its surface's own shape.

`MOCKMINIMAX_FUZZ_EXAMPLES` scales every fuzz test (default 1: the bounded run of
`make test`; `make fuzz` sets 20). The counts are printed at the end of the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections import Counter
from typing import Any
from xml.etree import ElementTree

import schemathesis
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator
from schemathesis import Case
from schemathesis.core.failures import Failure
from schemathesis.core.parameters import ParameterLocation

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.routes import ROUTES
from mockminimax.server.surfaces import surface_for_path

SCALE = max(1, int(os.environ.get("MOCKMINIMAX_FUZZ_EXAMPLES", "1")))

#: What ran, by kind ("schemathesis", "stateful", "raw", ...) and by (kind, status).
COUNTS: Counter[str] = Counter()
STATUSES: Counter[tuple[str, int]] = Counter()
#: How many answers a check with a precondition actually judged.
JUDGED: Counter[str] = Counter()


def fuzz_settings(examples: int, **extra: Any) -> settings:
    """Hypothesis settings: `examples` times the scale, no deadline (2 shared cores), no
    example database (a run must not depend on an earlier one)."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=None,
        derandomize=SCALE == 1,  # the bounded run is the same every time
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        **extra,
    )


def record(kind: str, status: int) -> None:
    COUNTS[kind] += 1
    STATUSES[(kind, status)] += 1


def fuzz_mock() -> MiniMaxMock:
    """A mock whose tasks finish at once, so create -> query -> retrieve -> download links."""
    return MiniMaxMock(clock="virtual", timing="instant", seed=5)


class FuzzFailure(Failure):
    """An answer outside its surface's shape."""


def _fail(title: str, message: str) -> FuzzFailure:
    return FuzzFailure(operation=None, title=title, message=message)


def strict_json(text: str | bytes) -> Any:
    """JSON as a strict parser reads it: NaN and Infinity are no JSON."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


#: Paths that may answer any bytes (an upload, as uploaded): the routes that document `*/*`.
_BYTES_PATHS = [
    spec.path for spec in ROUTES if any("*/*" in a.content for a in spec.answers.values())
]
#: Paths that may answer an MP4: the routes that document one.
_VIDEO_PATHS = [
    spec.path
    for spec in ROUTES
    if any("video/mp4" in answer.content for answer in spec.answers.values())
]


def surface_of(path: str) -> str:
    """The surface a path belongs to, as the app decides it (even for unknown paths)."""
    return surface_for_path(path).name


def shape_problem(
    method: str, path: str, status: int, headers: Any, body: bytes, *, fault: bool = False
) -> str | None:
    """Why this answer is outside its surface's shape, or None if it is in it.

    - never a 5xx or a redirect (`fault`: a fault rule that fired asked for its status);
    - the video routes answer an MP4 (200, 206) or an empty 416, else the surface's error;
    - JSON surfaces answer strict JSON objects (official: with an integer base_resp code);
    - the CDN answers OSS's XML `<Error>` with Code, Message, RequestId and HostId.
    """
    if status >= 500 and not fault:
        return f"HTTP {status} of the mock's own"
    if status in (301, 302, 303, 307, 308) and not fault:
        return f"a redirect ({status}) to {headers.get('location')!r}"
    if method == "OPTIONS" and 200 <= status < 300 and not body:
        return None  # a CORS preflight answered with headers alone
    ctype = (headers.get("content-type") or "").split(";")[0].strip().lower()
    surface = surface_of(path)
    head = method == "HEAD"
    if (
        status in (200, 206, 416)
        and ctype != "application/json"  # (no upload is JSON: MiniMax's own answers are)
        and any(_template_match(p, path) for p in _BYTES_PATHS)
    ):
        return None  # an upload's own bytes, whatever they are
    if ctype == "video/mp4":
        if not any(p == path or _template_match(p, path) for p in _VIDEO_PATHS):
            return f"video/mp4 from {path}, which is no video route"
        if status == 416:
            return None if not body else "a 416 with a body"
        if status not in (200, 206):
            return f"video/mp4 with HTTP {status}"
        if head:
            return None if not body else "a HEAD answer with a body"
        if status == 200 and body[4:8] != b"ftyp":
            return "a 200 video that is no MP4 (no ftyp box)"
        rng = headers.get("content-range", "")
        if status == 206:
            m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", rng)
            if not m or int(m[2]) - int(m[1]) + 1 != len(body):
                return f"a 206 of {len(body)} bytes with Content-Range {rng!r}"
        return None
    if surface == "cdn":
        if ctype != "application/xml":
            return f"the CDN answered {ctype!r}"
        if head:
            return None
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError as exc:
            return f"CDN XML that does not parse: {exc}"
        tags = [child.tag for child in root]
        if root.tag != "Error" or tags != ["Code", "Message", "RequestId", "HostId"]:
            return f"CDN XML <{root.tag}> with {tags}"
        return None
    if ctype != "application/json":
        return f"the {surface} surface answered {ctype!r}"
    if head:
        return None
    try:
        data = strict_json(body)
    except ValueError as exc:
        return f"a body that is no strict JSON: {exc}"
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    if surface == "official" and not (method == "OPTIONS" and status == 200):
        # (MiniMax answers a CORS preflight with a bare {"status_code": 0, ...}.)
        code = (data.get("base_resp") or {}).get("status_code")
        if not isinstance(code, int) or isinstance(code, bool):
            return f"an official answer without an integer base_resp.status_code: {data}"
    if surface == "control" and status >= 400:
        error = data.get("error")
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            return f"a control error without error.message: {data}"
    if (
        surface == "gateway"
        and status >= 400
        and not (isinstance(data.get("error"), dict) or isinstance(data.get("code"), str))
    ):
        return f"a gateway refusal in neither of its shapes: {data}"
    return None


def _template_match(template: str, path: str) -> bool:
    pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path) is not None


def surface_shape(ctx: Any, response: schemathesis.Response, case: Case) -> bool | None:
    """The schemathesis check: `shape_problem` over the answer a case got."""
    problem = shape_problem(
        case.method.upper(),
        case.formatted_path,
        response.status_code,
        {k.lower(): v[0] for k, v in response.headers.items()},
        response.content or b"",
    )
    if problem is not None:
        raise _fail("Answer outside its surface's shape", problem)
    return None


def official_refuses_bad_input(
    ctx: Any, response: schemathesis.Response, case: Case
) -> bool | None:
    """What the official surface does with schema-violating input: a non-zero base_resp.

    It answers HTTP 200 as the real API does, so the generic `negative_data_rejection`
    check (which wants a 4xx) does not apply; this is its official-surface form.
    """
    if surface_of(case.formatted_path) != "official" or not case.meta:
        return None
    # Headers are not the surface's to refuse (an unknown one is ignored; auth has its own
    # answers): only a schema-violating body, query or path must be refused.
    where = (ParameterLocation.BODY, ParameterLocation.QUERY, ParameterLocation.PATH)
    if not any(case.meta.is_negative_at(loc) for loc in where) or response.status_code != 200:
        return None
    if (
        case.meta.is_negative_at(ParameterLocation.QUERY)
        and not any(case.meta.is_negative_at(loc) for loc in where[::2])
        and not _query_refusable(case)
    ):
        return None  # only unknown parameters, which MiniMax ignores, made it negative
    if case.method.upper() == "HEAD":
        return None
    JUDGED["official answers to schema-violating input"] += 1
    if "application/json" not in (response.headers.get("content-type") or [""])[0]:
        raise _fail("Bad input served", f"{case.method} {case.formatted_path} got a file")
    code = strict_json(response.content)["base_resp"]["status_code"]
    if code == 0:
        raise _fail("Bad input accepted", f"base_resp 0 for schema-violating input: {case!r}")
    return None


def refuses_bad_input(ctx: Any, response: schemathesis.Response, case: Case) -> bool | None:
    """Schema-violating input gets a 4xx, on the surfaces that answer with real statuses.

    Schemathesis' own `negative_data_rejection` also counts unknown query parameters as
    violating (the APIs ignore them, as HTTP APIs do); this judges only what the server
    reads: the body, the path, and the declared query parameters.
    """
    if surface_of(case.formatted_path) in ("official", "gateway") or not case.meta:
        return None
    body_or_path = (ParameterLocation.BODY, ParameterLocation.PATH)
    negative = any(case.meta.is_negative_at(loc) for loc in body_or_path) or (
        case.meta.is_negative_at(ParameterLocation.QUERY) and _query_refusable(case)
    )
    if not negative or case.method.upper() == "HEAD":
        return None
    JUDGED["refusals of schema-violating input (real statuses)"] += 1
    if not 400 <= response.status_code < 500:
        raise _fail(
            "Bad input accepted",
            f"HTTP {response.status_code} for schema-violating input: {case!r:.2000}",
        )
    return None


def _query_refusable(case: Case) -> bool:
    """Whether the query the server reads is outside the document: a required parameter
    missing or a declared one whose text breaks its schema. (Schemathesis also counts
    unknown parameters, and a number where the text of one is wanted, as negative; on the
    wire they are the same text.) A repeated or nested value counts as refusable."""
    query = case.query or {}
    for param in case.operation.definition.raw.get("parameters", []):
        if param["in"] != "query":
            continue
        value = query.get(param["name"])
        if value is None:
            if param.get("required"):
                return True
            continue
        if isinstance(value, (list, dict)):
            return True
        text = json.dumps(value) if isinstance(value, bool) else str(value)
        read: Any = text
        if param["schema"].get("type") != "string":  # a number or boolean, as the text has it
            with contextlib.suppress(ValueError):
                read = json.loads(text)
        if not Draft202012Validator(param["schema"]).is_valid(read):
            return True
    return False


def drop_fault_header(case: Case) -> None:
    """No generated `X-Mock-Fault`: a valid rule would fire and answer what it asks for (a
    delay, a 503), and a schema-valid string is mostly no rule at all. `test_fuzz_raw`
    sends it, valid and not, on every route."""
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "x-mock-fault":
            del headers[name]


def with_key(case: Case) -> dict[str, str] | None:
    """A key for cases that carry none, so most calls get past auth to what lies behind."""
    if any(k.lower() == "authorization" for k in case.headers or {}):
        return None
    return {"Authorization": "Bearer fuzz-key"}


def summary() -> list[str]:
    if not COUNTS:
        return []
    lines = [f"fuzz (MOCKMINIMAX_FUZZ_EXAMPLES={SCALE}): " + ", ".join(
        f"{n} {kind}" for kind, n in sorted(COUNTS.items())
    ) + f"; {sum(COUNTS.values())} requests in all"]  # fmt: skip
    lines += [f"  checked: {n} {what}" for what, n in sorted(JUDGED.items())]
    for kind in sorted(COUNTS):
        by_status = sorted((s, n) for (k, s), n in STATUSES.items() if k == kind)
        lines.append(f"  {kind} by status: " + ", ".join(f"{s}: {n}" for s, n in by_status))
    return lines
