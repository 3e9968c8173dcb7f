"""The route list: the one place every path the mock answers is declared.

The app and the README's route table are built from `ROUTES`; a test keeps its route names
the ones a fault rule's `route` key takes (`core.faults.ROUTES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import cdn, control, gateway, official
from .exchange import Handler
from .surfaces import CDN, CONTROL, GATEWAY, OFFICIAL, Surface

__all__ = ["ROUTES", "RouteSpec"]


@dataclass(frozen=True)
class RouteSpec:
    surface: Surface
    name: str
    methods: tuple[str, ...]
    path: str
    handler: Handler
    summary: str


def _api(surface: Surface, prefix: str, module: object) -> list[RouteSpec]:
    return [
        RouteSpec(surface, "create", ("POST",), f"{prefix}/video_generation",
                  module.create, "create a video generation task"),  # type: ignore[attr-defined]
        RouteSpec(surface, "query", ("GET",), f"{prefix}/query/video_generation",
                  module.query, "a task's status by ?task_id="),  # type: ignore[attr-defined]
        RouteSpec(surface, "retrieve", ("GET",), f"{prefix}/files/retrieve",
                  module.retrieve, "a file object with its download_url by ?file_id="),  # type: ignore[attr-defined]
        RouteSpec(surface, "retrieve_content", ("GET", "HEAD"), f"{prefix}/files/retrieve_content",
                  module.retrieve_content, "the file's bytes by ?file_id="),  # type: ignore[attr-defined]
    ]  # fmt: skip


ROUTES: tuple[RouteSpec, ...] = (
    *_api(OFFICIAL, "/v1", official),
    *_api(GATEWAY, "/minimaxi/v1", gateway),
    RouteSpec(CDN, "download", ("GET", "HEAD"),
              "/inference_output/video/{day}/{key}/output.mp4", cdn.download,
              "the MP4 behind a download_url (signed, expiring, Range and HEAD)"),
    RouteSpec(CONTROL, "health", ("GET",), "/_mock/health", control.health,
              "liveness, version, seed, clock"),
    RouteSpec(CONTROL, "reset", ("POST",), "/_mock/reset", control.reset,
              "drop tasks and journal; rewind clock and seed"),
    RouteSpec(CONTROL, "journal", ("GET",), "/_mock/journal", control.journal,
              "recorded requests (?surface= &route= &method= &limit=)"),
    RouteSpec(CONTROL, "journal_clear", ("DELETE",), "/_mock/journal", control.clear_journal,
              "empty the journal only"),
    RouteSpec(CONTROL, "tasks", ("GET",), "/_mock/tasks", control.tasks, "every task"),
    RouteSpec(CONTROL, "task", ("GET",), "/_mock/tasks/{task_id}", control.task,
              "one task by task_id, platform_id or ULID"),
    RouteSpec(CONTROL, "task_force", ("POST",), "/_mock/tasks/{task_id}", control.force_task,
              'force a status: {"status": "Success"} or {"status": "Fail", "code": 1027}'),
    RouteSpec(CONTROL, "clock", ("GET",), "/_mock/clock", control.clock, "clock mode and time"),
    RouteSpec(CONTROL, "clock_advance", ("POST",), "/_mock/clock/advance", control.advance,
              'move the virtual clock: {"seconds": N}'),
    RouteSpec(CONTROL, "faults", ("GET",), "/_mock/faults", control.faults,
              "fault rules in order, with their matched and hit counts"),
    RouteSpec(CONTROL, "fault_add", ("POST",), "/_mock/faults", control.add_fault,
              'add one rule, last: {"route": "create", "minimax_error": 1002} or the JSON '
              'string "route=create,minimax_error=1002"; answers it with its id'),
    RouteSpec(CONTROL, "faults_clear", ("DELETE",), "/_mock/faults", control.clear_faults,
              "drop every fault rule"),
    RouteSpec(CONTROL, "fault_delete", ("DELETE",), "/_mock/faults/{fault_id}",
              control.delete_fault, "drop one fault rule by id"),
)  # fmt: skip
