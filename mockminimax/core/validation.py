"""Validation of a V1 create body against the model catalog, as the real API words it.

Every refusal is `ApiError(2013, ...)` whose message names the field and the rule broken;
the shapes follow what the live API was seen to say ("model X does not support
Text-to-Video mode", "invalid params, binding: expr_path=prompt, cause=missing required
parameter").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from .catalog import FPS, MAX_PROMPT_CHARS, MODELS, RESOLUTIONS, Mode, Model, output_size
from .codes import ApiError
from .images import ImageInfo, ImageRejected, inspect_image
from .param_errors import invalid, missing, not_an_object, type_name
from .settings import Settings
from .strict_json import BodyError, loads

__all__ = [
    "MAX_CALLBACK_URL",
    "MAX_STORED_IMAGE",
    "BodyError",
    "VideoRequest",
    "check_image",
    "create_schema",
    "parse_body",
    "stored_value",
    "validate_create",
]

_IMAGE_FIELDS = ("first_frame_image", "last_frame_image")
#: Image values a task keeps in full up to this length (an http(s) URL); longer ones, data
#: URLs, are kept as their start and length.
MAX_STORED_IMAGE = 2048
#: The longest `callback_url` accepted (URLs past 2 KB are refused by most servers anyway).
MAX_CALLBACK_URL = 2048
_BOOL_FIELDS = ("prompt_optimizer", "fast_pretreatment", "aigc_watermark")
_STR_FIELDS = ("prompt", "resolution", "callback_url", *_IMAGE_FIELDS)
#: The modes as plain globals: a member read through the Enum class costs about 50 ns.
_T2V, _I2V, _FL2V, _S2V = Mode.T2V, Mode.I2V, Mode.FL2V, Mode.S2V


@dataclass(frozen=True)
class VideoRequest:
    """A create request after defaults are filled in: what the task is made from."""

    mode: Mode
    model: str
    prompt: str | None
    duration: int
    resolution: str
    width: int
    height: int
    prompt_optimizer: bool = True
    fast_pretreatment: bool = False
    aigc_watermark: bool = False
    first_frame_image: str | None = None
    last_frame_image: str | None = None
    subject_reference: tuple[tuple[str, str], ...] = ()
    callback_url: str | None = None
    fps: int = FPS

    def stored(self) -> VideoRequest:
        """This request as a task keeps it: image values over `MAX_STORED_IMAGE` characters
        (data URLs of up to 20 MB) shortened to their start and length, so the task store
        is bounded by bytes as well as by count. Everything the output depends on (size,
        mode, duration) is already worked out."""

        first, last = self.first_frame_image, self.last_frame_image
        subjects = self.subject_reference
        if (
            (first is None or len(first) <= MAX_STORED_IMAGE)
            and (last is None or len(last) <= MAX_STORED_IMAGE)
            and (
                not subjects
                or all(image is None or len(image) <= MAX_STORED_IMAGE for _, image in subjects)
            )
        ):
            return self  # frozen, and nothing to shorten: no copy needed

        return replace(
            self,
            first_frame_image=first if first is None else stored_value(first),
            last_frame_image=last if last is None else stored_value(last),
            subject_reference=tuple((kind, stored_value(image)) for kind, image in subjects),
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["mode"] = self.mode.value
        data["subject_reference"] = [
            {"type": kind, "image": [image]} for kind, image in self.subject_reference
        ]
        return {k: v for k, v in data.items() if v is not None and v != []}


def stored_value(value: str) -> str:
    """A media value as a task keeps it: whole up to `MAX_STORED_IMAGE` characters, else
    its start and length."""
    if len(value) <= MAX_STORED_IMAGE:
        return value
    return f"{value[:64]}... ({len(value)} chars)"


def parse_body(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or `BodyError` saying why it is not one.

    Read strictly and within limits (`strict_json`): every surface and `validate` read
    bodies here, so one rule decides what a body may hold.
    """
    data = loads(raw)
    if not isinstance(data, dict):
        raise BodyError(f"request body must be a JSON object, got {type_name(data)}")
    return data


