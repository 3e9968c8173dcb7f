"""The route list: the one place every path the mock answers is declared.

The app and the README's route table are built from `ROUTES`; a test keeps its route names
the ones a fault rule's `route` key takes (`core.faults.ROUTES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import cdn, control, files, gateway, official, templates, v2
from .exchange import Handler
from .surfaces import CDN, CONTROL, GATEWAY, OFFICIAL, V2, Surface

__all__ = ["ROUTES", "RouteSpec"]


@dataclass(frozen=True)
class RouteSpec:
    surface: Surface
    name: str
    methods: tuple[str, ...]
    path: str
    handler: Handler
    summary: str
    #: Request headers the route reads beyond Authorization (and Content-Type with a
    #: body); a browser preflight allows them (`cors.allowed_headers`).
    headers: tuple[str, ...] = ()


def _api(surface: Surface, prefix: str, module: object) -> list[RouteSpec]:
    return [
        RouteSpec(surface, "create", ("POST",), f"{prefix}/video_generation",
                  module.create, "create a video generation task"),  # type: ignore[attr-defined]
        RouteSpec(surface, "query", ("GET",), f"{prefix}/query/video_generation",
                  module.query, "a task's status by ?task_id="),  # type: ignore[attr-defined]
        RouteSpec(surface, "retrieve", ("GET",), f"{prefix}/files/retrieve",
                  module.retrieve, "a file object with its download_url by ?file_id="),  # type: ignore[attr-defined]
        RouteSpec(surface, "retrieve_content", ("GET", "HEAD"), f"{prefix}/files/retrieve_content",
                  module.retrieve_content, "the file's bytes by ?file_id=",  # type: ignore[attr-defined]
                  ("Range",)),
    ]  # fmt: skip


ROUTES: tuple[RouteSpec, ...] = (
    *_api(OFFICIAL, "/v1", official),
    RouteSpec(OFFICIAL, "upload", ("POST",), "/v1/files/upload", files.upload,
              "upload a file: multipart/form-data with purpose and file"),
    RouteSpec(OFFICIAL, "list_files", ("GET",), "/v1/files/list", files.list_files,
              "your uploaded files of one ?purpose="),
    RouteSpec(OFFICIAL, "delete_file", ("POST",), "/v1/files/delete", files.delete_file,
              'delete an upload: {"file_id": N, "purpose": "..."}'),
    RouteSpec(OFFICIAL, "template_create", ("POST",), "/v1/video_template_generation",
              templates.create, "create a Video Agent (template) task"),
    RouteSpec(OFFICIAL, "template_query", ("GET",), "/v1/query/video_template_generation",
              templates.query, "a Video Agent task's status and video_url by ?task_id="),
    *_api(GATEWAY, "/minimaxi/v1", gateway),
    RouteSpec(CDN, "download", ("GET", "HEAD"),
              "/inference_output/video/{day}/{key}/output.mp4", cdn.download,
              "the MP4 behind a download_url (signed, expiring, Range and HEAD)"),
    RouteSpec(V2, "create", ("POST",), "/v2/video_generation", v2.create,
              "create a V2 (H3) task from content items; answers {task_id}"),
    RouteSpec(V2, "query", ("GET",), "/v2/query/video_generation/{task_id}", v2.query,
              "one V2 task: {task: {status, content.url, usage, ...}}"),
    RouteSpec(V2, "list_tasks", ("GET",), "/v2/query/video_generation", v2.list_tasks,
              "V2 tasks of the last 7 days, newest first (?page_num= &page_size= &filter.*=)"),
    RouteSpec(V2, "delete_task", ("DELETE",), "/v2/video_generation/{task_id}", v2.delete,
              "cancel a queued V2 task or delete a finished one"),
    RouteSpec(V2, "context_ir", ("POST",), "/v2/h3_context_ir", v2.context_ir,
              "MiniMax-H3 prompt enhancement; the task's content is {prompt}"),
    RouteSpec(V2, "regenerate", ("POST",), "/v2/video_regeneration", v2.regenerate,
              "re-render a 768P MiniMax-H3 video at 2K"),
    RouteSpec(CDN, "download", ("GET", "HEAD"),
              "/inference_output/rollout/{day}/{key}/output.mp4", cdn.download,
              "the MP4 behind a V2 content.url"),
    RouteSpec(CDN, "download", ("GET", "HEAD"), "/inference_output/file/{file_id}/{name}",
              files.download, "an uploaded file behind its download_url (signed, expiring)"),
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
    RouteSpec(CONTROL, "task_callbacks", ("GET",), "/_mock/tasks/{task_id}/callbacks",
              control.task_callbacks, "one task's callback deliveries (?wait=SECONDS first "
              "waits until none is in flight)"),
    RouteSpec(CONTROL, "callbacks", ("GET",), "/_mock/callbacks", control.callbacks,
              "every callback delivery (?task_id= &kind= &outcome= &wait=SECONDS)"),
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
