"""Serving an MP4: whole, as one byte range, or headers only, as object storage does."""

from __future__ import annotations

import email.utils
import re

import anyio.to_thread
from starlette.responses import Response

from ..core.tasks import Task
from ..core.videos import Video
from .exchange import Exchange
from .schemas import NO_CONTENT, Answer

__all__ = [
    "BYTES_ANSWERS",
    "FILE_CONTENT_ANSWERS",
    "VIDEO_ANSWERS",
    "bytes_response",
    "video_response",
]

_MP4 = {"video/mp4": {"type": "string", "contentMediaType": "video/mp4"}}
_HEADERS = {
    "Accept-Ranges": "bytes",
    "ETag": "the same for every file of one size and length",
    "Last-Modified": "when the task finished",
    "Content-Disposition": 'attachment; filename="output.mp4"',
}
_RANGE_HEADER = {"Content-Range": "bytes START-END/SIZE"}
_UNSATISFIABLE = Answer("the Range lies past the end: no body", NO_CONTENT,
                        {"Content-Range": "bytes */SIZE"})  # fmt: skip
#: What the OpenAPI document says a video route answers.
VIDEO_ANSWERS = {
    200: Answer("the MP4 (H.264), whole", _MP4, _HEADERS),
    206: Answer("one byte range of it (a single Range: bytes=...)", _MP4,
                {**_HEADERS, **_RANGE_HEADER}),
    416: _UNSATISFIABLE,
}  # fmt: skip
_ANY = {"*/*": {"type": "string", "description": "the bytes as uploaded, its media type"}}
#: What the OpenAPI document says a route serving an upload's bytes answers.
BYTES_ANSWERS = {
    200: Answer("the file, whole", _ANY),
    206: Answer("one byte range of it", _ANY, _RANGE_HEADER),
    416: _UNSATISFIABLE,
}  # fmt: skip
#: A route serving a generated video or an upload by file_id (V1's retrieve_content).
FILE_CONTENT_ANSWERS = {
    status: VIDEO_ANSWERS[status].merged(BYTES_ANSWERS[status]) for status in VIDEO_ANSWERS
}

_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$", re.ASCII)


async def _video(ex: Exchange, task: Task) -> Video:
    cached = ex.mock.cached_video(task)
    if cached is not None:
        return cached
    # A size not rendered yet: render off the event loop, once.
    return await anyio.to_thread.run_sync(ex.mock.video, task)


#: Range positions past this (about 1 EB) are read as this: they are past any file anyway.
_FAR = 10**18


def _position(digits: str) -> int:
    return int(digits) if len(digits) <= 18 else _FAR


def _byte_range(spec: str, size: int) -> tuple[int, int] | str | None:
    """One byte range, "unsatisfiable", or None to send the whole file.

    A multi-range, malformed or backwards (`5-2`) header is ignored, as RFC 9110 allows
    and object storage does. Positions of any length are read without converting more
    than 18 digits.
    """
    match = _RANGE.match(spec.strip())
    if not match or not (match[1] or match[2]):
        return None
    if match[1]:
        start = _position(match[1])
        if match[2] and _position(match[2]) < start:
            return None
        end = min(_position(match[2]), size - 1) if match[2] else size - 1
    else:
        suffix = _position(match[2])
        start, end = max(0, size - suffix), size - 1
        if suffix == 0:
            return "unsatisfiable"
    return "unsatisfiable" if start >= size else (start, end)


async def video_response(ex: Exchange, task: Task, *, attachment: bool = True) -> Response:
    video = await _video(ex, task)
    ex.entry.response_body = f"<video/mp4 {len(video.data)} bytes, {video.width}x{video.height}>"
    return bytes_response(
        ex,
        video.data,
        "video/mp4",
        etag=video.etag,
        modified=task.finished_at or task.created_at,
        filename="output.mp4" if attachment else None,
    )


def bytes_response(
    ex: Exchange,
    data: bytes,
    media_type: str,
    *,
    etag: str,
    modified: float,
    filename: str | None = None,
) -> Response:
    """`data` whole, as one byte range, or headers only (HEAD), as object storage serves."""
    size = len(data)
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": email.utils.formatdate(modified, usegmt=True),
    }
    if filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    start, end, status = 0, size - 1, 200
    spec = ex.request.headers.get("range")
    wanted = _byte_range(spec, size) if spec else None
    if wanted == "unsatisfiable":
        headers["Content-Range"] = f"bytes */{size}"
        ex.reject(f"range {spec!r} not satisfiable for {size} bytes")
        return Response(b"", 416, headers=headers, media_type=media_type)
    if isinstance(wanted, tuple):
        start, end = wanted
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        status = 206
    if ex.request.method == "HEAD":
        headers["Content-Length"] = str(end - start + 1)
        return Response(None, status, headers=headers, media_type=media_type)
    body = data if status == 200 else data[start : end + 1]
    return Response(body, status, headers=headers, media_type=media_type)