#: The type each checked field must have exactly, for `_check_types`' quick pass.
_FIELD_TYPES: dict[str, type] = {
    **dict.fromkeys(_STR_FIELDS, str),
    **dict.fromkeys(_BOOL_FIELDS, bool),
    "duration": int,
}


def _check_types(body: dict[str, Any]) -> None:
    # One pass over the body's own fields when each has its type exactly (a parsed body's
    # always do); otherwise the checks below, in their order, word the first refusal.
    kinds = _FIELD_TYPES
    for name, value in body.items():
        kind = kinds.get(name)
        if kind is not None and type(value) is not kind:
            break
    else:
        return
    for name in _STR_FIELDS:
        if name in body and not isinstance(body[name], str):
            raise invalid(name, f"must be a string, got {type_name(body[name])}")
    for name in _BOOL_FIELDS:
        if name in body and not isinstance(body[name], bool):
            raise invalid(name, f"must be a boolean, got {type_name(body[name])}")
    if "duration" in body:
        d = body["duration"]
        if isinstance(d, bool) or not isinstance(d, int):
            raise invalid("duration", f"must be an integer number of seconds, got {type_name(d)}")


def check_image(field: str, value: str) -> ImageInfo:
    """What `inspect_image` reads of an image value, or a 2013 naming `field`."""
    try:
        return inspect_image(value)
    except ImageRejected as exc:
        raise invalid(field, str(exc)) from None


def _mode(body: dict[str, Any], model: Model) -> Mode:
    if model.name == "S2V-01" or "subject_reference" in body:
        mode = _S2V
    elif "last_frame_image" in body:
        mode = _FL2V
    elif "first_frame_image" in body:
        mode = _I2V
    else:
        mode = _T2V
    if mode not in model.matrix:  # model.modes, without making the tuple
        raise ApiError(
            2013, f"model {model.name} does not support {mode.label} mode", field="model"
        )
    return mode


def _subject_reference(value: Any) -> tuple[tuple[str, str], ImageInfo]:
    name = "subject_reference"
    if not isinstance(value, list):
        raise invalid(name, f"must be an array of objects, got {type_name(value)}")
    if len(value) != 1:
        raise invalid(name, f"must hold exactly one subject, got {len(value)}")
    item = value[0]
    if not isinstance(item, dict):
        raise invalid(f"{name}[0]", f"must be an object, got {type_name(item)}")
    if "type" not in item:
        raise missing(f"{name}[0].type")
    if item["type"] != "character":
        raise invalid(f"{name}[0].type", f"must be 'character', got {item['type']!r}")
    if "image" not in item:
        raise missing(f"{name}[0].image")
    images = item["image"]
    if not isinstance(images, list):
        raise invalid(f"{name}[0].image", f"must be an array of one image, got {type_name(images)}")
    if len(images) != 1:
        raise invalid(f"{name}[0].image", f"only one image is supported, got {len(images)}")
    if not isinstance(images[0], str):
        raise invalid(f"{name}[0].image[0]", f"must be a string, got {type_name(images[0])}")
    info = check_image(f"{name}[0].image[0]", images[0])
    return ("character", images[0]), info


def _resolution_and_duration(
    body: dict[str, Any], model: Model, mode: Mode, settings: Settings
) -> tuple[str, int]:
    if model.stands_for is not None:  # legacy: any value is taken; one output it renders
        return model.default_resolution, 6
    if model.series_01 and settings.legacy_01_params == "reject":
        for name in ("duration", "resolution"):
            if name in body:
                raise invalid(name, f"model {model.name} does not take {name}")
    allowed = model.matrix[mode]  # model.resolutions(mode) as a dict: the same keys, in order
    default = settings.s2v_resolution if mode is _S2V else model.default_resolution
    resolution = body.get("resolution", default)
    if "resolution" in body and resolution not in allowed:
        raise invalid(
            "resolution",
            f"model {model.name} supports {', '.join(allowed)} for {mode.label}, "
            f"not {resolution!r}",
        )
    duration = body.get("duration", 6)
    if "duration" not in body:
        return resolution, duration
    durations = allowed.get(resolution) or allowed[next(iter(allowed))]
    if duration not in durations:
        others = [r for r in allowed if duration in allowed[r]]
        listed = " or ".join(f"{d}s" for d in durations)
        rule = f"model {model.name} allows {listed} at {resolution} for {mode.label}"
        if others:
            rule += f"; {duration}s needs {' or '.join(others)}"
        else:
            rule += f"; {duration}s is not offered"
        raise invalid("duration", rule)
    return resolution, duration


