"""`MiniMaxControl`: what the pytest fixtures hand a test, whichever transport serves it.

The live-server fixture and the respx fixture both drive a `MiniMaxMock` in this process,
so one control object (time, tasks, the journal, faults) serves both and a test reads the
same whichever fixture it asks for. Records and task views are snapshots with short,
readable reprs: they are what pytest prints when an assertion on them fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .core.faults import FaultRule, FaultRules
from .core.journal import JournalEntry
from .core.mock import MiniMaxMock
from .core.settings import Settings
from .core.tasks import Status, Task

if TYPE_CHECKING:
    from .core.delivery import Sender
    from .respx_router import MiniMaxRouter

__all__ = [
    "DEFAULT_API_KEY",
    "CallbackInfo",
    "MiniMaxControl",
    "RecordedRequest",
    "RequestLog",
    "TaskInfo",
]

#: The key `MiniMaxControl.api_key` offers when the mock accepts any key.
DEFAULT_API_KEY = "sk-api-mockminimax-test"

#: Body characters a request's repr shows: pytest elides any repr past 240 characters in
#: the middle, so the body goes last and short, after what the request came to.
_REPR_BODY = 96
#: How many requests `RequestLog`'s repr names before it says how many more there are.
_REPR_REQUESTS = 6


def _short(value: Any, limit: int = _REPR_BODY) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


@dataclass(frozen=True, repr=False)
class RecordedRequest:
    """One journal entry as a test sees it: `json` is the parsed request body (or None)."""

    seq: int
    method: str
    path: str
    query: dict[str, str]
    surface: str
    route: str
    status: int
    json: Any
    response: Any
    headers: dict[str, str] = field(compare=False)
    rejected: str | None = None
    fault: str | None = None
    task_id: str | None = None
    notes: tuple[str, ...] = ()
    time: float = 0.0

    @classmethod
    def from_entry(cls, entry: JournalEntry, *, mask_keys: bool = True) -> RecordedRequest:
        """The entry as a record; Authorization masked unless `mask_keys` is false."""
        return cls(
            seq=entry.seq,
            method=entry.method,
            path=entry.path,
            query=entry.query,
            surface=entry.surface,
            route=entry.route,
            status=entry.status,
            json=entry.request_body,
            response=entry.response_body,
            headers=entry.header_dict(mask_keys=mask_keys),
            rejected=entry.rejected,
            fault=entry.fault,
            task_id=entry.task_id,
            notes=tuple(entry.notes),
            time=entry.time,
        )

    @property
    def url(self) -> str:
        """Path and query string, as sent."""
        if not self.query:
            return self.path
        return self.path + "?" + "&".join(f"{k}={v}" for k, v in self.query.items())

    @property
    def summary(self) -> str:
        """One line: what was asked, what it came to, why (the rejection, the fault rule)."""
        parts = [
            f"#{self.seq} {self.method} {self.url} -> {self.status} [{self.surface}:{self.route}]"
        ]
        if self.rejected:
            parts.append(f"rejected={self.rejected!r}")
        if self.fault:
            parts.append(f"fault={self.fault!r}")
        return " ".join(parts)

    def __repr__(self) -> str:
        # One line, outcome first and body last: pytest shows reprs on one line and elides
        # the middle of long ones, so a multi-line or body-first repr would hide the status.
        body = f" json={_short(self.json)}" if self.json is not None else ""
        return f"<Request {self.summary}{body}>"


class RequestLog(list[RecordedRequest]):
    """The journal, oldest first, with the lookups assertions need."""

    @property
    def last(self) -> RecordedRequest:
        __tracebackhide__ = True
        if not self:
            raise AssertionError("mockminimax received no request (matching) in this test")
        return self[-1]

    @property
    def routes(self) -> list[str]:
        """Route names in order, e.g. ['create', 'query', 'retrieve', 'download']."""
        return [r.route for r in self]

    def filter(
        self,
        *,
        route: str | None = None,
        method: str | None = None,
        surface: str | None = None,
        status: int | None = None,
        path: str | None = None,
    ) -> RequestLog:
        """The requests matching every given field."""
        wanted = {
            "route": route,
            "method": method.upper() if method else None,
            "surface": surface,
            "status": status,
            "path": path,
        }
        checks = {k: v for k, v in wanted.items() if v is not None}
        return RequestLog(r for r in self if all(getattr(r, k) == v for k, v in checks.items()))

    def one(self, **match: Any) -> RecordedRequest:
        """The single request matching `match` (as `filter`); else a failure listing them all."""
        __tracebackhide__ = True
        found = self.filter(**match)
        if len(found) != 1:
            wanted = ", ".join(f"{k}={v!r}" for k, v in match.items()) or "any"
            raise AssertionError(
                f"expected exactly one request with {wanted}, found {len(found)}; "
                f"the journal holds:\n{self}"
            )
        return found[0]

    def __str__(self) -> str:
        if not self:
            return "  (no requests)"
        return "\n".join(f"  {r!r}" for r in self)

    def __repr__(self) -> str:
        # Compact: pytest prints it inside `where ...` lines, on one line, up to 240
        # characters; str() (and the failure report) has one full line per request.
        shown = [f"#{r.seq} {r.method} {r.path} {r.status}" for r in self[:_REPR_REQUESTS]]
        if len(self) > _REPR_REQUESTS:
            shown.append(f"... {len(self) - _REPR_REQUESTS} more")
        return f"<RequestLog of {len(self)}: {', '.join(shown)}>" if self else "<RequestLog empty>"


@dataclass(frozen=True)
class TaskInfo:
    """A task as it stands when read: every ID, its status, and what was asked for."""

    task_id: str
    platform_id: str
    file_id: str
    status: str
    fail_code: int | None = None
    forced: str | None = None
    stuck: bool = False
    #: The fault rule that shaped this task (`task=fail|stuck|slow`), if any.
    fault: str | None = None
    slowdown: float = 1.0
    surface: str = ""
    created_at: float = 0.0
    finishes_at: float | None = None
    polls: int = 0
    request: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: V2 tasks only: the status in V2's words (`queued` ... `cancelled`) and the task type.
    v2_status: str | None = None
    task_type: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskInfo:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @property
    def finished(self) -> bool:
        return self.status in (Status.SUCCESS.value, Status.FAIL.value)


@dataclass(frozen=True, repr=False)
class CallbackInfo:
    """One delivery to a task's callback_url, as it stood when read.

    `kind` is `challenge` or `push`; `status` the push's word (`processing`, `success`,
    `failed`); `outcome` one of pending, delivered, failed, not_sent, dropped, with
    `reason` saying why when it is not delivered; `attempts` each try's receiver `status`
    and `answer` (first 1 KiB) or `error`.
    """

    seq: int
    task_id: str
    kind: str
    status: str | None
    url: str
    body: dict[str, Any]
    outcome: str
    reason: str | None = None
    attempts: tuple[dict[str, Any], ...] = ()
    fault: str | None = None
    notes: tuple[str, ...] = ()
    time: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CallbackInfo:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["attempts"] = tuple(data.get("attempts", ()))
        values["notes"] = tuple(data.get("notes", ()))
        return cls(**values)

    @property
    def answer_status(self) -> int | None:
        """The receiver's HTTP status on the last attempt (None: no answer, or not sent)."""
        return self.attempts[-1]["status"] if self.attempts else None

    def __repr__(self) -> str:
        what = self.kind if self.status is None else f"{self.kind} {self.status}"
        extra = f" ({self.reason})" if self.reason else ""
        fault = f" fault={self.fault}" if self.fault else ""
        return f"<Callback #{self.seq} {what} -> {self.outcome}{extra}{fault}>"


