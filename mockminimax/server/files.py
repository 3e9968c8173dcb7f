"""MiniMax's file management on the V1 surface: upload, list and delete.

Errors answer as V1 does, HTTP 200 with `base_resp` 2013 naming the field, except an
unusable `video_generation_input` file, which the docs say gets HTTP 400.
"""

from __future__ import annotations

from starlette.responses import Response

from ..core.codes import ApiError
from ..core.multipart import MultipartError, Part, parse_form
from .exchange import Exchange
from .official import OK, bearer
from .surfaces import OFFICIAL

__all__ = ["upload"]


def _missing(name: str) -> ApiError:
    return ApiError(
        2013,
        f"invalid params, binding: expr_path={name}, cause=missing required parameter",
        field=name,
    )


def _one(parts: list[Part], name: str) -> Part:
    found = [p for p in parts if p.name == name]
    if not found:
        raise _missing(name)
    if len(found) > 1:
        raise ApiError(2013, f"invalid params, {name}: given {len(found)} times", field=name)
    return found[0]


async def upload(ex: Exchange) -> Response:
    key = ex.mock.check_key(bearer(ex))
    body = await ex.body()
    try:
        parts = parse_form(body, ex.request.headers.get("content-type"))
        purpose = _one(parts, "purpose").text().strip()
    except MultipartError as exc:
        where = f"{exc.field}: " if exc.field else ""
        ex.entry.request_body = f"<{len(body)} bytes, not a usable form>"
        raise ApiError(2013, f"invalid params, {where}{exc}", field=exc.field) from None
    file = _one(parts, "file")
    if file.filename is None:
        raise ApiError(
            2013,
            "invalid params, file: must be a file part (Content-Disposition with a filename)",
            field="file",
        )
    ex.entry.request_body = {
        "purpose": purpose[:64],
        "file": f"<{file.filename[:64]}, {len(file.data)} bytes>",
    }
    try:
        stored = ex.mock.upload_file(purpose, file.filename, file.data, key)
    except ApiError as exc:
        if purpose == "video_generation_input" and exc.field == "file":
            return OFFICIAL.base_resp(ex, exc.code, exc.message, 400)
        raise
    ex.entry.notes.append(f"file {stored.file_id}: {stored.media.format} ({stored.kind})")
    return ex.json({"file": stored.to_json(), "base_resp": OK})
