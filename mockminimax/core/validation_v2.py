"""Validation of V2 (H3) bodies: generation, context-IR and regeneration, against the V2
catalog, as the real API words its refusals.

Every refusal is `ApiError(2013, "invalid params, <field>: <rule>")` naming the field by its
path in the body (`content[2].image_url.url`); the V2 surface renders it as HTTP 400
`bad_request_error` with `(2013)` at the end, as V2 does. Media are checked on what the
mock holds: data URIs are decoded and `mm_file://` IDs looked up in the file store, both
read by `probe`; a public URL gets a syntax check only, because the mock fetches nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from . import catalog_v2 as cat
from .catalog_v2 import Modality, Mode, TaskType
from .codes import ApiError
from .files import StoredFile, describe
from .param_errors import invalid, missing, not_an_object, type_name
from .probe import MediaInfo, probe
from .settings import Settings
from .validation import MAX_CALLBACK_URL, MAX_STORED_IMAGE, stored_value

__all__ = [
    "FileLookup",
    "MediaItem",
    "V2Request",
    "id_digits",
    "v2_schema",
    "validate_context_ir",
    "validate_regeneration",
    "validate_v2",
]

#: How validation reaches uploaded files: file_id -> the caller's file, or None.
FileLookup = Callable[[str], StoredFile | None]

_FRAME_ROLES = ("first_frame", "last_frame")
_REFERENCE_ROLES = ("reference_image", "reference_video", "reference_audio")
_MEDIA_TYPES = ("image_url", "video_url", "audio_url")
_ITEM_TYPES = ("text", *_MEDIA_TYPES)
_DATA_URI = re.compile(r"data:([\w.+-]+)/([\w.+-]+)((?:;[\w.+-]+=[\w.+-]+)*);base64,", re.ASCII)
_KIND = {"image_url": "image", "video_url": "video", "audio_url": "audio"}
_MB = 1024 * 1024


@dataclass(frozen=True)
class MediaItem:
    """One media content item after checking: where it came from and what was read of it."""

    type: str
    role: str
    url: str
    source: str  # url, data or file
    info: MediaInfo | None = None

    def to_json(self) -> dict[str, Any]:
        shown = stored_value(self.url)
        out: dict[str, Any] = {"type": self.type, "role": self.role, "url": shown}
        if self.info is not None:
            out["format"] = self.info.format
            if self.info.width:
                out["size"] = f"{self.info.width}x{self.info.height}"
            if self.info.seconds is not None:
                out["seconds"] = round(self.info.seconds, 3)
        return out


def _seconds(media: Sequence[MediaItem], *roles: str) -> float:
    """How long the media items in `roles` last in all (those of unknown length: 0)."""
    return sum((m.info.seconds or 0.0) for m in media if m.role in roles and m.info)


@dataclass(frozen=True)
class V2Request:
    """A V2 body after defaults are filled in: what a V2 task is made from."""

    task_type: TaskType
    model: str
    mode: Mode
    text: str
    duration: int
    #: The ratio as the task reports it: "" where the output follows its input (adaptive).
    ratio: str
    resolution: str = ""
    width: int = 0
    height: int = 0
    frames: int = 0
    media: tuple[MediaItem, ...] = ()
    prompt_expansion_mode: str | None = None
    callback_url: str | None = None
    aigc_watermark: bool = False
    source_task_id: str | None = None

    @property
    def modality(self) -> Modality:
        return Modality.TEXT if self.task_type is TaskType.CONTEXT_IR else Modality.VIDEO

    @property
    def prompt(self) -> str:
        return self.text

    @property
    def fps(self) -> int:
        return cat.FPS

    def count(self, *roles: str) -> int:
        return sum(1 for m in self.media if m.role in roles)

    def stored(self) -> V2Request:
        """This request as a task keeps it: media values over `MAX_STORED_IMAGE` characters
        (data URIs of up to 64 MB) shortened to their start and length, so the task store
        is bounded by bytes as well as by count; what was read of them (`info`) stays."""
        media = tuple(
            m if len(m.url) <= MAX_STORED_IMAGE else replace(m, url=stored_value(m.url))
            for m in self.media
        )
        return replace(self, media=media)

    def seconds(self, *roles: str) -> float:
        return _seconds(self.media, *roles)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "task_type": self.task_type.value,
            "model": self.model,
            "mode": self.mode.value,
            "text": self.text,
            "duration": self.duration,
            "ratio": self.ratio,
        }
        if self.modality is Modality.VIDEO:
            out.update(
                resolution=self.resolution, width=self.width, height=self.height, frames=self.frames
            )
        if self.media:
            out["media"] = [m.to_json() for m in self.media]
        for name in ("prompt_expansion_mode", "callback_url", "source_task_id"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.aigc_watermark:
            out["aigc_watermark"] = True
        return out


# -- messages ------------------------------------------------------------------------------


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if name in body and not isinstance(value, str):
        raise invalid(name, f"must be a string, got {type_name(value)}")
    return value


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise not_an_object(body)
    return body


# -- top-level fields ------------------------------------------------------------------------


def _model(body: dict[str, Any], endpoint: str) -> cat.Model:
    if "model" not in body:
        raise missing("model")
    name = body["model"]
    if not isinstance(name, str):
        raise invalid("model", f"must be a string, got {type_name(name)}")
    model = cat.MODELS.get(name)
    if model is None:
        raise ApiError(
            2013,
            f"invalid params, unsupported model: {name[:64]} (V2 serves {', '.join(cat.MODELS)})",
            field="model",
        )
    if endpoint == "context_ir" and not model.context_ir:
        raise invalid("model", f"{name} does not support h3_context_ir; use MiniMax-H3")
    if endpoint == "regeneration" and not model.regeneration:
        raise invalid("model", f"{name} does not support video_regeneration; use MiniMax-H3")
    return model


def _duration(body: dict[str, Any], model: cat.Model) -> int:
    if "duration" not in body:
        raise missing("duration")
    value = body["duration"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("duration", f"must be an integer number of seconds, got {type_name(value)}")
    if value not in model.durations:
        low, high = model.durations[0], model.durations[-1]
        raise invalid("duration", f"model {model.name} takes {low} to {high} seconds, not {value}")
    return value


def _resolution(body: dict[str, Any], model: cat.Model, settings: Settings) -> str:
    if "resolution" not in body:
        if settings.v2_resolution_required:
            raise missing("resolution")
        return model.default_resolution
    value = body["resolution"]
    if not isinstance(value, str):
        raise invalid("resolution", f"must be a string, got {type_name(value)}")
    if value not in model.resolutions:
        raise invalid(
            "resolution",
            f"model {model.name} supports {', '.join(model.resolutions)}, not {value!r:.64}",
        )
    return value


def _ratio(body: dict[str, Any], mode: Mode) -> str:
    """The ratio asked for, `adaptive` when the output follows the input."""
    if "ratio" not in body:
        if mode is Mode.T2VA:
            raise missing("ratio")
        return cat.ADAPTIVE
    value = body["ratio"]
    allowed = (cat.ADAPTIVE, *cat.RATIOS)
    if not isinstance(value, str):
        raise invalid("ratio", f"must be a string, got {type_name(value)}")
    if value not in allowed:
        raise invalid("ratio", f"{value!r:.64} is not one of {', '.join(allowed)}")
    if mode is Mode.T2VA and value == cat.ADAPTIVE:
        raise invalid("ratio", f"text-to-video needs a fixed ratio: one of {', '.join(cat.RATIOS)}")
    # Image modes always follow their frame: other values are ignored, not refused.
    return cat.ADAPTIVE if mode is Mode.I2VA else value


def _extra(body: dict[str, Any]) -> str | None:
    if "extra" not in body:
        return None
    extra = body["extra"]
    if not isinstance(extra, dict):
        raise invalid("extra", f"must be an object, got {type_name(extra)}")
    for key in extra:
        if key != "prompt_expansion_mode":
            raise invalid(f"extra.{key}", "unknown field (extra takes prompt_expansion_mode only)")
    mode = extra.get("prompt_expansion_mode")
    if mode is None:
        return None
    modes = cat.PROMPT_EXPANSION_MODES
    if not isinstance(mode, str) or mode not in modes:
        raise invalid(
            "extra.prompt_expansion_mode", f"{mode!r:.64} is not one of {', '.join(modes)}"
        )
    return mode


def _callback(body: dict[str, Any]) -> str | None:
    url = _string(body, "callback_url")
    if url is None:
        return None
    if len(url) > MAX_CALLBACK_URL:
        raise invalid("callback_url", f"{len(url)} characters; the limit is {MAX_CALLBACK_URL}")
    try:
        parts = urlsplit(url)
        usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # `http://[::1`: an unclosed IPv6 bracket
        usable = False
    if not usable:
        raise invalid("callback_url", "must be an http(s) URL")
    return url


def _watermark(body: dict[str, Any], settings: Settings, *, documented: bool) -> bool:
    if "aigc_watermark" not in body:
        return False
    if not documented and settings.v2_aigc_watermark == "reject":
        raise invalid("aigc_watermark", "unknown field (video_regeneration takes it, create not)")
    value = body["aigc_watermark"]
    if not isinstance(value, bool):
        raise invalid("aigc_watermark", f"must be a boolean, got {type_name(value)}")
    return value


# -- content -------------------------------------------------------------------------------


def _content(
    body: dict[str, Any], files: FileLookup | None, *, max_text: int, base_video: bool
) -> tuple[str, list[MediaItem]]:
    if "content" not in body:
        raise missing("content")
    items = body["content"]
    if not isinstance(items, list):
        raise invalid("content", f"must be an array of content items, got {type_name(items)}")
    # Counted before any item is read: each media item may decode or probe up to 50 MB,
    # and one body could otherwise name the same upload a million times.
    total = sum(1 for item in items if isinstance(item, dict) and item.get("type") in _MEDIA_TYPES)
    if total > cat.MAX_FILES:
        raise invalid("content", f"at most {cat.MAX_FILES} media items in all, got {total}")
    probed: dict[str, MediaInfo] = {}  # each upload probed once, however often named
    texts: list[str] = []
    media: list[MediaItem] = []
    unroled_images: list[int] = []
    for i, item in enumerate(items):
        where = f"content[{i}]"
        if not isinstance(item, dict):
            raise invalid(where, f"must be an object, got {type_name(item)}")
        kind = item.get("type")
        if kind is None:
            raise missing(f"{where}.type")
        if kind not in _ITEM_TYPES:
            raise invalid(f"{where}.type", f"{kind!r:.64} is not one of {', '.join(_ITEM_TYPES)}")
        if kind == "text":
            text = item.get("text")
            if not isinstance(text, str):
                if text is None:
                    raise missing(f"{where}.text")
                raise invalid(f"{where}.text", f"must be a string, got {type_name(text)}")
            if len(text) > max_text:
                raise invalid(
                    f"{where}.text", f"{len(text)} characters; the limit is {max_text} characters"
                )
            texts.append(text)
            continue
        role = _role(item, where, kind, base_video)
        if role is None:
            unroled_images.append(len(media))
            role = "first_frame"
        media.append(_media_item(item, where, kind, role, files, probed))
    if len(texts) != 1 or not texts[0].strip():
        if len(texts) > 1:
            raise invalid("content", f"must include exactly one text item, got {len(texts)}")
        raise invalid("content", "must include a non-empty text item (prompt is required)")
    images = sum(1 for m in media if m.type == "image_url")
    if unroled_images and images > 1:
        raise invalid(
            f"content[{_index(items, unroled_images[0], media)}].role",
            "is required when the content holds more than one image "
            "(a single image without a role is the first frame)",
        )
    return texts[0], media


def _index(items: list[Any], media_index: int, media: list[MediaItem]) -> int:
    """The content index of the n-th media item (text items are not in `media`)."""
    seen = -1
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("type") in _MEDIA_TYPES:
            seen += 1
            if seen == media_index:
                return i
    return media_index


def _role(item: dict[str, Any], where: str, kind: str, base_video: bool) -> str | None:
    role = item.get("role")
    allowed = tuple(r for r in cat.ROLES[kind] if base_video or r != "base_video")
    if role is None:
        if kind == "image_url":
            return None
        return "base_video" if base_video and kind == "video_url" else allowed[0]
    if not isinstance(role, str):
        raise invalid(f"{where}.role", f"must be a string, got {type_name(role)}")
    if role not in allowed:
        every = [
            r for roles in cat.ROLES.values() for r in roles if base_video or r != "base_video"
        ]
        if role in every:
            raise invalid(f"{where}.role", f"{role} does not go with {_a(kind)} item")
        raise invalid(f"{where}.role", f"{role!r:.64} is not one of {', '.join(allowed)}")
    return role


def _media_item(
    item: dict[str, Any],
    where: str,
    kind: str,
    role: str,
    files: FileLookup | None,
    probed: dict[str, MediaInfo],
) -> MediaItem:
    holder = item.get(kind)
    if holder is None:
        raise missing(f"{where}.{kind}")
    if not isinstance(holder, dict):
        raise invalid(
            f"{where}.{kind}", f'must be an object {{"url": ...}}, got {type_name(holder)}'
        )
    name = f"{where}.{kind}.url"
    url = holder.get("url")
    if url is None:
        raise missing(name)
    if not isinstance(url, str):
        raise invalid(name, f"must be a string, got {type_name(url)}")
    if not url.strip():
        raise invalid(name, "must not be empty")
    head = url[:12].lower()
    if head.startswith("data:"):
        info = _data_uri(name, kind, url)
        source = "data"
    elif head.startswith("mm_file://"):
        if files is None:  # offline (`mockminimax validate`): no store to look in
            _uploaded_id(name, url[len("mm_file://") :])
            return MediaItem(kind, role, url, "file")
        info = _uploaded(name, url[len("mm_file://") :], files, probed)
        source = "file"
    else:
        _public_url(name, kind, url)
        return MediaItem(kind, role, url, "url")
    _check_media(name, kind, info)
    return MediaItem(kind, role, url, source, info)


def _public_url(name: str, kind: str, url: str) -> None:
    prefix = _KIND[kind]
    rule = f"must be an http(s) URL, mm_file://{{file_id}} or a data:{prefix}/<format>;base64, URI"
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise invalid(name, rule) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_ok:
        raise invalid(name, rule)
    if any(c.isspace() for c in url):
        raise invalid(name, "URL must not contain whitespace")


def _data_uri(name: str, kind: str, url: str) -> MediaInfo:
    limits = cat.MEDIA_LIMITS[kind]
    prefix = _KIND[kind]
    match = _DATA_URI.match(url)
    if match is None:
        raise invalid(name, f"data URI must look like data:{prefix}/<format>;base64,<data>")
    if match[1].lower() != prefix:
        raise invalid(name, f"{_a(kind)} item takes data:{prefix}/..., not data:{match[1]}/...")
    payload = len(url) - match.end()
    if payload == 0:
        raise invalid(name, "data URI holds no data")
    # The decoded size follows from the length: an oversized file is refused undecoded.
    size = payload * 3 // 4 - (2 if url.endswith("==") else 1 if url.endswith("=") else 0)
    if size > limits.max_bytes:
        raise _too_big(name, prefix, size, limits.max_bytes)
    try:
        data = base64.b64decode(url[match.end() :].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise invalid(name, "data is not valid Base64") from None
    return probe(data)


#: The longest ID read from a request (file_id, source_task_id); the mock's are 15 digits.
_MAX_ID_CHARS = 32


def id_digits(value: str) -> bool:
    """ASCII digits of an ID's length: `²` and `٣` pass `str.isdigit()`, not this."""
    return value.isascii() and value.isdigit() and len(value) <= _MAX_ID_CHARS