def validate_create(body: Any, settings: Settings) -> VideoRequest:
    """Check a create body as the real service does and fill in its defaults."""
    if not isinstance(body, dict):
        raise not_an_object(body)
    if "model" not in body:
        raise missing("model")
    model_name = body["model"]
    if not isinstance(model_name, str):
        raise invalid("model", f"must be a string, got {type_name(model_name)}")
    model = MODELS.get(model_name)
    # `model.legacy`, without the property's call (here and below).
    if model is None or (model.stands_for is not None and settings.legacy_models == "reject"):
        raise ApiError(2013, f"invalid params, unsupported model: {model_name}", field="model")
    _check_types(body)
    mode = _mode(body, model)

    prompt = body.get("prompt")
    if mode is _T2V and (prompt is None or not prompt.strip()):
        if prompt is None:
            raise missing("prompt")
        raise invalid("prompt", "must not be empty for Text-to-Video")
    if prompt is not None and len(prompt) > MAX_PROMPT_CHARS:
        raise invalid(
            "prompt", f"{len(prompt)} characters; the limit is {MAX_PROMPT_CHARS} characters"
        )
    resolution, duration = _resolution_and_duration(body, model, mode, settings)

    infos: dict[str, ImageInfo] = {}
    for name in _IMAGE_FIELDS:
        if name in body:
            if mode is _S2V:
                raise invalid(name, f"model {model.name} takes its image from subject_reference")
            infos[name] = check_image(name, body[name])
    subject: tuple[tuple[str, str], ...] = ()
    if mode is _S2V:
        if "subject_reference" not in body:
            raise missing("subject_reference")
        ref, infos["subject_reference"] = _subject_reference(body["subject_reference"])
        subject = (ref,)

    callback = body.get("callback_url")
    if callback is not None and not callback.startswith(("http://", "https://")):
        raise invalid("callback_url", "must be an http(s) URL")
    if callback is not None and len(callback) > MAX_CALLBACK_URL:
        raise invalid(
            "callback_url", f"{len(callback)} characters; the limit is {MAX_CALLBACK_URL}"
        )

    if infos:
        frame = infos.get("first_frame_image") or infos.get("last_frame_image")
        size = None
        if frame is not None and frame.width and frame.height and mode is not _S2V:
            size = (frame.width, frame.height)
        width, height = output_size(resolution, size)
    else:  # no image: `output_size(resolution)`, without its call
        res = RESOLUTIONS[resolution]
        width, height = res.width, res.height
    # Made as VideoRequest(...) makes it, without the frozen __init__'s object.__setattr__
    # per field (15 of them: about 1.3 µs a create).
    request = object.__new__(VideoRequest)
    request.__dict__.update(
        mode=mode,
        model=model.name,
        prompt=prompt,
        duration=duration,
        resolution=resolution,
        width=width,
        height=height,
        prompt_optimizer=body.get("prompt_optimizer", True),
        fast_pretreatment=body.get("fast_pretreatment", False),
        aigc_watermark=body.get("aigc_watermark", False),
        first_frame_image=body.get("first_frame_image"),
        last_frame_image=body.get("last_frame_image"),
        subject_reference=subject,
        callback_url=callback,
        fps=model.fps,
    )
    return request


_IMAGE_HELP = (
    "an http(s) URL (never fetched) or a data:image/(jpeg|png|webp);base64, URL: under 20 MB, "
    "short edge over 300 px, aspect ratio 2:5 to 5:2"
)


