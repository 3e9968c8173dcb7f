"""The Video Agent: MiniMax's template videos (`/v1/video_template_generation`).

A template task is an ordinary task in the one task store, on the same clock, so the
control API, fault rules, seeds and the download host treat it as they treat any other;
what marks it is its request, a `TemplateRequest`. Its query speaks the agent's own
status words (no `Queueing`: a queued template task reads `Preparing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .callbacks import V1Dialect
from .catalog import MAX_PROMPT_CHARS, RESOLUTIONS, Mode
from .codes import message_for
from .param_errors import invalid, missing, not_an_object, type_name
from .tasks import Status, Task
from .validation import MAX_CALLBACK_URL, MAX_STORED_IMAGE, VideoRequest, check_image

if TYPE_CHECKING:
    from .mock import MiniMaxMock

__all__ = [
    "TEMPLATES",
    "Template",
    "TemplateDialect",
    "TemplateRequest",
    "is_template",
    "parse_template",
    "template_query_body",
    "template_status",
    "templates_with",
    "validate_template",
]

#: Media and text inputs a template may take at most (undocumented; one image and one
#: or two texts is all any listed template uses).
MAX_INPUTS = 5
#: What a template renders, undocumented: a third-party listing of the templates shows
#: 1280x720 videos; the length is a documented choice (README).
TEMPLATE_RESOLUTION = "720P"
TEMPLATE_SECONDS = 6


@dataclass(frozen=True)
class Template:
    """One Video Agent template: which inputs it requires."""

    template_id: str
    name: str
    media: bool
    text: bool
    source: str = "docs"

    @property
    def inputs(self) -> str:
        required = [n for n, on in (("media", self.media), ("text", self.text)) if on]
        return "+".join(required) or "none"


#: The official list (platform.minimax.io docs/faq/video-agent-templates and the pricing
#: page). The first six have their inputs in MiniMax's own video guide; the others' come
#: from a transcription of the template list page (marked "list").
TEMPLATES: dict[str, Template] = {
    t.template_id: t
    for t in (
        Template("392747428568649728", "Diving", media=True, text=False),
        Template("393769180141805569", "Run for Life", media=True, text=True),
        Template("397087679467597833", "Transformers", media=True, text=False),
        Template("393881433990066176", "Still rings routine", media=True, text=False),
        Template("393498001241890824", "Weightlifting", media=True, text=False),
        Template("393488336655310850", "Climbing", media=True, text=False),
        Template("394514820878671878", "Anime Life Sim", False, True, "list"),
        Template("393879757702918151", "McDonald's Delivery Pet", True, False, "list"),
        Template("397017167949312007", "Pet Pilot", True, False, "list"),
        Template("394176968202485769", "Miniature Set Ad", True, False, "list"),
        Template("393876118804459526", "Male Model Try-On Ad", True, False, "list"),
        Template("393866076583718914", "Female Model Try-On Ad", True, False, "list"),
        Template("394875727173492739", "Art Fonts", False, True, "list"),
        Template("394220989629177861", "Drinkfall", True, False, "list"),
        Template("393853165953970178", "E-commerce Display Ad", False, True, "list"),
        Template("401431836934868999", "3D character product presentation", True, True, "list"),
    )
}

_INPUT_KINDS = {"media": (True, False), "text": (False, True), "media+text": (True, True)}
_INPUT_KINDS["text+media"] = _INPUT_KINDS["media+text"]
_INPUT_KINDS["none"] = (False, False)


def parse_template(spec: str) -> Template:
    """A template from the `extra_templates` setting: `ID` or `ID:INPUTS`, INPUTS being the
    inputs it requires (media, text, media+text or none; a bare ID requires none)."""
    template_id, _, inputs = spec.strip().partition(":")
    template_id = template_id.strip()
    if not (template_id.isascii() and template_id.isdigit()) or len(template_id) > 32:
        # ASCII digits: `²` passes `str.isdigit()` but is no ID a client can send back.
        raise ValueError(f"{spec!r}: the template ID must be digits, as MiniMax's are")
    kind = inputs.strip().lower() or "none"
    if kind not in _INPUT_KINDS:
        raise ValueError(f"{spec!r}: inputs must be one of {', '.join(_INPUT_KINDS)}")
    media, text = _INPUT_KINDS[kind]
    return Template(template_id, f"custom {template_id}", media, text, "setting")


def templates_with(extra: tuple[str, ...]) -> dict[str, Template]:
    """The official templates plus the `extra_templates` setting's (which may override)."""
    table = dict(TEMPLATES)
    for spec in extra:
        template = parse_template(spec)
        table[template.template_id] = template
    return table


@dataclass(frozen=True)
class TemplateRequest(VideoRequest):
    """A template create after checking: a `VideoRequest` the download host and the task
    clock understand, plus what the agent was given (data URLs summarised, not kept)."""

    template_id: str = ""
    template_name: str = ""
    text_inputs: tuple[str, ...] = ()
    media_inputs: tuple[str, ...] = ()


def is_template(task: Task) -> bool:
    return isinstance(task.request, TemplateRequest)


def template_status(status: Status) -> str:
    """The agent's status words: Preparing, Processing, Success, Fail (no Queueing)."""
    return Status.PREPARING.value if status is Status.QUEUEING else status.value