def _uploaded_id(name: str, file_id: str) -> None:
    if not id_digits(file_id):
        raise invalid(name, f"mm_file:// takes a numeric file_id, got {file_id[:40]!r}")


def _uploaded(
    name: str, file_id: str, files: FileLookup, probed: dict[str, MediaInfo]
) -> MediaInfo:
    _uploaded_id(name, file_id)
    if file_id in probed:
        return probed[file_id]
    found = files(file_id)
    if found is None:
        raise invalid(name, f"no uploaded file {file_id} (upload it with POST /v1/files/upload)")
    probed[file_id] = info = probe(found.data)
    return info


def _too_big(name: str, kind: str, size: int, cap: int) -> ApiError:
    return invalid(
        name, f"the {kind} is {size / _MB:.2f} MB ({size} bytes); at most {cap // _MB} MB"
    )


def _check_media(name: str, kind: str, info: MediaInfo) -> None:
    limits = cat.MEDIA_LIMITS[kind]
    want = _KIND[kind]
    if info.kind != want or info.format not in limits.formats:
        what = describe(info.kind, info.format)
        raise invalid(
            name, f"the data is {what}; {_a(kind)} takes {', '.join(limits.formats).upper()}"
        )
    if info.size > limits.max_bytes:
        raise _too_big(name, want, info.size, limits.max_bytes)
    if isinstance(limits, (cat.ImageLimits, cat.VideoLimits)) and info.width and info.height:
        w, h = info.width, info.height
        if not limits.min_side <= min(w, h) <= max(w, h) <= limits.max_side:
            raise invalid(
                name,
                f"the {want} is {w}x{h} px; each side must be {limits.min_side}-"
                f"{limits.max_side} px",
            )
        if not limits.min_ratio <= w / h <= limits.max_ratio:
            raise invalid(
                name,
                f"the {want} is {w}x{h} px (ratio {w / h:.3f}); width/height must be "
                f"{limits.min_ratio}-{limits.max_ratio}",
            )
    if isinstance(limits, cat.VideoLimits):
        if info.video_codec is None and info.seconds is None:
            raise invalid(name, "the video has no readable video track (no moov box)")
        if info.video_codec not in limits.video_codecs:
            raise invalid(name, f"video codec {info.video_codec!r} is not one of H.264, H.265")
        if info.audio_codec is not None and info.audio_codec not in limits.audio_codecs:
            raise invalid(name, f"audio codec {info.audio_codec!r} is not one of AAC, MP3")
        fps = info.fps
        if fps is not None and not limits.min_fps - 0.001 <= fps <= limits.max_fps + 0.001:
            raise invalid(
                name,
                f"the video runs at {fps:.3f} fps; it must be {limits.min_fps}-{limits.max_fps}",
            )
    if isinstance(limits, (cat.VideoLimits, cat.AudioLimits)):
        seconds = info.seconds
        if seconds is None:
            raise invalid(name, f"could not read the {want}'s duration from its header")
        if not limits.min_seconds <= seconds <= limits.max_seconds + 0.001:
            raise invalid(
                name,
                f"the {want} lasts {seconds:.3f} s; each must last {limits.min_seconds:g}-"
                f"{limits.max_seconds:g} s",
            )


