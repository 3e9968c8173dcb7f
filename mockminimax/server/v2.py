"""MiniMax's V2 (H3) surface, `/v2/...`: create, query, list, cancel/delete, context-IR
and regeneration over the same core as V1, answering with real HTTP statuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from ..core.catalog_v2 import Modality, TaskType
from ..core.files import StoredFile
from ..core.param_errors import invalid
from ..core.params import whole_number
from ..core.tasks import Task
from ..core.tasks_v2 import ListFilter, V2Status
from ..core.validation_v2 import (
    FileLookup,
    V2Request,
    v2_schema,
    validate_context_ir,
    validate_regeneration,
    validate_v2,
)
from .exchange import Exchange
from .faults import check_rate, fault_point
from .official import DIGITS, bearer
from .schemas import (
    Answer,
    Body,
    Link,
    Param,
    Schema,
    array,
    download_link_params,
    integer,
    obj,
    string,
)
from .surfaces import JSON

__all__ = [
    "CONTEXT_IR_BODY",
    "CREATED",
    "CREATE_BODY",
    "DELETED",
    "LISTED",
    "LIST_PARAMS",
    "QUERIED",
    "REGENERATION_BODY",
    "context_ir",
    "create",
    "delete",
    "links",
    "list_tasks",
    "query",
    "regenerate",
]

#: The list endpoint's page size when none is given (the docs' example) and its cap (a
#: documented choice: the docs give neither).
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: What `filter.status` takes: the statuses, and `expired` (in the CN docs' enum), which
#: matches none of the mock's tasks.
_FILTER_STATUSES = (*(s.value for s in V2Status), "expired")


def _key(ex: Exchange) -> str:
    return ex.mock.check_key(bearer(ex))


def _files(ex: Exchange, key: str) -> FileLookup:
    def lookup(file_id: str) -> StoredFile | None:
        return ex.mock.files.get(file_id, key)

    return lookup


async def _create(ex: Exchange, validate: Any) -> Response:
    key = _key(ex)
    body = await ex.json_object(require_content_type=ex.settings.require_json_content_type)
    request: V2Request = validate(body, ex.settings, _files(ex, key))
    request = ex.mock.v2.admit(request, key)  # refused here, no rule or limit sees it
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    if ex.fault is not None:  # a fault delay may have let other creates in meanwhile
        ex.mock.v2.admit(request, key)
    check_rate(ex, key)  # last: only a create that will be made counts against the limit
    task = ex.mock.v2.create(request, key, ex.fault, ex.base_url())
    ex.entry.task_id = task.task_id
    return ex.json({"task_id": task.task_id})


async def create(ex: Exchange) -> Response:
    return await _create(ex, validate_v2)


async def context_ir(ex: Exchange) -> Response:
    return await _create(ex, validate_context_ir)


async def regenerate(ex: Exchange) -> Response:
    return await _create(ex, validate_regeneration)


async def _on_task(ex: Exchange, answer: Callable[[Task], Any]) -> Response:
    """Query and delete: the path's task, found after the fault point, then `answer`."""
    key = _key(ex)
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    task = ex.mock.v2.find(ex.request.path_params["task_id"], key)
    ex.entry.task_id = task.task_id
    return ex.json(answer(task))


async def query(ex: Exchange) -> Response:
    return await _on_task(
        ex, lambda task: {"task": ex.mock.v2.body(task, ex.base_url(), poll=True)}
    )


async def delete(ex: Exchange) -> Response:
    return await _on_task(ex, ex.mock.v2.delete)


def _values(ex: Exchange, name: str) -> list[str]:
    """`filter.status=a&filter.status=b`, `filter.status=a,b` or `filter[status]=a`: every
    spelling a client may use, since the docs leave the wire format open."""
    params = ex.request.query_params
    raw = params.getlist(f"filter.{name}") + params.getlist(f"filter[{name}]")
    return [v.strip() for value in raw for v in value.split(",") if v.strip()]


#: The highest page_num read; a later page is as empty as any past the last task.
MAX_PAGE_NUM = 10**9


def _page(ex: Exchange, name: str, default: int, high: int) -> int:
    text = ex.param(name)
    if text is None or not text.strip():
        return default
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or not digits.strip("0"):
        raise invalid(name, "must be a whole number >= 1")
    value = whole_number(digits, high)
    if value is None:
        raise invalid(name, f"at most {high}")
    return value


def _choices(ex: Exchange, name: str, allowed: tuple[str, ...]) -> list[str]:
    values = _values(ex, name)
    for value in values:
        if value not in allowed:
            raise invalid(f"filter.{name}", f"{value!r:.64} is not one of {', '.join(allowed)}")
    return values


