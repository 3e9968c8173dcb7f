"""Every knob of the mock in one dataclass: CLI flags, `MOCKMINIMAX_*` variables, config
files, the pytest ini options and markers all resolve to a `Settings`.

Each field's metadata carries its help text and, where the sources disagree about the real
service, which conflict in the reference it resolves; the README's settings table is
checked against these fields.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clock import MAX_CLOCK
from .faults import MAX_DELAY, FaultRule, FaultRuleError, parse_rules
from .ratelimit import RPM_PRESETS

__all__ = ["SETTING_NAMES", "Settings", "SettingsError", "Timing", "read_config"]

#: A host `callback_hosts` may name: a DNS name, an IPv4 address or a bare IPv6 address.
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?|[0-9a-f:.]*:[0-9a-f:.]*")

#: A fixed virtual-clock origin (2026-01-01T00:00:00Z) so seeded runs give identical bodies.
DEFAULT_START_TIME = 1767225600.0


class SettingsError(ValueError):
    """A setting with a bad value; the message names the setting."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"{name}: {message}")


@dataclass(frozen=True)
class Timing:
    """Seconds spent in Preparing, Queueing and Processing.

    `realistic` scales Processing by mode, since the real service takes about 234 s for
    text-to-video and 114 s for image modes on average (ComfyUI's node constants).
    """

    name: str
    preparing: float
    queueing: float
    processing: float
    realistic: bool = False

    @classmethod
    def parse(cls, value: str) -> Timing:
        text = value.strip().lower()
        if text in _TIMING_PRESETS:
            return _TIMING_PRESETS[text]
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 3:
            raise SettingsError(
                "timing",
                f"{value!r} is not instant, fast, realistic or three seconds "
                "'PREPARING,QUEUEING,PROCESSING' such as '1,2,5'",
            )
        try:
            secs = [float(p) for p in parts]
        except ValueError:
            raise SettingsError("timing", f"{value!r}: each phase must be a number") from None
        if any(s < 0 or s != s or s == float("inf") for s in secs):
            raise SettingsError("timing", f"{value!r}: phases must be finite and >= 0")
        return cls(text, secs[0], secs[1], secs[2])

    def phases(self, mode: str) -> tuple[float, float, float]:
        if self.realistic:
            total = 234.0 if mode in ("t2v", "t2va") else 114.0
            return self.preparing, self.queueing, total - self.preparing - self.queueing
        return self.preparing, self.queueing, self.processing


_TIMING_PRESETS = {
    "instant": Timing("instant", 0.0, 0.0, 0.0),
    "fast": Timing("fast", 0.5, 0.5, 2.0),
    "realistic": Timing("realistic", 4.0, 10.0, 220.0, realistic=True),
}


def _opt(default: Any, help: str, *, choices: tuple[str, ...] = (), conflict: str = "") -> Any:
    return field(default=default, metadata={"help": help, "choices": choices, "conflict": conflict})


