"""The rule language's vocabulary: every key a rule may hold (`KEYS`, from which the
README's rule table is generated), what each reads and the values and bounds it takes."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The mock's own requests to a task's `callback_url`: the challenge, then status pushes.
CALLBACK_ROUTES = ("challenge", "push")
#: Route names a rule may match; the server's route list (plus the callback routes) is
#: tested against these. `any` means any API call: callbacks are matched only by name.
ROUTES = (
    "create",
    "query",
    "retrieve",
    "retrieve_content",
    "download",
    "upload",
    "list_files",
    "delete_file",
    "template_create",
    "template_query",
    "list_tasks",
    "delete_task",
    "context_ir",
    "regenerate",
    *CALLBACK_ROUTES,
    "any",
)
#: Routes that create a task, where `task` faults apply.
TASK_ROUTES = ("create", "template_create")
#: Surfaces a rule may match: `cdn` is the download host, which serves `download` only.
SURFACES = ("official", "gateway", "cdn", "v2", "any")
CONNECTION_KINDS = ("reset", "stall", "truncate", "malformed")
TASK_KINDS = ("fail", "stuck", "slow")
#: What a `callback` rule does to a delivery (`fail` on the challenge, the rest on pushes;
#: `corrupt` on either).
CALLBACK_KINDS = ("drop", "duplicate", "reorder", "corrupt", "fail")
ACTIONS = ("minimax_error", "http_status", "connection", "task", "callback")

#: A `task=fail` rule without `code` fails the task as the real service does most often:
#: 1027, the generated video flagged.
DEFAULT_FAIL_CODE = 1027
#: A `task=slow` rule without `factor` makes every phase ten times longer.
DEFAULT_SLOW_FACTOR = 10.0
#: The longest `delay`, `jitter` (and `stall_seconds` setting) accepted: five minutes, past
#: any client timeout worth testing; a longer wait only pins a connection.
MAX_DELAY = 300.0
#: The most rules installed at once, and the longest text value (a `body`, a `message`):
#: what the rules hold is bounded by bytes as well as count.
MAX_RULES = 1000
MAX_TEXT_VALUE = 64 * 1024
#: The Content-Types a one-request rule (X-Mock-Fault header, prompt directive) may set:
#: none a browser renders as a page, so a request cannot make the mock serve script.
SAFE_CONTENT_TYPES = (
    "application/json",
    "text/plain",
    "application/xml",
    "text/xml",
    "application/octet-stream",
    "video/mp4",
)
#: Keys counting calls: meaningless on a rule that lives for one request.
_COUNTING = ("nth", "times", "after")


class FaultRuleError(ValueError):
    """A rule refused; `key` is the key at fault, and the message starts with it."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.reason = message
        super().__init__(f"{key}: {message}")


@dataclass(frozen=True)
class Key:
    """One rule key: its group, how its value is read, and what it means."""

    name: str
    group: str
    kind: str
    help: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None

    def coerce(self, value: Any) -> Any:
        """The typed value, from Python, JSON or the text syntax; refused naming the key."""
        reader = _READERS[self.kind]
        typed = reader(self, value)
        for number in typed if isinstance(typed, tuple) else (typed,):
            if isinstance(number, (int, float)):
                if self.low is not None and number < self.low:
                    raise FaultRuleError(self.name, f"must be at least {_num(self.low)}")
                if self.high is not None and number > self.high:
                    raise FaultRuleError(self.name, f"must be at most {_num(self.high)}")
        return typed

    @property
    def values(self) -> str:
        """How the README shows the values this key takes."""
        if self.choices:
            return " \\| ".join(f"`{c}`" for c in self.choices)
        shown = {"text": "text", "int": "integer", "ints": "integer(s)", "number": "number"}
        text = shown[self.kind]
        if self.low is not None and self.high is not None:
            return f"{text} {_num(self.low)}..{_num(self.high)}"
        if self.low is not None:
            return f"{text} >= {_num(self.low)}"
        return text

    @property
    def schema(self) -> dict[str, Any]:
        """The key's JSON value as JSON Schema, for the OpenAPI document."""
        schema: dict[str, Any]
        if self.kind == "choice":
            schema = {"type": "string", "enum": list(self.choices)}
        elif self.kind == "text":
            schema = {"type": "string", "minLength": 1}
        else:
            schema = {"type": "number" if self.kind == "number" else "integer"}
            if self.low is not None:
                schema["minimum"] = self.low
            if self.high is not None:
                schema["maximum"] = self.high
            if self.kind == "ints":
                schema = {"anyOf": [schema, {"type": "array", "items": schema, "minItems": 1}]}
        return {**schema, "description": self.help}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _read_text(key: Key, value: Any) -> str:
    if not isinstance(value, str):
        raise FaultRuleError(key.name, f"must be a string, got {value!r}")
    if not value:
        raise FaultRuleError(key.name, "must not be empty")
    if len(value) > MAX_TEXT_VALUE:
        raise FaultRuleError(key.name, f"{len(value)} characters; at most {MAX_TEXT_VALUE}")
    if key.name == "content_type" and ("\r" in value or "\n" in value):
        raise FaultRuleError(key.name, "must not hold CR or LF")
    return value


