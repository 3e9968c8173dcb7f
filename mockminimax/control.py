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

from .core.faults import FaultRules
from .core.journal import JournalEntry
from .core.mock import MiniMaxMock
from .core.settings import Settings
from .core.tasks import Status, Task

if TYPE_CHECKING:
    from .respx_router import MiniMaxRouter

__all__ = ["DEFAULT_API_KEY", "MiniMaxControl", "RecordedRequest", "RequestLog", "TaskInfo"]

#: The key `MiniMaxControl.api_key` offers when the mock accepts any key.
DEFAULT_API_KEY = "sk-api-mockminimax-test"

_REPR_BODY = 160


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
    def from_entry(cls, entry: JournalEntry) -> RecordedRequest:
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
            headers=entry.headers,
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

    def __repr__(self) -> str:
        parts = [
            f"#{self.seq} {self.method} {self.url} -> {self.status} [{self.surface}:{self.route}]"
        ]
        if self.json is not None:
            parts.append(f"json={_short(self.json)}")
        if self.rejected:
            parts.append(f"rejected={self.rejected!r}")
        if self.fault:
            parts.append(f"fault={self.fault!r}")
        return f"<Request {' '.join(parts)}>"


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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskInfo:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @property
    def finished(self) -> bool:
        return self.status in (Status.SUCCESS.value, Status.FAIL.value)


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
    ) -> None:
        self.mock = mock
        self.base_url = base_url.rstrip("/")
        self.kind = kind
        self.gateway_url = (gateway_url or base_url).rstrip("/")
        #: The `respx.MockRouter` answering requests (None for the live server).
        self.router = router

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
        task = self.mock.find_task(str(ref))
        if task is None:
            known = ", ".join(t.task_id for t in self.mock.store) or "none yet"
            raise LookupError(f"mockminimax has no task {ref!r} (tasks: {known})")
        return task

    # -- journal, faults, reset -------------------------------------------------------

    @property
    def requests(self) -> RequestLog:
        """Every request the mock answered in this test, oldest first."""
        return RequestLog(RecordedRequest.from_entry(e) for e in self.mock.journal)

    @property
    def faults(self) -> FaultRules:
        """The fault rules: `faults.add(route="create", minimax_error=1002)`, `faults.clear()`."""
        return self.mock.faults

    def reset(self) -> None:
        """Fresh state with this test's settings: no tasks or journal, clock and seed rewound,
        fault rules back to the configured ones (the marker's `faults=`)."""
        self.mock.reset()
