"""The control API under `/_mock/`: what a CI job uses to script the mock over HTTP."""

from __future__ import annotations

import math
from typing import Any

import anyio
from starlette.responses import Response

from .._version import __version__
from ..core.callbacks import OUTCOMES
from ..core.clock import MAX_CLOCK, VirtualClock
from ..core.faults import KEYS, FaultRuleError
from ..core.params import whole_number
from ..core.strict_json import BodyError, loads
from ..core.tasks import Status, Task
from .exchange import Exchange
from .schemas import Answer, Body, Param, Schema, array, integer, nullable, number, obj, string
from .surfaces import JSON, ControlError

#: The largest `?limit=` the journal takes (more than any journal holds).
MAX_LIMIT = 10**9

__all__ = [
    "CALLBACKS",
    "CALLBACK_PARAMS",
    "TASK_CALLBACK_PARAMS",
    "add_fault",
    "advance",
    "callbacks",
    "clear_faults",
    "clock",
    "delete_fault",
    "faults",
    "force_task",
    "health",
    "journal",
    "ok",
    "openapi",
    "reset",
    "said",
    "task",
    "task_callbacks",
    "tasks",
]

#: The longest `?wait=` a callbacks listing takes, in seconds.
MAX_WAIT = 60.0


async def _body(ex: Exchange) -> dict[str, Any]:
    if not await ex.body():
        return {}
    return await ex.json_object(require_content_type=False)


def _task(ex: Exchange) -> Task:
    ref = ex.request.path_params["task_id"]
    found = ex.mock.find_task(ref, v2=None)
    if found is None:
        shown = ref if len(ref) <= 64 else f"{ref[:64]}... ({len(ref)} chars)"
        raise ControlError(
            404, f"no task {shown!r} (give a task_id, platform_id or ULID)", "task_id"
        )
    return found


async def health(ex: Exchange) -> Response:
    mock = ex.mock
    return ex.json(
        {
            "status": "ok",
            "version": __version__,
            "seed": mock.ids.seed,
            "clock": mock.settings.clock,
            "now": mock.now(),
            "timing": mock.timing.name,
            "tasks": len(mock.store),
            "files": {"count": len(mock.files), "bytes": mock.files.total_bytes},
            "journal": len(mock.journal),
        }
    )


async def reset(ex: Exchange) -> Response:
    ex.mock.reset()
    return ex.json({"status": "reset"})


async def journal(ex: Exchange) -> Response:
    entries = [e.to_json() for e in ex.mock.journal]
    for name in ("surface", "route", "method"):
        wanted = ex.param(name)
        if wanted:
            entries = [e for e in entries if e[name] == wanted]
    text = ex.param("limit")
    if text is not None:
        limit = whole_number(text, MAX_LIMIT)
        if limit is None:
            raise ControlError(400, f"limit must be a whole number 0..{MAX_LIMIT}", "limit")
        entries = entries[-limit:] if limit else []
    j = ex.mock.journal
    return ex.json({"entries": entries, "limit": j.limit, "dropped": j.dropped})


async def clear_journal(ex: Exchange) -> Response:
    ex.mock.journal.clear()
    return ex.json({"status": "cleared"})


async def tasks(ex: Exchange) -> Response:
    return ex.json({"tasks": [ex.mock.task_json(t) for t in ex.mock.store]})


async def task(ex: Exchange) -> Response:
    return ex.json(ex.mock.task_json(_task(ex)))


