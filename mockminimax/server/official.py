"""MiniMax's own V1 surface: `/v1/video_generation`, query, files/retrieve(_content)."""

from __future__ import annotations

from starlette.responses import Response

from ..core.codes import ApiError
from ..core.tasks import Task
from ..core.templates import is_template
from .exchange import Exchange
from .faults import check_rate
from .media import video_response

__all__ = ["create", "query", "retrieve", "retrieve_content"]

OK = {"status_code": 0, "status_msg": "success"}


def bearer(ex: Exchange) -> str | None:
    header = ex.request.headers.get("authorization", "")
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
    check_rate(ex, key)
    request = ex.mock.validate(body)
    task = ex.mock.create_task(request, key, "official", ex.fault)
    ex.entry.task_id = task.task_id
    return ex.json({"task_id": task.task_id, "base_resp": OK})


async def query(ex: Exchange) -> Response:
    key = ex.mock.check_key(bearer(ex))
    task = ex.mock.find_task(required(ex, "task_id"), key)
    if task is None or is_template(task):  # agent tasks answer on their own query
        raise not_found("task_id")
    ex.entry.task_id = task.task_id
    return ex.json(ex.mock.query_body(task, ex.mock.poll(task)))


def file_task(ex: Exchange, key: str | None) -> Task:
    file_id = required(ex, "file_id")
    if not file_id.isdigit():
        raise ApiError(2013, "invalid params, file_id: must be an integer", field="file_id")
    task = ex.mock.find_file(file_id, key)
    if task is None:
        raise not_found("file_id")
    ex.entry.task_id = task.task_id
    return task


async def retrieve(ex: Exchange) -> Response:
    from .files import retrieve_upload, uploaded_file

    key = ex.mock.check_key(bearer(ex))
    upload = uploaded_file(ex, key)
    if upload is not None:
        return retrieve_upload(ex, upload)
    task = file_task(ex, key)
    file = ex.mock.file_object(task, ex.base_url())
    return ex.json({"file": file.to_json(), "base_resp": OK})


async def retrieve_content(ex: Exchange) -> Response:
    from .files import upload_content, uploaded_file

    key = ex.mock.check_key(bearer(ex))
    upload = uploaded_file(ex, key)
    if upload is not None:
        return upload_content(ex, upload)
    task = file_task(ex, key)
    return await video_response(ex, task)
