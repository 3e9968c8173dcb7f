"""What keeps a web page from driving the control API (`/_mock/`).

A page the developer visits can make the browser send requests to the mock on loopback:
form posts and `text/plain` fetches need no CORS preflight, and DNS rebinding can make a
hostile name resolve to 127.0.0.1. So the control API:

- takes a body only as `application/json` (which a cross-site page cannot send without a
  preflight, and the control API answers no preflight);
- refuses a request whose `Origin` is not the server's own, or that the browser marks
  `Sec-Fetch-Site: cross-site`;
- on a live server, refuses a `Host` that is neither a loopback name, the address the
  connection came in on, nor one of `allowed_hosts` (DNS rebinding needs a name of the
  attacker's: an IP literal the server listens on cannot be one). In-process (httpx's ASGI
  transport, the respx router) there is no socket a page could reach, and no Host check;
- with `control_token` set, needs `Authorization: Bearer TOKEN` or `X-Mock-Token: TOKEN`.
"""

from __future__ import annotations

import hmac
import ipaddress

from .connection import EXTENSION
from .exchange import Exchange
from .official import bearer
from .surfaces import ControlError

__all__ = ["TOKEN_HEADER", "check_control", "is_loopback"]

TOKEN_HEADER = "x-mock-token"
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def _host_name(host: str) -> str:
    """The name or address of a Host header, without port or IPv6 brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) can only mean this machine."""
    name = host.strip("[]").lower().rstrip(".")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _check_host(ex: Exchange) -> None:
    scope = ex.request.scope
    if EXTENSION not in (scope.get("extensions") or {}):
        return  # in-process: no socket a page could reach
    header = ex.request.headers.get("host", "")
    name = _host_name(header).rstrip(".")
    allowed = {h.lower() for h in ex.settings.allowed_hosts}
    local = (scope.get("server") or ("", 0))[0]
    if is_loopback(name) or name in allowed or (name and name == str(local).lower()):
        return
    raise ControlError(
        403,
        f"Host {header[:100]!r} is not this machine; the control API answers loopback names "
        "and the address it listens on (add a name with --allowed-host)",
        "Host",
    )


def _check_origin(ex: Exchange) -> None:
    headers = ex.request.headers
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise ControlError(403, "cross-site requests may not use the control API", "Origin")
    origin = headers.get("origin")
    if origin is None:
        return
    own = f"{ex.request.url.scheme}://{headers.get('host', '')}".lower()
    if origin.strip().lower().rstrip("/") != own:
        raise ControlError(
            403,
            f"Origin {origin[:100]!r} is not this server's; the control API refuses it",
            "Origin",
        )


def _check_token(ex: Exchange) -> None:
    token = ex.settings.control_token
    if not token:
        return
    given = ex.request.headers.get(TOKEN_HEADER)
    if given is None:
        given = bearer(ex)
    if given is None or not hmac.compare_digest(given.encode(), token.encode()):
        raise ControlError(
            401,
            "the control API needs the control token: Authorization: Bearer TOKEN "
            "or X-Mock-Token: TOKEN",
            "Authorization",
        )


def _check_content_type(ex: Exchange) -> None:
    ctype = ex.request.headers.get("content-type")
    if ctype is None:
        length = ex.request.headers.get("content-length", "0").strip()
        if length in ("", "0") and "transfer-encoding" not in ex.request.headers:
            return  # no body at all, as `curl -X POST` sends
    if (ctype or "").split(";")[0].strip().lower() != "application/json":
        raise ControlError(
            415,
            "the control API takes bodies only as application/json, got "
            f"{(ctype or 'none')[:100]!r}",
            "Content-Type",
        )


def check_control(ex: Exchange) -> None:
    """Refuse a control request a web page could have made, or one without the token."""
    _check_host(ex)
    _check_origin(ex)
    _check_token(ex)
    if ex.request.method not in ("GET", "HEAD", "DELETE", "OPTIONS") or (
        "content-type" in ex.request.headers
    ):
        _check_content_type(ex)
