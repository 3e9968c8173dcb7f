"""Reaching the socket from the app, so connection faults happen on the wire.

uvicorn keeps the transport to itself. These protocol subclasses hand each request a
`FaultSocket` in `scope["extensions"]` under `EXTENSION`; `runner.uvicorn_config` passes
them as uvicorn's `http=` class. Anything else serving the app (httpx's ASGITransport, the
respx router) has no such extension, and a connection fault raises `ConnectionFault`
there instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import struct
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["EXTENSION", "FaultSocket", "protocol_class"]

EXTENSION = "mockminimax.socket"


class FaultSocket:
    """What the app may do to the connection a request came on."""

    __slots__ = ("_transport", "holding")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        #: A stall in progress: server shutdown closes it rather than wait for it.
        self.holding = False

    def reset(self) -> None:
        """Abort with SO_LINGER 0: the kernel sends RST, the client sees ECONNRESET."""
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # already gone: nothing left to reset
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._transport.abort()

    def close(self) -> None:
        """Close after what was written is flushed (FIN, not RST)."""
        self._transport.close()

    def on_shutdown(self) -> None:
        if self.holding:
            self.close()


def _with_socket(app: ASGIApp, protocol: Any) -> ASGIApp:
    async def with_socket(scope: Scope, receive: Receive, send: Send) -> None:
        handle = protocol.fault_socket
        if handle is None:
            handle = protocol.fault_socket = FaultSocket(protocol.transport)
        scope["extensions"] = {**(scope.get("extensions") or {}), EXTENSION: handle}
        await app(scope, receive, send)

    return with_socket


@functools.cache
def protocol_class(http: str) -> type[asyncio.Protocol]:
    """uvicorn's `http` protocol (`httptools` or `h11`) with the socket handed to the app."""
    base: type[Any]
    if http == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol
    else:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        base = H11Protocol

    class FaultProtocol(base):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fault_socket: FaultSocket | None = None
            self.app: ASGIApp = _with_socket(self.app, self)

        def shutdown(self) -> None:
            # A stalled request would hold uvicorn's graceful shutdown for its whole
            # timeout: close it now, as a real server going away would.
            if self.fault_socket is not None:
                self.fault_socket.on_shutdown()
            super().shutdown()

    FaultProtocol.__name__ = FaultProtocol.__qualname__ = f"Fault{base.__name__}"
    result: type[asyncio.Protocol] = FaultProtocol
    return result
