"""How each surface words its errors and which headers it adds.

The same failure (a bad body, an unknown route, a crash) looks different on each surface,
exactly as it does on the services they copy: MiniMax answers HTTP 200 with `base_resp`,
One-Hub its own JSON shapes, the storage CDN Aliyun OSS's XML, the control API plain JSON.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from starlette.responses import Response

from ..core.codes import CODES, ApiError, message_for
from ..core.mock import DownloadRefused
from ..core.onehub import GatewayRefusal, gateway_profile
from ..core.tasks_v2 import V2Error
from .exchange import Exchange, Problem, add_header
from .schemas import Answer, Param, Schema, integer, nullable, obj, string

if TYPE_CHECKING:
    from .routes import RouteSpec

__all__ = [
    "CDN",
    "CONTROL",
    "GATEWAY",
    "OFFICIAL",
    "V2",
    "ControlError",
    "OneHubError",
    "Surface",
    "base_resp_schema",
    "surface_for_path",
]


class ControlError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        self.status = status
        self.message = message
        self.field = field
        super().__init__(message)


class OneHubError(Exception):
    """One-Hub's middleware shape: `{"error": {"message", "type": "one_hub_error"}}`."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


def _allow(exc: Problem) -> dict[str, str] | None:
    return {"Allow": exc.allow} if exc.allow else None


JSON = "application/json"
XML = "application/xml"
_BEARER = {"bearer": {"type": "http", "scheme": "bearer"}}
_FAULT = Param(
    "X-Mock-Fault",
    "header",
    string(minLength=1),
    "a fault rule for this request alone, e.g. `minimax_error=1002` or `http_status=503`; a "
    "rule that fires answers what it asks for (any status), a malformed one is refused as a "
    "bad request of this surface",
)


def base_resp_schema(ok: bool) -> Schema:
    """MiniMax's `base_resp`: code 0 on success, a code of the error table otherwise."""
    if ok:
        code = integer("0: success", const=0)
    else:
        code = integer("a MiniMax error code (see the README's code table)", minimum=1)
    return obj({"status_code": code, "status_msg": string()})


def _base_resp_error(spec: RouteSpec) -> Schema:
    fields: dict[str, Schema] = {"base_resp": base_resp_schema(ok=False)}
    if spec.name == "create":
        fields = {"task_id": string("empty on an error", const=""), **fields}
    return obj(fields, description="MiniMax's error: HTTP 200 with a non-zero base_resp")


class Surface(ABC):
    """One service the app imitates: the errors it expects, their shape, its headers."""

    name = "surface"
    #: Whether browsers may call it: preflights answered, Access-Control-* on answers.
    cors = True
    #: For the OpenAPI document: headers every answer carries (name -> description), the
    #: parameters every route takes, and the security schemes a caller may use.
    doc_headers: Mapping[str, str] = {}
    doc_params: tuple[Param, ...] = ()
    doc_security: Mapping[str, Schema] = {}
    doc_security_optional = False

    def expected(self, exc: Exception) -> bool:
        return isinstance(exc, ApiError)

    def error_statuses(self, spec: RouteSpec) -> tuple[int, ...]:
        """The HTTP statuses this surface refuses `spec` with (a route adds its own)."""
        return ()

    def error_answer(self, status: int, spec: RouteSpec) -> Answer:
        """How this surface's errors with `status` look on `spec`, for the OpenAPI document."""
        return Answer("refused", {JSON: obj({})})

    @abstractmethod
    def error(self, exc: Exception, ex: Exchange) -> Response:
        """`exc` answered the way this surface's real service answers it."""

    def finish(self, response: Response, ex: Exchange) -> None:  # noqa: B027 (optional hook)
        """Headers every answer of this surface carries (none by default)."""