def _check_roles(media: list[MediaItem], settings: Settings) -> Mode:
    counts: dict[str, int] = {}
    for item in media:
        counts[item.role] = counts.get(item.role, 0) + 1
    for role, n in counts.items():
        if n > cat.ROLE_LIMITS[role]:
            raise invalid("content", f"at most {cat.ROLE_LIMITS[role]} {role} item(s), got {n}")
    frames = [r for r in _FRAME_ROLES if r in counts]
    references = [r for r in _REFERENCE_ROLES if r in counts]
    if frames and references:
        raise invalid(
            "content",
            f"frame roles ({', '.join(frames)}) and reference roles ({', '.join(references)}) "
            "are mutually exclusive",
        )
    if frames == ["last_frame"] and settings.v2_last_frame_only == "reject":
        raise invalid("content", "a last_frame must be paired with a first_frame")
    if references and references == ["reference_audio"]:
        raise invalid(
            "content", "reference_audio needs a reference_image or reference_video beside it"
        )
    for role, limits in (
        ("reference_video", cat.VIDEO_LIMITS),
        ("reference_audio", cat.AUDIO_LIMITS),
    ):
        total = _seconds(media, role)
        if total > limits.total_seconds + 0.001:
            raise invalid(
                "content",
                f"{role} items last {total:.3f} s in all; at most {limits.total_seconds:g} s",
            )
    if frames:
        return Mode.I2VA
    return Mode.R2VA if references else Mode.T2VA


