"""Uploaded files: what `POST /v1/files/upload` keeps, and `mm_file://{file_id}` resolves to.

The store is bounded by count and by bytes (`max_files`, `max_file_store_bytes`): past
either, the oldest uploads are evicted, as the task store and journal drop their oldest.
Each file's kind is read from its first bytes, never from the name or the declared type,
so a check on an uploaded file judges what was really sent.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import catalog_v2 as cat
from .images import sniff_image
from .param_errors import invalid

__all__ = [
    "UPLOAD_PURPOSES",
    "FileStore",
    "FileTooLarge",
    "MediaKind",
    "StoredFile",
    "check_purpose",
    "check_upload",
    "describe",
    "detect_media",
]

#: Upload purposes MiniMax documents (file-management-upload; `video_generation_input` from
#: the V2 guide, for `mm_file://` references), each with the kinds of file it takes.
UPLOAD_PURPOSES: dict[str, tuple[str, ...]] = {
    "voice_clone": ("mp3", "m4a", "wav"),
    "prompt_audio": ("mp3", "m4a", "wav"),
    "t2a_async_input": ("text", "zip"),
    "video_understanding": ("mp4", "avi", "mov", "mkv"),
    "video_generation_input": ("jpeg", "png", "webp", "heic", "mp4", "mov", "wav", "mp3"),
}

_MB = 1024 * 1024
#: Documented size caps: voice-cloning audio "up to 20 MB"; V2 media (for `mm_file://`)
#: the V2 catalog's (images 30 MB, videos 50 MB, audio 15 MB). Purposes without one are
#: bounded by the body limit and the store's byte budget only.
_PURPOSE_MAX_BYTES = {"voice_clone": 20 * _MB, "prompt_audio": 20 * _MB}
_V2_MAX_BYTES = {
    "image": cat.IMAGE_LIMITS.max_bytes,
    "video": cat.VIDEO_LIMITS.max_bytes,
    "audio": cat.AUDIO_LIMITS.max_bytes,
}


@dataclass(frozen=True)
class MediaKind:
    """What a file's bytes are: `kind` (image, video, audio, text, archive, other), a short
    `format` name (png, mp4, wav, ...), the MIME type, and an image's size when readable."""

    kind: str
    format: str
    content_type: str
    width: int | None = None
    height: int | None = None


# ISO base media (MP4/MOV/M4A/HEIF) major brands that are not plain MP4 video.
_FTYP_BRANDS = {
    b"qt  ": MediaKind("video", "mov", "video/quicktime"),
    b"M4A ": MediaKind("audio", "m4a", "audio/mp4"),
    b"M4B ": MediaKind("audio", "m4a", "audio/mp4"),
    b"heic": MediaKind("image", "heic", "image/heic"),
    b"heix": MediaKind("image", "heic", "image/heic"),
    b"heim": MediaKind("image", "heic", "image/heic"),
    b"heis": MediaKind("image", "heic", "image/heic"),
    b"hevc": MediaKind("image", "heic", "image/heic"),
    b"mif1": MediaKind("image", "heic", "image/heif"),
    b"msf1": MediaKind("image", "heic", "image/heif"),
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MP4 = MediaKind("video", "mp4", "video/mp4")
_OTHER = MediaKind("other", "binary", "application/octet-stream")


def detect_media(data: bytes) -> MediaKind:
    """The kind of `data` from its magic bytes (images through `images.sniff_image`)."""
    image = sniff_image(data)
    if image is not None:
        fmt, width, height = image
        return MediaKind("image", fmt, f"image/{fmt}", width, height)
    head = data[:64]
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], _MP4)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return MediaKind("audio", "wav", "audio/wav")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return MediaKind("video", "avi", "video/x-msvideo")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        fmt = "webm" if b"webm" in data[:64] else "mkv"
        return MediaKind("video", fmt, f"video/{'webm' if fmt == 'webm' else 'x-matroska'}")
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        # An ID3 tag, or an MPEG audio frame sync with layer III (0xFFE2..0xFFFB, not AAC ADTS).
        return MediaKind("audio", "mp3", "audio/mpeg")
    if head[:4] == b"fLaC":
        return MediaKind("audio", "flac", "audio/flac")
    if head[:4] == b"OggS":
        return MediaKind("audio", "ogg", "audio/ogg")
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return MediaKind("archive", "zip", "application/zip")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaKind("image", "gif", "image/gif")
    if _is_text(data):
        return MediaKind("text", "text", "text/plain")
    return _OTHER


def _is_text(data: bytes) -> bool:
    sample = data[:4096]
    if not sample or b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still text.
        return exc.start >= len(sample) - 3 and len(data) > len(sample)
    return True


@dataclass(frozen=True)
class StoredFile:
    """One upload. `size` is the JSON `bytes`; `created_at` is the mock clock's time."""

    file_id: str
    filename: str
    purpose: str
    data: bytes
    media: MediaKind
    api_key: str | None
    created_at: float

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def kind(self) -> str:
        return self.media.kind

    @property
    def content_type(self) -> str:
        return self.media.content_type

    @property
    def safe_name(self) -> str:
        """The filename as one safe URL path segment (other characters become `_`)."""
        return _UNSAFE.sub("_", self.filename).strip(".") or "file"

    @property
    def cdn_path(self) -> str:
        """Where the download host serves this file (signed, as generated videos are)."""
        return f"/inference_output/file/{self.file_id}/{self.safe_name}"

    @cached_property
    def etag(self) -> str:
        return f'"{hashlib.md5(self.data).hexdigest().upper()}"'

    def to_json(self) -> dict[str, Any]:
        """The documented file object; `file_id` a JSON number, as files/retrieve has it."""
        return {
            "file_id": int(self.file_id),
            "bytes": self.size,
            "created_at": int(self.created_at),
            "filename": self.filename,
            "purpose": self.purpose,
        }


