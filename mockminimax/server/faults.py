"""Fault rules at the HTTP layer: one decision per request, once its handler has checked
it, and each action rendered the way the surface's real service (or the network) would fail.

- `minimax_error`: the real `base_resp` on official and gateway (the gateway passes
  MiniMax's body through with 200).
- `http_status`: the given body, or the surface's own body for that status (`_OFFICIAL`,
  `_GATEWAY`, `_CDN` below).
- `connection`: `reset` and `stall` happen before the request reaches MiniMax (nothing is
  created); `truncate` and `malformed` after (the call took effect, its answer is lost).
  On the live server they happen on the socket (`connection.FaultSocket`); in-process
  they raise `ConnectionFault` (malformed is just a broken body everywhere).
- `task`: passed to the create handler through `Exchange.fault`.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..core.codes import ApiError, message_for
from ..core.faults import ConnectionFault, FaultCall, FaultRule, FaultRuleError, directive_rule
from ..core.faults import header_rule as parse_header
from ..core.journal import bounded
from ..core.strict_json import BodyError, loads
from .connection import EXTENSION, FaultSocket
from .exchange import Exchange, Problem, WholeBody

__all__ = [
    "DIRECTIVE_BYTES",
    "HEADER",
    "HEADER_KEY",
    "Gone",
    "SocketFault",
    "after_handler",
    "check_rate",
    "fault_point",
]

#: The per-request fault header.
HEADER = "x-mock-fault"
HEADER_KEY = HEADER.encode()
#: A directive anywhere in a create body: a fast scan (memchr for "[") that copies nothing,
#: even over a body of multi-megabyte data URLs.
DIRECTIVE_BYTES = re.compile(rb"\[(?i:mock):")

# What each surface answers for an `http_status` rule without a `body`.
_OFFICIAL: dict[int, tuple[int, str]] = {
    400: (2013, "invalid params"),
    401: (1004, message_for(1004)),
    402: (1008, message_for(1008)),
    403: (2049, message_for(2049)),
    404: (1000, "record not found"),
    408: (1001, message_for(1001)),
    429: (1002, message_for(1002)),
    500: (1000, message_for(1000)),
    502: (1024, message_for(1024)),
    503: (1033, message_for(1033)),
    504: (1001, message_for(1001)),
}
_ONE_HUB = "one_hub"  # One-Hub's middleware shape; anything else is the task-adaptor shape
_GATEWAY: dict[int, tuple[str, str]] = {
    400: ("invalid_request", "invalid request"),
    401: (_ONE_HUB, "无效的令牌"),
    402: ("insufficient_user_quota", "user quota is not enough"),
    403: (_ONE_HUB, "API requests are not allowed"),
    404: ("task_not_found", "task not found"),
    429: (_ONE_HUB, "您的速率达到上限，请稍后再试。"),
    503: ("provider_not_found", "no available minimaxi channel for video"),
}
#: The gateway's 500 per route: what its task adaptor calls a failed upstream call.
_GATEWAY_500 = {
    "create": "submit_failed",
    "query": "task_query_failed",
    "retrieve": "file_retrieve_failed",
    "retrieve_content": "file_retrieve_failed",
}
#: V2's error type and message for each status (reference §10.1), the code in brackets.
_V2: dict[int, tuple[str, str]] = {
    400: ("bad_request_error", "invalid params (2013)"),
    401: ("authorized_error", f"{message_for(1004)} (1004)"),
    402: ("insufficient_balance_error", "insufficient balance (1008)"),
    404: ("not_found_error", "record not found (1000)"),
    422: ("unprocessable_entity_error", "video description contains sensitive content (1026)"),
    429: ("rate_limit_error", "rate limit, please retry later (1002)"),
    500: ("server_error", "internal error (1000)"),
    529: ("overloaded_error", "the service is overloaded, please retry later (1000)"),
}
_CDN: dict[int, tuple[str, str]] = {
    400: ("InvalidArgument", "Invalid Argument."),
    403: ("AccessDenied", "Request has expired."),
    404: ("NoSuchKey", "The specified key does not exist."),
    500: ("InternalError", "We encountered an internal error. Please try again."),
    503: ("ServiceUnavailable", "Please reduce your request rate."),
}


_NOT_JSON = object()


def _lenient_json(raw: bytes) -> Any:
    """The body parsed, or `_NOT_JSON`: a body that does not parse just matches nothing."""
    try:
        return loads(raw)
    except BodyError:
        return _NOT_JSON


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def fault_point(ex: Exchange) -> Response | None:
    """Decide whether a fault fires on this request; the answer to send instead, if any.

    Each handler calls this once, after its auth, content-type and body checks and before
    it changes anything: a request the mock refuses on its own never reaches a rule (nor
    a header or prompt directive), and a fault that answers instead creates nothing.
    Costs nothing beyond a header lookup when no rules are installed, unless the call is
    a create whose body holds a `[mock:` directive.
    """
    mock = ex.mock
    installed = len(mock.faults) > 0
    if not installed and type(ex.receive) is WholeBody:
        return None  # answered at once: its head and body were found free of both already
    header = ex.header(HEADER_KEY)
    create = ex.route == "create"
    if not installed and header is None and not create:
        return None
    model = prompt = None
    raw = b""
    data: Any = None
    if create:
        try:  # read already, by the handler's checks
            raw = await ex.body()
        except Problem:
            raw = b""
        if installed or DIRECTIVE_BYTES.search(raw):
            # The handler's checks parsed it already; parse only if a handler did not.
            data = ex.parsed if ex.parsed is not None else _lenient_json(raw)
            if isinstance(data, dict):
                model, prompt = _text(data.get("model")), _text(data.get("prompt"))
                if ex.surface.name == "v2":
                    prompt = _v2_text(data.get("content"))
        elif header is None:
            return None  # no rule installed, no header, no directive: nothing can fire
    one_shot: list[FaultRule] = []
    try:
        if header is not None:
            one_shot.append(parse_header(header))
        directive = directive_rule(prompt) if prompt and "[mock:" in prompt.lower() else None
    except FaultRuleError as exc:
        where = "X-Mock-Fault" if header is not None and not one_shot else "prompt"
        raise Problem("invalid", f"{where} fault rule refused: {exc}", field=where) from None
    if directive is not None:
        one_shot.append(directive)
    if not one_shot and not installed:
        return None
    call = FaultCall(
        route=ex.route,
        surface=ex.surface.name,
        model=model,
        prompt=prompt,
        api_key=ex.header(b"authorization"),
    )
    rule = mock.faults.decide(call, one_shot)
    if rule is None:
        return None
    ex.fault = rule
    if create and raw:  # the journal shows what was sent, even if the handler never runs
        data = _lenient_json(raw) if data is None else data
        ex.entry.request_body = (
            raw[:512].decode("utf-8", "replace") if data is _NOT_JSON else bounded(data)
        )
    ex.entry.fault = rule.id
    ex.entry.notes.append(f"fault {rule.id}: {rule.action}")
    if rule.delay is not None and await _delay(ex, rule.delay_seconds(mock.ids.random)):
        ex.reject("the client went away (or the server stopped) during the delay")
        return Gone()
    if rule.minimax_error is not None:
        raise ApiError(rule.minimax_error, rule.message)
    if rule.http_status is not None:
        return _status(ex, rule)
    if rule.connection in ("reset", "stall"):
        return SocketFault(rule, ex.mock.settings.stall_seconds)
    return None


def _v2_text(content: Any) -> str | None:
    """A V2 create's prompt: its first `text` content item."""
    if isinstance(content, list):
        for item in content:
            if isinstance(item, dict) and item.get("type") == "text":
                return _text(item.get("text"))
    return None


