"""One fault rule (`FaultRule`): its keys checked together on construction, what it
matches (`FaultCall`), when it fires, and its text and JSON forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..onehub import strip_key
from .keys import (
    _DETAILS,
    _KEYS,
    ACTIONS,
    CALLBACK_ROUTES,
    DEFAULT_FAIL_CODE,
    DEFAULT_SLOW_FACTOR,
    KEYS,
    TASK_ROUTES,
    FaultRuleError,
    _num,
)


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
