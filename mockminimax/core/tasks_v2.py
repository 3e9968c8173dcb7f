"""V2 (H3) tasks: the same tasks, clock and store as V1, seen through V2's words.

A V2 task is a `Task` with surface `v2` and a `V2Request`. Its status is V1's lifecycle
renamed (Preparing and Queueing are `queued`, Processing is `running`, Success
`succeeded`, Fail `failed`), plus `cancelled`, which only a queued task can become. So
the control API, fault rules, the virtual clock and polls mode move V2 tasks exactly as
they move V1 ones.

A `callback_url` is called back in V2's words through `V2Dialect`: `{"task": {...}}`,
the query's body, at each of `queued`, `running`, `succeeded` | `failed` | `cancelled`.
The lifecycle moves with the clock (the engine's `tick`), a polls-mode query or a forced
status (`touch`), and `V2Tasks.cancel`, which touches the engine too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from . import catalog_v2 as cat
from .callbacks import Dialect
from .catalog_v2 import Modality, TaskType
from .codes import ApiError, message_for
from .faults import FaultRule
from .param_errors import invalid
from .tasks import Status, Task
from .validation_v2 import V2Request

if TYPE_CHECKING:
    from .mock import MiniMaxMock

__all__ = ["ListFilter", "V2Dialect", "V2Error", "V2Status", "V2Tasks"]


class V2Status(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (V2Status.SUCCEEDED, V2Status.FAILED, V2Status.CANCELLED)


_FROM_V1 = {
    Status.PREPARING: V2Status.QUEUED,
    Status.QUEUEING: V2Status.QUEUED,
    Status.PROCESSING: V2Status.RUNNING,
    Status.SUCCESS: V2Status.SUCCEEDED,
    Status.FAIL: V2Status.FAILED,
}


class V2Error(Exception):
    """A V2 refusal that is not one of MiniMax's codes' usual HTTP statuses (a 404)."""

    def __init__(self, status: int, kind: str, message: str, field: str | None = None) -> None:
        self.status = status
        self.kind = kind
        self.message = message
        self.field = field
        super().__init__(f"{status} {kind}: {message}")


@dataclass(frozen=True)
class ListFilter:
    """The list endpoint's `filter.*` parameters; empty means no filter."""

    #: Status words; `expired` (in the CN docs' filter enum) matches none of the mock's
    #: tasks, which never expire inside the 7-day window.
    statuses: tuple[str, ...] = ()
    task_ids: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    task_types: tuple[TaskType, ...] = ()

    def keeps(self, task: Task, status: V2Status) -> bool:
        request = task.request
        assert isinstance(request, V2Request)
        return (
            (not self.statuses or status.value in self.statuses)
            and (not self.task_ids or task.task_id in self.task_ids)
            and (not self.models or request.model in self.models)
            and (not self.task_types or request.task_type in self.task_types)
        )


_EXPANSIONS = (
    "The camera drifts slowly forward at eye level",
    "soft natural light falls from the left",
    "shallow depth of field keeps the subject sharp",
    "ambient sound matches the scene, with a quiet room tone",
    "motion is smooth and continuous, without cuts",
    "colours are rich but true to life",
    "the background stays consistent from the first frame to the last",
    "a subtle handheld sway adds realism",
)


