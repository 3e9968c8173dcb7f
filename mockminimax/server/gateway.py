"""The One-Hub gateway surface, `/minimaxi/v1/...`: its own auth, validation and IDs
in front of the same MiniMax core (onehub-proxy.md).

Bodies are the official ones, as the gateways' docs promise; `gateway_profile=onehub-code`
re-encodes them as the fork's public code does (`core.onehub.DIFFERENCES`).
"""

from __future__ import annotations

from starlette.responses import Response

from ..core.mock import MAX_KEY_CHARS
from ..core.onehub import (
    GatewayRefusal,
    create_schema_gateway,
    gateway_profile,
    normalize,
    strip_key,
)
from ..core.tasks import Status, Task
from ..core.templates import is_template
from .exchange import Exchange
from .faults import check_rate, fault_point
from .media import video_response
from .official import OK, STATUSES, not_found, query_answers
from .schemas import Body, string
from .surfaces import OneHubError

__all__ = ["CREATE_BODY", "PLATFORM_ID", "QUERY_ANSWERS", "create", "query", "retrieve",
           "retrieve_content"]  # fmt: skip

_LOWER = {
    Status.PREPARING: "preparing",
    Status.QUEUEING: "queueing",
    Status.PROCESSING: "processing",
    Status.SUCCESS: "success",
    Status.FAIL: "failed",
}
CREATE_BODY = Body(create_schema_gateway(), "what to generate; the gateway fills its defaults")
PLATFORM_ID = string("video_ + a ULID", pattern="^video_[0-9A-HJKMNP-TV-Z]{26}$")
#: `status` in MiniMax's case, or lower case with `gateway_status_case=lower`.
QUERY_ANSWERS = query_answers(STATUSES + list(_LOWER.values()), newline=True)
_NOT_MINE = "该任务可能不是由本平台创建或不属于当前分组/账号"
_NO_FILE = "未找到包含该文件的任务（可加 channel_id 或 task_id 重试）"


def authenticate(ex: Exchange) -> str:
    key = strip_key(ex.header(b"authorization"))
    allowed = ex.settings.api_keys
    if (
        not key
        or len(key) > MAX_KEY_CHARS
        or (allowed and key not in {strip_key(k) for k in allowed})
    ):
        raise OneHubError(401, "无效的令牌")
    return key


def _param(ex: Exchange, name: str) -> str:
    value = (ex.param(name) or "").strip()
    if not value:
        raise GatewayRefusal(f"{name} is required")
    return value


async def create(ex: Exchange) -> Response:
    key = authenticate(ex)
    body = await ex.json_object(require_content_type=False)
    forwarded = normalize(body, gateway_profile(ex.settings))
    request = ex.mock.validate(forwarded)
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    check_rate(ex, key)  # MiniMax's limit, on what the gateway forwards; 1002 passes through
    task = ex.mock.create_task(request, key, "gateway", ex.fault)
    ex.entry.task_id = task.task_id
    return ex.json({"task_id": task.task_id, "platform_id": task.platform_id, "base_resp": OK})


async def query(ex: Exchange) -> Response:
    key = authenticate(ex)
    ref = _param(ex, "task_id")
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    task = ex.mock.find_task(ref, key)
    if task is None or is_template(task):
        if ref.isdigit():  # an upstream ID is forwarded; MiniMax's answer passes through
            raise not_found("task_id")
        raise GatewayRefusal(_NOT_MINE, code="upstream_not_found_or_no_permission", status=404)
    ex.entry.task_id = task.task_id
    body = ex.mock.query_body(task, ex.mock.poll(task))
    profile = gateway_profile(ex.settings)
    if profile.has("lower_status"):
        body["status"] = _LOWER[Status(body["status"])]
    if profile.has("omit_empty"):
        body = {k: v for k, v in body.items() if v not in ("", 0)}
    return ex.json(body, newline=profile.has("query_newline"))


async def _file_task(ex: Exchange, key: str) -> Task | Response:
    file_id = _param(ex, "file_id")
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    task = ex.mock.find_file(file_id, key) if file_id.isascii() and file_id.isdigit() else None
    if task is None:
        raise GatewayRefusal(_NO_FILE, code="task_not_found", status=404)
    ex.entry.task_id = task.task_id
    return task


async def retrieve(ex: Exchange) -> Response:
    task = await _file_task(ex, authenticate(ex))
    if isinstance(task, Response):
        return task
    file = ex.mock.file_object(task, ex.base_url()).to_json()
    if gateway_profile(ex.settings).has("file_as_go"):
        # MiniMaxFileObject: StringOrNumber file_id, omitempty ints, no backup_download_url.
        file = {k: str(v) if k == "file_id" else v for k, v in file.items() if v not in ("", 0)}
        file.pop("backup_download_url", None)
    return ex.json({"file": file, "base_resp": OK})


async def retrieve_content(ex: Exchange) -> Response:
    task = await _file_task(ex, authenticate(ex))
    if isinstance(task, Response):
        return task
    return await video_response(ex, task, attachment=True)