@dataclass(frozen=True)
class Settings:
    host: str = _opt("127.0.0.1", "Interface `serve` binds.")
    port: int = _opt(8080, "Port `serve` binds; 0 picks a free one and prints it.")
    seed: int | None = _opt(
        None, "Seed of the one random source (IDs, URLs, fault draws); unset = random, printed."
    )
    timing: str = _opt(
        "fast",
        "How long tasks take: instant, fast (about 3 s), realistic (minutes, as the real "
        "service) or seconds per phase 'PREPARING,QUEUEING,PROCESSING'.",
    )
    clock: str = _opt(
        "real",
        "real (wall time), virtual (time moves only through the control API or fixtures) or "
        "polls (each query of a task moves it one phase on).",
        choices=("real", "virtual", "polls"),
    )
    api_keys: tuple[str, ...] = _opt(
        (), "Accepted API keys; empty accepts any non-empty Bearer key. Comma-separated in env."
    )
    public_url: str | None = _opt(
        None, "Base URL put in download_url; default: the scheme and host of the request."
    )
    log_level: str = _opt(
        "info", "uvicorn log level.", choices=("critical", "error", "warning", "info", "debug")
    )
    start_time: float = _opt(
        DEFAULT_START_TIME, "Unix time the virtual and polls clocks start at (2026-01-01 UTC)."
    )
    download_ttl: int = _opt(
        3600,
        "Seconds a download_url stays valid.",
        conflict="docs say 1 h; signed URLs seen live expire after about 9 h (32400)",
    )
    gateway_profile: str = _opt(
        "docs",
        "What the gateway surface copies: docs (its own documentation's promise: official "
        "status casing and body shapes, plus platform_id, its own errors and "
        "X-Oneapi-Request-Id) or onehub-code (the public One-Hub fork's code; see the "
        "gateway profile table).",
        choices=("docs", "onehub-code"),
        conflict="the gateways' docs say bodies are as MiniMax's (与官网一致); the fork's "
        "public, older code re-encodes them (onehub-proxy.md §12)",
    )
    gateway_status_case: str = _opt(
        "profile",
        "Status casing on the gateway's query, overriding the profile: profile (as "
        "gateway_profile says), lower ('success', 'failed', as One-Hub's Normalize does) or "
        "official ('Success', 'Fail').",
        choices=("profile", "lower", "official"),
        conflict="gateway code lower-cases statuses; its docs show official casing",
    )
    pending_fields: str = _opt(
        "empty",
        "While a task is pending, query carries file_id '' and video_width/height 0 (empty) "
        "or leaves them out (omit); the same for the Video Agent query's video_url.",
        choices=("empty", "omit"),
        conflict="one live capture shows ''/0; the docs say 'returned when the task succeeds'",
    )
    fail_base_resp: str = _opt(
        "code",
        "A failed task's query: base_resp carries the failure code (code) or 0 (zero).",
        choices=("code", "zero"),
        conflict="the failed-task body is undocumented",
    )
    legacy_01_params: str = _opt(
        "accept",
        "01-series models (T2V-01*, I2V-01*, S2V-01) given duration/resolution: accept the "
        "documented 6 s / 720P (accept) or refuse any value (reject).",
        choices=("accept", "reject"),
        conflict="docs list 6 s / 720P; a client PR says these models reject both fields",
    )
    s2v_resolution: str = _opt(
        "720P",
        "Output size of S2V-01 videos.",
        choices=("720P", "1080P"),
        conflict="undocumented: one client assumes 1080P, another 720P",
    )
    legacy_models: str = _opt(
        "accept",
        "The 2024-25 model names video-01 and video-01-live2d: accept them as the models "
        "they stood for (T2V-01/I2V-01, I2V-01-live; 720P, 6 s, 25 fps) or reject them as "
        "unsupported models.",
        choices=("accept", "reject"),
        conflict="absent from the docs' model enums; api.minimax.io took a video-01 create "
        "on 2026-01-31 (OBS-A's task)",
    )
    backup_download_url: bool = _opt(
        False,
        "files/retrieve's file object also carries backup_download_url (a second signed URL "
        "of the same file).",
        conflict="in raw upstream file objects of 2025 (OBS-B) and ComfyUI's model; absent "
        "from the docs and the 2026 intl capture (OBS-A)",
    )
    cors: bool = _opt(
        True,
        "Answer browser preflights (OPTIONS) on the official and gateway routes and add "
        "Access-Control-Allow-Origin: * to their answers. Never on the control API or the "
        "download host.",
    )
    scope_tasks_by_key: bool = _opt(
        True, "Tasks and files are visible only to the API key that created them."
    )
    require_json_content_type: bool = _opt(
        True,
        "Refuse create bodies not sent as Content-Type: application/json.",
        conflict="the docs mark the header required; enforcement is unobserved",
    )
    max_body_bytes: int = _opt(
        64 * 1024 * 1024, "Largest request body accepted (two 20 MB data-URL images fit)."
    )
    journal_size: int = _opt(1000, "Requests kept in the journal; the oldest are dropped.")
    journal_bytes: int = _opt(
        16 * 1024 * 1024,
        "Bytes the journal may hold (bodies kept in a bounded form: strings cut at 512 "
        "characters, arrays and objects at 32 items, 2,000 values a body); the oldest "
        "entries are dropped past it.",
    )
    max_tasks: int = _opt(10000, "Tasks kept in the store; the oldest are evicted.")
    upload_format_check: str = _opt(
        "purpose",
        "POST /v1/files/upload: refuse a file whose bytes are not a format its purpose "
        "documents, or over the purpose's size cap (purpose), or keep any non-empty file (off).",
        choices=("purpose", "off"),
        conflict="the docs list formats per purpose; enforcement is documented only for "
        "video_generation_input (HTTP 400)",
    )
    max_files: int = _opt(
        1000, "Uploaded files kept (POST /v1/files/upload); past it the oldest are evicted."
    )
    max_file_store_bytes: int = _opt(
        256 * 1024 * 1024,
        "Bytes of uploaded files kept in all; past it the oldest are evicted, and a single "
        "file larger than this is refused.",
    )
    rpm: int | None = _opt(
        None,
        "Creates per minute per API key (sliding window; past it, 1002). A number or a "
        "preset: free 5, paid 20, standard 20, pro 30, scale 40, business 50, h3 300. "
        "Unset = no limit.",
        conflict="the intl rate-limit table is cut off; the CN docs give Hailuo 5 free / "
        "20 paid RPM, which the presets follow",
    )
    extra_templates: tuple[str, ...] = _opt(
        (),
        "Video Agent templates beyond the official list, each ID or ID:INPUTS, INPUTS the "
        "inputs it requires: media, text, media+text or none (a bare ID). Comma-separated "
        "in env.",
    )
    template_url_ttl: int = _opt(
        9 * 3600, "Seconds a Video Agent video_url stays valid (the agent docs: 9 hours)."
    )
    stall_seconds: float = _opt(
        30.0,
        "How long a `connection=stall` fault holds a connection open, answering nothing, "
        "before closing it (sooner if the client gives up or the server stops); at most 300.",
    )
    control_token: str | None = _opt(
        None,
        "Token every `/_mock/` request must carry, as `Authorization: Bearer TOKEN` or "
        "`X-Mock-Token: TOKEN` (401 otherwise). Unset: no token asked.",
    )
    allowed_hosts: tuple[str, ...] = _opt(
        (),
        "Host names the control API answers besides loopback names and the address it "
        "listens on (guards against DNS rebinding). Comma-separated in env.",
    )
    header_timeout: float = _opt(
        10.0,
        "Seconds a connection may take to send a complete request head (on a new "
        "connection or between requests on a kept-alive one) before it is closed; at most 10.",
    )
    callback_hosts: tuple[str, ...] = _opt(
        (),
        "Hosts besides loopback the mock may call back (`--callback-host NAME`, repeatable). "
        "A create naming any other host is accepted; its deliveries are recorded as not sent.",
    )
    callback_challenge: str = _opt(
        "per_task",
        "When the mock sends the challenge: before each task's pushes (per_task) or once per "
        "callback URL, retried by the next task only if it failed (per_url).",
        choices=("per_task", "per_url"),
        conflict="the docs do not say whether verification is once per URL or per task",
    )
    callback_unverified: str = _opt(
        "drop",
        "What a failed or late challenge does to that task's pushes: recorded as not sent "
        "(drop) or sent anyway (send).",
        choices=("drop", "send"),
        conflict="what happens when verification fails is undocumented",
    )
    callback_status_case: str = _opt(
        "lower",
        "Status words of V1 pushes: processing, success, failed as the V1 pages give them "
        "(lower) or the query's own Processing, Success, Fail (query).",
        choices=("lower", "query"),
        conflict="the V1 pages push lower-case words; the agent page's sample pushes 'Success'",
    )
    callback_challenge_timeout: float = _opt(
        3.0, "Seconds the receiver has to echo the challenge (the docs say 3 s)."
    )
    callback_timeout: float = _opt(
        10.0,
        "Seconds one push may take (connect, send, answer) before it counts as failed; a "
        "receiver that hangs holds only its own task's later pushes, this long.",
    )
    callback_retries: int = _opt(
        0,
        "Further attempts at a push that failed (no answer, or not 2xx); 0..10.",
        conflict="the docs do not say whether pushes are retried",
    )
    callback_backoff: float = _opt(
        1.0,
        "Seconds (wall time) before the first retry of a push; each later retry waits twice "
        "as long.",
    )
    callback_log_size: int = _opt(
        1000, "Deliveries kept for the control API and fixtures; the oldest are dropped."
    )
    callback_log_bytes: int = _opt(
        4 * 1024 * 1024,
        "Bytes of bodies and answers the kept deliveries may hold; past it the oldest are "
        "dropped (each receiver answer is kept to its first 1 KiB).",
    )
    v2_resolution_required: bool = _opt(
        True,
        "V2 create without resolution: refuse it (true) or use the model's default, 768P (false).",
        conflict="the V2 schema marks resolution required; its text says H3-Max defaults to 768P",
    )
    v2_aigc_watermark: str = _opt(
        "accept",
        "aigc_watermark on V2 create: accept a boolean (accept) or refuse the field (reject).",
        choices=("accept", "reject"),
        conflict="only the CN V2 create schema has aigc_watermark; the intl one does not",
    )
    v2_last_frame_only: str = _opt(
        "accept",
        "A V2 image-to-video with a last_frame and no first_frame: accept or reject it.",
        choices=("accept", "reject"),
        conflict="the content text allows last-frame-only; the role text says last_frame must "
        "be paired with first_frame",
    )
    v2_unknown_task: str = _opt(
        "404",
        "A V2 task ID that is unknown, deleted or another key's: HTTP 404 "
        "'record not found (1000)' (404) or HTTP 400 'invalid params, invalid task_id (2013)' "
        "(400).",
        choices=("404", "400"),
        conflict="the docs answer 'invalid task_id' (for tasks past the 7-day window, which "
        "always get it) and list only 400/401/429/500; a probe saw 'record not found (1000)' "
        "for a made-up ID",
    )
    v2_max_in_flight: int | None = _opt(
        None,
        "V2 tasks one API key may have queued or running at once; past it, a V2 create "
        "answers 429 (1002) until one finishes or is cancelled. Unset = no limit.",
        conflict="TP2 reads the cut-off intl rate-limit table as MiniMax-H3 300 RPM and 30 "
        "in-flight tasks; H3-Max is not listed (30 with --set v2_max_in_flight=30)",
    )
    v2_regeneration_by_task: bool = _opt(
        True,
        "POST /v2/video_regeneration takes source_task_id (true), or only a base_video in "
        "content, as for an account without the whitelist (false).",
        conflict="the docs say regeneration by source_task_id needs a whitelisted account",
    )
    faults: tuple[FaultRule, ...] = _opt(
        (),
        "Fault rules installed at start and restored by reset, in the `key=value,...` "
        "syntax (see Error injection). Env: one rule per line, or a JSON list.",
    )

    def __post_init__(self) -> None:
        if not all(isinstance(rule, FaultRule) for rule in self.faults):
            object.__setattr__(self, "faults", _coerce("faults", "tuple", self.faults))
        Timing.parse(self.timing)
        for f in dataclasses.fields(self):
            choices = f.metadata.get("choices", ())
            if choices and getattr(self, f.name) not in choices:
                raise SettingsError(
                    f.name, f"{getattr(self, f.name)!r} is not one of {', '.join(choices)}"
                )
        for name in (
            "journal_size",
            "max_tasks",
            "max_body_bytes",
            "download_ttl",
            "max_files",
            "max_file_store_bytes",
            "template_url_ttl",
            "callback_log_size",
            "callback_log_bytes",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(name, "must be at least 1")
        if self.journal_bytes < 64 * 1024:
            raise SettingsError("journal_bytes", "must be at least 65536 (64 KB)")
        if not 0 < self.header_timeout <= 10:
            raise SettingsError("header_timeout", "must be a number of seconds above 0, at most 10")
        if not 0 <= self.start_time <= MAX_CLOCK:
            raise SettingsError("start_time", f"must be a Unix time 0..{MAX_CLOCK}")
        if not 0 <= self.port <= 65535:
            raise SettingsError("port", f"{self.port} is not a TCP port")
        if self.rpm is not None and self.rpm < 1:
            raise SettingsError("rpm", "must be at least 1 (leave it unset for no limit)")
        if self.v2_max_in_flight is not None and self.v2_max_in_flight < 1:
            raise SettingsError("v2_max_in_flight", "must be at least 1 (unset for no limit)")
        from .templates import parse_template  # templates -> tasks -> settings

        for spec in self.extra_templates:
            try:
                parse_template(spec)
            except ValueError as exc:
                raise SettingsError("extra_templates", str(exc)) from None
        if not 0 < self.stall_seconds <= MAX_DELAY:
            raise SettingsError(
                "stall_seconds", f"must be a number of seconds above 0 and at most {MAX_DELAY:g}"
            )
        for name in ("callback_challenge_timeout", "callback_timeout"):
            if not 0 < getattr(self, name) <= 300:
                raise SettingsError(name, "must be a number of seconds above 0, at most 300")
        if not 0 <= self.callback_retries <= 10:
            raise SettingsError("callback_retries", "must be between 0 and 10")
        if not 0 <= self.callback_backoff <= 60:
            raise SettingsError("callback_backoff", "must be between 0 and 60 seconds")
        hosts = tuple(h.strip().lower().strip("[]") for h in self.callback_hosts)
        for host in hosts:
            if not _HOST_NAME.fullmatch(host):
                raise SettingsError(
                    "callback_hosts",
                    f"{host!r} is not a host name or IP address (no scheme, port or path)",
                )
        object.__setattr__(self, "callback_hosts", hosts)

    @property
    def timing_profile(self) -> Timing:
        return Timing.parse(self.timing)

    def replace(self, **changes: Any) -> Settings:
        return self.merged(changes)

    def merged(self, values: Mapping[str, Any]) -> Settings:
        """A copy with `values` applied; strings are parsed by the field's type."""
        known = {f.name: f for f in dataclasses.fields(self)}
        parsed: dict[str, Any] = {}
        for raw_name, value in values.items():
            name = raw_name.replace("-", "_")
            if name not in known:
                raise SettingsError(raw_name, f"unknown setting (known: {', '.join(known)})")
            parsed[name] = _coerce(name, str(known[name].type), value)
        return dataclasses.replace(self, **parsed)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, base: Settings | None = None
    ) -> Settings:
        env = os.environ if environ is None else environ
        values = {
            name: env[f"MOCKMINIMAX_{name.upper()}"]
            for name in SETTING_NAMES
            if f"MOCKMINIMAX_{name.upper()}" in env
        }
        return (base or cls()).merged(values)


