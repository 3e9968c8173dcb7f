"""Tasks and their lifecycle: Preparing -> Queueing -> Processing -> Success | Fail.

A task's status is computed from the clock each time it is read, never stored, so
advancing a virtual clock (or, in polls mode, querying) is all it takes to move it on.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from ulid import ULID

from .settings import Timing
from .validation import VideoRequest
from .validation_v2 import V2Request

__all__ = ["Status", "Task", "TaskStore"]


class Status(str, Enum):
    PREPARING = "Preparing"
    QUEUEING = "Queueing"
    PROCESSING = "Processing"
    SUCCESS = "Success"
    FAIL = "Fail"

    @property
    def finished(self) -> bool:
        return self is _SUCCESS or self is _FAIL

    @classmethod
    def parse(cls, value: str) -> Status:
        """A status by its V1 name or, for V2 tasks, its V2 word (`queued`, `succeeded` ...)."""
        wanted = value.strip().lower()
        for s in cls:
            if s.value.lower() == wanted:
                return s
        if wanted in _V2_WORDS:
            return _V2_WORDS[wanted]
        raise ValueError(f"{value!r} is not one of {', '.join(s.value for s in cls)}")


_PENDING = (Status.PREPARING, Status.QUEUEING, Status.PROCESSING)
#: Members as plain globals for the query path: read through the Enum class, each costs
#: about 50 ns.
_PROCESSING, _SUCCESS, _FAIL = Status.PROCESSING, Status.SUCCESS, Status.FAIL
#: V2's status words for the same lifecycle (`cancelled` is not a phase: see Task.cancelled_at).
_V2_WORDS = {
    "queued": Status.QUEUEING,
    "running": Status.PROCESSING,
    "succeeded": Status.SUCCESS,
    "failed": Status.FAIL,
}


@dataclass
class Task:
    task_id: str
    ulid: str
    file_id: str
    api_key: str | None
    request: VideoRequest | V2Request
    created_at: float
    cdn_path: str
    surface: str
    polls: int = 0
    forced: Status | None = None
    #: Set when the task is to end in Fail by itself (a task fault at generation time).
    fail_code: int | None = None
    #: The code of a failure forced through the control API; released with the force.
    forced_code: int | None = None
    #: A task that never leaves Processing (a fault for timeout logic).
    stuck: bool = False
    #: Multiplies every phase's length (a `slow` task fault).
    slowdown: float = 1.0
    fault_id: str | None = None
    finished_at: float | None = field(default=None)
    #: When a queued V2 task was cancelled (DELETE /v2/video_generation/{id}).
    cancelled_at: float | None = None

    @property
    def platform_id(self) -> str:
        return f"video_{self.ulid}"

    @property
    def failure_code(self) -> int | None:
        """Why the task fails: a forced failure's code, else its own fault's."""
        return self.forced_code if self.forced is Status.FAIL else self.fail_code

    @property
    def audio(self) -> bool:
        """Whether the output has a sound track: H3 renders with stereo audio, V1 silent."""
        return isinstance(self.request, V2Request)

    @property
    def frames(self) -> int:
        if isinstance(self.request, V2Request):
            return self.request.frames  # H3's 17n+5 grid
        return self.request.duration * self.request.fps

    def status(self, now: float, timing: Timing, polls_mode: bool) -> Status:
        if self.forced is not None:
            return self.forced
        phases = timing.phases(self.request.mode._value_)  # `.value`, without enum's property
        slowdown = self.slowdown
        if polls_mode:
            steps = [s for s, p in zip(_PENDING, phases, strict=True) if p * slowdown > 0]
            if self.polls < len(steps):
                return steps[self.polls]
            if self.stuck:
                return _PROCESSING
        else:
            # Each phase scaled as it is added: no list per call (queries ask this often).
            elapsed = now - self.created_at
            edge = 0.0
            for step, length in zip(_PENDING, phases, strict=True):
                edge += length * slowdown
                if elapsed < edge:
                    return step
            if self.stuck:
                return _PROCESSING
        return _FAIL if self.fail_code is not None else _SUCCESS

    def changes(self, timing: Timing) -> tuple[float, ...]:
        """When the clock moves the task on by itself (entering Queueing, Processing, and
        its end; a stuck task never ends): what a real-clock callback scheduler waits for."""
        edges: list[float] = []
        edge = self.created_at
        for length in timing.phases(self.request.mode.value):
            edge += length * self.slowdown
            edges.append(edge)
        return tuple(edges[:2] if self.stuck else edges)

    def finish_time(self, timing: Timing) -> float:
        return self.created_at + sum(timing.phases(self.request.mode.value)) * self.slowdown


class TaskStore:
    """Tasks by ID, bounded: past `limit` the oldest task and its indexes are dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._tasks: OrderedDict[str, Task] = OrderedDict()
        self._by_ulid: dict[str, str] = {}
        self._by_file: dict[str, str] = {}
        self._by_path: dict[str, str] = {}
        self.lock = threading.RLock()
        self.evicted = 0

    def add(self, task: Task) -> None:
        task_id = task.task_id
        tasks = self._tasks
        by_ulid, by_file, by_path = self._by_ulid, self._by_file, self._by_path
        with self.lock:
            tasks[task_id] = task
            by_ulid[task.ulid] = task_id
            by_file[task.file_id] = task_id
            by_path[task.cdn_path] = task_id
            # Past the bound (every create, once it is reached): the oldest goes.
            while len(tasks) > self.limit:
                _, old = tasks.popitem(False)  # last=False, positionally: cheaper
                by_ulid.pop(old.ulid, None)
                by_file.pop(old.file_id, None)
                by_path.pop(old.cdn_path, None)
                self.evicted += 1

    def get(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    def by_ulid(self, text: str) -> Task | None:
        """A task by the ULID a client hands back, read as python-ulid reads one (any case;
        not 26 Crockford characters within 128 bits: no task)."""
        try:
            key = str(ULID.from_str(text))
        except ValueError:
            return None
        tid = self._by_ulid.get(key)
        return self._tasks.get(tid) if tid else None

    def by_file(self, file_id: str) -> Task | None:
        tid = self._by_file.get(file_id)
        return self._tasks.get(tid) if tid else None

    def by_path(self, path: str) -> Task | None:
        tid = self._by_path.get(path)
        return self._tasks.get(tid) if tid else None

    def find(self, ref: str) -> Task | None:
        """Any ID a user may hold: task_id, video_<ULID>, task_<ULID>, a bare ULID."""
        task = self._tasks.get(ref)
        if task is not None:  # a task_id as given (digits): what the reading below finds
            return task
        ref = ref.strip()
        lowered = ref.lower()
        for prefix in ("video_", "task_"):
            if lowered.startswith(prefix):
                return self.by_ulid(ref[len(prefix) :])
        if len(ref) == 26 and not ref.isdigit():
            return self.by_ulid(ref)
        return self.get(ref)

    def remove(self, task_id: str) -> Task | None:
        """Drop a task and its indexes (a deleted V2 task); None when there is none."""
        with self.lock:
            task = self._tasks.pop(task_id, None)
            if task is not None:
                self._by_ulid.pop(task.ulid, None)
                self._by_file.pop(task.file_id, None)
                self._by_path.pop(task.cdn_path, None)
            return task

    def clear(self) -> None:
        with self.lock:
            self._tasks.clear()
            self._by_ulid.clear()
            self._by_file.clear()
            self._by_path.clear()
            self.evicted = 0

    def __iter__(self) -> Iterator[Task]:
        with self.lock:
            return iter(list(self._tasks.values()))

    def __len__(self) -> int:
        return len(self._tasks)

    def forget_file(self, task: Task) -> None:
        """Drop a task's file (files/delete): its file_id and download path stop resolving;
        the task and its query stay."""
        with self.lock:
            self._by_file.pop(task.file_id, None)
            self._by_path.pop(task.cdn_path, None)
