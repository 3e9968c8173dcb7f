"""Connection faults where there is no socket to break: the in-process transports turn
them into the httpx errors a real client would have seen."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx


class ConnectionFault(Exception):
    """A connection fault where there is no socket to break: the app answering in-process.

    In-process transports turn it into the httpx error a real client would have seen
    (`to_httpx_error`); the live server never raises it, it breaks the socket instead.
    """

    def __init__(self, kind: str, rule_id: str | None = None) -> None:
        if kind not in ("reset", "stall", "truncate"):
            raise ValueError(f"{kind!r} is not a connection fault that raises")
        self.kind = kind
        self.rule_id = rule_id
        where = f" {rule_id}" if rule_id else ""
        super().__init__(f"mockminimax fault{where}: connection {kind}")


def to_httpx_error(fault: ConnectionFault | str, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception a client sees for a connection fault, as on the live server:
    `reset` -> `httpx.ReadError`, `stall` -> `httpx.ReadTimeout` (at once: in-process there
    is no client timeout to wait for), `truncate` -> `httpx.RemoteProtocolError`.

    `malformed` raises nothing: it is a complete response whose body is not JSON.
    httpx is imported here, not at module level: the server does not need it.
    """
    import httpx

    kind = fault.kind if isinstance(fault, ConnectionFault) else fault
    label = f" ({fault})" if isinstance(fault, ConnectionFault) else f" (mockminimax fault: {kind})"
    if kind == "reset":
        return httpx.ReadError("[Errno 104] Connection reset by peer" + label, request=request)
    if kind == "stall":
        return httpx.ReadTimeout("timed out" + label, request=request)
    if kind == "truncate":
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body" + label,
            request=request,
        )
    raise ValueError(f"{kind!r} is not a connection fault that raises (reset, stall, truncate)")
