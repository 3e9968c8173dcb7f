"""MiniMax's file management on the V1 surface: upload, list and delete.

Errors answer as V1 does, HTTP 200 with `base_resp` 2013 naming the field, except an
unusable `video_generation_input` file, which the docs say gets HTTP 400.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..core.codes import ApiError
from ..core.files import UPLOAD_PURPOSES, StoredFile, check_purpose
from ..core.mock import DownloadRefused
from ..core.multipart import MultipartError, Part, boundary_of, parse_form
from ..core.param_errors import invalid, missing
from ..core.validation_v2 import id_digits
from .exchange import Exchange
from .faults import fault_point
from .media import bytes_response
from .official import OK, bearer, not_found
from .schemas import Answer, Body, Link, Param, integer, obj, string
from .surfaces import JSON, OFFICIAL, base_resp_schema

__all__ = [
    "DELETED",
    "DELETE_BODY",
    "DELETE_PURPOSES",
    "LISTED",
    "LIST_PARAMS",
    "UPLOADED",
    "UPLOAD_BODY",
    "UPLOAD_LINKS",
    "delete_file",
    "download",
    "list_files",
    "retrieve_upload",
    "upload",
    "upload_content",
]


def _one(parts: list[Part], name: str) -> Part:
    found = [p for p in parts if p.name == name]
    if not found:
        raise missing(name)
    if len(found) > 1:
        raise invalid(name, f"given {len(found)} times")
    return found[0]


async def upload(ex: Exchange) -> Response:
    key = ex.mock.check_key(bearer(ex))
    content_type = ex.request.headers.get("content-type")
    try:
        boundary_of(content_type)  # before reading a body that could never be a form
    except MultipartError as exc:
        raise ApiError(2013, f"invalid params, {exc.field}: {exc}", field=exc.field) from None
    body = await ex.body()
    try:
        parts = parse_form(body, content_type)
        purpose = _one(parts, "purpose").text().strip()
    except MultipartError as exc:
        where = f"{exc.field}: " if exc.field else ""
        ex.entry.request_body = f"<{len(body)} bytes, not a usable form>"
        raise ApiError(2013, f"invalid params, {where}{exc}", field=exc.field) from None
    file = _one(parts, "file")
    if file.filename is None:
        raise invalid("file", "must be a file part (Content-Disposition with a filename)")
    ex.entry.request_body = {
        "purpose": purpose[:64],
        "file": f"<{file.filename[:64]}, {len(file.data)} bytes>",
    }
    try:  # checked before any fault rule sees the upload, and again as it is kept
        ex.mock.check_upload(purpose, file.filename, file.data)
        if (faulted := await fault_point(ex)) is not None:
            return faulted
        stored = ex.mock.upload_file(purpose, file.filename, file.data, key)
    except ApiError as exc:
        if purpose == "video_generation_input" and exc.field == "file":
            return OFFICIAL.base_resp(ex, exc.code, exc.message, 400)
        raise
    ex.entry.notes.append(f"file {stored.file_id}: {stored.media.format} ({stored.kind})")
    return ex.json({"file": stored.to_json(), "base_resp": OK})


def _purpose_param(ex: Exchange) -> str:
    value = (ex.param("purpose") or "").strip()
    if not value:
        raise missing("purpose")
    check_purpose(value)
    return value


async def list_files(ex: Exchange) -> Response:
    key = ex.mock.check_key(bearer(ex))
    purpose = _purpose_param(ex)
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    files = ex.mock.files.list(key, purpose)
    return ex.json({"files": [f.to_json() for f in files], "base_resp": OK})


def _file_id(body: dict[str, Any]) -> str:
    if "file_id" not in body:
        raise missing("file_id")
    value = body["file_id"]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not id_digits(value.strip()):
        raise invalid("file_id", "must be an integer")
    return value.strip()


#: What files/delete takes: the upload purposes plus the service's own files, generated
#: videos (`video_generation`) and speech (`t2a_async`, which the mock never makes).
DELETE_PURPOSES = (*UPLOAD_PURPOSES, "video_generation", "t2a_async")


async def delete_file(ex: Exchange) -> Response:
    """Delete a file: file_id and purpose must both match it, or it is not found. A
    generated video's file goes from files/retrieve and its download URL; its task stays."""
    key = ex.mock.check_key(bearer(ex))
    body = await ex.json_object(require_content_type=ex.settings.require_json_content_type)
    file_id = _file_id(body)
    if "purpose" not in body:
        raise missing("purpose")
    purpose = body["purpose"]
    if not isinstance(purpose, str) or purpose not in DELETE_PURPOSES:
        shown = repr(purpose)[:64]
        raise invalid("purpose", f"{shown} is not one of {', '.join(DELETE_PURPOSES)}")
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    if purpose == "video_generation":
        task = ex.mock.find_file(file_id, key)
        if task is None:
            raise not_found("file_id")
        ex.entry.task_id = task.task_id
        ex.mock.store.forget_file(task)
        return ex.json({"file_id": int(file_id), "base_resp": OK})
    with ex.mock.files.lock:
        found = ex.mock.files.get(file_id, key)
        if found is None or found.purpose != purpose:
            raise not_found("file_id")
        ex.mock.files.delete(file_id, key)
    return ex.json({"file_id": int(file_id), "base_resp": OK})