class V2Tasks:
    """The V2 operations over one `MiniMaxMock`: create, status, bodies, list, cancel, delete."""

    def __init__(self, mock: MiniMaxMock) -> None:
        self.mock = mock

    # -- status -----------------------------------------------------------------------

    def status(self, task: Task, *, poll: bool = False) -> V2Status:
        """The V2 status now; `poll` moves a polls-mode task on, as a query does."""
        if task.cancelled_at is not None:
            return V2Status.CANCELLED
        return _FROM_V1[self.mock.poll(task) if poll else self.mock.status(task)]

    def _live(self, task: Task, now: float) -> bool:
        return task.surface == "v2" and now - task.created_at <= cat.RETENTION_SECONDS

    # -- create -----------------------------------------------------------------------

    def create(
        self,
        request: V2Request,
        api_key: str | None,
        fault: FaultRule | None = None,
        base_url: str = "",
    ) -> Task:
        """A new V2 task from a request `admit` let through. `base_url` is where the task's
        pushes point `content.url` (the create's host)."""
        folder = "text" if request.modality is Modality.TEXT else "rollout"
        dialect = V2Dialect(self.mock, base_url)
        return self.mock.create_task(request, api_key, "v2", fault, dialect, folder=folder)

    def admit(self, request: V2Request, api_key: str | None) -> V2Request:
        """The checks that need the task store, made before any fault rule or rate limit
        sees the request, so a refusal here counts nothing: a regeneration by
        `source_task_id` takes its source's shape; the key's in-flight limit holds."""
        if request.source_task_id is not None:
            request = self._from_source(request, api_key)
        self._check_in_flight(api_key)
        return request

    def _check_in_flight(self, api_key: str | None) -> None:
        """`v2_max_in_flight`: a key's queued and running V2 tasks, at most that many."""
        limit = self.mock.settings.v2_max_in_flight
        if limit is None:
            return
        busy = sum(
            1
            for task in self.mock.store
            if task.surface == "v2"
            and task.api_key == api_key
            and self.status(task) in (V2Status.QUEUED, V2Status.RUNNING)
        )
        if busy >= limit:
            raise ApiError(1002, f"rate limit, {busy} tasks in flight (the limit is {limit})")

    def _from_source(self, request: V2Request, api_key: str | None) -> V2Request:
        ref = request.source_task_id or ""
        task = self.mock.find_task(ref, api_key, v2=True)
        name = "source_task_id"
        if task is None or not self._live(task, self.mock.now()):
            raise invalid(name, f"no task {ref}")
        source = task.request
        assert isinstance(source, V2Request)
        if source.task_type is not TaskType.GENERATION or source.model != "MiniMax-H3":
            raise invalid(name, f"task {ref} is not a MiniMax-H3 generation")
        if source.resolution != "768P":
            raise invalid(
                name, f"task {ref} is {source.resolution}; only 768P outputs are regenerated"
            )
        status = self.status(task)
        if status is not V2Status.SUCCEEDED:
            raise invalid(name, f"task {ref} is {status.value}, not succeeded")
        width, height = cat.output_size("2K", cat.nearest_ratio(source.width, source.height))
        return dataclasses.replace(
            request,
            mode=source.mode,
            text=source.text,
            duration=source.duration,
            ratio=source.ratio,
            width=width,
            height=height,
            frames=source.frames,
        )

    # -- reading ----------------------------------------------------------------------

    def find(self, ref: str, api_key: str | None) -> Task:
        """The caller's V2 task, within the 7-day window, or the refusal: a task outside the
        window is `invalid task_id`, as the docs say; an unknown one as `v2_unknown_task`."""
        task = self.mock.find_task(ref.strip(), api_key, v2=True)
        if task is None:
            raise self.not_found(ref)
        if not self._live(task, self.mock.now()):
            raise ApiError(2013, "invalid params, invalid task_id", field="task_id")
        return task

    def not_found(self, ref: str) -> Exception:
        if self.mock.settings.v2_unknown_task == "400":
            return ApiError(2013, "invalid params, invalid task_id", field="task_id")
        return V2Error(404, "not_found_error", "record not found (1000)", field="task_id")

    def body(
        self,
        task: Task,
        base_url: str,
        *,
        poll: bool = False,
        status: V2Status | None = None,
    ) -> dict[str, Any]:
        """The VideoTask object, as query, list and V2 callbacks carry it (a push gives
        the `status` it reports, which the clock may already have passed)."""
        request = task.request
        assert isinstance(request, V2Request)
        if status is None:
            status = self.status(task, poll=poll)
        out: dict[str, Any] = {"id": task.task_id, "model": request.model, "status": status.value}
        if status is V2Status.FAILED:
            code = task.failure_code or 1027
            out["error"] = {"code": str(code), "message": message_for(code)}
        out["created_at"] = int(task.created_at)
        out["updated_at"] = int(self._updated_at(task, status))
        content: dict[str, Any] = {}
        if status is V2Status.SUCCEEDED:
            if request.modality is Modality.TEXT:
                content["prompt"] = expanded_prompt(task.task_id, request.text)
            else:
                content["url"] = self.mock.file_object(task, base_url).download_url
        out["content"] = content
        out["resolution"] = request.resolution
        out["duration"] = request.duration
        out["usage"] = usage(task, request) if status is V2Status.SUCCEEDED else {}
        out["ratio"] = request.ratio
        out["task_type"] = request.task_type.value
        out["modality"] = request.modality.value
        return out

    def _updated_at(self, task: Task, status: V2Status) -> float:
        if status is V2Status.CANCELLED:
            return task.cancelled_at or task.created_at
        if status.finished:
            return task.finished_at or self.mock.now()
        if status is V2Status.RUNNING and not self.mock.polls_mode and task.forced is None:
            assert isinstance(task.request, V2Request)
            waiting = self.mock.timing.phases(task.request.mode.value)[:2]
            return task.created_at + sum(waiting) * task.slowdown
        return task.created_at if status is V2Status.QUEUED else self.mock.now()

    def list(
        self,
        api_key: str | None,
        wanted: ListFilter,
        page_num: int,
        page_size: int,
        base_url: str,
    ) -> dict[str, Any]:
        """`{"items": [...], "total": N}`: the caller's V2 tasks of the last 7 days, newest
        first, filtered; `total` counts every match, not just this page."""
        now = self.mock.now()
        matches = [
            task
            for task in reversed(list(self.mock.store))
            if self._live(task, now)
            and self.mock.find_task(task.task_id, api_key, v2=True) is task
            and wanted.keeps(task, self.status(task))
        ]
        start = (page_num - 1) * page_size
        items = [self.body(t, base_url) for t in matches[start : start + page_size]]
        return {"items": items, "total": len(matches)}

    # -- cancel and delete ------------------------------------------------------------

    def delete(self, task: Task) -> dict[str, Any]:
        """DELETE: a queued task is cancelled (not charged), a finished one deleted; a
        running or cancelled one cannot be."""
        status = self.status(task)
        if status is V2Status.QUEUED:
            self.cancel(task)
            action = "cancelled"
        elif status in (V2Status.SUCCEEDED, V2Status.FAILED):
            self.mock.store.remove(task.task_id)
            action = "deleted"
        else:
            reason = "is running" if status is V2Status.RUNNING else "is already cancelled"
            raise ApiError(
                2013,
                f"invalid params, task {task.task_id} {reason}; only queued tasks can be "
                "cancelled and only succeeded or failed ones deleted",
                field="task_id",
            )
        return {"task_id": task.task_id, "action": action, "status": action}

    def cancel(self, task: Task) -> None:
        with self.mock.store.lock:
            task.cancelled_at = self.mock.now()
            task.forced = None
        self.mock.callbacks.touch(task.task_id)

    # -- control ----------------------------------------------------------------------

    def control_fields(self, task: Task) -> dict[str, Any]:
        """What the control API adds for a V2 task: its V2 status, type and modality."""
        request = task.request
        assert isinstance(request, V2Request)
        return {
            "v2_status": self.status(task).value,
            "task_type": request.task_type.value,
            "modality": request.modality.value,
            "cancelled_at": task.cancelled_at,
        }


