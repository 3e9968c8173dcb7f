"""MiniMax's own V1 surface: `/v1/video_generation`, query, files/retrieve(_content)."""

from __future__ import annotations

from starlette.responses import Response

from ..core.codes import ApiError
from ..core.files import StoredFile
from ..core.tasks import Task
from ..core.templates import is_template
from .exchange import Exchange
from .faults import check_rate, fault_point
from .media import video_response

__all__ = ["create", "query", "retrieve", "retrieve_content"]

OK = {"status_code": 0, "status_msg": "success"}


def bearer(ex: Exchange) -> str | None:
    header = ex.header(b"authorization") or ""
    scheme, _, key = header.partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


def required(ex: Exchange, name: str) -> str:
    value = ex.param(name)
    if value is None or not value.strip():
        raise ApiError(
            2013,
            f"invalid params, binding: expr_path={name}, cause=missing required parameter",
            field=name,
        )
    return value.strip()


def not_found(name: str) -> ApiError:
    return ApiError(1000, "record not found", field=name)


async def create(ex: Exchange) -> Response:
    key = ex.mock.check_key(bearer(ex))
    body = await ex.json_object(require_content_type=ex.settings.require_json_content_type)
    request = ex.mock.validate(body)
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    check_rate(ex, key)  # last: only a create that will be made counts against the limit
    task = ex.mock.create_task(request, key, "official", ex.fault)
    ex.entry.task_id = task.task_id
    return ex.json({"task_id": task.task_id, "base_resp": OK})


async def query(ex: Exchange) -> Response:
    key = ex.mock.check_key(bearer(ex))
    ref = required(ex, "task_id")
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    task = ex.mock.find_task(ref, key)
    if task is None or is_template(task):  # agent tasks answer on their own query
        raise not_found("task_id")
    ex.entry.task_id = task.task_id
    return ex.json(ex.mock.query_body(task, ex.mock.poll(task)))


async def file_task(ex: Exchange, key: str | None) -> Task | StoredFile | Response:
    """The upload or the finished task owning `?file_id=`, or the answer a fault gives
    instead."""
    file_id = required(ex, "file_id")
    if not (file_id.isascii() and file_id.isdigit()):
        raise ApiError(2013, "invalid params, file_id: must be an integer", field="file_id")
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    upload = ex.mock.files.get(file_id, key)
    if upload is not None:
        return upload
    task = ex.mock.find_file(file_id, key)
    if task is None:
        raise not_found("file_id")
    ex.entry.task_id = task.task_id
    return task


async def retrieve(ex: Exchange) -> Response:
    from .files import retrieve_upload

    task = await file_task(ex, ex.mock.check_key(bearer(ex)))
    if isinstance(task, Response):
        return task
    if isinstance(task, StoredFile):
        return retrieve_upload(ex, task)
    file = ex.mock.file_object(task, ex.base_url())
    return ex.json({"file": file.to_json(), "base_resp": OK})


async def retrieve_content(ex: Exchange) -> Response:
    from .files import upload_content

    task = await file_task(ex, ex.mock.check_key(bearer(ex)))
    if isinstance(task, Response):
        return task
    if isinstance(task, StoredFile):
        return upload_content(ex, task)
    return await video_response(ex, task)
