"""What a callback is (reference §9): the deliveries the mock makes to a task's
`callback_url`, how each kind of task words its pushes, and which hosts may be called.

A delivery is a `challenge` (`{"challenge": "<random>"}`, to be echoed within 3 s) or a
`push` of one status change, in the query's shape with the callback's own status words.
Each kind of task supplies a `Dialect` (its statuses in order, their callback words, the
push body); the engine (`core.delivery`) knows nothing of MiniMax's words.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

from .tasks import Status, Task

if TYPE_CHECKING:
    from .mock import MiniMaxMock

__all__ = [
    "ANSWER_KEEP",
    "CHALLENGE",
    "OUTCOMES",
    "PUSH",
    "Attempt",
    "Delivery",
    "DeliveryLog",
    "Dialect",
    "V1Dialect",
    "host_refusal",
    "is_loopback",
]

CHALLENGE = "challenge"
PUSH = "push"
#: Where a delivery ended: `pending` (queued or in flight), `delivered` (a 2xx answer; for
#: a challenge, the value echoed), `failed` (every attempt failed), `not_sent` (a host not
#: allowed, an unverified URL, a reset), `dropped` (a fault rule dropped it).
OUTCOMES = ("pending", "delivered", "failed", "not_sent", "dropped")
#: Bytes of each receiver answer kept.
ANSWER_KEEP = 1024

T = TypeVar("T")


class Dialect(ABC, Generic[T]):
    """How one kind of task (`T`) is called back: a surface whose creates take
    `callback_url` supplies one and hands it to `CallbackEngine.watch`.

    Statuses are the task's own status strings (as its query answers them); `word` is
    what the callback says for one, or None for a status that is not pushed.
    """

    #: A short name shown with each delivery (`v1`, `v2`).
    name: str = "dialect"

    @abstractmethod
    def status(self, task: T) -> str:
        """The task's status now (the engine reads it after the clock or a query moved)."""

    @abstractmethod
    def path(self, status: str) -> Sequence[str]:
        """The statuses a task passes through to reach `status`, in order, ending with it;
        an advance that jumps over several changes pushes each of them, in this order."""

    @abstractmethod
    def word(self, status: str) -> str | None:
        """The callback's word for `status`, or None when that status is not pushed."""

    @abstractmethod
    def body(self, task: T, status: str, word: str) -> dict[str, Any]:
        """The push for `task` reaching `status`: the query's shape, the callback's word."""

    def terminal(self, status: str) -> bool:
        """Whether the task stays in `status` unless forced (no clock tick can move it)."""
        return False

    def next_change(self, task: T, now: float) -> float | None:
        """When (on the mock's clock) the task next changes by itself; None if it never
        does. Only the real clock asks: the other clocks move when told to."""
        return None


class V1Dialect(Dialect[Task]):
    """MiniMax V1 (and the gateway, which forwards V1): pushes `processing`, `success`,
    `failed` (lower-case, unlike the query's enum, reference §9) in the query's body.

    Preparing and Queueing have no callback word, so the first push is `processing`.
    `callback_status_case=query` pushes the query's words instead (Processing, Success,
    Fail), as the agent page's sample does.
    """

    name = "v1"
    WORDS: ClassVar[dict[Status, str | None]] = {
        Status.PREPARING: None,
        Status.QUEUEING: None,
        Status.PROCESSING: "processing",
        Status.SUCCESS: "success",
        Status.FAIL: "failed",
    }
    _PENDING = (Status.PREPARING.value, Status.QUEUEING.value, Status.PROCESSING.value)

    def __init__(self, mock: MiniMaxMock) -> None:
        self.mock = mock

    def status(self, task: Task) -> str:
        return self.mock.status(task).value

    def path(self, status: str) -> Sequence[str]:
        if status in self._PENDING:
            return self._PENDING[: self._PENDING.index(status) + 1]
        return (*self._PENDING, status)

    def word(self, status: str) -> str | None:
        word = self.WORDS[Status(status)]
        if word is not None and self.mock.settings.callback_status_case == "query":
            return status
        return word

    def body(self, task: Task, status: str, word: str) -> dict[str, Any]:
        body = self.mock.query_body(task, Status(status))
        body["status"] = word
        return body

    def terminal(self, status: str) -> bool:
        return Status(status).finished

    def next_change(self, task: Task, now: float) -> float | None:
        if task.forced is not None or self.mock.polls_mode:
            return None
        return next((t for t in task.changes(self.mock.timing) if t > now), None)