def check_purpose(purpose: str) -> None:
    """ApiError 2013 naming `purpose` unless it is one of `UPLOAD_PURPOSES`."""
    if purpose not in UPLOAD_PURPOSES:
        shown = purpose if len(purpose) <= 64 else purpose[:64] + "..."
        raise invalid("purpose", f"{shown!r} is not one of {', '.join(UPLOAD_PURPOSES)}")


def check_upload(purpose: str, filename: str, data: bytes, *, check_format: bool) -> MediaKind:
    """The kind of an upload, or ApiError 2013 naming `purpose`, `file` or `filename`.

    With `check_format`, the bytes must be a format the purpose documents and within its
    size cap; without it any non-empty file is kept as what it is.
    """
    check_purpose(purpose)
    if not filename.strip():
        raise invalid("filename", "the file part needs a non-empty filename")
    if len(filename) > 255:
        raise invalid("filename", f"is {len(filename)} characters; at most 255")
    if not data:
        raise invalid("file", "the file is empty")
    media = detect_media(data)
    if not check_format:
        return media
    allowed = UPLOAD_PURPOSES[purpose]
    if media.format not in allowed:
        what = describe(media.kind, media.format)
        raise invalid("file", f"the file is {what}; purpose {purpose} takes {', '.join(allowed)}")
    cap = _PURPOSE_MAX_BYTES.get(purpose)
    if purpose == "video_generation_input":
        cap = _V2_MAX_BYTES.get(media.kind)
    if cap is not None and len(data) > cap:
        raise invalid(
            "file",
            f"the {media.kind} is {len(data)} bytes; purpose {purpose} takes at most "
            f"{cap // _MB} MB ({cap} bytes) for a {media.kind}",
        )
    return media


def describe(kind: str, fmt: str) -> str:
    """A file's kind for a refusal: `png (image)`, or `of no recognised format`."""
    if kind == "other":
        return "of no recognised format"
    return f"{fmt} ({kind})"


class FileTooLarge(ValueError):
    """A single file bigger than the whole store's byte budget: it could never be kept."""


class FileStore:
    """Uploads by file_id, bounded by count and bytes; the oldest are evicted first.

    `scoped` hides a file from every API key but its owner's (`scope_tasks_by_key`);
    `api_key=None` in a lookup means "any owner" (the control API, fixtures).
    """

    def __init__(self, max_files: int, max_bytes: int, *, scoped: bool = True) -> None:
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.scoped = scoped
        self._files: OrderedDict[str, StoredFile] = OrderedDict()
        self._bytes = 0
        self.evicted = 0
        self.lock = threading.RLock()

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def admit(self, size: int) -> None:
        """Raise FileTooLarge for a file the store could never hold, before anything changes."""
        if size > self.max_bytes:
            raise FileTooLarge(
                f"the file is {size} bytes; the file store holds at most {self.max_bytes} "
                "bytes in all (setting max_file_store_bytes)"
            )

    def add(self, file: StoredFile) -> list[StoredFile]:
        """Keep `file`, evicting the oldest until both bounds hold; returns the evicted."""
        self.admit(file.size)
        evicted: list[StoredFile] = []
        with self.lock:
            self._files[file.file_id] = file
            self._bytes += file.size
            while len(self._files) > self.max_files or self._bytes > self.max_bytes:
                _, old = self._files.popitem(last=False)
                self._bytes -= old.size
                self.evicted += 1
                evicted.append(old)
        return evicted

    def __contains__(self, file_id: object) -> bool:
        return file_id in self._files

    def get(self, file_id: str, api_key: str | None = None) -> StoredFile | None:
        """The file, if it exists and `api_key` may see it."""
        file = self._files.get(file_id.strip())
        if file is None or not self._visible(file, api_key):
            return None
        return file

    def delete(self, file_id: str, api_key: str | None = None) -> StoredFile | None:
        with self.lock:
            file = self.get(file_id, api_key)
            if file is not None:
                del self._files[file.file_id]
                self._bytes -= file.size
            return file

    def list(self, api_key: str | None = None, purpose: str | None = None) -> list[StoredFile]:
        """The files `api_key` may see, oldest first, of one purpose if given."""
        with self.lock:
            files = list(self._files.values())
        return [
            f
            for f in files
            if self._visible(f, api_key) and (purpose is None or f.purpose == purpose)
        ]

    def clear(self) -> None:
        with self.lock:
            self._files.clear()
            self._bytes = 0
            self.evicted = 0

    def _visible(self, file: StoredFile, api_key: str | None) -> bool:
        return api_key is None or not self.scoped or file.api_key == api_key

    def __iter__(self) -> Iterator[StoredFile]:
        with self.lock:
            return iter(list(self._files.values()))

    def __len__(self) -> int:
        return len(self._files)
