"""The route list: the one place every path the mock answers is declared.

The app, the README's route table and the OpenAPI document (`server/openapi.py`) are built
from `ROUTES`; a test keeps its route names the ones a fault rule's `route` key takes
(`core.faults.ROUTES`).

A route declares what the document says of it next to its handler's module: `params`
(query and header; path parameters come from the path), `body`, `answers` (its successes,
by HTTP status), `errors` (statuses it refuses with beyond its surface's own, in the
surface's error shape) and `links` (the calls its answers lead to).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import cdn, control, files, gateway, official, templates, v2
from .exchange import Handler
from .media import BYTES_ANSWERS, FILE_CONTENT_ANSWERS, VIDEO_ANSWERS
from .schemas import Answer, Body, Link, Param, string
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
    params: tuple[Param, ...] = field(default=(), kw_only=True)
    body: Body | None = field(default=None, kw_only=True)
    answers: Mapping[int, Answer] = field(default_factory=dict, kw_only=True)
    errors: tuple[int, ...] = field(default=(), kw_only=True)
    links: tuple[Link, ...] = field(default=(), kw_only=True)


def _api(surface: Surface, prefix: str, module: object) -> list[RouteSpec]:
    """The four V1 routes; the gateway answers with its own IDs, status case and errors."""
    s = surface.name
    gw = surface is GATEWAY
    created = official.create_answers({"platform_id": gateway.PLATFORM_ID} if gw else None)
    return [
        RouteSpec(surface, "create", ("POST",), f"{prefix}/video_generation",
                  module.create, "create a video generation task",  # type: ignore[attr-defined]
                  body=gateway.CREATE_BODY if gw else official.CREATE_BODY,
                  answers=created, errors=(200,) if gw else (),
                  links=official.links(s, "create")),
        RouteSpec(surface, "query", ("GET",), f"{prefix}/query/video_generation",
                  module.query, "a task's status by ?task_id=",  # type: ignore[attr-defined]
                  params=official.QUERY_PARAMS,
                  answers=gateway.QUERY_ANSWERS if gw else official.QUERY_ANSWERS,
                  errors=(200, 404) if gw else (), links=official.links(s, "query")),
        RouteSpec(surface, "retrieve", ("GET",), f"{prefix}/files/retrieve",
                  module.retrieve, "a file object with its download_url by ?file_id=",  # type: ignore[attr-defined]
                  params=official.FILE_PARAMS, answers=official.file_answers(),
                  errors=(404,) if gw else (), links=official.links(s, "retrieve")),
        RouteSpec(surface, "retrieve_content", ("GET", "HEAD"), f"{prefix}/files/retrieve_content",
                  module.retrieve_content, "the file's bytes by ?file_id=",  # type: ignore[attr-defined]
                  ("Range",), params=(*official.FILE_PARAMS, _RANGE),
                  answers=VIDEO_ANSWERS if gw else FILE_CONTENT_ANSWERS,
                  errors=(404,) if gw else ()),
    ]  # fmt: skip


_RANGE = Param("Range", "header", string(), "one byte range, bytes=START-END (others are ignored)")
_DOWNLOAD = (
    Param("Expires", "query", string(pattern=r"^\d+$"), "from the download_url", True),
    Param("OSSAccessKeyId", "query", string(), "from the download_url", True),
    Param("Signature", "query", string(), "from the download_url", True),
    _RANGE,
)


ROUTES: tuple[RouteSpec, ...] = (
    *_api(OFFICIAL, "/v1", official),
    RouteSpec(OFFICIAL, "upload", ("POST",), "/v1/files/upload", files.upload,
              "upload a file: multipart/form-data with purpose and file",
              body=files.UPLOAD_BODY, answers=files.UPLOADED, errors=(400,),
              links=files.UPLOAD_LINKS),
    RouteSpec(OFFICIAL, "list_files", ("GET",), "/v1/files/list", files.list_files,
              "your uploaded files of one ?purpose=",
              params=files.LIST_PARAMS, answers=files.LISTED),
    RouteSpec(OFFICIAL, "delete_file", ("POST",), "/v1/files/delete", files.delete_file,
              'delete an upload: {"file_id": N, "purpose": "..."}',
              body=files.DELETE_BODY, answers=files.DELETED),
    RouteSpec(OFFICIAL, "template_create", ("POST",), "/v1/video_template_generation",
              templates.create, "create a Video Agent (template) task",
              body=templates.CREATE_BODY, answers=templates.CREATED),
    RouteSpec(OFFICIAL, "template_query", ("GET",), "/v1/query/video_template_generation",
              templates.query, "a Video Agent task's status and video_url by ?task_id=",
              params=templates.QUERY_PARAMS, answers=templates.QUERIED),
    *_api(GATEWAY, "/minimaxi/v1", gateway),
    RouteSpec(CDN, "download", ("GET", "HEAD"),
              "/inference_output/video/{day}/{key}/output.mp4", cdn.download,
              "the MP4 behind a download_url (signed, expiring, Range and HEAD)",
              params=_DOWNLOAD, answers=VIDEO_ANSWERS),
    RouteSpec(V2, "create", ("POST",), "/v2/video_generation", v2.create,
              "create a V2 (H3) task from content items; answers {task_id}",
              body=v2.CREATE_BODY, answers=v2.CREATED, links=v2.links("create")),
    RouteSpec(V2, "query", ("GET",), "/v2/query/video_generation/{task_id}", v2.query,
              "one V2 task: {task: {status, content.url, usage, ...}}",
              answers=v2.QUERIED, links=v2.links("query")),
    RouteSpec(V2, "list_tasks", ("GET",), "/v2/query/video_generation", v2.list_tasks,
              "V2 tasks of the last 7 days, newest first (?page_num= &page_size= &filter.*=)",
              params=v2.LIST_PARAMS, answers=v2.LISTED),
    RouteSpec(V2, "delete_task", ("DELETE",), "/v2/video_generation/{task_id}", v2.delete,
              "cancel a queued V2 task or delete a finished one", answers=v2.DELETED),
    RouteSpec(V2, "context_ir", ("POST",), "/v2/h3_context_ir", v2.context_ir,
              "MiniMax-H3 prompt enhancement; the task's content is {prompt}",
              body=v2.CONTEXT_IR_BODY, answers=v2.CREATED, links=v2.links("create")),
    RouteSpec(V2, "regenerate", ("POST",), "/v2/video_regeneration", v2.regenerate,
              "re-render a 768P MiniMax-H3 video at 2K",
              body=v2.REGENERATION_BODY, answers=v2.CREATED, links=v2.links("create")),
    RouteSpec(CDN, "download", ("GET", "HEAD"),
              "/inference_output/rollout/{day}/{key}/output.mp4", cdn.download,
              "the MP4 behind a V2 content.url", params=_DOWNLOAD, answers=VIDEO_ANSWERS),
    RouteSpec(CDN, "download", ("GET", "HEAD"), "/inference_output/file/{file_id}/{name}",
              files.download, "an uploaded file behind its download_url (signed, expiring)",
              params=_DOWNLOAD, answers=BYTES_ANSWERS),
    RouteSpec(CONTROL, "health", ("GET",), "/_mock/health", control.health,
              "liveness, version, seed, clock", answers=control.ok("alive", control.HEALTH)),
    RouteSpec(CONTROL, "reset", ("POST",), "/_mock/reset", control.reset,
              "drop tasks and journal; rewind clock and seed",
              answers=control.ok("reset", control.said("reset"))),
    RouteSpec(CONTROL, "journal", ("GET",), "/_mock/journal", control.journal,
              "recorded requests (?surface= &route= &method= &limit=)",
              params=control.JOURNAL_PARAMS, answers=control.ok("the entries", control.JOURNAL)),
    RouteSpec(CONTROL, "journal_clear", ("DELETE",), "/_mock/journal", control.clear_journal,
              "empty the journal only", answers=control.ok("emptied", control.said("cleared"))),
    RouteSpec(CONTROL, "tasks", ("GET",), "/_mock/tasks", control.tasks, "every task",
              answers=control.ok("every task", control.TASKS)),
    RouteSpec(CONTROL, "task", ("GET",), "/_mock/tasks/{task_id}", control.task,
              "one task by task_id, platform_id or ULID",
              answers=control.ok("the task", control.TASK)),
    RouteSpec(CONTROL, "task_force", ("POST",), "/_mock/tasks/{task_id}", control.force_task,
              'force a status: {"status": "Success"} or {"status": "Fail", "code": 1027}',
              body=control.FORCE_BODY, answers=control.ok("the task, forced", control.TASK)),
    RouteSpec(CONTROL, "task_callbacks", ("GET",), "/_mock/tasks/{task_id}/callbacks",
              control.task_callbacks, "one task's callback deliveries (?wait=SECONDS first "
              "waits until none is in flight)",
              params=control.TASK_CALLBACK_PARAMS,
              answers=control.ok("the task's deliveries", control.CALLBACKS)),
    RouteSpec(CONTROL, "callbacks", ("GET",), "/_mock/callbacks", control.callbacks,
              "every callback delivery (?task_id= &kind= &outcome= &wait=SECONDS)",
              params=control.CALLBACK_PARAMS,
              answers=control.ok("the deliveries", control.CALLBACKS)),
    RouteSpec(CONTROL, "clock", ("GET",), "/_mock/clock", control.clock, "clock mode and time",
              answers=control.ok("the clock", control.CLOCK)),
    RouteSpec(CONTROL, "clock_advance", ("POST",), "/_mock/clock/advance", control.advance,
              'move the virtual clock: {"seconds": N}', body=control.ADVANCE_BODY,
              answers=control.ok("the clock, moved", control.CLOCK), errors=(409,)),
    RouteSpec(CONTROL, "faults", ("GET",), "/_mock/faults", control.faults,
              "fault rules in order, with their matched and hit counts",
              answers=control.ok("the rules", control.FAULTS)),
    RouteSpec(CONTROL, "fault_add", ("POST",), "/_mock/faults", control.add_fault,
              'add one rule, last: {"route": "create", "minimax_error": 1002} or the JSON '
              'string "route=create,minimax_error=1002"; answers it with its id',
              body=control.RULE_BODY, answers=control.ok("the rule added", control.RULE, 201)),
    RouteSpec(CONTROL, "faults_clear", ("DELETE",), "/_mock/faults", control.clear_faults,
              "drop every fault rule",
              answers=control.ok("how many were dropped", control.DELETED)),
    RouteSpec(CONTROL, "fault_delete", ("DELETE",), "/_mock/faults/{fault_id}",
              control.delete_fault, "drop one fault rule by id",
              answers=control.ok("the rule dropped", control.DELETED_RULE)),
    RouteSpec(CONTROL, "openapi", ("GET",), "/_mock/openapi.json", control.openapi,
              "this OpenAPI 3.1 document, generated from the route list",
              answers=control.ok("the document", control.OPENAPI)),
)  # fmt: skip