# -- where the mock may call ------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback IP literal (127.0.0.0/8, ::1): this machine, by name."""
    host = host.lower().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_refusal(url: str, allowed: Sequence[str]) -> str | None:
    """Why the mock may not call `url` (None when it may): loopback hosts always, other
    hosts only by the exact names in `callback_hosts`. A name that merely resolves to
    loopback is not loopback: the name is what the user allowed, or not."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port out of range)
    except ValueError as exc:
        return f"callback_url is not a valid URL: {exc}"
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return "callback_url is not an http(s) URL with a host"
    if is_loopback(host) or host in allowed:
        return None
    named = ", ".join(allowed) if allowed else "none"
    return (
        f"host {host!r} is not allowed: the mock calls loopback hosts and the "
        f"--callback-host names only (allowed: {named})"
    )


# -- deliveries -------------------------------------------------------------------------


@dataclass
class Attempt:
    """One try at a delivery: the receiver's status and first bytes, or the error."""

    time: float
    seconds: float
    status: int | None = None
    answer: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "seconds": round(self.seconds, 6),
            "status": self.status,
            "answer": self.answer,
            "error": self.error,
        }


@dataclass(eq=False)
class Delivery:
    """One request the mock makes (or would make) to a callback_url, and how it went."""

    seq: int
    task_id: str
    kind: str
    url: str
    body: dict[str, Any]
    time: float
    dialect: str
    status: str | None = None
    outcome: str = "pending"
    reason: str | None = None
    fault: str | None = None
    notes: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    #: What the mock will do when sending: cut the body (a `corrupt` rule), wait first.
    corrupt: bool = False
    delay: float = 0.0
    size: int = 0
    logged: bool = field(default=False, repr=False)

    def payload(self) -> bytes:
        """The bytes sent: the body as compact JSON, or its first half when corrupted."""
        raw = json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()
        return raw[: len(raw) // 2] if self.corrupt else raw

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "task_id": self.task_id,
            "kind": self.kind,
            "status": self.status,
            "url": self.url,
            "body": self.body,
            "time": self.time,
            "outcome": self.outcome,
            "reason": self.reason,
            "attempts": [a.to_json() for a in self.attempts],
            "fault": self.fault,
            "notes": list(self.notes),
            "dialect": self.dialect,
        }


class DeliveryLog:
    """Every delivery, bounded by count and by bytes (bodies plus kept answers): past
    either limit the oldest are dropped and counted, as the journal does."""

    def __init__(self, limit: int, max_bytes: int) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._entries: deque[Delivery] = deque()
        self._lock = threading.Lock()
        self._seq = 0
        self.bytes = 0
        self.dropped = 0

    def add(self, delivery: Delivery) -> Delivery:
        with self._lock:
            self._seq += 1
            delivery.seq = self._seq
            delivery.size = len(delivery.payload()) + len(delivery.url)
            delivery.logged = True
            self._entries.append(delivery)
            self.bytes += delivery.size
            self._trim()
        return delivery

    def grow(self, delivery: Delivery, size: int) -> None:
        """Account for an answer kept on `delivery` (if it is still in the log)."""
        with self._lock:
            delivery.size += size
            if delivery.logged:
                self.bytes += size
                self._trim()

    def _trim(self) -> None:
        while self._entries and (
            len(self._entries) > self.limit
            or (self.bytes > self.max_bytes and len(self._entries) > 1)
        ):
            old = self._entries.popleft()
            old.logged = False
            self.bytes -= old.size
            self.dropped += 1

    def __iter__(self) -> Iterator[Delivery]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