def after_handler(ex: Exchange, response: Response) -> Response:
    """Break an answer already made: `truncate` and `malformed` cut its body."""
    rule = ex.fault
    if (
        rule is None
        or rule.connection not in ("truncate", "malformed")
        or isinstance(response, Gone)
    ):
        return response
    body = bytes(response.body)
    cut = body[: len(body) // 2]
    ex.entry.notes.append(f"body cut to {len(cut)} of {len(body)} bytes ({rule.connection})")
    if rule.connection == "truncate":
        return SocketFault(rule, ex.mock.settings.stall_seconds, response)
    broken = Response(cut, response.status_code)
    broken.raw_headers = [h for h in response.raw_headers if h[0] != b"content-length"]
    broken.raw_headers.append((b"content-length", str(len(cut)).encode()))
    return broken


def check_rate(ex: Exchange, key: str | None) -> None:
    """The `rpm` limit on create: 1002, which the gateway passes through too."""
    if not ex.mock.admit(key):
        ex.entry.fault = "rpm"
        ex.entry.notes.append(f"rate limited: more than {ex.settings.rpm} creates a minute")
        raise ApiError(1002)


def _sniff(body: str, html: bool) -> str:
    """The Content-Type a fault body is sent with; HTML only for rules the user installed,
    never for a one-request rule, which anyone able to send a request can write."""
    text = body.lstrip()
    if text.startswith("<"):
        return "text/html; charset=utf-8" if html else "text/plain; charset=utf-8"
    try:
        json.loads(body)
    except ValueError:
        return "text/plain; charset=utf-8"
    return "application/json; charset=utf-8"


def _status(ex: Exchange, rule: FaultRule) -> Response:
    status = rule.http_status
    assert status is not None
    reason = _reason(status)
    if rule.body is not None:
        ex.reject(f"HTTP {status} (fault {rule.id})")
        ex.entry.response_body = rule.body
        headers = {"X-Content-Type-Options": "nosniff"}
        if rule.content_type is not None:  # sent exactly as given (checked: no CR or LF)
            headers["Content-Type"] = rule.content_type
            return Response(rule.body, status, headers=headers)
        media = _sniff(rule.body, html=rule.id not in ("header", "prompt"))
        return Response(rule.body, status, headers=headers, media_type=media)
    # Local import: surfaces imports exchange, as this module does; keep the graph flat.
    from .surfaces import CDN, GATEWAY, OFFICIAL, V2

    name = ex.surface.name
    if name == "v2":
        kind, message = _V2.get(status, ("api_error", f"{reason} (1000)"))
        return V2.oai(ex, status, kind, message)
    if name == "official":
        code, message = _OFFICIAL.get(status, (1000, message_for(1000)))
        return OFFICIAL.base_resp(ex, code, message, status)
    if name == "gateway":
        if status == 500:
            kind, message = _GATEWAY_500.get(ex.route, "submit_failed"), message_for(1000)
        elif status == 502 and ex.route == "retrieve_content":
            kind, message = "download_failed", "download failed"
        else:
            kind, message = _GATEWAY.get(status, (_ONE_HUB, reason))
        if kind == _ONE_HUB:
            return GATEWAY.one_hub(ex, status, message)
        return GATEWAY.task_error(ex, status, kind, message)
    code_name, message = _CDN.get(status, (reason.replace(" ", ""), reason + "."))
    return CDN.xml(ex, status, code_name, message)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


async def _delay(ex: Exchange, seconds: float) -> bool:
    """Wait `seconds` (wall time); True if the connection went first.

    On the live server the wait ends as soon as the client hangs up or the server stops
    (shutdown closes a connection held here, as it does a stall), so a delayed request
    never holds a stop for its whole delay nor ends in a cancelled task.
    """
    handle: FaultSocket | None = (ex.request.scope.get("extensions") or {}).get(EXTENSION)
    if handle is None:
        await anyio.sleep(seconds)
        return False
    handle.holding = True
    try:
        with anyio.move_on_after(seconds):
            await _disconnected(ex.request.receive)
            return True
        return False
    finally:
        handle.holding = False


class Gone(Response):
    """The answer to a request whose client left during a delay: nothing to send.

    Journaled as 499, nginx's "client closed request"; the handler never runs, so a
    delayed create the client gave up on makes no task.
    """

    def __init__(self) -> None:
        super().__init__(None, 499)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return


class SocketFault(Response):
    """An answer that breaks the connection instead of (or part way through) answering.

    On the live server it acts on the socket; in-process it raises `ConnectionFault` for
    the transport to turn into the client's own error.
    """

    def __init__(self, rule: FaultRule, stall_seconds: float, inner: Response | None = None):
        super().__init__(None, inner.status_code if inner is not None else 0)
        assert rule.connection is not None
        self.kind = rule.connection
        self.rule_id = rule.id
        self.stall_seconds = stall_seconds
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handle: FaultSocket | None = (scope.get("extensions") or {}).get(EXTENSION)
        if handle is None:
            raise ConnectionFault(self.kind, self.rule_id)
        if self.kind == "reset":
            handle.reset()
        elif self.kind == "stall":
            handle.holding = True
            with anyio.move_on_after(self.stall_seconds):
                await _disconnected(receive)
                return
            handle.close()
        else:
            inner = self.inner
            assert inner is not None
            body = bytes(inner.body)
            await send(
                {
                    "type": "http.response.start",
                    "status": inner.status_code,
                    "headers": inner.raw_headers,
                }
            )
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            handle.close()
        # Return only once the server has seen the connection go, so uvicorn never
        # mistakes this for an app that forgot to answer.
        await _disconnected(receive)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
