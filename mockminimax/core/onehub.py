"""What a One-Hub gateway does before MiniMax sees a request (onehub-proxy.md §2, §8).

The gateway fills its own defaults and enforces its own matrix first, refusing with
400 `invalid_request` in its own words; only a request it lets through reaches the
official validation, whose 2013 errors then pass back through as HTTP 200.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .catalog import MAX_PROMPT_CHARS

if TYPE_CHECKING:  # settings imports faults, which imports this module
    from .settings import Settings

__all__ = [
    "DIFFERENCES",
    "PROFILES",
    "Difference",
    "GatewayProfile",
    "GatewayRefusal",
    "create_schema_gateway",
    "gateway_profile",
    "normalize",
    "strip_key",
]


@dataclass(frozen=True)
class Difference:
    """One point where the fork's public code departs from what the gateways' docs promise."""

    key: str
    point: str
    docs: str
    code: str
    source: str


#: Every difference the `onehub-code` profile turns on; the README's profile table is this.
DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "lower_status",
        "query `status`",
        "official casing: `Preparing`, `Queueing`, `Processing`, `Success`, `Fail`",
        "lower-cased by `Normalize`: `preparing`, `queueing`, `processing`, `success`, `failed`",
        "providers/minimaxi/video.go `Normalize` (onehub-proxy.md §4, §12)",
    ),
    Difference(
        "omit_empty",
        "pending and failed query bodies",
        "official: `file_id`, `video_width`, `video_height` as `pending_fields` says",
        "dropped while empty (`omitempty` on `MiniMaxVideoQueryResponse`)",
        "providers/minimaxi/video.go `MiniMaxVideoQueryResponse` (§12)",
    ),
    Difference(
        "file_as_go",
        "files/retrieve `file`",
        "official: `file_id` a JSON number, `bytes: 0` present",
        "`file_id` a JSON string (`types.StringOrNumber`), `bytes` dropped when 0, "
        "`backup_download_url` dropped (not in `MiniMaxFileObject`)",
        "providers/minimaxi/video.go `MiniMaxFileObject`, types/string_or_number.go (§5, §12)",
    ),
    Difference(
        "query_newline",
        "query body ending",
        "official: the JSON object and nothing after it",
        "a trailing newline (written with Go's `json.Encoder`)",
        "relay/task/minimax/base.go (§4, §12)",
    ),
    Difference(
        "fixed_fields",
        "create fields forwarded",
        "every field, as sent",
        "only model, prompt, first/last_frame_image, reference_image, subject_reference, "
        "duration, resolution, callback_url, external_task_id, prompt_optimizer "
        "(`enable_prompt_expansion` when it is absent), fast_pretreatment, aigc_watermark",
        "providers/minimaxi/video.go `prepareSubmitPayload` (§12)",
    ),
    Difference(
        "web_not_found",
        "unknown path under `/minimaxi`",
        '404 `{"error":{"message":"Invalid URL (…)","type":"one_hub_error"}}`',
        "One-Hub's NoRoute serves its web UI's HTML page with 200 (paths outside /v1 and "
        "/api). Not copied: the mock never answers with an HTML page, which no API client can "
        "read; it answers One-Hub's own JSON not-found instead, 404 "
        '`{"error":{"message":"Invalid URL (…)","type":"invalid_request_error",'
        '"param":"","code":""}}`, as the fork sends for /v1 and /api paths',
        "router/web-router.go NoRoute (§12)",
    ),
)


@dataclass(frozen=True)
class GatewayProfile:
    """Which of `DIFFERENCES` the gateway surface shows."""

    name: str
    differences: frozenset[str]

    def has(self, key: str) -> bool:
        return key in self.differences


PROFILES: dict[str, GatewayProfile] = {
    "docs": GatewayProfile("docs", frozenset()),
    "onehub-code": GatewayProfile("onehub-code", frozenset(d.key for d in DIFFERENCES)),
}


def gateway_profile(settings: Settings) -> GatewayProfile:
    """The profile `settings` ask for, with `gateway_status_case` overriding its casing."""
    profile = PROFILES[settings.gateway_profile]
    case = settings.gateway_status_case
    if case == "profile":
        return profile
    differences = set(profile.differences) - {"lower_status"}
    if case == "lower":
        differences.add("lower_status")
    return GatewayProfile(f"{profile.name}+status_case={case}", frozenset(differences))


#: The create fields the fork forwards upstream (`MiniMaxVideoCreateRequest`).
_FORWARDED = (
    "model", "prompt", "first_frame_image", "last_frame_image", "reference_image",
    "subject_reference", "duration", "resolution", "callback_url", "external_task_id",
    "prompt_optimizer", "fast_pretreatment", "aigc_watermark",
)  # fmt: skip

#: The gateway's own resolution x duration matrix (submit.go:51-108), per model in lower case.
_MATRIX: dict[str, dict[str, dict[str, tuple[int, ...]]]] = {
    "minimax-hailuo-02": {
        a: {"512P": (6, 10), "768P": (6, 10), "1080P": (6, 10)}
        for a in ("text2video", "image2video", "start-end2video")
    },
    "minimax-hailuo-2.3": {
        a: {"768P": (6, 10), "1080P": (6,)} for a in ("text2video", "image2video")
    },
    "minimax-hailuo-2.3-fast": {"image2video": {"768P": (6, 10), "1080P": (6,)}},
    "t2v-01": {"text2video": {"720P": (6,)}},
    "i2v-01": {"image2video": {"720P": (6,)}},
    "s2v-01": {"subject2video": {"720P": (6,)}},
}


class GatewayRefusal(Exception):
    """A request the gateway refuses itself: HTTP `status` with `{"code", "message"}`."""

    def __init__(self, message: str, *, code: str = "invalid_request", status: int = 400) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(message)


def strip_key(header: str | None) -> str:
    """One-Hub's key parsing: the `Bearer ` and `sk-` prefixes are both optional."""
    key = (header or "").strip()
    if key == "Bearer":  # "Bearer " once the client trimmed the trailing space
        return ""
    if key.startswith("Bearer "):
        key = key[len("Bearer ") :].strip()
    if key.startswith("sk-"):
        key = key[3:]
    return key


