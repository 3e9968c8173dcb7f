"""MiniMax's own V1 surface: `/v1/video_generation`, query, files/retrieve(_content)."""

from __future__ import annotations

from starlette.responses import Response

from ..core.codes import ApiError
from ..core.files import StoredFile
from ..core.tasks import Status, Task
from ..core.templates import is_template
from ..core.validation import create_schema
from .exchange import Exchange, WholeBody
from .faults import check_rate, fault_point
from .media import video_response
from .schemas import Answer, Body, Link, Param, Schema, download_link_params, integer, obj, string
from .surfaces import JSON, base_resp_schema

__all__ = [
    "CREATE_BODY",
    "FILE_PARAMS",
    "QUERY_ANSWERS",
    "QUERY_PARAMS",
    "STATUSES",
    "create",
    "create_answers",
    "file_answers",
    "links",
    "query",
    "query_answers",
    "retrieve",
    "retrieve_content",
]

OK = {"status_code": 0, "status_msg": "success"}

# -- what the OpenAPI document says of these routes (the gateway shares most of it) --------

CREATE_BODY = Body(create_schema(), "what to generate; the model matrix decides what goes together")
QUERY_PARAMS = (
    Param("task_id", "query", string(pattern=r"\S"), "the task_id create gave (not blank)", True),
)
FILE_PARAMS = (Param("file_id", "query", string(pattern=r"^\d+$"), "the file_id query gave", True),)
DIGITS = string("15 digits", pattern=r"^\d+$")


def create_answers(extra: dict[str, Schema] | None = None) -> dict[int, Answer]:
    body = obj({"task_id": DIGITS, **(extra or {}), "base_resp": base_resp_schema(ok=True)})
    return {200: Answer("the task is created", {JSON: body})}


def query_answers(statuses: list[str], newline: bool = False) -> dict[int, Answer]:
    body = obj(
        {
            "task_id": DIGITS,
            "status": string(enum=statuses),
            "base_resp": obj({"status_code": integer(minimum=0), "status_msg": string()}),
        },
        {
            "file_id": string("the file's ID once Success; empty (or absent) before"),
            "video_width": integer(minimum=0),
            "video_height": integer(minimum=0),
        },
    )
    note = " (ends in a newline, as Go's encoder writes it)" if newline else ""
    return {200: Answer(f"where the task stands{note}", {JSON: body})}


def file_answers() -> dict[int, Answer]:
    file = obj(
        {
            "file_id": integer(minimum=0),
            "bytes": integer(minimum=0),
            "created_at": integer(),
            "filename": string(),
            "purpose": string(),
            "download_url": string("signed and expiring (download_ttl)", format="uri"),
        }
    )
    body = obj({"file": file, "base_resp": base_resp_schema(ok=True)})
    return {200: Answer("the file object with its download_url", {JSON: body})}


def links(surface: str, route: str) -> tuple[Link, ...]:
    """create -> query -> retrieve (and retrieve_content) -> download, for stateful tests."""
    if route == "create":
        task = {"task_id": "$response.body#/task_id"}
        return (
            Link("query", f"{surface}_query", task, "poll the new task"),
            Link("control_task", "control_task", task, "the task as the control API shows it"),
        )
    if route == "query":
        file = {"file_id": "$response.body#/file_id"}
        return (
            Link("retrieve", f"{surface}_retrieve", file, "the finished task's file"),
            Link("retrieve_content", f"{surface}_retrieve_content", file, "its bytes"),
        )
    if route == "retrieve":
        url = download_link_params("$response.body#/file/download_url", "video")
        return (Link("download", "cdn_download", url, "fetch the download_url"),)
    return ()


STATUSES = [s.value for s in Status]
QUERY_ANSWERS = query_answers(STATUSES)


def bearer(ex: Exchange) -> str | None:
    header = ex.header(b"authorization") or ""
    scheme, _, key = header.partition(" ")
    key = key.strip()
    return key if key and (scheme == "Bearer" or scheme.lower() == "bearer") else None


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
    mock = ex.mock
    key = mock.check_key(bearer(ex))
    body = await ex.json_object(require_content_type=mock.settings.require_json_content_type)
    request = mock.validate(body)
    # fault_point's own first exit (no rule installed, a request answered at once) and
    # admit's (no rpm limit) taken here: no coroutine made and awaited, two calls less.
    if (len(mock.faults) or type(ex.receive) is not WholeBody) and (
        faulted := await fault_point(ex)
    ) is not None:
        return faulted
    if mock.limiter.rpm is not None:
        check_rate(ex, key)  # last: only a create that will be made counts against the limit
    task = mock.create_task(request, key, "official", ex.fault)
    ex.entry.task_id = task.task_id
    return ex.json({"task_id": task.task_id, "base_resp": OK})


async def queried_task(ex: Exchange, *, agent: bool) -> Task | Response:
    """The task `?task_id=` names for a V1 query (`agent`: the Video Agent's query), or the
    answer a fault gives instead; video and agent tasks answer only on their own query."""
    key = ex.mock.check_key(bearer(ex))
    ref = required(ex, "task_id")
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    task = ex.mock.find_task(ref, key)
    if task is None or is_template(task) != agent:
        raise not_found("task_id")
    ex.entry.task_id = task.task_id
    return task


async def query(ex: Exchange) -> Response:
    task = await queried_task(ex, agent=False)
    if isinstance(task, Response):
        return task
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
    task = await file_task(ex, ex.mock.check_key(bearer(ex)))
    if isinstance(task, Response):
        return task
    if isinstance(task, StoredFile):
        return files.retrieve_upload(ex, task)
    file = ex.mock.file_object(task, ex.base_url())
    return ex.json({"file": file.to_json(), "base_resp": OK})


async def retrieve_content(ex: Exchange) -> Response:
    task = await file_task(ex, ex.mock.check_key(bearer(ex)))
    if isinstance(task, Response):
        return task
    if isinstance(task, StoredFile):
        return files.upload_content(ex, task)
    return await video_response(ex, task)


# Last: files.py imports this module's names. Imported once here rather than in each
# retrieve, where the import statement ran on every request.
from . import files  # noqa: E402