def template_query_body(
    mock: MiniMaxMock, task: Task, status: Status, base_url: str
) -> dict[str, Any]:
    """The agent's query answer: task_id, status, video_url (on success, signed for
    `template_url_ttl` on `base_url`), base_resp.

    The `pending_fields` and `fail_base_resp` settings shape it as they shape V1's query.
    """
    settings = mock.settings
    body: dict[str, Any] = {"task_id": task.task_id, "status": template_status(status)}
    if status is Status.SUCCESS:
        body["video_url"] = mock.signed_url(task.cdn_path, base_url, settings.template_url_ttl)
    elif settings.pending_fields == "empty":
        body["video_url"] = ""
    failed = status is Status.FAIL and settings.fail_base_resp == "code"
    code = (task.failure_code or 0) if failed else 0
    body["base_resp"] = {"status_code": code, "status_msg": message_for(code)}
    return body


class TemplateDialect(V1Dialect):
    """How a Video Agent task is called back: the agent's query body (`video_url`, signed
    for `template_url_ttl` on the download host the create came through) and its status
    path, which has no `Queueing`. The words follow `callback_status_case` as V1's do.
    """

    name = "template"
    _PATH = (Status.PREPARING.value, Status.PROCESSING.value)

    def __init__(self, mock: MiniMaxMock, base_url: str) -> None:
        super().__init__(mock)
        self.base_url = base_url

    def status(self, task: Task) -> str:
        return template_status(self.mock.status(task))

    def path(self, status: str) -> Sequence[str]:
        if status in self._PATH:
            return self._PATH[: self._PATH.index(status) + 1]
        return (*self._PATH, status)

    def body(self, task: Task, status: str, word: str) -> dict[str, Any]:
        body = template_query_body(self.mock, task, Status(status), self.base_url)
        body["status"] = word
        return body


def _values(body: dict[str, Any], name: str) -> list[str]:
    """`[{"value": "..."}, ...]` as the strings, each checked for shape."""
    items = body.get(name)
    if items is None:
        return []
    if not isinstance(items, list):
        raise invalid(name, f"must be an array of objects with a value, got {type_name(items)}")
    if len(items) > MAX_INPUTS:
        raise invalid(name, f"holds {len(items)} items; at most {MAX_INPUTS}")
    values = []
    for i, item in enumerate(items):
        where = f"{name}[{i}]"
        if not isinstance(item, dict):
            raise invalid(where, f"must be an object with a value, got {type_name(item)}")
        if "value" not in item:
            raise missing(f"{where}.value")
        value = item["value"]
        if not isinstance(value, str):
            raise invalid(f"{where}.value", f"must be a string, got {type_name(value)}")
        if not value.strip():
            raise invalid(f"{where}.value", "must not be empty")
        values.append(value)
    return values


def _summary(value: str) -> str:
    """What the task keeps of a media value: URLs whole up to `MAX_STORED_IMAGE`
    characters, data URLs and longer URLs as a short note, so a task stays small."""
    if value[:5].lower() == "data:" or len(value) > MAX_STORED_IMAGE:
        return f"{value[:48]}... ({len(value)} chars)"
    return value


def validate_template(body: Any, templates: dict[str, Template]) -> TemplateRequest:
    """Check a template create; media values follow V1's image rules (never fetched)."""
    if not isinstance(body, dict):
        raise not_an_object(body)
    if "template_id" not in body:
        raise missing("template_id")
    template_id = body["template_id"]
    if isinstance(template_id, int) and not isinstance(template_id, bool):
        template_id = str(template_id)  # clients holding the ID as a number
    if not isinstance(template_id, str):
        raise invalid("template_id", f"must be a string, got {type_name(template_id)}")
    template = templates.get(template_id.strip())
    if template is None:
        shown = template_id if len(template_id) <= 40 else template_id[:40] + "..."
        raise invalid("template_id", f"unknown template {shown!r}")
    texts = _values(body, "text_inputs")
    media = _values(body, "media_inputs")
    for i, text in enumerate(texts):
        if len(text) > MAX_PROMPT_CHARS:
            raise invalid(
                f"text_inputs[{i}].value",
                f"{len(text)} characters; the limit is {MAX_PROMPT_CHARS} characters",
            )
    for i, value in enumerate(media):
        check_image(f"media_inputs[{i}].value", value)
    if template.media and not media:
        raise invalid("media_inputs", f"template {template.name} requires a media input")
    if template.text and not texts:
        raise invalid("text_inputs", f"template {template.name} requires a text input")
    callback = body.get("callback_url")
    if callback is not None and (
        not isinstance(callback, str) or not callback.startswith(("http://", "https://"))
    ):
        raise invalid("callback_url", "must be an http(s) URL")
    if callback is not None and len(callback) > MAX_CALLBACK_URL:
        raise invalid(
            "callback_url", f"{len(callback)} characters; the limit is {MAX_CALLBACK_URL}"
        )
    res = RESOLUTIONS[TEMPLATE_RESOLUTION]
    return TemplateRequest(
        mode=Mode.I2V if media else Mode.T2V,
        model="video-agent",
        prompt=texts[0] if texts else None,
        duration=TEMPLATE_SECONDS,
        resolution=res.name,
        width=res.width,
        height=res.height,
        callback_url=callback,
        template_id=template.template_id,
        template_name=template.name,
        text_inputs=tuple(texts),
        media_inputs=tuple(_summary(v) for v in media),
    )