class OfficialSurface(Surface):
    """MiniMax V1: HTTP 200 with a non-zero `base_resp.status_code`; create adds `task_id: ""`."""

    name = "official"
    doc_headers: Mapping[str, str] = {"Trace-Id": "32 hex digits naming this answer"}
    doc_params = (_FAULT,)
    doc_security = _BEARER

    def error_statuses(self, spec: RouteSpec) -> tuple[int, ...]:
        return (200,)

    def error_answer(self, status: int, spec: RouteSpec) -> Answer:
        return Answer("a refusal in base_resp", {JSON: _base_resp_error(spec)})

    def base_resp(
        self, ex: Exchange, code: int, message: str, status: int = 200, **extra: Any
    ) -> Response:
        ex.reject(f"{code}: {message}")
        creates = ("create", "template_create")
        body: dict[str, Any] = {"task_id": ""} if ex.route in creates else {}
        body.update(extra)
        body["base_resp"] = {"status_code": code, "status_msg": message}
        return ex.json(body, status)

    def error(self, exc: Exception, ex: Exchange) -> Response:
        if isinstance(exc, ApiError):
            return self.base_resp(ex, exc.code, exc.message)
        assert isinstance(exc, Problem)
        method, path = ex.request.method, ex.request.url.path
        if exc.kind == "route":
            return self.base_resp(ex, 2013, f"invalid params, unknown route: {method} {path}", 404)
        if exc.kind == "method":
            response = self.base_resp(
                ex, 2013, f"invalid params, method {method} is not allowed on {path}", 405
            )
            response.headers.update(_allow(exc) or {})
            return response
        if exc.kind == "internal":
            _note(ex, exc)
            return self.base_resp(ex, 1000, message_for(1000), 500)
        return self.base_resp(ex, 2013, f"invalid params, {exc.message}")

    def finish(self, response: Response, ex: Exchange) -> None:
        # Trace-Id from MiniMax's services; the other three from its edge, which adds them
        # to every api.minimax.io answer seen (chat, models, t2a, even a 404).
        # labels(16, 16, 20) as one label, sliced here: 0.1 us less than its list of three.
        (ids,) = ex.mock.ids.labels(52)
        response.raw_headers += (
            (b"trace-id", ids[:32]),
            (b"minimax-request-id", ids[32:64]),
            (b"alb_receive_time", b"%.3f" % ex.entry.time),
            (b"alb_request_id", ids[64:]),
        )


def _note(ex: Exchange, exc: Problem) -> None:
    ex.entry.notes.append(f"internal error: {exc.message}")


class GatewaySurface(Surface):
    """One-Hub's `/minimaxi/v1`: its own refusals in its own shapes, MiniMax's passed through."""

    name = "gateway"
    doc_headers: Mapping[str, str] = {"X-Oneapi-Request-Id": "the gateway's request id"}
    doc_params = (_FAULT,)
    doc_security = _BEARER

    def error_statuses(self, spec: RouteSpec) -> tuple[int, ...]:
        return (400, 401, 413) if spec.body is not None else (400, 401)

    def error_answer(self, status: int, spec: RouteSpec) -> Answer:
        if status == 200:
            return Answer("MiniMax's refusal, passed through", {JSON: _base_resp_error(spec)})
        if status in (401, 403, 429):
            error = obj(
                {
                    "message": string("ends in (request id: ...)"),
                    "type": string(enum=["one_hub_error", "one_hub_panic"]),
                }
            )
            return Answer("One-Hub's middleware refusal", {JSON: obj({"error": error})})
        code = string(const="invalid_request") if status in (400, 413) else string()
        return Answer("the gateway's own refusal", {JSON: obj({"code": code, "message": string()})})

    def expected(self, exc: Exception) -> bool:
        return isinstance(exc, (ApiError, GatewayRefusal, OneHubError))

    def request_id(self, ex: Exchange) -> str:
        rid = ex.tags.get("rid")
        if rid is None:
            rid = ex.tags["rid"] = ex.mock.ids.gateway_request_id(ex.mock.now())
        return str(rid)

    def one_hub(
        self, ex: Exchange, status: int, message: str, kind: str = "one_hub_error"
    ) -> Response:
        ex.reject(message)
        body = {
            "error": {"message": f"{message} (request id: {self.request_id(ex)})", "type": kind}
        }
        return ex.json(body, status)

    def not_found(self, ex: Exchange, message: str) -> Response:
        """One-Hub's JSON NoRoute answer (`RelayNotFound`), in place of its web UI's page."""
        ex.reject(message)
        error = {"message": message, "type": "invalid_request_error", "param": "", "code": ""}
        return ex.json({"error": error}, 404)

    def task_error(self, ex: Exchange, status: int, code: str, message: str) -> Response:
        ex.reject(f"{code}: {message}")
        return ex.json({"code": code, "message": message}, status)

    def error(self, exc: Exception, ex: Exchange) -> Response:
        if isinstance(exc, ApiError):
            return OFFICIAL.base_resp(ex, exc.code, exc.message)
        if isinstance(exc, GatewayRefusal):
            return self.task_error(ex, exc.status, exc.code, exc.message)
        if isinstance(exc, OneHubError):
            return self.one_hub(ex, exc.status, exc.message)
        assert isinstance(exc, Problem)
        method, path = ex.request.method, ex.request.url.path
        if exc.kind in ("route", "method"):
            # gin answers a wrong method like an unknown route: HandleMethodNotAllowed is off.
            if gateway_profile(ex.settings).has("web_not_found"):
                return self.not_found(ex, f"Invalid URL ({method} {path})")
            return self.one_hub(ex, 404, f"Invalid URL ({method} {path})")
        if exc.kind == "internal":
            _note(ex, exc)
            return self.one_hub(ex, 500, f"Panic detected, error: {exc.message}", "one_hub_panic")
        if exc.kind == "too_large":
            return self.task_error(ex, 413, "invalid_request", exc.message)
        return self.task_error(ex, 400, "invalid_request", exc.message)

    def finish(self, response: Response, ex: Exchange) -> None:
        add_header(response, b"x-oneapi-request-id", self.request_id(ex))