def _action(body: dict[str, Any]) -> str:
    model = str(body.get("model") or "").lower()
    if body.get("subject_reference") or "s2v-01" in model:
        return "subject2video"
    if body.get("first_frame_image") and body.get("last_frame_image"):
        return "start-end2video"
    if body.get("first_frame_image"):
        return "image2video"
    return "text2video"


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise GatewayRefusal(f"{name} must be a string")
    return value.strip()


def _fixed_fields(body: dict[str, Any]) -> dict[str, Any]:
    """What the fork's `prepareSubmitPayload` sends upstream: its own field list only."""
    out = {name: body[name] for name in _FORWARDED if name in body}
    expansion = body.get("enable_prompt_expansion")
    if expansion is not None and not isinstance(expansion, bool):
        raise GatewayRefusal("enable_prompt_expansion must be a boolean")
    if "prompt_optimizer" not in out and expansion is not None:
        out["prompt_optimizer"] = expansion
    return out


def normalize(body: dict[str, Any], profile: GatewayProfile = PROFILES["docs"]) -> dict[str, Any]:
    """The body the gateway forwards upstream, with its defaults filled in."""
    out = _fixed_fields(body) if profile.has("fixed_fields") else dict(body)
    action = _action(body)
    for name in ("model", "prompt", "first_frame_image", "last_frame_image"):
        if name in out:
            out[name] = _text(body, name)
    if not out.get("model"):
        out["model"] = "S2V-01" if action == "subject2video" else "MiniMax-Hailuo-02"
    model = out["model"].lower()
    duration = body.get("duration", 6)
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise GatewayRefusal("duration must be an integer")
    out["duration"] = duration or 6
    res = body.get("resolution")
    if res is not None and not isinstance(res, str):
        raise GatewayRefusal("resolution must be a string")
    res = (res or "").strip().upper()
    if not res:
        res = "768P" if ("hailuo-02" in model or "hailuo-2.3" in model) else "720P"
    elif not res.endswith("P"):
        res += "P"
    out["resolution"] = res

    prompt = out.get("prompt", "")
    if action == "text2video":
        if not prompt:
            raise GatewayRefusal("prompt is required for text2video")
        if body.get("subject_reference"):
            raise GatewayRefusal("subject_reference is not allowed for text2video")
    elif action == "image2video" and not out.get("first_frame_image"):
        raise GatewayRefusal("first_frame_image is required for image2video")
    elif action == "start-end2video" and not (
        out.get("first_frame_image") and out.get("last_frame_image")
    ):
        raise GatewayRefusal("first_frame_image and last_frame_image are required")
    elif action == "subject2video":
        refs = body.get("subject_reference")
        if (
            not isinstance(refs, list)
            or len(refs) != 1
            or not isinstance(refs[0], dict)
            or refs[0].get("type") != "character"
            or not isinstance(refs[0].get("image"), list)
            or len(refs[0]["image"]) != 1
        ):
            raise GatewayRefusal(
                "subject_reference must hold exactly one character reference with one image"
            )
        if not prompt:
            raise GatewayRefusal("prompt is required for subject2video")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise GatewayRefusal(f"prompt must be at most {MAX_PROMPT_CHARS} characters")

    allowed = _MATRIX.get(model)
    if allowed is not None:
        by_res = allowed.get(action)
        if by_res is None or out["duration"] not in by_res.get(res, ()):
            raise GatewayRefusal(
                f"model {out['model']} does not support duration {out['duration']}s at "
                f"{res.lower()} for {action}"
            )
    return out


def create_schema_gateway() -> dict[str, Any]:
    """The create body the gateway takes: MiniMax's, with the defaults `normalize` fills
    described, and a prompt needed for subject references too."""
    from .catalog import Mode  # validation -> settings -> faults -> this module
    from .validation import create_schema

    schema = create_schema(prompt_for=(Mode.T2V, Mode.S2V))
    props = dict(schema["properties"])
    props["model"] = {
        **props["model"],
        "description": "default MiniMax-Hailuo-02 (S2V-01 with a subject_reference)",
    }
    props["resolution"] = {
        "type": "string",
        "description": "any case, the trailing P optional (768, 768p); default 768P for "
        "Hailuo models, 720P otherwise",
    }
    props["duration"] = {
        "type": "integer",
        "description": "0 means the default, 6; the gateway checks its own matrix first",
    }
    return {"type": "object", "properties": props, "anyOf": schema["anyOf"]}