def _geometry(ratio: str, resolution: str, media: list[MediaItem]) -> tuple[int, int]:
    """The output size; an adaptive ratio follows the first media item of known shape."""
    if ratio == cat.ADAPTIVE:
        ratio = "16:9"
        for m in media:
            if m.info is not None and m.info.width and m.info.height:
                ratio = cat.nearest_ratio(m.info.width, m.info.height)
                break
    return cat.output_size(resolution, ratio)


# -- the three bodies ----------------------------------------------------------------------


def validate_v2(body: Any, settings: Settings, files: FileLookup | None = None) -> V2Request:
    """Check a `POST /v2/video_generation` body as the real service does."""
    body = _object(body)
    model = _model(body, "generation")
    text, media = _content(body, files, max_text=cat.MAX_TEXT_CHARS, base_video=False)
    mode = _check_roles(media, settings)
    resolution = _resolution(body, model, settings)
    duration = _duration(body, model)
    ratio = _ratio(body, mode)
    width, height = _geometry(ratio, resolution, media)
    return V2Request(
        task_type=TaskType.GENERATION,
        model=model.name,
        mode=mode,
        text=text,
        duration=duration,
        ratio="" if ratio == cat.ADAPTIVE else ratio,
        resolution=resolution,
        width=width,
        height=height,
        frames=cat.frames_for(duration),
        media=tuple(media),
        prompt_expansion_mode=_extra(body),
        callback_url=_callback(body),
        aigc_watermark=_watermark(body, settings, documented=False),
    )