#: What each mode needs and refuses: (fields required, fields it may not carry).
_MODE_FIELDS: dict[Mode, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Mode.T2V: (("prompt",), ("first_frame_image", "last_frame_image", "subject_reference")),
    Mode.I2V: (("first_frame_image",), ("last_frame_image", "subject_reference")),
    Mode.FL2V: (("first_frame_image", "last_frame_image"), ("subject_reference",)),
    Mode.S2V: (("subject_reference",), ("first_frame_image", "last_frame_image")),
}


def _branches(prompt_for: tuple[Mode, ...]) -> list[dict[str, Any]]:
    """One alternative per model, mode and resolution: the matrix as JSON Schema.

    Leaving resolution out is always fine here: each model's default resolution allows
    every duration its other resolutions do.
    """
    branches = []
    for model in MODELS.values():
        for mode in model.modes:
            needs, refuses = _MODE_FIELDS[mode]
            if mode in prompt_for and "prompt" not in needs:
                needs = (*needs, "prompt")
            # A 2024-25 name takes any duration and resolution (`Model.stands_for`).
            resolutions = [None] if model.legacy else list(model.resolutions(mode))
            for resolution in resolutions:
                props: dict[str, Any] = {"model": {"const": model.name}}
                if resolution is not None:
                    props["resolution"] = {"const": resolution}
                    props["duration"] = {"enum": list(model.durations(mode, resolution))}
                if "prompt" in needs:
                    props["prompt"] = {"pattern": r"\S"}  # not blank
                branch: dict[str, Any] = {
                    "title": f"{model.name} {mode.label} {resolution or 'any resolution'}",
                    "required": ["model", *needs],
                    "properties": props,
                }
                if refuses:
                    branch["not"] = {"anyOf": [{"required": [f]} for f in refuses]}
                branches.append(branch)
    return branches


def create_schema(prompt_for: tuple[Mode, ...] = (Mode.T2V,)) -> dict[str, Any]:
    """The create body as JSON Schema 2020-12, from the catalog and the field lists above.

    `properties` holds each field's type and choices; `anyOf` which go together (one
    alternative per model, mode and resolution, with the fields each mode needs). A body
    outside it is refused with 2013 naming the field. `prompt_for`: the modes that need a
    prompt (MiniMax: Text-to-Video only).
    """
    url = {"type": "string", "pattern": r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,4})?(/\S*)?$"}
    data_url = {"type": "string", "pattern": r"^data:image/(jpeg|jpg|png|webp);base64,"}
    image: dict[str, Any] = {"anyOf": [url, data_url], "description": _IMAGE_HELP}
    matrices = [m.matrix[mode] for m in MODELS.values() for mode in m.modes]
    durations = sorted({d for matrix in matrices for ds in matrix.values() for d in ds})
    props: dict[str, Any] = {
        "model": {"type": "string", "enum": list(MODELS)},
        "prompt": {
            "type": "string",
            "maxLength": MAX_PROMPT_CHARS,
            "description": "required for Text-to-Video; camera commands go in [...]",
        },
        # Which values a model takes is in its `anyOf` alternative (a 2024-25 name takes any).
        "duration": {
            "type": "integer",
            "default": 6,
            "description": f"seconds: {' or '.join(map(str, durations))}, as the model allows",
        },
        "resolution": {
            "type": "string",
            "description": f"{', '.join(RESOLUTIONS)} as the model allows; default: the "
            "model's (768P, or 720P for the 01 series)",
        },
        **{name: image for name in _IMAGE_FIELDS},
        "subject_reference": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["type", "image"],
                "properties": {
                    "type": {"const": "character"},
                    "image": {"type": "array", "minItems": 1, "maxItems": 1, "items": image},
                },
            },
        },
        "callback_url": {"type": "string", "pattern": "^https?://", "maxLength": MAX_CALLBACK_URL},
    }
    for name in _BOOL_FIELDS:
        props[name] = {"type": "boolean"}
    return {
        "type": "object",
        "required": ["model"],
        "properties": props,
        "anyOf": _branches(prompt_for),
    }