def usage(task: Task, request: V2Request) -> dict[str, Any]:
    """What a succeeded task reports it used: seconds for video, tokens for context-IR."""
    if request.modality is Modality.TEXT:
        prompt = math.ceil(len(request.text) / 4)
        completion = math.ceil(len(expanded_prompt(task.task_id, request.text)) / 4)
        seconds: dict[str, Any] = dict.fromkeys(
            ("total_seconds", "input_seconds", "output_seconds", "input_audio_seconds"), 0
        )
        return {
            **seconds,
            "input_image_count": request.count("first_frame", "last_frame", "reference_image"),
            "total_tokens": prompt + completion,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
        }
    inputs = math.ceil(request.seconds("reference_video", "base_video"))
    return {
        "total_seconds": request.duration + inputs,
        "input_seconds": inputs,
        "output_seconds": request.duration,
        "input_image_count": request.count("first_frame", "last_frame", "reference_image"),
        "input_audio_seconds": math.ceil(request.seconds("reference_audio")),
        "total_tokens": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
    }


def expanded_prompt(task_id: str, text: str) -> str:
    """A context-IR task's result: the prompt with scene detail added, the same for the
    same task and text on every read (no randomness to replay)."""
    digest = hashlib.sha256(f"{task_id}:{text}".encode()).digest()
    picks = sorted({digest[i] % len(_EXPANSIONS) for i in range(3)})
    detail = "; ".join(_EXPANSIONS[i] for i in picks)
    return f"{text.strip().rstrip('.')}. {detail[0].upper()}{detail[1:]}."


class V2Dialect(Dialect[Task]):
    """How a V2 task is called back (reference §9): every status in V2's own words, each
    push the query's `{"task": {...}}` body, `content.url` signed on the create's host."""

    name = "v2"
    _PATH = (V2Status.QUEUED.value, V2Status.RUNNING.value)

    def __init__(self, mock: MiniMaxMock, base_url: str) -> None:
        self.mock = mock
        self.base_url = base_url

    def status(self, task: Task) -> str:
        return self.mock.v2.status(task).value

    def path(self, status: str) -> tuple[str, ...]:
        if status in self._PATH:
            return self._PATH[: self._PATH.index(status) + 1]
        if status == V2Status.CANCELLED.value:  # only a queued task is cancelled
            return (V2Status.QUEUED.value, status)
        return (*self._PATH, status)

    def word(self, status: str) -> str | None:
        return status

    def body(self, task: Task, status: str, word: str) -> dict[str, Any]:
        return {"task": self.mock.v2.body(task, self.base_url, status=V2Status(status))}

    def terminal(self, status: str) -> bool:
        return V2Status(status).finished

    def next_change(self, task: Task, now: float) -> float | None:
        if task.forced is not None or task.cancelled_at is not None or self.mock.polls_mode:
            return None
        return next((t for t in task.changes(self.mock.timing) if t > now), None)