#: Characters XML 1.0 cannot carry even escaped (a Host or a header value may hold them).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", text))


class CdnSurface(Surface):
    """The download host: Aliyun OSS's XML errors, as the real CDN answers."""

    name = "cdn"
    cors = False  # the real download host sends no CORS headers (TP2's curl)
    doc_headers: Mapping[str, str] = {
        "x-oss-request-id": "24 hex digits naming this answer",
        "Server": "AliyunOSS",
    }
    doc_params = (_FAULT,)

    def error_statuses(self, spec: RouteSpec) -> tuple[int, ...]:
        return (400, 403, 404)

    def error_answer(self, status: int, spec: RouteSpec) -> Answer:
        text = string()
        error = obj({"Code": text, "Message": text, "RequestId": text, "HostId": text})
        error["xml"] = {"name": "Error"}
        return Answer("Aliyun OSS's XML error", {XML: error})

    def expected(self, exc: Exception) -> bool:
        return isinstance(exc, DownloadRefused)

    def xml(self, ex: Exchange, status: int, code: str, message: str) -> Response:
        ex.reject(f"{code}: {message}")
        rid = ex.tags.setdefault("rid", ex.mock.ids.label(12).upper())
        host = _xml_text(ex.request.headers.get("host", "video-product.cdn.minimax.io"))
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n'
            f"  <Code>{code}</Code>\n  <Message>{_xml_text(message)}</Message>\n"
            f"  <RequestId>{rid}</RequestId>\n  <HostId>{host}</HostId>\n</Error>\n"
        )
        ex.entry.response_body = {"Code": code, "Message": message}
        return Response(body, status, media_type="application/xml")

    def error(self, exc: Exception, ex: Exchange) -> Response:
        if isinstance(exc, DownloadRefused):
            return self.xml(ex, exc.status, exc.code, exc.message)
        assert isinstance(exc, Problem)
        if exc.kind == "route":
            return self.xml(ex, 404, "NoSuchKey", "The specified key does not exist.")
        if exc.kind == "method":
            response = self.xml(
                ex,
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
            )
            response.headers.update(_allow(exc) or {})
            return response
        if exc.kind != "internal":  # a bad X-Mock-Fault header: the request's own fault
            return self.xml(ex, 400, "InvalidArgument", exc.message)
        _note(ex, exc)
        return self.xml(
            ex, 500, "InternalError", "We encountered an internal error. Please try again."
        )

    def finish(self, response: Response, ex: Exchange) -> None:
        add_header(
            response, b"x-oss-request-id", ex.tags.setdefault("rid", ex.mock.ids.label(12).upper())
        )
        add_header(response, b"server", "AliyunOSS")


class ControlSurface(Surface):
    """The mock's own API: plain JSON errors with real HTTP codes and the field at fault."""

    name = "control"
    cors = False  # must stay unreachable from web pages
    doc_security: Mapping[str, Schema] = {
        "controlToken": {"type": "http", "scheme": "bearer"},
        "controlTokenHeader": {"type": "apiKey", "in": "header", "name": "X-Mock-Token"},
    }
    doc_security_optional = True  # needed only when the mock runs with a control token

    def error_statuses(self, spec: RouteSpec) -> tuple[int, ...]:
        # 401 without the control token when one is set; 403 for a foreign Origin, a
        # cross-site fetch or (live server) a Host that is not this machine.
        statuses = [401, 403]
        if spec.body is not None or spec.params:
            statuses.append(400)
        if spec.body is not None:
            statuses += [413, 415]
        if "{" in spec.path:
            statuses.append(404)
        return tuple(statuses)

    def error_answer(self, status: int, spec: RouteSpec) -> Answer:
        error = obj(
            {
                "message": string(),
                "field": nullable(string("the field or parameter at fault")),
            }
        )
        return Answer("refused, naming the field", {JSON: obj({"error": error})})

    def expected(self, exc: Exception) -> bool:
        return isinstance(exc, ControlError)

    def error(self, exc: Exception, ex: Exchange) -> Response:
        if isinstance(exc, ControlError):
            status, message, field = exc.status, exc.message, exc.field
        else:
            assert isinstance(exc, Problem)
            status = {"route": 404, "method": 405, "too_large": 413, "internal": 500}.get(
                exc.kind, 400
            )
            message, field = exc.message, exc.field
            if exc.kind == "route":
                message = f"no control route {ex.request.method} {ex.request.url.path}"
            elif exc.kind == "method":
                message = f"method {ex.request.method} is not allowed (allowed: {exc.allow})"
            elif exc.kind == "internal":
                _note(ex, exc)
        ex.reject(message)
        response = ex.json({"error": {"message": message, "field": field}}, status)
        if isinstance(exc, Problem):
            response.headers.update(_allow(exc) or {})
        return response


