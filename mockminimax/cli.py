"""`mockminimax serve | validate | openapi`, and `--version`. Every serve flag also reads a
`MOCKMINIMAX_<NAME>` environment variable and a `--config` file key; the weakest first:
defaults < config file < environment < flags."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from typing import Any

from ._version import __version__
from .core.codes import ApiError
from .core.faults import FaultRule, FaultRuleError, FaultRules, parse_rule
from .core.onehub import GatewayRefusal, gateway_profile, normalize
from .core.settings import SETTING_NAMES, Settings, SettingsError, read_config

__all__ = ["main"]

# Flags with their own name; every other setting goes through --set KEY=VALUE.
_FLAGS: dict[str, dict[str, Any]] = {
    "host": {"help": "interface to bind (default 127.0.0.1)"},
    "port": {"type": int, "help": "port (default 8080; 0 picks a free one and prints it)"},
    "seed": {"type": int, "help": "seed for IDs, URLs and fault draws (default: random, printed)"},
    "timing": {"help": "instant | fast (default, ~3 s) | realistic | 'PREP,QUEUE,PROCESS' seconds"},
    "clock": {"choices": ("real", "virtual", "polls"), "help": "real (default) | virtual | polls"},
    "public_url": {"help": "base URL for download_url (default: the request's own host)"},
    "log_level": {"choices": ("critical", "error", "warning", "info", "debug")},
    "rpm": {
        "metavar": "N",
        "help": "creates per minute per key, past which create answers 1002; a number or a "
        "preset: free 5, paid 20, standard 20, pro 30, scale 40, business 50, h3 300",
    },
}


#: Settings with a repeatable flag of their own, gathered into a tuple.
_REPEATABLE = ("api_keys", "callback_hosts", "allowed_hosts")
#: Settings with a flag of their own outside `_FLAGS` (repeatable, or kept off the banner).
_OWN_FLAGS = (*_REPEATABLE, "faults", "control_token")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockminimax", description="A local twin of the MiniMax video generation API."
    )
    parser.add_argument("--version", action="version", version=f"mockminimax {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the mock HTTP server")
    for name, options in _FLAGS.items():
        serve.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None, **options)
    serve.add_argument(
        "--api-key", dest="api_keys", action="append", default=None, metavar="KEY",
        help="accept only this key (repeatable; default: any non-empty key)",
    )  # fmt: skip
    serve.add_argument(
        "--callback-host", dest="callback_hosts", action="append", default=None,
        metavar="NAME", help="a host besides loopback the mock may POST callbacks to "
        "(repeatable; default: loopback only)",
    )  # fmt: skip
    serve.add_argument(
        "--control-token", dest="control_token", default=None, metavar="TOKEN",
        help="require this token on every /_mock/ request (Authorization: Bearer TOKEN or "
        "X-Mock-Token: TOKEN); env MOCKMINIMAX_CONTROL_TOKEN",
    )  # fmt: skip
    serve.add_argument(
        "--allowed-host", dest="allowed_hosts", action="append", default=None, metavar="NAME",
        help="a Host name the control API answers besides loopback names and the bound "
        "address (repeatable)",
    )  # fmt: skip
    serve.add_argument(
        "--fault", dest="faults", action="append", default=None, metavar="RULE",
        help="a fault rule, e.g. 'route=create,minimax_error=1002,times=2' (repeatable; "
        "replaces the config file's and MOCKMINIMAX_FAULTS' rules)",
    )  # fmt: skip
    serve.add_argument(
        "--config", metavar="FILE",
        help="a JSON (or, on Python 3.11+, TOML) file of settings, faults a list of rules",
    )  # fmt: skip
    serve.add_argument(
        "--set", dest="options", action="append", default=[], metavar="NAME=VALUE",
        help="any other setting: "
        + ", ".join(n for n in SETTING_NAMES if n not in (*_FLAGS, *_OWN_FLAGS)),
    )  # fmt: skip
    check = sub.add_parser("validate", help="check a create request body offline")
    check.add_argument("file", help="JSON file with the request body, or - for stdin")
    check.add_argument(
        "--gateway", action="store_true", help="apply the One-Hub gateway's rules first"
    )
    doc = sub.add_parser(
        "openapi", help="print the OpenAPI 3.1 document of every route (as GET /_mock/openapi.json)"
    )
    doc.add_argument("--indent", type=int, default=2, metavar="N", help="indent (0: one line)")
    check.add_argument(
        "--v2",
        action="store_true",
        help="a V2 (H3) body; mm_file:// IDs are checked for shape only (no file store offline)",
    )
    check.add_argument(
        "--endpoint",
        choices=("create", "context_ir", "regeneration"),
        default="create",
        help="with --v2: POST /v2/video_generation (create, the default), /v2/h3_context_ir "
        "or /v2/video_regeneration",
    )
    return parser


def settings_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    values: dict[str, Any] = {}
    for item in args.options:
        name, sep, value = item.partition("=")
        if not sep:
            raise SettingsError(item, "--set takes NAME=VALUE")
        values[name.strip()] = value
    for name in (*_FLAGS, *_REPEATABLE, "control_token"):
        given = getattr(args, name)
        if given is not None:
            values[name] = tuple(given) if name in _REPEATABLE else given
    if args.faults is not None:
        values["faults"] = tuple(_fault(text) for text in args.faults)
    base = Settings().merged(read_config(args.config)) if args.config else Settings()
    return Settings.from_env(environ, base=base).merged(values)


def _fault(text: str) -> FaultRule:
    try:
        return parse_rule(text)
    except FaultRuleError as exc:
        raise SettingsError(f"--fault {text!r}", str(exc)) from None


def _banner(settings: Settings, url: str, seed: int) -> str:
    example = json.dumps({"model": "MiniMax-Hailuo-2.3", "prompt": "A cat on a skateboard"})
    return "\n".join(
        [
            f"mockminimax {__version__} listening on {url}",
            f"  seed {seed}, clock {settings.clock}, timing {settings.timing}, "
            f"keys {'any non-empty' if not settings.api_keys else len(settings.api_keys)}",
            *_fault_lines(settings),
            "  callbacks to loopback" + "".join(f", {h}" for h in settings.callback_hosts),
            f"  MiniMax V1     {url}/v1",
            f"  Gateway        {url}/minimaxi/v1",
            f"  Downloads      {url}/inference_output/...",
            f"  Control API    {url}/_mock"
            + (" (token required)" if settings.control_token else ""),
            "Try:",
            f"  curl -s {url}/v1/video_generation -H 'Authorization: Bearer test-key' "
            f"-H 'Content-Type: application/json' -d '{example}'",
            "Ctrl-C stops it.",
        ]
    )


def _fault_lines(settings: Settings) -> list[str]:
    lines = [f"  rate limit {settings.rpm} creates a minute per key"] if settings.rpm else []
    installed = FaultRules(lambda: 0.0, settings.faults).rules  # numbered as the mock will
    return lines + [f"  fault {rule.id}: {rule.to_text(with_id=False)}" for rule in installed]


def _serve(settings: Settings) -> int:
    import threading

    import uvicorn

    from .core.mock import MiniMaxMock
    from .server.guard import is_loopback
    from .server.runner import bind, uvicorn_config

    mock = MiniMaxMock(settings)
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        print(
            f"mockminimax: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr
        )
        return 2
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    server = uvicorn.Server(uvicorn_config(mock))
    # Installed before the banner, so Ctrl-C or SIGTERM at any moment after it (even before
    # uvicorn installs its own handlers) stops the server, and uvicorn's re-raise of the signal
    # it stopped on ends in a clean exit 0 instead of a traceback or a kill status.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: setattr(server, "should_exit", True))
    print(_banner(settings, f"http://{host}:{port}", mock.ids.seed), flush=True)
    if not is_loopback(settings.host) and not settings.control_token:
        print(
            f"mockminimax: warning: listening on {settings.host}, beyond loopback, with no "
            "control token: anyone who can reach this port can reset the mock and install "
            "faults. Set --control-token TOKEN (or MOCKMINIMAX_CONTROL_TOKEN).",
            file=sys.stderr,
            flush=True,
        )
    threading.Thread(target=mock.videos.warm, name="warm-videos", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        mock.close()  # callbacks in flight are cancelled: a hung receiver never holds us
    print("mockminimax stopped", flush=True)
    return 0


def _validate(path: str, gateway: bool, settings: Settings) -> int:
    from .core.validation import BodyError, parse_body, validate_create

    raw = _read(path)
    if raw is None:
        return 2
    try:
        try:
            body = parse_body(raw)
        except BodyError as exc:  # as each surface words a body that is no JSON object
            if gateway:
                raise GatewayRefusal(str(exc)) from None
            raise ApiError(2013, f"invalid params, {exc}") from None
        forwarded = normalize(body, gateway_profile(settings)) if gateway else body
        request = validate_create(forwarded, settings)
    except GatewayRefusal as exc:
        return _refused({"code": exc.code, "message": exc.message}, f"HTTP {exc.status}")
    except ApiError as exc:
        return _refused({"task_id": "", "base_resp": _base(exc)})
    print(json.dumps(request.to_json(), ensure_ascii=False, indent=2))
    return 0


def _openapi(indent: int) -> int:
    from .server.openapi import document

    print(json.dumps(document(), ensure_ascii=False, indent=indent or None))
    return 0


def _read(path: str) -> bytes | None:
    """The file's bytes (stdin's for `-`), or None once the failure is printed. Bytes, not
    text: the body parser decides what is valid UTF-8, as the server does."""
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        print(f"mockminimax: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return None


def _validate_v2(path: str, endpoint: str, settings: Settings) -> int:
    from .core.codes import CODES
    from .core.validation import BodyError, parse_body
    from .core.validation_v2 import validate_context_ir, validate_regeneration, validate_v2

    validate = {
        "create": validate_v2,
        "context_ir": validate_context_ir,
        "regeneration": validate_regeneration,
    }[endpoint]
    raw = _read(path)
    if raw is None:
        return 2
    try:
        try:
            body = parse_body(raw)
        except BodyError as exc:
            raise ApiError(2013, f"invalid params, {exc}") from None
        request = validate(body, settings)
    except ApiError as exc:
        status, kind = CODES[exc.code].v2_http
        error = {"type": kind, "message": f"{exc.message} ({exc.code})", "http_code": str(status)}
        return _refused({"type": "error", "error": error}, f"HTTP {status}")
    print(json.dumps(request.to_json(), ensure_ascii=False, indent=2))
    return 0


def _base(error: ApiError) -> dict[str, Any]:
    return {"status_code": error.code, "status_msg": error.message}


def _refused(body: dict[str, Any], status: str = "HTTP 200") -> int:
    print(f"# the API would answer {status} with:", file=sys.stderr)
    print(json.dumps(body, ensure_ascii=False))
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(settings_from_args(args))
        if args.command == "openapi":
            return _openapi(args.indent)
        if args.v2:
            return _validate_v2(args.file, args.endpoint, Settings.from_env())
        return _validate(args.file, args.gateway, Settings.from_env())
    except SettingsError as exc:
        print(f"mockminimax: bad setting {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