def _read_choice(key: Key, value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in key.choices:
        raise FaultRuleError(key.name, f"{value!r} is not one of {', '.join(key.choices)}")
    return value.strip().lower()


def _read_int(key: Key, value: Any) -> int:
    if isinstance(value, bool):
        raise FaultRuleError(key.name, f"must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,18}\s*", value):
        return int(value)
    raise FaultRuleError(key.name, f"must be an integer, got {value!r}")


def _read_ints(key: Key, value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        items: list[Any] = [v for v in re.split(r"[|\s]+", value.strip()) if v]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    if not items:
        raise FaultRuleError(key.name, "must name at least one call, such as 3 or 2|4")
    return tuple(sorted({_read_int(key, v) for v in items}))


def _read_number(key: Key, value: Any) -> float:
    if isinstance(value, bool):
        raise FaultRuleError(key.name, f"must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FaultRuleError(key.name, f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise FaultRuleError(key.name, f"must be a finite number, got {value!r}")
    return number


_READERS: dict[str, Callable[[Key, Any], Any]] = {
    "text": _read_text,
    "choice": _read_choice,
    "int": _read_int,
    "ints": _read_ints,
    "number": _read_number,
}

#: Every rule key, in the order the README lists them and `to_text` writes them.
KEYS: tuple[Key, ...] = (
    Key("route", "match", "choice", "the call: create, query, files/retrieve, "
        "files/retrieve_content, a download_url, files/upload (upload), files/list "
        "(list_files), files/delete (delete_file), the Video Agent's create and query "
        "(template_create, template_query); V2 also list_tasks, delete_task, context_ir, "
        "regenerate (default any: every API call); or the mock's own calls to a "
        "callback_url, its `challenge` and each status `push`", ROUTES),
    Key("surface", "match", "choice", "official `/v1`, gateway `/minimaxi/v1`, V2 `/v2`, or the "
        "download host cdn (default any)", SURFACES),
    Key("model", "match", "text", "the create body's model, ignoring case; only creates carry one"),
    Key("prompt_contains", "match", "text",
        "text in the create body's prompt, ignoring case; only creates carry one"),
    Key("api_key", "match", "text", "the caller's key (the `Bearer ` and `sk-` prefixes ignored)"),
    Key("status", "match", "text", "with `route=push`: only pushes of this status word, "
        "ignoring case (`processing`, `success`, `failed` on V1)"),
    Key("probability", "when", "number", "chance of firing on each matching call, drawn from the "
        "seeded source", low=0, high=1),
    Key("nth", "when", "ints", "only these of the matching calls that reach the rule, 1-based: "
        "`3`, or `2|4` (a list in JSON)", low=1),
    Key("times", "when", "int", "only the first N matching calls (after `after`)", low=1),
    Key("after", "when", "int", "skip the first N matching calls", low=0),
    Key("minimax_error", "action", "int", "answer this `base_resp` code, with its real message; "
        "official and gateway answer HTTP 200 (create adds `task_id: \"\"`)", low=1),
    Key("message", "action", "text", "with `minimax_error`: the `status_msg` instead"),
    Key("http_status", "action", "int", "answer this HTTP status with the surface's own body for "
        "it (see below)", low=200, high=599),
    Key("body", "action", "text", "with `http_status`: this body instead"),
    Key("content_type", "action", "text",
        "with `body`: its Content-Type (default: sniffed: HTML, JSON or plain text); no CR or "
        "LF; from a header or prompt only " + ", ".join(SAFE_CONTENT_TYPES)),
    Key("connection", "action", "choice", "break the connection: `reset` (RST, nothing sent), "
        "`stall` (nothing sent until the client gives up), `truncate` (full Content-Length, half "
        "the body), `malformed` (half the body as a complete response)", CONNECTION_KINDS),
    Key("task", "action", "choice", "on create: the new task `fail`s at generation time, stays "
        "`stuck` in Processing, or runs `slow`", TASK_KINDS),
    Key("code", "action", "int", f"with `task=fail`: the failure code (default "
        f"{DEFAULT_FAIL_CODE}; 1026 for a sensitive prompt)", low=1),
    Key("factor", "action", "number", f"with `task=slow`: how many times longer each phase takes "
        f"(default {_num(DEFAULT_SLOW_FACTOR)})", low=1, high=1000),
    Key("callback", "action", "choice", "with `route=push`: `drop` the push (recorded, "
        "not sent), send it twice (`duplicate`), hold it and send it after the next push "
        "(`reorder`), send it with a `corrupt` body (cut in half: not JSON); with "
        "`route=challenge`: `fail` it whatever the receiver answers, or `corrupt` it",
        CALLBACK_KINDS),
    Key("delay", "latency", "number",
        "seconds to wait before answering (wall time, even on the virtual clock); alone or with "
        "any action", low=0, high=MAX_DELAY),
    Key("jitter", "latency", "number", "with `delay`: up to this many seconds more or less, "
        "drawn from the seeded source", low=0, high=MAX_DELAY),
    Key("id", "name", "text", "a name for the rule (default f1, f2, ...), shown in the journal"),
)  # fmt: skip

_KEYS: dict[str, Key] = {k.name: k for k in KEYS}
#: Each detail key and the action (and value) it goes with.
_DETAILS: dict[str, tuple[str, str | None]] = {
    "message": ("minimax_error", None),
    "body": ("http_status", None),
    "content_type": ("body", None),
    "code": ("task", "fail"),
    "factor": ("task", "slow"),
    "status": ("route", "push"),
    "jitter": ("delay", None),
}
