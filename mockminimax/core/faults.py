"""Fault rules: one flat rule language for Python, the CLI, config files, the control API,
the `X-Mock-Fault` header and `[mock:...]` prompt directives.

A rule is a set of keys (`KEYS` is the one list of them; the README's rule table is
generated from it): what calls it matches, when it fires, and the one action it takes,
with an optional delay. Rules are ordered, the first that matches and fires wins (later
rules never see that call), and each counts the calls that reached it and matched
(`matched`) and the times it fired (`hits`). Probability draws come from the mock's one
seeded source, so one seed and the same requests give the same faults.

Why quoting rather than "body last takes the rest" in the `k=v,k=v` syntax: both `message`
(MiniMax's own 1002 text holds a comma) and `body` may need commas, and only one key can
be last. A value in single or double quotes runs to the matching quote.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .onehub import strip_key

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ACTIONS",
    "CALLBACK_KINDS",
    "CALLBACK_ROUTES",
    "CONNECTION_KINDS",
    "DIRECTIVES",
    "KEYS",
    "MAX_DELAY",
    "MAX_RULES",
    "MAX_TEXT_VALUE",
    "ROUTES",
    "SAFE_CONTENT_TYPES",
    "SURFACES",
    "TASK_KINDS",
    "ConnectionFault",
    "FaultCall",
    "FaultRule",
    "FaultRuleError",
    "FaultRules",
    "Key",
    "directive_rule",
    "header_rule",
    "parse_rule",
    "parse_rules",
    "rule_from_mapping",
    "to_httpx_error",
]

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


@dataclass
class _Counts:
    matched: int = 0
    hits: int = 0


@dataclass(frozen=True)
class FaultRule:
    """One rule: its keys (validated on construction, from typed values or text) and,
    once installed, an `id` and live `matched`/`hits` counters."""

    route: str = "any"
    surface: str = "any"
    model: str | None = None
    prompt_contains: str | None = None
    api_key: str | None = None
    status: str | None = None
    probability: float | None = None
    nth: tuple[int, ...] = ()
    times: int | None = None
    after: int | None = None
    minimax_error: int | None = None
    message: str | None = None
    http_status: int | None = None
    body: str | None = None
    content_type: str | None = None
    connection: str | None = None
    task: str | None = None
    code: int | None = None
    factor: float | None = None
    callback: str | None = None
    delay: float | None = None
    jitter: float | None = None
    id: str | None = None
    _counts: _Counts = field(default_factory=_Counts, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        for key in KEYS:
            value = getattr(self, key.name)
            if value is not None and value != ():
                object.__setattr__(self, key.name, key.coerce(value))
        self._check()
        if self.task == "fail" and self.code is None:
            object.__setattr__(self, "code", DEFAULT_FAIL_CODE)
        if self.task == "slow" and self.factor is None:
            object.__setattr__(self, "factor", DEFAULT_SLOW_FACTOR)

    def _check(self) -> None:
        actions = [name for name in ACTIONS if getattr(self, name) is not None]
        if len(actions) > 1:
            raise FaultRuleError(
                actions[1], f"a rule takes one action and {actions[0]} is already given"
            )
        if not actions and self.delay is None:
            raise FaultRuleError(
                "action", "a rule needs an action: minimax_error, http_status, connection, "
                "task, callback, or a delay",
            )  # fmt: skip
        for name, (needs, value) in _DETAILS.items():
            if getattr(self, name) is None:
                continue
            have = getattr(self, needs)
            if have is None or (value is not None and have != value):
                wanted = f"{needs}={value}" if value else needs
                raise FaultRuleError(name, f"goes with {wanted}")
        if self.nth and (self.times is not None or self.after is not None):
            raise FaultRuleError("nth", "names the calls itself; it does not combine with "
                                 "times or after")  # fmt: skip
        download = self.route == "download" or self.surface == "cdn"
        if self.route == "download" and self.surface in ("official", "gateway"):
            raise FaultRuleError("surface", "download calls are on the cdn surface")
        if self.surface == "cdn" and self.route not in ("download", "any"):
            raise FaultRuleError("route", "the cdn surface serves download calls only")
        if self.minimax_error is not None and download:
            raise FaultRuleError(
                "minimax_error", "the download host is object storage, not MiniMax: "
                "use http_status (403, 404) or connection",
            )  # fmt: skip
        not_create = self.route not in ("create", "any") or download
        for name in ("model", "prompt_contains"):
            if getattr(self, name) is not None and not_create:
                raise FaultRuleError(name, "only create calls carry a model and a prompt")
        if self.task is not None and (self.route not in (*TASK_ROUTES, "any") or download):
            raise FaultRuleError(
                "task", "task faults apply to create calls (route create, template_create or any)"
            )
        self._check_callback()

    def _check_callback(self) -> None:
        on_callback = self.route in CALLBACK_ROUTES
        if self.callback is not None and not on_callback:
            raise FaultRuleError("callback", "goes with route=push or route=challenge")
        if on_callback:
            for name in ("minimax_error", "http_status", "connection"):
                if getattr(self, name) is not None:
                    raise FaultRuleError(
                        name, "callbacks are the mock's own requests: use callback=... or delay"
                    )
        if self.callback in ("drop", "duplicate", "reorder") and self.route != "push":
            raise FaultRuleError("callback", f"{self.callback} goes with route=push")
        if self.callback == "fail" and self.route != "challenge":
            raise FaultRuleError("callback", "fail goes with route=challenge")

    # -- counters ---------------------------------------------------------------------

    @property
    def matched(self) -> int:
        """Calls this rule matched (and so counted for nth/times/after)."""
        return self._counts.matched

    @property
    def hits(self) -> int:
        """Times this rule fired."""
        return self._counts.hits

    # -- matching ---------------------------------------------------------------------

    def matches(self, call: FaultCall) -> bool:
        if self.route != call.route and (self.route != "any" or call.route in CALLBACK_ROUTES):
            return False
        if self.status is not None and (call.status or "").lower() != self.status.lower():
            return False
        if self.surface != "any" and self.surface != call.surface:
            return False
        if (self.model or self.prompt_contains) and call.route != "create":
            return False
        if self.task is not None and call.route not in TASK_ROUTES:
            return False
        if self.minimax_error is not None and call.surface == "cdn":
            return False
        if self.model is not None and (call.model or "").lower() != self.model.lower():
            return False
        if self.prompt_contains is not None and (
            self.prompt_contains.lower() not in (call.prompt or "").lower()
        ):
            return False
        return self.api_key is None or strip_key(call.api_key) == strip_key(self.api_key)

    def due(self, n: int) -> bool:
        """Whether the nth matching call is one this rule fires on (before probability)."""
        if self.nth:
            return n in self.nth
        after = self.after or 0
        return n > after and (self.times is None or n <= after + self.times)

    def delay_seconds(self, draw: Callable[[], float]) -> float:
        """The delay for one firing: `delay` plus or minus up to `jitter`, never negative."""
        delay = self.delay or 0.0
        if self.jitter:
            delay += self.jitter * (2 * draw() - 1)
        return max(0.0, delay)

    # -- showing ----------------------------------------------------------------------

    def keys(self) -> dict[str, Any]:
        """The keys given (route/surface `any` left out), typed as JSON has them."""
        out: dict[str, Any] = {}
        for key in KEYS:
            value = getattr(self, key.name)
            if value is None or value == () or (key.group == "match" and value == "any"):
                continue
            out[key.name] = list(value) if isinstance(value, tuple) else value
        return out

    @property
    def action(self) -> str:
        """The action in the text syntax, for the journal: `minimax_error=1002`, `delay=2`."""
        parts = [f"{k}={_text_value(v)}" for k, v in self.keys().items() if _KEYS[k].group in (
            "action", "latency")]  # fmt: skip
        return ",".join(parts)

    def to_text(self, *, with_id: bool = True) -> str:
        """The rule in the `k=v,k=v` syntax; `parse_rule` reads it back."""
        keys = self.keys()
        if not with_id:
            keys.pop("id", None)
        return ",".join(f"{k}={_text_value(v)}" for k, v in keys.items())

    def to_json(self) -> dict[str, Any]:
        """The rule as the control API shows it: id first, keys given, counters."""
        keys = self.keys()
        return {"id": keys.pop("id", None), **keys, "matched": self.matched, "hits": self.hits}

    def __repr__(self) -> str:
        return f"FaultRule({self.to_text()!r}, matched={self.matched}, hits={self.hits})"


def _text_value(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    if isinstance(value, float):
        return _num(value)
    text = str(value)
    if "," in text or text != text.strip() or text[:1] in ("'", '"'):
        quote = "'" if '"' in text else '"'
        return f"{quote}{text}{quote}"
    return text


@dataclass(frozen=True)
class FaultCall:
    """What a rule can match on: the call as the server sees it before answering."""

    route: str
    surface: str
    model: str | None = None
    prompt: str | None = None
    api_key: str | None = None
    #: The status word of a callback push.
    status: str | None = None


# -- reading rules ----------------------------------------------------------------------


def _pairs(text: str) -> list[tuple[str, str | None]]:
    """`k=v,k='v, with commas',word` as pairs; a bare word has the value None."""
    pairs: list[tuple[str, str | None]] = []
    i, n = 0, len(text)
    while i < n:
        j = i
        while j < n and text[j] not in "=,":
            j += 1
        key = text[i:j].strip()
        value: str | None = None
        if j < n and text[j] == "=":
            j += 1
            while j < n and text[j] == " ":
                j += 1
            if j < n and text[j] in "'\"":
                end = text.find(text[j], j + 1)
                if end < 0:
                    raise FaultRuleError(key or "rule", f"unterminated {text[j]} quote")
                value = text[j + 1 : end]
                j = end + 1
                while j < n and text[j] == " ":
                    j += 1
                if j < n and text[j] != ",":
                    raise FaultRuleError(key, "expected a comma after the quoted value")
            else:
                end = text.find(",", j)
                end = n if end < 0 else end
                value = text[j:end].strip()
                j = end
            if not key:
                raise FaultRuleError("rule", f"a value without a key near {text[i:j]!r}")
        if key or value is not None:
            pairs.append((key, value))
        i = j + 1
    return pairs


def _mapping(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw, value in pairs:
        name = raw.strip().lower().replace("-", "_")
        if name not in _KEYS:
            raise FaultRuleError(raw, f"unknown key (known: {', '.join(_KEYS)})")
        if name in out:
            raise FaultRuleError(raw, "given twice")
        out[name] = value
    return out


def rule_from_mapping(mapping: Mapping[str, Any]) -> FaultRule:
    """A rule from a dict such as a JSON object or `**keys`; keys may use `-` for `_`."""
    if not isinstance(mapping, Mapping):
        raise FaultRuleError("rule", f"must be an object of keys, got {type(mapping).__name__}")
    return FaultRule(**_mapping(mapping.items()))


def _text_keys(text: str) -> dict[str, Any]:
    """The keys of a rule in the text syntax, every one with a value."""
    if not text.strip():
        raise FaultRuleError("rule", "is empty; write keys as key=value,key=value")
    pairs = _pairs(text)
    for key, value in pairs:
        if value is None:
            raise FaultRuleError(key, "needs a value: write key=value")
    return _mapping(pairs)


def parse_rule(text: str) -> FaultRule:
    """A rule from the text syntax, `route=create,minimax_error=1002,times=2`."""
    return FaultRule(**_text_keys(text))


def parse_rules(value: Any) -> tuple[FaultRule, ...]:
    """Rules from a setting: one rule text per line, a list of texts, objects or rules."""
    if isinstance(value, str):
        items: list[Any] = [line for line in value.splitlines() if line.strip()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, (FaultRule, Mapping)):
        items = [value]
    else:
        raise FaultRuleError("rule", f"expected rules, got {type(value).__name__}")
    rules: list[FaultRule] = []
    for number, item in enumerate(items, 1):
        try:
            if isinstance(item, FaultRule):
                rules.append(item)
            elif isinstance(item, str):
                rules.append(parse_rule(item))
            else:
                rules.append(rule_from_mapping(item))
        except FaultRuleError as exc:
            raise FaultRuleError(exc.key, f"{exc.reason} (rule {number})") from None
    return tuple(rules)


def _one_shot(mapping: dict[str, Any], source: str) -> FaultRule:
    if "callback" in mapping or str(mapping.get("route", "")).lower() in CALLBACK_ROUTES:
        raise FaultRuleError(
            "callback", f"callback faults act after the request; a one-request rule ({source}) "
            "cannot hold one: install it (--fault, /_mock/faults, faults.add)",
        )  # fmt: skip
    for name in _COUNTING:
        if name in mapping:
            raise FaultRuleError(name, f"counts calls; a one-request rule ({source}) cannot")
    if "id" in mapping:
        raise FaultRuleError("id", f"is always {source!r} for a one-request rule")
    rule = FaultRule(**mapping, id=source)
    if rule.content_type is not None:
        base = rule.content_type.split(";")[0].strip().lower()
        if base not in SAFE_CONTENT_TYPES:
            raise FaultRuleError(
                "content_type",
                f"{base!r} is not one a {source} rule may set ({', '.join(SAFE_CONTENT_TYPES)})",
            )
    return rule


def header_rule(text: str) -> FaultRule:
    """The one-request rule of an `X-Mock-Fault` header (id `header`)."""
    return _one_shot(_text_keys(text), "header")


#: Prompt directive shorthands: name -> (what it means, the keys it stands for).
DIRECTIVES: dict[str, tuple[str, dict[str, Any]]] = {
    "error": ("`[mock:error=1008]`: answer this MiniMax code", {"minimax_error": None}),
    "fail": ("`[mock:fail=1027]`: the task ends `Fail` with this code (alone: "
             f"{DEFAULT_FAIL_CODE})", {"task": "fail", "code": None}),
    "stuck": ("`[mock:stuck]`: the task never leaves Processing", {"task": "stuck"}),
    "slow": ("`[mock:slow=5]`: the task takes this many times longer (alone: "
             f"{_num(DEFAULT_SLOW_FACTOR)})", {"task": "slow", "factor": None}),
    "delay": ("`[mock:delay=2]`: answer after this many seconds", {"delay": None}),
    "http": ("`[mock:http=503]`: answer this HTTP status", {"http_status": None}),
    **{
        kind: (f"`[mock:{kind}]`: connection={kind}", {"connection": kind})
        for kind in CONNECTION_KINDS
    },
}  # fmt: skip
_DIRECTIVE = re.compile(r"\[mock:([^\]]*)\]", re.IGNORECASE)


def directive_rule(prompt: str) -> FaultRule | None:
    """The one-request rule of the `[mock:...]` directives in a prompt (id `prompt`).

    Every directive in the prompt adds to one rule, so `[mock:delay=2][mock:fail=1026]`
    delays the create and fails the task. Inside a directive the shorthands of
    `DIRECTIVES` and the full `key=value` syntax both work. The directives stay in the
    prompt: the real service would see them too.
    """
    found = _DIRECTIVE.findall(prompt)
    if not found:
        return None
    pairs: list[tuple[str, Any]] = []
    for text in found:
        for key, value in _pairs(text):
            shorthand = DIRECTIVES.get(key.strip().lower())
            if shorthand is None:
                if value is None:
                    raise FaultRuleError(key, f"unknown directive (known: {', '.join(DIRECTIVES)})")
                pairs.append((key, value))
                continue
            for name, fixed in shorthand[1].items():
                if fixed is not None:
                    pairs.append((name, fixed))
                elif value is not None:
                    pairs.append((name, value))
                elif name in ("code", "factor"):
                    continue  # `[mock:fail]`, `[mock:slow]`: the default
                else:
                    raise FaultRuleError(key, f"needs a value, as in [mock:{key}=...]")
    return _one_shot(_mapping(pairs), "prompt")


# -- the rule list ----------------------------------------------------------------------


class FaultRules:
    """The mock's ordered rules: thread-safe, counted, drawn from the seeded source.

    `configured` rules (from settings: `--fault`, a config file, a pytest marker) are the
    ones `restore()` brings back, with fresh counters, when the mock is reset.
    """

    def __init__(self, draw: Callable[[], float], configured: Iterable[FaultRule] = ()) -> None:
        self._draw = draw
        self._configured = tuple(configured)
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next = 1
        self.restore()

    def add(self, **keys: Any) -> FaultRule:
        """Install a rule from keys, `mock.faults.add(route="create", minimax_error=1002)`."""
        return self.add_rule(rule_from_mapping(keys))

    def add_rule(self, rule: FaultRule | str | Mapping[str, Any]) -> FaultRule:
        """Install a rule (or its text, or its keys) last; the installed copy is returned."""
        if isinstance(rule, str):
            rule = parse_rule(rule)
        elif not isinstance(rule, FaultRule):
            rule = rule_from_mapping(rule)
        with self._lock:
            if len(self._rules) >= MAX_RULES:
                raise FaultRuleError(
                    "rule", f"{MAX_RULES} rules are installed, the most there may be"
                )
            taken = {r.id for r in self._rules}
            rule_id = rule.id
            if rule_id is None:
                while f"f{self._next}" in taken:
                    self._next += 1
                rule_id = f"f{self._next}"
                self._next += 1
            elif rule_id in taken or rule_id in ("header", "prompt", "rpm"):
                raise FaultRuleError("id", f"{rule_id!r} is taken")
            installed = dataclasses.replace(rule, id=rule_id)
            self._rules.append(installed)
        return installed

    def get(self, rule_id: str) -> FaultRule | None:
        with self._lock:
            return next((r for r in self._rules if r.id == rule_id), None)

    def remove(self, rule_id: str) -> FaultRule:
        """Drop one rule by id; KeyError when there is none."""
        with self._lock:
            for i, rule in enumerate(self._rules):
                if rule.id == rule_id:
                    return self._rules.pop(i)
        raise KeyError(rule_id)

    def clear(self) -> int:
        """Drop every rule, configured ones included; how many there were."""
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
            return count

    def restore(self) -> None:
        """Back to the configured rules, renumbered from f1, counters at zero."""
        with self._lock:
            self._rules.clear()
            self._next = 1
        for rule in self._configured:
            self.add_rule(rule)

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        with self._lock:
            return tuple(self._rules)

    def __iter__(self) -> Iterator[FaultRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self._rules)

    def decide(self, call: FaultCall, one_shot: Sequence[FaultRule] = ()) -> FaultRule | None:
        """The rule that fires on `call`, if any, counting as it goes.

        One-request rules (the header's, then the prompt's) come first, then the installed
        rules in order; the first that matches and fires wins, and the rules after it never
        see the call. So rules form a queue: `times=2` then `times=1` answers the first two
        calls by the first rule and the third by the second, as ordered responses do in
        respx or pytest-httpx. A rule counts every call that reaches it and matches, even
        when it then does not fire (a skipped `after`, a lost draw); `nth` counts those.
        """
        for rule in one_shot:
            if rule.matches(call) and self._fires(rule):
                rule._counts.matched += 1
                rule._counts.hits += 1
                return rule
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(call):
                    continue
                counts = rule._counts
                counts.matched += 1
                if rule.due(counts.matched) and self._fires(rule):
                    counts.hits += 1
                    return rule
        return None

    def _fires(self, rule: FaultRule) -> bool:
        return rule.probability is None or self._draw() < rule.probability

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rules]


# -- connection faults in-process -------------------------------------------------------


class ConnectionFault(Exception):
    """A connection fault where there is no socket to break: the app answering in-process.

    In-process transports turn it into the httpx error a real client would have seen
    (`to_httpx_error`); the live server never raises it, it breaks the socket instead.
    """

    def __init__(self, kind: str, rule_id: str | None = None) -> None:
        if kind not in ("reset", "stall", "truncate"):
            raise ValueError(f"{kind!r} is not a connection fault that raises")
        self.kind = kind
        self.rule_id = rule_id
        where = f" {rule_id}" if rule_id else ""
        super().__init__(f"mockminimax fault{where}: connection {kind}")


def to_httpx_error(fault: ConnectionFault | str, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception a client sees for a connection fault, as on the live server:
    `reset` -> `httpx.ReadError`, `stall` -> `httpx.ReadTimeout` (at once: in-process there
    is no client timeout to wait for), `truncate` -> `httpx.RemoteProtocolError`.

    `malformed` raises nothing: it is a complete response whose body is not JSON.
    httpx is imported here, not at module level: the server does not need it.
    """
    import httpx

    kind = fault.kind if isinstance(fault, ConnectionFault) else fault
    label = f" ({fault})" if isinstance(fault, ConnectionFault) else f" (mockminimax fault: {kind})"
    if kind == "reset":
        return httpx.ReadError("[Errno 104] Connection reset by peer" + label, request=request)
    if kind == "stall":
        return httpx.ReadTimeout("timed out" + label, request=request)
    if kind == "truncate":
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body" + label,
            request=request,
        )
    raise ValueError(f"{kind!r} is not a connection fault that raises (reset, stall, truncate)")
