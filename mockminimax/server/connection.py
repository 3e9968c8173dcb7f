"""Reaching the socket from the app, so connection faults happen on the wire; and closing
connections that send no request.

uvicorn keeps the transport to itself. These protocol subclasses hand each request a
`FaultSocket` in `scope["extensions"]` under `EXTENSION`; `runner.uvicorn_config` passes
them as uvicorn's `http=` class. Anything else serving the app (httpx's ASGITransport, the
respx router) has no such extension, and a connection fault raises `ConnectionFault`
there instead.

The same protocol closes a connection that has not sent a complete request head within
`header_timeout` seconds, counted from when it opened or its last answer was sent: uvicorn
alone keeps a connection that sends nothing open forever (its keep-alive timeout is armed
only after an answer and cancelled by the first byte of the next request), so idle or
trickling sockets could use up the file descriptors and starve real clients.
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

    #: `holding` is also set while a fault's `delay` runs: shutdown ends the wait too.

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
def protocol_class(http: str, header_timeout: float = 10.0) -> type[asyncio.Protocol]:
    """uvicorn's `http` protocol (`httptools` or `h11`) with the socket handed to the app
    and a deadline for each request head."""
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
            self._head_timer: asyncio.TimerHandle | None = None

        def _arm_head_timer(self) -> None:
            self._disarm_head_timer()
            self._head_timer = self.loop.call_later(header_timeout, self._head_timed_out)

        def _disarm_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _waiting_for_head(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self._waiting_for_head() and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._arm_head_timer()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._head_timer is not None and not self._waiting_for_head():
                self._disarm_head_timer()  # a whole head arrived: the request is under way

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self._waiting_for_head():
                self._arm_head_timer()  # the next head has the same deadline

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_timer()
            super().connection_lost(exc)

        def shutdown(self) -> None:
            # A stalled request would hold uvicorn's graceful shutdown for its whole
            # timeout: close it now, as a real server going away would.
            if self.fault_socket is not None:
                self.fault_socket.on_shutdown()
            super().shutdown()

    FaultProtocol.__name__ = FaultProtocol.__qualname__ = f"Fault{base.__name__}"
    result: type[asyncio.Protocol] = FaultProtocol
    return result
