"""The Video Agent on the V1 surface: template creates and their query.

V1's conventions hold (HTTP 200, `base_resp`); the query hands out `video_url` itself, a
signed URL on the mock's download host that lives `template_url_ttl` (9 h) seconds.
"""

from __future__ import annotations

from starlette.responses import Response

from ..core.catalog import MAX_PROMPT_CHARS
from ..core.templates import (
    MAX_INPUTS,
    TEMPLATES,
    TemplateDialect,
    template_query_body,
    templates_with,
    validate_template,
)
from ..core.validation import MAX_CALLBACK_URL
from .exchange import Exchange
from .faults import check_rate, fault_point
from .official import DIGITS, OK, QUERY_PARAMS, bearer, queried_task
from .schemas import Answer, Body, Schema, array, integer, obj, string
from .surfaces import JSON, base_resp_schema

__all__ = ["CREATED", "CREATE_BODY", "QUERIED", "QUERY_PARAMS", "create", "query"]


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
    task = await queried_task(ex, agent=True)
    if isinstance(task, Response):
        return task
    return ex.json(template_query_body(ex.mock, task, ex.mock.poll(task), ex.base_url()))


# -- what the OpenAPI document says of these routes ---------------------------------------


def _inputs(what: str, longest: int | None = None) -> Schema:
    text = string(pattern=r"\S")
    if longest:
        text["maxLength"] = longest
    value = obj({"value": text})
    return array(value, f'{what}, each {{"value": ...}}', maxItems=MAX_INPUTS)


def _create_schema() -> Schema:
    """The template create body: one alternative per template, with the inputs it needs."""
    schema = obj(
        {"template_id": string(enum=list(TEMPLATES))},
        {
            "text_inputs": _inputs("the texts the template takes", MAX_PROMPT_CHARS),
            "media_inputs": _inputs(
                "images: an http(s) URL (never fetched) or a data:image/...;base64, URL"
            ),
            "callback_url": string(pattern="^https?://", maxLength=MAX_CALLBACK_URL),
        },
    )
    branches = []
    for template in TEMPLATES.values():
        needs = [
            n for n, on in (("media_inputs", template.media), ("text_inputs", template.text)) if on
        ]
        branches.append(
            {
                "title": template.name,
                "required": needs,
                "properties": {
                    "template_id": {"const": template.template_id},
                    **{n: {"minItems": 1} for n in needs},
                },
            }
        )
    schema["anyOf"] = branches
    return schema


CREATE_BODY = Body(_create_schema(), "the template and the inputs it requires")
CREATED = {
    200: Answer(
        "the task is created",
        {JSON: obj({"task_id": DIGITS, "base_resp": base_resp_schema(ok=True)})},
    )
}
QUERIED = {
    200: Answer(
        "where the task stands",
        {
            JSON: obj(
                {
                    "task_id": DIGITS,
                    "status": string(enum=["Preparing", "Processing", "Success", "Fail"]),
                    "base_resp": obj({"status_code": integer(minimum=0), "status_msg": string()}),
                },
                {"video_url": string("signed, expiring, once Success (empty or absent before)")},
            )
        },
    )
}