def retrieve_upload(ex: Exchange, file: StoredFile) -> Response:
    url = ex.mock.signed_url(file.cdn_path, ex.base_url())
    return ex.json({"file": {**file.to_json(), "download_url": url}, "base_resp": OK})


def upload_content(ex: Exchange, file: StoredFile, *, attachment: bool = False) -> Response:
    ex.entry.response_body = f"<{file.content_type} {file.size} bytes>"
    return bytes_response(
        ex,
        file.data,
        file.content_type,
        etag=file.etag,
        modified=file.created_at,
        filename=file.safe_name if attachment else None,
    )


async def download(ex: Exchange) -> Response:
    """An upload's download_url on the download host: signed and expiring, as videos are."""
    file = ex.mock.files.get(ex.request.path_params["file_id"])
    path = ex.request.url.path
    if file is None or file.cdn_path != path:
        raise DownloadRefused(404, "NoSuchKey", "The specified key does not exist.")
    ex.mock.verify_signature(path, dict(ex.request.query_params))
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    return upload_content(ex, file, attachment=True)


# -- what the OpenAPI document says of these routes ---------------------------------------

#: The file object upload and list answer (files/retrieve adds its download_url).
FILE = obj(
    {
        "file_id": integer(minimum=0),
        "bytes": integer(minimum=0),
        "created_at": integer("Unix seconds"),
        "filename": string(),
        "purpose": string(),
    }
)
_PURPOSE = string(enum=list(UPLOAD_PURPOSES))
UPLOAD_BODY = Body(
    obj(
        {
            "purpose": _PURPOSE,
            "file": string("the file, in a part with a filename", format="binary"),
        }
    ),
    "the file and what it is for; each purpose takes its own formats and size",
    media_type="multipart/form-data",
)
UPLOADED = {
    200: Answer(
        "the file is kept", {JSON: obj({"file": FILE, "base_resp": base_resp_schema(True)})}
    )
}
UPLOAD_LINKS = (
    Link("retrieve", "official_retrieve", {"file_id": "$response.body#/file/file_id"},
         "the upload's file object with its download_url"),
    Link("retrieve_content", "official_retrieve_content",
         {"file_id": "$response.body#/file/file_id"}, "the upload's bytes"),
    Link("delete", "official_delete_file", {}, "delete the upload",
         body={"file_id": "$response.body#/file/file_id",
               "purpose": "$response.body#/file/purpose"}),
)  # fmt: skip
LIST_PARAMS = (Param("purpose", "query", _PURPOSE, "which uploads", True),)
LISTED = {
    200: Answer(
        "the caller's uploads of that purpose",
        {
            JSON: obj(
                {"files": {"type": "array", "items": FILE}, "base_resp": base_resp_schema(True)}
            )
        },
    )
}
DELETE_BODY = Body(
    obj(
        {
            "file_id": {
                "anyOf": [
                    integer(minimum=0, maximum=10**32 - 1),
                    string(pattern=r"^\s*[0-9]{1,32}\s*$"),
                ]
            },
            "purpose": string(enum=list(DELETE_PURPOSES)),
        }
    ),
    "the file and the purpose it was kept under (both must match)",
)
DELETED = {
    200: Answer(
        "the file is deleted",
        {JSON: obj({"file_id": integer(minimum=0), "base_resp": base_resp_schema(True)})},
    )
}