def validate_context_ir(
    body: Any, settings: Settings, files: FileLookup | None = None
) -> V2Request:
    """`POST /v2/h3_context_ir`: MiniMax-H3's prompt enhancement; the task yields text."""
    body = _object(body)
    model = _model(body, "context_ir")
    text, media = _content(body, files, max_text=cat.MAX_TEXT_CHARS, base_video=False)
    mode = _check_roles(media, settings)
    duration = _duration(body, model)
    ratio = _ratio(body, mode) if "ratio" in body else cat.ADAPTIVE
    return V2Request(
        task_type=TaskType.CONTEXT_IR,
        model=model.name,
        mode=mode,
        text=text,
        duration=duration,
        ratio="" if ratio == cat.ADAPTIVE else ratio,
        media=tuple(media),
        callback_url=_callback(body),
    )


def validate_regeneration(
    body: Any, settings: Settings, files: FileLookup | None = None
) -> V2Request:
    """`POST /v2/video_regeneration`: a 768P H3 video re-rendered at 2K, from a task
    (`source_task_id`) or a `base_video` content item. A task source is resolved by the
    task layer, which knows the tasks; here only its shape is checked."""
    body = _object(body)
    model = _model(body, "regeneration")
    if "resolution" not in body:
        raise missing("resolution")
    if body["resolution"] != "2K":
        raise invalid(
            "resolution", f"video_regeneration renders 2K only, not {body['resolution']!r:.64}"
        )
    source = _string(body, "source_task_id")
    watermark = _watermark(body, settings, documented=True)
    callback = _callback(body)
    if source is not None and "content" in body:
        raise invalid("source_task_id", "give either source_task_id or content, not both")
    if source is not None:
        if not settings.v2_regeneration_by_task:
            raise invalid(
                "source_task_id", "regeneration by task needs a whitelisted account; send content"
            )
        if not id_digits(source.strip()):
            raise invalid("source_task_id", "must be a task_id of digits")
        return V2Request(
            task_type=TaskType.REGENERATION,
            model=model.name,
            mode=Mode.T2VA,
            text="",
            duration=0,
            ratio="",
            resolution="2K",
            source_task_id=source.strip(),
            callback_url=callback,
            aigc_watermark=watermark,
        )
    if "content" not in body:
        raise missing("content")
    text, media = _content(body, files, max_text=cat.MAX_REGENERATION_TEXT_CHARS, base_video=True)
    bases = [m for m in media if m.role == "base_video"]
    if len(bases) != 1:
        raise invalid(
            "content", f"must hold exactly one video_url with role base_video, got {len(bases)}"
        )
    others = [m for m in media if m.role != "base_video"]
    mode = _check_roles(others, settings)
    base = bases[0].info
    where = f"content[{_index(body['content'], media.index(bases[0]), media)}].video_url.url"
    width, height, frames = 2560, 1440, cat.frames_for(4)
    if base is not None:
        _check_base(where, base)
        assert base.width and base.height and base.frames
        width, height = cat.output_size("2K", cat.nearest_ratio(base.width, base.height))
        frames = base.frames
    return V2Request(
        task_type=TaskType.REGENERATION,
        model=model.name,
        mode=mode,
        text=text,
        duration=round(frames / cat.FPS),
        ratio="",
        resolution="2K",
        width=width,
        height=height,
        frames=frames,
        media=tuple(media),
        callback_url=callback,
        aigc_watermark=watermark,
    )