async def force_task(ex: Exchange) -> Response:
    found = _task(ex)
    body = await _body(ex)
    if "status" not in body:
        raise ControlError(
            400,
            "status is required: one of Preparing, Queueing, Processing, "
            "Success, Fail (for V2 tasks also queued, running, succeeded, failed, "
            "cancelled), or null to let the clock drive the task again",
            "status",
        )
    if isinstance(body["status"], str) and body["status"].strip().lower() == "cancelled":
        if found.surface != "v2":
            raise ControlError(400, "only V2 tasks can be cancelled", "status")
        ex.mock.v2.cancel(found)
        return ex.json(ex.mock.task_json(found))
    status = None
    if body["status"] is not None:
        if not isinstance(body["status"], str):
            raise ControlError(400, "status must be a string or null", "status")
        try:
            status = Status.parse(body["status"])
        except ValueError as exc:
            raise ControlError(400, str(exc), "status") from None
    code = body.get("code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int) or code <= 0):
        raise ControlError(400, "code must be a positive integer such as 1026 or 1027", "code")
    if code is not None and status is not Status.FAIL:
        raise ControlError(400, "code goes with status Fail", "code")
    ex.mock.force(found, status, code)
    return ex.json(ex.mock.task_json(found))


async def _deliveries(ex: Exchange, task_id: str | None) -> Response:
    """Deliveries, optionally after waiting (`?wait=SECONDS`) until none is in flight."""
    engine = ex.mock.callbacks
    wait = ex.param("wait")
    idle = engine.busy == 0
    if wait is not None:
        try:  # ASCII only: float() reads "٣" as 3 and "1_0" as 10
            seconds = float(wait) if wait.isascii() and "_" not in wait else -1.0
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= MAX_WAIT:
            raise ControlError(400, f"wait must be a number of seconds, 0..{MAX_WAIT:g}", "wait")
        idle = await anyio.to_thread.run_sync(engine.wait_idle, seconds)
    found = [d.to_json() for d in engine.deliveries(task_id)]
    for name in ("kind", "outcome"):
        wanted = ex.param(name)
        if wanted:
            found = [d for d in found if d[name] == wanted]
    log = engine.log
    return ex.json({"deliveries": found, "idle": idle, "limit": log.limit, "dropped": log.dropped})


async def callbacks(ex: Exchange) -> Response:
    task_id = ex.param("task_id")
    if task_id:
        found = ex.mock.find_task(task_id)
        task_id = found.task_id if found is not None else task_id
    return await _deliveries(ex, task_id or None)


async def task_callbacks(ex: Exchange) -> Response:
    ref = ex.request.path_params["task_id"]
    if ex.mock.callbacks.knows(ref):  # any kind of task the engine watched
        return await _deliveries(ex, ref)
    return await _deliveries(ex, _task(ex).task_id)


async def clock(ex: Exchange) -> Response:
    return ex.json({"mode": ex.mock.settings.clock, "now": ex.mock.now()})


async def advance(ex: Exchange) -> Response:
    body = await _body(ex)
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ControlError(400, "seconds is required and must be a number", "seconds")
    if not math.isfinite(seconds) or seconds < 0:
        raise ControlError(400, "seconds must be a finite number >= 0", "seconds")
    if not isinstance(ex.mock.clock, VirtualClock):
        raise ControlError(
            409, "the clock is real; start with --clock virtual (or polls) to move it", "seconds"
        )
    try:
        now = ex.mock.advance(seconds)
    except ValueError as exc:
        raise ControlError(400, str(exc), "seconds") from None
    return ex.json({"mode": ex.mock.settings.clock, "now": now})


async def faults(ex: Exchange) -> Response:
    return ex.json({"faults": ex.mock.faults.to_json(), "rpm": ex.mock.settings.rpm})


async def add_fault(ex: Exchange) -> Response:
    """One rule, as a JSON object of keys or a JSON string in the `key=value,...` syntax;
    answered with its id. Nothing is installed unless the whole rule is valid."""
    try:
        keys = loads(await ex.body())
    except BodyError as exc:
        raise ControlError(400, str(exc)) from None
    if not isinstance(keys, (dict, str)):
        raise ControlError(
            400,
            'a rule is a JSON object of keys or a JSON string such as "route=create,'
            'minimax_error=1002"',
        )
    ex.entry.request_body = keys
    try:
        rule = ex.mock.faults.add_rule(keys)
    except FaultRuleError as exc:
        raise ControlError(400, str(exc), exc.key) from None
    return ex.json(rule.to_json(), 201)


async def clear_faults(ex: Exchange) -> Response:
    return ex.json({"deleted": ex.mock.faults.clear()})


async def delete_fault(ex: Exchange) -> Response:
    rule_id = ex.request.path_params["fault_id"]
    try:
        rule = ex.mock.faults.remove(rule_id)
    except KeyError:
        raise ControlError(404, f"no fault rule {rule_id!r}", "id") from None
    return ex.json({"deleted": rule.to_json()})


async def openapi(ex: Exchange) -> Response:
    from .openapi import document  # the document is built from the route list, which needs us

    return ex.json(document())


# -- what the OpenAPI document says of these routes ----------------------------------------


def ok(description: str, schema: Schema, status: int = 200) -> dict[int, Answer]:
    return {status: Answer(description, {JSON: schema})}


def said(word: str) -> Schema:
    """`{"status": word}`: what reset and journal clearing answer."""
    return obj({"status": string(const=word)})


_STATUSES = [s.value for s in Status]
_ANY: Schema = {}
_BOOL: Schema = {"type": "boolean"}
TASK = obj(
    {
        "task_id": string(pattern=r"^\d+$"),
        "platform_id": string(),
        "file_id": string(pattern=r"^\d+$"),
        "status": string(enum=_STATUSES),
        "forced": nullable(string(enum=_STATUSES)),
        "fail_code": nullable(integer()),
        "stuck": _BOOL,
        "slowdown": nullable(number()),
        "fault": nullable(string()),
        "surface": string(),
        "created_at": number(),
        "finishes_at": nullable(number()),
        "polls": integer(minimum=0),
        "request": obj({}, description="the create request with its defaults filled in"),
    }
)
RULE = obj(
    {"id": string(), "matched": integer(minimum=0), "hits": integer(minimum=0)},
    {k.name: k.schema for k in KEYS if k.name != "id"},
    description="a fault rule: its keys as given, and its counters",
)
ENTRY = obj(
    {
        "seq": integer(minimum=1),
        "time": number(),
        "method": string(),
        "path": string(),
        "query": {"type": "object", "additionalProperties": string()},
        "headers": {"type": "object", "additionalProperties": string()},
        "surface": string(),
        "route": string(),
        "request_body": _ANY,
        "status": integer(),
        "response_body": _ANY,
        "rejected": nullable(string()),
        "fault": nullable(string()),
        "task_id": nullable(string()),
        "notes": array(string()),
    }
)
CLOCK = obj({"mode": string(enum=["real", "virtual", "polls"]), "now": number()})
HEALTH = obj(
    {
        "status": string(const="ok"),
        "version": string(),
        "seed": integer(),
        "clock": string(),
        "now": number(),
        "timing": string(),
        "tasks": integer(minimum=0),
        "journal": integer(minimum=0),
    }
)
JOURNAL_PARAMS = (
    Param("surface", "query", string(), "only this surface's requests"),
    Param("route", "query", string(), "only this route's"),
    Param("method", "query", string(), "only this HTTP method's"),
    Param("limit", "query", integer(minimum=0, maximum=MAX_LIMIT), "only the last N"),
)
JOURNAL = obj({"entries": array(ENTRY), "limit": integer(minimum=0), "dropped": integer(minimum=0)})
FORCE_BODY = Body(
    obj(
        {"status": nullable(string(enum=_STATUSES))},
        {"code": integer("with Fail: the failure code", minimum=1)},
    ),
    "the status to pin (any case), or null to let the clock drive the task again",
)
ADVANCE_BODY = Body(
    obj({"seconds": number(minimum=0, maximum=MAX_CLOCK)}),
    "how far to move the virtual clock; it never passes 9999-12-31T23:59:59Z (a move past "
    "it is refused)",
)
RULE_BODY = Body(
    {
        "anyOf": [
            {"type": "object", "properties": {k.name: k.schema for k in KEYS}},
            string("the rule in the key=value,... syntax", minLength=1),
        ]
    },
    "one fault rule: a JSON object of keys (the README's rule table) or a JSON string",
)
TASKS = obj({"tasks": array(TASK)})
FAULTS = obj({"faults": array(RULE), "rpm": nullable(integer(minimum=1))})
DELETED = obj({"deleted": integer(minimum=0)})
DELETED_RULE = obj({"deleted": RULE})
OPENAPI = obj({"openapi": string(const="3.1.0"), "info": obj({}), "paths": obj({})})

_MAYBE = nullable(string())
ATTEMPT = obj(
    {
        "time": number(),
        "seconds": number(minimum=0),
        "status": nullable(integer()),
        "answer": _MAYBE,
        "error": _MAYBE,
    },
    description="one try: the receiver's HTTP status and first bytes, or the error",
)
DELIVERY = obj(
    {
        "seq": integer(minimum=0),
        "task_id": string(),
        "kind": string(),
        "status": _MAYBE,
        "url": string(),
        "body": obj({}),
        "time": number(),
        "outcome": string(enum=list(OUTCOMES)),
        "reason": _MAYBE,
        "attempts": array(ATTEMPT),
        "fault": _MAYBE,
        "notes": array(string()),
        "dialect": string(),
    },
    description="one request the mock made (or would make) to a callback_url",
)
CALLBACKS = obj(
    {
        "deliveries": array(DELIVERY),
        "idle": {"type": "boolean", "description": "no delivery in flight"},
        "limit": integer(minimum=0),
        "dropped": integer(minimum=0),
    }
)
_WAIT = Param(
    "wait",
    "query",
    string(pattern=r"^[ \t]*\+?(60(\.0*)?|0*[1-5]?[0-9](\.[0-9]*)?|\.[0-9]+)[ \t]*$"),
    f"first wait up to this many seconds (0..{MAX_WAIT:g}) until no delivery is in flight",
)
TASK_CALLBACK_PARAMS = (
    Param("kind", "query", string(), "only deliveries of this kind"),
    Param("outcome", "query", string(), f"only these: {', '.join(OUTCOMES)}"),
    _WAIT,
)
CALLBACK_PARAMS = (
    Param("task_id", "query", string(), "only this task's (task_id, platform_id or ULID)"),
    *TASK_CALLBACK_PARAMS,
)