def _coerce(name: str, type_name: str, value: Any) -> Any:
    if name == "faults":
        return _fault_rules(value)
    if name == "rpm" and isinstance(value, str) and value.strip().lower() in RPM_PRESETS:
        return RPM_PRESETS[value.strip().lower()]
    if "tuple" in type_name:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise SettingsError(name, "must be a list of strings")
    if type_name.startswith("bool"):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise SettingsError(name, f"{value!r} is not a boolean (true/false)")
    if value is None:
        if "None" in type_name:
            return None
        raise SettingsError(name, "must not be empty")
    if type_name.startswith("int"):
        if isinstance(value, bool):
            raise SettingsError(name, f"{value!r} is not an integer")
        if isinstance(value, str) and "None" in type_name and value.strip().lower() in ("", "none"):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SettingsError(name, f"{value!r} is not an integer") from None
    if type_name.startswith("float"):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise SettingsError(name, f"{value!r} is not a number") from None
    if not isinstance(value, str):
        raise SettingsError(name, f"{value!r} is not a string")
    if "None" in type_name and value.strip() == "":
        return None
    return value


def _fault_rules(value: Any) -> tuple[FaultRule, ...]:
    """Rules from any source: a JSON list in an env variable, one rule text per line, or a
    list of texts, objects and rules (config files, Python)."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise SettingsError("faults", f"not a valid JSON list: {exc}") from None
    try:
        return parse_rules(value)
    except FaultRuleError as exc:
        raise SettingsError("faults", str(exc)) from None


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The settings in a config file: a JSON object (or, on Python 3.11+, TOML) whose keys
    are setting names, `faults` a list of rules as objects or `key=value` texts.

    JSON because Python reads it with no extra dependency on every supported version.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError("config", f"cannot read {file}: {exc.strerror or exc}") from None
    data: Any
    if file.suffix.lower() == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib

            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError("config", f"{file} is not valid TOML: {exc}") from None
        else:
            raise SettingsError("config", f"{file}: TOML needs Python 3.11+; use JSON")
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SettingsError("config", f"{file} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SettingsError("config", f"{file} must hold an object of settings")
    known = set(SETTING_NAMES)
    for name in data:
        if name.replace("-", "_") not in known:
            raise SettingsError(
                name, f"unknown setting in {file} (known: {', '.join(SETTING_NAMES)})"
            )
    return data


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings))