class V2Surface(Surface):
    """MiniMax V2 (`/v2/...`): real HTTP statuses and the OpenAI-style error body,
    `{"type": "error", "error": {"type", "message", "http_code"}, "request_id"}`, with the
    MiniMax code in brackets at the end of the message (reference §10.1)."""

    name = "v2"
    doc_headers: Mapping[str, str] = {"Trace-Id": "32 hex digits naming this answer"}
    doc_params = (_FAULT,)
    doc_security = _BEARER

    def error_statuses(self, spec: RouteSpec) -> tuple[int, ...]:
        # 400 a bad request (2013), 401 no or an unknown key (1004, 2049); a task in the
        # path may be unknown (404, or 400 with v2_unknown_task); a create may be too
        # large (413) or over a rate or in-flight limit (429).
        statuses = [400, 401]
        if "{" in spec.path:
            statuses.append(404)
        if spec.body is not None:
            statuses += [413, 429]
        return tuple(statuses)

    def error_answer(self, status: int, spec: RouteSpec) -> Answer:
        error = obj(
            {
                "type": string(),
                "message": string("ends in the MiniMax code in brackets, e.g. (2013)"),
                "http_code": string(const=str(status)),
            }
        )
        body = obj({"type": string(const="error"), "error": error, "request_id": string()})
        return Answer("V2's refusal, with its real HTTP status", {JSON: body})

    def expected(self, exc: Exception) -> bool:
        return isinstance(exc, (ApiError, V2Error))

    def request_id(self, ex: Exchange) -> str:
        rid = ex.tags.get("rid")
        if rid is None:
            rid = ex.tags["rid"] = ex.mock.ids.label(16)
        return str(rid)

    def oai(self, ex: Exchange, status: int, kind: str, message: str) -> Response:
        ex.reject(message)
        body = {
            "type": "error",
            "error": {"type": kind, "message": message, "http_code": str(status)},
            "request_id": self.request_id(ex),
        }
        return ex.json(body, status)

    def api_error(self, ex: Exchange, code: int, message: str) -> Response:
        known = CODES.get(code)
        status, kind = known.v2_http if known and known.v2_http[1] else (500, "server_error")
        return self.oai(ex, status, kind, f"{message} ({code})")

    def error(self, exc: Exception, ex: Exchange) -> Response:
        if isinstance(exc, ApiError):
            return self.api_error(ex, exc.code, exc.message)
        if isinstance(exc, V2Error):
            return self.oai(ex, exc.status, exc.kind, exc.message)
        assert isinstance(exc, Problem)
        method, path = ex.request.method, ex.request.url.path
        if exc.kind == "route":
            return self.oai(
                ex, 404, "not_found_error", f"invalid params, unknown route: {method} {path} (2013)"
            )
        if exc.kind == "method":
            response = self.oai(
                ex,
                405,
                "method_not_allowed_error",
                f"invalid params, method {method} is not allowed on {path} (2013)",
            )
            response.headers.update(_allow(exc) or {})
            return response
        if exc.kind == "too_large":
            return self.oai(
                ex, 413, "request_too_large_error", f"invalid params, {exc.message} (2013)"
            )
        if exc.kind == "internal":
            _note(ex, exc)
            return self.oai(ex, 500, "server_error", "internal error (1000)")
        return self.oai(ex, 400, "bad_request_error", f"invalid params, {exc.message} (2013)")

    def finish(self, response: Response, ex: Exchange) -> None:
        add_header(response, b"trace-id", self.request_id(ex))


OFFICIAL = OfficialSurface()
V2 = V2Surface()
GATEWAY = GatewaySurface()
CDN = CdnSurface()
CONTROL = ControlSurface()


def surface_for_path(path: str) -> Surface:
    """The surface an unrouted path belongs to, so even a 404 answers in the right shape."""
    if path.startswith("/minimaxi/"):
        return GATEWAY
    if path.startswith("/_mock"):
        return CONTROL
    if path.startswith("/inference_output/"):
        return CDN
    if path == "/v2" or path.startswith("/v2/"):
        return V2
    return OFFICIAL
