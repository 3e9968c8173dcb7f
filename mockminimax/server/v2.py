"""MiniMax's V2 (H3) surface, `/v2/...`: create, query, list, cancel/delete, context-IR
and regeneration over the same core as V1, answering with real HTTP statuses."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..core.catalog_v2 import TaskType
from ..core.codes import ApiError
from ..core.files import StoredFile
from ..core.params import whole_number
from ..core.tasks_v2 import ListFilter, V2Status
from ..core.validation_v2 import (
    FileLookup,
    V2Request,
    validate_context_ir,
    validate_regeneration,
    validate_v2,
)
from .exchange import Exchange
from .faults import check_rate, fault_point
from .official import bearer

__all__ = ["context_ir", "create", "delete", "list_tasks", "query", "regenerate"]

#: The list endpoint's page size when none is given (the docs' example) and its cap (a
#: documented choice: the docs give neither).
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


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


async def query(ex: Exchange) -> Response:
    key = _key(ex)
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    task = ex.mock.v2.find(ex.request.path_params["task_id"], key)
    ex.entry.task_id = task.task_id
    return ex.json({"task": ex.mock.v2.body(task, ex.base_url(), poll=True)})


async def delete(ex: Exchange) -> Response:
    key = _key(ex)
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    task = ex.mock.v2.find(ex.request.path_params["task_id"], key)
    ex.entry.task_id = task.task_id
    return ex.json(ex.mock.v2.delete(task))


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
        raise ApiError(2013, f"invalid params, {name}: must be a whole number >= 1", field=name)
    value = whole_number(digits, high)
    if value is None:
        raise ApiError(2013, f"invalid params, {name}: at most {high}", field=name)
    return value


def _choices(ex: Exchange, name: str, allowed: tuple[str, ...]) -> list[str]:
    values = _values(ex, name)
    for value in values:
        if value not in allowed:
            raise ApiError(
                2013,
                f"invalid params, filter.{name}: {value!r:.64} is not one of {', '.join(allowed)}",
                field=f"filter.{name}",
            )
    return values


async def list_tasks(ex: Exchange) -> Response:
    key = _key(ex)
    page_num = _page(ex, "page_num", 1, MAX_PAGE_NUM)
    page_size = _page(ex, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    statuses = _choices(ex, "status", (*(s.value for s in V2Status), "expired"))
    types = _choices(ex, "task_type", tuple(t.value for t in TaskType))
    ids = _values(ex, "task_ids")
    for task_id in ids:
        if not (task_id.isascii() and task_id.isdigit()):
            raise ApiError(
                2013,
                f"invalid params, filter.task_ids: {task_id[:40]!r} is not a task_id",
                field="filter.task_ids",
            )
    wanted = ListFilter(
        statuses=tuple(statuses),
        task_ids=tuple(ids),
        models=tuple(_values(ex, "model")),
        task_types=tuple(TaskType(t) for t in types),
    )
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    return ex.json(ex.mock.v2.list(key, wanted, page_num, page_size, ex.base_url()))
