"""The Video Agent on the V1 surface: template creates and their query.

V1's conventions hold (HTTP 200, `base_resp`); the query hands out `video_url` itself, a
signed URL on the mock's download host that lives `template_url_ttl` (9 h) seconds.
"""

from __future__ import annotations

from starlette.responses import Response

from ..core.tasks import Status
from ..core.templates import (
    TemplateDialect,
    is_template,
    template_query_body,
    templates_with,
    validate_template,
)
from .exchange import Exchange
from .faults import check_rate, fault_point
from .official import OK, bearer, not_found, required

__all__ = ["create", "query"]


async def create(ex: Exchange) -> Response:
    key = ex.mock.check_key(bearer(ex))
    body = await ex.json_object(require_content_type=ex.settings.require_json_content_type)
    request = validate_template(body, templates_with(ex.settings.extra_templates))
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    check_rate(ex, key)  # last: only a create that will be made counts against the limit
    dialect = TemplateDialect(ex.mock, ex.base_url())
    task = ex.mock.create_task(request, key, "official", ex.fault, dialect, id_digits=18)
    ex.entry.task_id = task.task_id
    return ex.json({"task_id": task.task_id, "base_resp": OK})


async def query(ex: Exchange) -> Response:
    key = ex.mock.check_key(bearer(ex))
    ref = required(ex, "task_id")
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    task = ex.mock.find_task(ref, key)
    if task is None or not is_template(task):
        raise not_found("task_id")
    ex.entry.task_id = task.task_id
    status = ex.mock.poll(task)
    url = None
    if status is Status.SUCCESS:
        url = ex.mock.signed_url(task.cdn_path, ex.base_url(), ex.settings.template_url_ttl)
    body = template_query_body(
        task,
        status,
        url,
        pending=ex.settings.pending_fields,
        fail_code=ex.settings.fail_base_resp == "code",
    )
    return ex.json(body)
