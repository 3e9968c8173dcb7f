"""A strict `multipart/form-data` reader (RFC 7578) over a body already read within its limit.

Why not Starlette's `request.form()`: it needs python-multipart, an extra dependency, reads
the stream a second time (the mock has read it, bounded by `max_body_bytes`), and spools
file parts to temporary files. This reader works on the bytes in memory with `bytes.find`
(no per-line Python loop, so a 60 MB upload costs one scan), bounds the number of parts and
the size of each header block, and says exactly what is wrong with a hostile body.
"""

from __future__ import annotations

import email.message
import email.utils
from dataclasses import dataclass

__all__ = [
    "MAX_CONTENT_TYPE_CHARS",
    "MAX_HEADER_BYTES",
    "MAX_PARTS",
    "MultipartError",
    "Part",
    "boundary_of",
    "parse_form",
]

#: Parts one form may have; the upload needs two (`purpose`, `file`).
MAX_PARTS = 16
#: Bytes of one part's header block.
MAX_HEADER_BYTES = 8192
#: Characters of the request's Content-Type header (a boundary is at most 70).
MAX_CONTENT_TYPE_CHARS = 1024


class MultipartError(ValueError):
    """Why a body is not a usable multipart form; `field` names the form field if one is at
    fault, else the header (`Content-Type`) or None for the body as a whole."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def text(self) -> str:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            raise MultipartError(f"{self.name} must be UTF-8 text", self.name) from None


def boundary_of(content_type: str | None) -> str:
    """The boundary of a `multipart/form-data` Content-Type, or why there is none."""
    if not content_type or not content_type.strip():
        raise MultipartError(
            "Content-Type must be multipart/form-data with a boundary, got none", "Content-Type"
        )
    if len(content_type) > MAX_CONTENT_TYPE_CHARS:  # the stdlib's parameter parsing is
        raise MultipartError(  # superlinear: 1.8 MB of parameters took 4 s
            f"Content-Type is {len(content_type)} characters; at most {MAX_CONTENT_TYPE_CHARS}",
            "Content-Type",
        )
    msg = email.message.Message()
    msg["Content-Type"] = content_type
    if msg.get_content_type() != "multipart/form-data":
        raise MultipartError(
            f"Content-Type must be multipart/form-data, got {content_type[:100]!r}",
            "Content-Type",
        )
    boundary = msg.get_param("boundary")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 70:
        raise MultipartError(
            "Content-Type multipart/form-data needs a boundary of 1 to 70 characters",
            "Content-Type",
        )
    return boundary


def parse_form(body: bytes, content_type: str | None) -> list[Part]:
    """The parts of a form, in order; raises MultipartError naming what is wrong."""
    try:
        delimiter = b"--" + boundary_of(content_type).encode("ascii")
    except UnicodeEncodeError:
        raise MultipartError("the multipart boundary must be ASCII", "Content-Type") from None
    if not body:
        raise MultipartError("the multipart body is empty")
    start = body.find(delimiter)
    if start < 0 or (start > 0 and body[start - 2 : start] != b"\r\n"):
        raise MultipartError("the multipart body does not start with its boundary")
    parts: list[Part] = []
    pos = start + len(delimiter)
    separator = b"\r\n" + delimiter
    while True:
        if body[pos : pos + 2] == b"--":
            return parts  # the close delimiter; an epilogue after it is ignored
        line_end = body.find(b"\r\n", pos)
        if line_end < 0 or body[pos:line_end].strip(b" \t"):
            raise MultipartError("a multipart boundary line must end with CRLF")
        if len(parts) == MAX_PARTS:
            raise MultipartError(f"the form has more than {MAX_PARTS} parts")
        head_start = line_end + 2
        head_end = body.find(b"\r\n\r\n", head_start, head_start + MAX_HEADER_BYTES + 4)
        if body[head_start : head_start + 2] == b"\r\n":
            head_end = head_start - 2  # a part with no headers at all
        if head_end < 0:
            raise MultipartError(
                f"a part's headers are unterminated or longer than {MAX_HEADER_BYTES} bytes"
            )
        end = body.find(separator, head_end + 4)
        if end < 0:
            raise MultipartError("the multipart body ends before its closing boundary")
        parts.append(_part(body[head_start:head_end], body[head_end + 4 : end], len(parts)))
        pos = end + len(separator)


def _part(head: bytes, data: bytes, index: int) -> Part:
    msg = email.message.Message()
    for raw in head.split(b"\r\n") if head else []:
        key, colon, value = raw.partition(b":")
        if not colon or not key.strip() or key != key.strip():
            raise MultipartError(f"part {index + 1} has a malformed header line")
        try:
            msg[key.decode("ascii")] = value.strip().decode("utf-8")
        except UnicodeDecodeError:
            raise MultipartError(f"part {index + 1} has a header that is not UTF-8") from None
    disposition = msg.get("Content-Disposition")
    if disposition is None or msg.get_content_disposition() != "form-data":
        raise MultipartError(f"part {index + 1} has no Content-Disposition: form-data header")
    name = msg.get_param("name", header="content-disposition")
    if isinstance(name, tuple):  # RFC 2231 form: name*=utf-8''x
        name = email.utils.collapse_rfc2231_value(name)
    if not isinstance(name, str) or not name:
        raise MultipartError(f"part {index + 1} has no name in its Content-Disposition")
    filename = msg.get_filename()
    ctype = msg.get("Content-Type")
    return Part(name, filename, ctype.strip() if ctype else None, data)