async def list_tasks(ex: Exchange) -> Response:
    key = _key(ex)
    page_num = _page(ex, "page_num", 1, MAX_PAGE_NUM)
    page_size = _page(ex, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    statuses = _choices(ex, "status", _FILTER_STATUSES)
    types = _choices(ex, "task_type", tuple(t.value for t in TaskType))
    ids = _values(ex, "task_ids")
    for task_id in ids:
        if not (task_id.isascii() and task_id.isdigit()):
            raise invalid("filter.task_ids", f"{task_id[:40]!r} is not a task_id")
    wanted = ListFilter(
        statuses=tuple(statuses),
        task_ids=tuple(ids),
        models=tuple(_values(ex, "model")),
        task_types=tuple(TaskType(t) for t in types),
    )
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    return ex.json(ex.mock.v2.list(key, wanted, page_num, page_size, ex.base_url()))


# -- what the OpenAPI document says of these routes ---------------------------------------

CREATE_BODY = Body(v2_schema("generation"), "the content to generate from, the model and shape")
CONTEXT_IR_BODY = Body(v2_schema("context_ir"), "the prompt (and media) to enhance")
REGENERATION_BODY = Body(
    v2_schema("regeneration"), "the 768P video to re-render: a base_video item or a task"
)
CREATED = {200: Answer("the task is created", {JSON: obj({"task_id": DIGITS})})}
_STATUS = string(enum=[s.value for s in V2Status])
_TIME = integer("Unix seconds", minimum=0)
_SECONDS = integer(minimum=0)
_USAGE = obj(
    {},
    {
        name: _SECONDS
        for name in (
            "total_seconds",
            "input_seconds",
            "output_seconds",
            "input_image_count",
            "input_audio_seconds",
            "total_tokens",
            "prompt_tokens",
            "completion_tokens",
        )
    },
    "what a succeeded task used (empty before): seconds for video, tokens for context-IR",
)
TASK: Schema = obj(
    {
        "id": DIGITS,
        "model": string(),
        "status": _STATUS,
        "created_at": _TIME,
        "updated_at": _TIME,
        "content": obj(
            {},
            {
                "url": string("the video once succeeded: signed, expiring", format="uri"),
                "prompt": string("a context-IR task's enhanced prompt once succeeded"),
            },
        ),
        "resolution": string("empty for context-IR"),
        "duration": integer(minimum=0),
        "usage": _USAGE,
        "ratio": string("empty where the output follows its input"),
        "task_type": string(enum=[t.value for t in TaskType]),
        "modality": string(enum=[m.value for m in Modality]),
    },
    {"error": obj({"code": string(pattern=r"^\d+$"), "message": string()}, description="failed")},
    "the VideoTask object",
)
QUERIED = {200: Answer("the task", {JSON: obj({"task": TASK})})}
LISTED = {
    200: Answer(
        "one page of tasks, newest first",
        {JSON: obj({"items": array(TASK), "total": integer("every match", minimum=0)})},
    )
}
_DONE = string(enum=["cancelled", "deleted"])
DELETED = {
    200: Answer(
        "a queued task cancelled or a finished one deleted",
        {JSON: obj({"task_id": DIGITS, "action": _DONE, "status": _DONE})},
    )
}


def _listed(item: str) -> str:
    """A pattern for values joined by commas, blanks allowed (the server skips them)."""
    return rf"^\s*({item})?\s*(,\s*({item})?\s*)*$"


def _filter(name: str, pattern: str, text: str) -> Param:
    return Param(
        f"filter.{name}", "query", string(pattern=_listed(pattern)), f"{text} (join with commas)"
    )


def _choice(values: list[str]) -> str:
    return "|".join(values)


LIST_PARAMS = (
    Param("page_num", "query", string(pattern=r"^\s*(0*[1-9][0-9]{0,8})?\s*$"),
          "the page, from 1 (default 1)"),
    Param("page_size", "query", string(pattern=r"^\s*(0*([1-9][0-9]?|100))?\s*$"),
          f"tasks per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})"),
    _filter("status", _choice(list(_FILTER_STATUSES)),
            "only tasks in these statuses"),
    _filter("task_type", _choice([t.value for t in TaskType]), "only tasks of these types"),
    Param("filter.model", "query", string(), "only tasks of these models (join with commas)"),
    _filter("task_ids", "[0-9]+", "only these task IDs"),
)  # fmt: skip


def links(route: str) -> tuple[Link, ...]:
    """create -> query -> list / delete, and query -> the video, for stateful tests."""
    if route == "create":
        task = {"task_id": "$response.body#/task_id"}
        return (
            Link("query", "v2_query", task, "poll the new task"),
            Link("delete", "v2_delete_task", task, "cancel it while queued, or delete it"),
        )
    if route == "query":
        url = download_link_params("$response.body#/task/content/url", "rollout")
        return (
            Link("download", "cdn_download_2", url, "fetch the video at content.url"),
            Link("list", "v2_list_tasks", {"filter.task_ids": "$response.body#/task/id"},
                 "the task in the list"),
            Link("delete", "v2_delete_task", {"task_id": "$response.body#/task/id"},
                 "delete the finished task"),
        )  # fmt: skip
    return ()