def _check_base(name: str, info: MediaInfo) -> None:
    """The base video must be an unmodified H3 768P output (TP1; Comfy's regenerate node)."""
    if not info.has_audio:
        raise invalid(name, "the base video must have an audio track")
    fps = info.fps
    if fps is None or abs(fps - cat.FPS) > 0.01:
        raise invalid(name, f"the base video must run at 24 fps, got {fps or 0:.3f}")
    w, h = info.width or 0, info.height or 0
    low, high = cat.BASE_VIDEO_AREA
    if w % 32 or h % 32 or not low <= w * h <= high:
        raise invalid(
            name,
            f"the base video is {w}x{h}; sides must be multiples of 32 and the area "
            f"{low:,}-{high:,} px (an H3 768P output)",
        )
    frames = info.frames or 0
    first, last = cat.BASE_VIDEO_FRAMES
    if not first <= frames <= last or (frames - 5) % 17:
        raise invalid(
            name, f"the base video has {frames} frames; it must have {first}-{last} in steps of 17"
        )


# -- the bodies as JSON Schema -------------------------------------------------------------


def _content_schema(*, max_text: int, base_video: bool) -> dict[str, Any]:
    """The content array: a text item and media items, each kind with the roles it takes."""
    items: list[dict[str, Any]] = [
        {
            "title": "text",
            "type": "object",
            "required": ["type", "text"],
            "properties": {
                "type": {"const": "text"},
                "text": {"type": "string", "maxLength": max_text},
            },
        }
    ]
    for kind in _MEDIA_TYPES:
        roles = [r for r in cat.ROLES[kind] if base_video or r != "base_video"]
        limits = cat.MEDIA_LIMITS[kind]
        items.append(
            {
                "title": kind,
                "type": "object",
                "required": ["type", kind],
                "properties": {
                    "type": {"const": kind},
                    "role": {"type": "string", "enum": roles},
                    kind: {
                        "type": "object",
                        "required": ["url"],
                        "properties": {"url": _url_schema(kind)},
                        "description": f"an http(s) URL (never fetched), mm_file://{{file_id}} "
                        f"or a data:{_KIND[kind]}/...;base64, URI; "
                        f"{', '.join(limits.formats).upper()}, at most "
                        f"{limits.max_bytes // _MB} MB",
                    },
                },
            }
        )
    prompt = {
        "type": "object",
        "required": ["type", "text"],
        "properties": {"type": {"const": "text"}, "text": {"type": "string", "pattern": r"\S"}},
    }
    return {
        "type": "array",
        "minItems": 1,
        "items": {"anyOf": items},
        "contains": prompt,
        "minContains": 1,
        "maxContains": 1,
        "description": f"exactly one non-blank text item (the prompt) and up to {cat.MAX_FILES} "
        "media items; frame roles (first_frame, last_frame) and reference roles exclude "
        "each other; an image without a role is the first frame",
    }