class MiniMaxControl:
    """Drives the mock behind `minimax_server` and `minimax_respx`; built by the fixtures.

    `base_url` is where a client should send requests: the live server's URL, or
    `https://api.minimax.io` when the respx router answers in-process.
    """

    def __init__(
        self,
        mock: MiniMaxMock,
        base_url: str,
        *,
        kind: str,
        gateway_url: str | None = None,
        router: MiniMaxRouter | None = None,
        journal_keys: str = "masked",
    ) -> None:
        self.mock = mock
        self.base_url = base_url.rstrip("/")
        self.kind = kind
        self.gateway_url = (gateway_url or base_url).rstrip("/")
        #: The `respx.MockRouter` answering requests (None for the live server).
        self.router = router
        #: `masked` (the default) or `full`: whether `requests` shows the exact Authorization.
        self.journal_keys = journal_keys

    def __repr__(self) -> str:
        return f"<MiniMaxControl {self.kind} {self.base_url} tasks={len(self.mock.store)}>"

    @property
    def settings(self) -> Settings:
        return self.mock.settings

    @property
    def api_key(self) -> str:
        """A key the mock accepts: the first configured one, or any non-empty key."""
        keys = self.mock.settings.api_keys
        return keys[0] if keys else DEFAULT_API_KEY

    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    @property
    def control_headers(self) -> dict[str, str]:
        """What a request to the control API (`/_mock/...`) must carry: the control token
        when one is set (`control_token`), else nothing."""
        token = self.mock.settings.control_token
        return {"X-Mock-Token": token} if token else {}

    # -- time -------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.mock.now()

    def advance(self, seconds: float) -> float:
        """Move the virtual clock on; tasks whose phases have elapsed move with it."""
        __tracebackhide__ = True
        return self.mock.advance(seconds)

    def sleep(self, seconds: float) -> None:
        """A stand-in for `time.sleep` in the client under test: advances, never waits."""
        self.mock.advance(max(0.0, seconds))

    async def asleep(self, seconds: float) -> None:
        """A stand-in for `asyncio.sleep`: advances the virtual clock, never waits."""
        self.mock.advance(max(0.0, seconds))

    # -- tasks ------------------------------------------------------------------------

    @property
    def tasks(self) -> list[TaskInfo]:
        """Every task, oldest first, as it stands now."""
        return [TaskInfo.from_json(self.mock.task_json(t)) for t in self.mock.store]

    def task(self, ref: str) -> TaskInfo:
        """A task by `task_id`, `platform_id` (`video_<ULID>`) or ULID."""
        __tracebackhide__ = True
        return TaskInfo.from_json(self.mock.task_json(self._find(ref)))

    def complete(self, ref: str) -> TaskInfo:
        """Finish a task now, successfully, whatever the clock says."""
        __tracebackhide__ = True
        task = self._find(ref)
        self.mock.force(task, Status.SUCCESS)
        return TaskInfo.from_json(self.mock.task_json(task))

    def fail(self, ref: str, code: int = 1027) -> TaskInfo:
        """End a task in Fail with a MiniMax code (1027 output flagged, 1026 input flagged)."""
        __tracebackhide__ = True
        task = self._find(ref)
        self.mock.force(task, Status.FAIL, code)
        return TaskInfo.from_json(self.mock.task_json(task))

    def _find(self, ref: str) -> Task:
        __tracebackhide__ = True
        task = self.mock.find_task(str(ref), v2=None)
        if task is None:
            known = ", ".join(t.task_id for t in self.mock.store) or "none yet"
            raise LookupError(f"mockminimax has no task {ref!r} (tasks: {known})")
        return task

    # -- callbacks --------------------------------------------------------------------

    def callbacks(self, task_id: str | None = None, *, wait: float = 10.0) -> list[CallbackInfo]:
        """The deliveries to callback_urls (of one task, by any of its IDs), oldest first,
        once none is in flight (waiting at most `wait` seconds; 0 reads at once).

        Deliveries run in the background: after `advance()` or a query, this is how a
        test waits for the pushes the move caused, without sleeping.
        """
        __tracebackhide__ = True
        wanted = None
        if task_id is not None:
            known = self.mock.callbacks.knows(str(task_id))
            wanted = str(task_id) if known else self._find(task_id).task_id
        if wait > 0:
            self.mock.callbacks.wait_idle(wait)
        return [CallbackInfo.from_json(d.to_json()) for d in self.mock.callbacks.deliveries(wanted)]

    def callback_app(self, app: Any, base_url: str | None = None) -> None:
        """Deliver callbacks to `app` (an ASGI app: your FastAPI or Starlette webhook) in
        this process, with no socket: every callback_url, or those under `base_url`.

        Mounted for the current test only; the next test starts without it.
        """
        from .inprocess import ASGISender

        sender: Sender = ASGISender(app)
        self.mock.callbacks.mount(sender, base_url)

    # -- journal, faults, reset -------------------------------------------------------

    @property
    def requests(self) -> RequestLog:
        """Every request the mock answered in this test, oldest first."""
        mask = self.journal_keys != "full"
        return RequestLog(RecordedRequest.from_entry(e, mask_keys=mask) for e in self.mock.journal)

    @property
    def faults(self) -> FaultRules:
        """The fault rules: `faults.add(route="create", minimax_error=1002)`, `faults.clear()`."""
        return self.mock.faults

    def unfired_rules(self) -> list[FaultRule]:
        """Rules limited by `times=` or `nth=` that have not fired once: most often a
        filter that matches nothing (a misspelt `model=`), so the test never saw its fault."""
        return [r for r in self.mock.faults if (r.times is not None or r.nth) and r.hits == 0]

    def assert_all_fired(self) -> None:
        """Fail naming every rule with `times=` or `nth=` that has not fired yet."""
        __tracebackhide__ = True
        unfired = self.unfired_rules()
        if unfired:
            rules = "; ".join(
                f"{r.id} ({r.to_text(with_id=False)}: matched {r.matched} "
                f"call{'' if r.matched == 1 else 's'})"
                for r in unfired
            )
            raise AssertionError(
                f"mockminimax: fault rule{'s' if len(unfired) > 1 else ''} never fired: {rules}"
            )

    def reset(self) -> None:
        """Fresh state with this test's settings: no tasks or journal, clock and seed rewound,
        fault rules back to the configured ones (the marker's `faults=`)."""
        self.mock.reset()