def _url_schema(kind: str) -> dict[str, Any]:
    """Where a media item may come from: a public URL (syntax only), an upload, or data."""
    return {
        "type": "string",
        "anyOf": [
            {"pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+[^\s]*$"},
            {"pattern": r"^[Mm][Mm]_[Ff][Ii][Ll][Ee]://[0-9]{1,32}$"},
            {"pattern": rf"^data:{_KIND[kind]}/[\w.+-]+(;[\w.+-]+=[\w.+-]+)*;base64,."},
        ],
    }


def _callback_schema() -> dict[str, Any]:
    return {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "maxLength": MAX_CALLBACK_URL}


def v2_schema(endpoint: str, settings: Settings | None = None) -> dict[str, Any]:
    """A V2 body as JSON Schema 2020-12, from the V2 catalog and the rules above:
    `endpoint` is `generation`, `context_ir` or `regeneration`. `properties` holds each
    field's type and choices, `anyOf` which go together (one alternative per model).
    """
    settings = settings or Settings()
    models = [
        m
        for m in cat.MODELS.values()
        if endpoint == "generation"
        or (endpoint == "context_ir" and m.context_ir)
        or (endpoint == "regeneration" and m.regeneration)
    ]
    regeneration = endpoint == "regeneration"
    max_text = cat.MAX_REGENERATION_TEXT_CHARS if regeneration else cat.MAX_TEXT_CHARS
    props: dict[str, Any] = {
        "model": {"type": "string", "enum": [m.name for m in models]},
        "content": _content_schema(max_text=max_text, base_video=regeneration),
        "callback_url": _callback_schema(),
    }
    required = ["model"]
    if regeneration:
        props["resolution"] = {"const": "2K"}
        props["source_task_id"] = {
            "type": "string",
            "pattern": r"^\s*[0-9]{1,32}\s*$",
            "description": "a MiniMax-H3 768P generation that succeeded (instead of content; "
            "a whitelisted account's: v2_regeneration_by_task)",
        }
        props["aigc_watermark"] = {"type": "boolean"}
        return {
            "type": "object",
            "required": ["model", "resolution"],
            "properties": props,
            "anyOf": [{"required": ["content"]}, {"required": ["source_task_id"]}],
            "not": {"required": ["content", "source_task_id"]},
            "description": "content holds exactly one video_url with role base_video: an "
            "unmodified MiniMax-H3 768P output",
        }
    required += ["content", "duration"]
    durations = sorted({d for m in models for d in m.durations})
    props["duration"] = {"type": "integer", "enum": durations, "description": "seconds"}
    props["ratio"] = {
        "type": "string",
        "enum": [cat.ADAPTIVE, *cat.RATIOS],
        "description": "required for text-to-video (a fixed ratio); image modes follow their frame",
    }
    branches: list[dict[str, Any]] = []
    for model in models:
        branch: dict[str, Any] = {
            "title": model.name,
            "properties": {
                "model": {"const": model.name},
                "duration": {"enum": list(model.durations)},
            },
        }
        if endpoint == "generation":
            branch["properties"]["resolution"] = {"enum": list(model.resolutions)}
        branches.append(branch)
    if endpoint == "generation":
        resolutions = [r for r in cat.RESOLUTIONS if any(r in m.resolutions for m in models)]
        props["resolution"] = {"type": "string", "enum": resolutions}
        if settings.v2_resolution_required:
            required.append("resolution")
        modes = list(cat.PROMPT_EXPANSION_MODES)
        props["extra"] = {
            "type": "object",
            "properties": {
                "prompt_expansion_mode": {"type": ["string", "null"], "enum": [*modes, None]}
            },
            "additionalProperties": False,
        }
        if settings.v2_aigc_watermark == "accept":
            props["aigc_watermark"] = {"type": "boolean"}
        media = {"required": ["type"], "properties": {"type": {"enum": list(_MEDIA_TYPES)}}}
        # Text-to-video (no media item) needs a fixed ratio; the others may leave it out.
        t2v = {"required": ["ratio"], "properties": {"ratio": {"not": {"const": cat.ADAPTIVE}}}}
        with_media = {"properties": {"content": {"contains": media}}}
        return {
            "type": "object",
            "required": required,
            "properties": props,
            "anyOf": branches,
            "allOf": [{"anyOf": [t2v, with_media]}],
        }
    return {"type": "object", "required": required, "properties": props, "anyOf": branches}
