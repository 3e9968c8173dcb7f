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
trickling sockets could use up the file descriptors and starve real clients. After an answer
the protocol wrote itself (`direct.py`), that keep-alive timeout is a second deadline on the
same per-connection timer rather than a timer of its own per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import struct
from itertools import chain
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .direct import Writes, direct_answers

__all__ = ["EXTENSION", "FaultSocket", "protocol_class"]

EXTENSION = "mockminimax.socket"


class FaultSocket:
    """What the app may do to the connection a request came on."""

    __slots__ = ("_transport", "extensions", "holding")

    #: `holding` is also set while a fault's `delay` runs: shutdown ends the wait too.

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        #: The ASGI scope extensions of this connection's requests (the handle itself).
        self.extensions = {EXTENSION: self}
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


#: A response head and first body write up to this size go out joined; larger bodies (the
#: MP4 downloads) are not copied to save one system call.
_JOIN_LIMIT = 64 * 1024


class HeadWithBody:
    """The transport of one response cycle: holds the response head (uvicorn writes it on
    `http.response.start`) and sends it with the first body write, so an answer costs one
    send(2), not two. Every ASGI body message but HEAD's writes, so the head never waits
    for more than the body it comes with; closing sends it first."""

    __slots__ = ("_held", "_state", "transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._held = b""
        self._state = 0  # 0: nothing written yet, 1: head held, 2: passing through

    def write(self, data: bytes) -> None:
        if self._state == 0:
            self._held = data
            self._state = 1
            return
        if self._state == 1:
            self._state = 2
            held, self._held = self._held, b""
            if len(data) <= _JOIN_LIMIT:
                self.transport.write(held + data)
                return
            self.transport.write(held)
        self.transport.write(data)

    def flush(self) -> None:
        if self._state == 1:
            self._state = 2
            self.transport.write(self._held)
            self._held = b""

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.transport.get_extra_info(name, default)


#: The response headers whose values change what uvicorn does with the connection.
_FRAMING = frozenset((b"content-length", b"transfer-encoding", b"connection"))


@functools.cache
def _fast_cycle() -> type[Any]:
    """uvicorn's httptools request/response cycle, writing the common answer with less work.

    uvicorn checks each response header with two regular expressions; here every name is
    checked at once and every value at once, with the same patterns (a character class
    matches a joined string exactly where it matches one of its parts), and the body of a
    plain Content-Length answer is written without going through the general `send`.
    Everything else (chunked or HEAD bodies, a paused or closed transport, the access log,
    a message out of order) is uvicorn's own `send`.
    """
    from uvicorn.protocols.http.httptools_impl import (
        HEADER_RE,
        HEADER_VALUE_RE,
        STATUS_LINE,
        RequestResponseCycle,
    )

    class FastCycle(RequestResponseCycle):
        async def send(self, message: Any) -> None:
            if self.flow.write_paused or self.disconnected or self.response_complete:
                return await super().send(message)
            kind = message["type"]
            if not self.response_started:
                if kind != "http.response.start" or self.access_log:
                    return await super().send(message)
                self._start(message["status"], message.get("headers", ()))
                return None
            if (
                kind != "http.response.body"
                or self.chunked_encoding is not False
                or self.scope["method"] == "HEAD"
            ):
                return await super().send(message)
            self._body(message.get("body", b""), message.get("more_body", False))
            return None

        async def answer_whole(
            self, status: int, headers: list[tuple[bytes, bytes]], body: bytes
        ) -> None:
            """What `send` does with a start and one last body message, without building
            either message: the app's plain answers (`app.MockApp` calls it)."""
            if (
                self.response_started
                or self.flow.write_paused
                or self.disconnected
                or self.access_log
            ):
                await self.send(
                    {"type": "http.response.start", "status": status, "headers": headers}
                )
            else:
                content = self._head(status, headers)
                transport: Any = self.transport
                if (
                    self.chunked_encoding is False
                    and self.expected_content_length == len(body) <= _JOIN_LIMIT
                    and self.scope["method"] != "HEAD"
                ):
                    # Head and body in one write, bypassing the holding transport.
                    if type(transport) is HeadWithBody and transport._state == 0:
                        transport._state = 2
                        transport = transport.transport
                    content.append(body)
                    transport.write(b"".join(content))
                    self.expected_content_length = 0
                    self._complete()
                    return
                transport.write(b"".join(content))
            if (
                self.chunked_encoding is False
                and not self.flow.write_paused
                and not self.disconnected
                and not self.response_complete
                and self.scope["method"] != "HEAD"
            ):
                self._body(body, False)
            else:
                await self.send({"type": "http.response.body", "body": body})

        def _body(self, body: bytes, more_body: bool) -> None:
            left = self.expected_content_length - len(body)
            if left < 0:
                raise RuntimeError("Response content longer than Content-Length")
            self.expected_content_length = left
            self.transport.write(body)
            if not more_body:
                if left != 0:
                    raise RuntimeError("Response content shorter than Content-Length")
                self._complete()

        def _complete(self) -> None:
            self.response_complete = True
            self.message_event.set()
            if not self.keep_alive:
                self.transport.close()
            self.on_response()

        def _start(self, status_code: int, headers: Any) -> None:
            self.transport.write(b"".join(self._head(status_code, headers)))

        def _head(self, status_code: int, headers: Any) -> list[bytes]:
            """The response head's parts, with the cycle's state set as writing it would."""
            self.response_started = True
            self.waiting_for_100_continue = False
            content = [STATUS_LINE[status_code]]
            has_connection_close = False
            for name, value in chain(self.default_headers, headers):
                name = name.lower()
                if name in _FRAMING:
                    if name == b"content-length":
                        if self.chunked_encoding is None:
                            self.expected_content_length = int(value.decode())
                            self.chunked_encoding = False
                    elif name == b"transfer-encoding":
                        if value.lower() == b"chunked":
                            self.expected_content_length = 0
                            self.chunked_encoding = True
                    elif b"close" in [token.lower().strip() for token in value.split(b",")]:
                        self.keep_alive = False
                        has_connection_close = True
                content += (name, b": ", value, b"\r\n")
            if HEADER_RE.search(b"".join(content[1::4])):
                raise RuntimeError("Invalid HTTP header name.")
            if HEADER_VALUE_RE.search(b"".join(content[3::4])):
                raise RuntimeError("Invalid HTTP header value.")
            if not self.keep_alive and not has_connection_close:
                content.append(b"connection: close\r\n")
            if (
                self.chunked_encoding is None
                and self.scope["method"] != "HEAD"
                and status_code not in (204, 304)
            ):
                self.chunked_encoding = True
                content.append(b"transfer-encoding: chunked\r\n")
            content.append(b"\r\n")
            return content

    return FastCycle


def _hold_head(protocol: Any, cycle: Any) -> None:
    """Make a new uvicorn cycle ours: the faster `send`, and the head held for the body."""
    fast_cycle = _fast_cycle()
    if cycle.__class__ is fast_cycle.__base__:
        cycle.__class__ = fast_cycle
    if (
        cycle.transport is protocol.transport
        and not cycle.waiting_for_100_continue  # "100 Continue" is written first
        and cycle.scope["method"] != "HEAD"  # no body write follows the head
    ):
        cycle.transport = HeadWithBody(protocol.transport)


def _direct_app(app: Any) -> tuple[Any, bool]:
    """The `MockApp` under uvicorn's proxy-headers layer, and whether that layer is there;
    None under any other wrapper (uvicorn's message logger at `trace`), which answering
    directly would skip."""
    from .app import MockApp

    proxied = isinstance(app, ProxyHeadersMiddleware)
    if proxied:
        app = app.app
    return (app if isinstance(app, MockApp) else None), proxied


def _with_socket(app: ASGIApp, protocol: Any) -> ASGIApp:
    async def with_socket(scope: Scope, receive: Receive, send: Send) -> None:
        handle = protocol._handle()
        extensions = scope.get("extensions")
        if extensions:
            scope["extensions"] = {**extensions, EXTENSION: handle}
        else:  # the connection's one dict: nothing in the app writes to it
            scope["extensions"] = handle.extensions
        await app(scope, receive, send)

    return with_socket


@functools.cache
def protocol_class(http: str, header_timeout: float = 10.0) -> type[asyncio.Protocol]:
    """uvicorn's `http` protocol (`httptools` or `h11`) with the socket handed to the app
    and a deadline for each request head."""
    base: type[Any]
    if http == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        fast_cycle = _fast_cycle()
        base = direct_answers(HttpToolsProtocol, fast_cycle, _hold_head)
    else:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        base = H11Protocol

    class FaultProtocol(base):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fault_socket: FaultSocket | None = None
            self._held: Any = None
            if http != "httptools":
                self.app: ASGIApp = _with_socket(self.app, self)
            self._head_timer: asyncio.TimerHandle | None = None
            #: When `_head_timer` fires (loop time).
            self._timer_at = 0.0
            #: When the awaited request head is due (loop time), None while a request runs.
            #: One timer per connection checks it lazily: a new request only moves the
            #: deadline, instead of cancelling and scheduling a timer every time.
            self._head_deadline: float | None = None
            #: uvicorn's keep-alive deadline after an answer the protocol wrote itself
            #: (`_answered`), carried by the same timer; any data received clears it.
            self._idle_deadline: float | None = None
            if http == "httptools":
                self._direct, self._proxied = _direct_app(self.app)
                self._writes = Writes.of(self.server_state, self.loop)

        def _handle(self) -> FaultSocket:
            handle = self.fault_socket
            if handle is None:
                handle = self.fault_socket = FaultSocket(self.transport)
            return handle

        def _arm_head_timer(self) -> None:
            self._head_deadline = deadline = self.loop.time() + header_timeout
            if self._head_timer is None:
                self._schedule(deadline)

        def _schedule(self, when: float) -> None:
            """The timer to fire at `when` (none is scheduled)."""
            self._timer_at = when
            self._head_timer = self.loop.call_at(when, self._head_due)

        def _disarm_head_timer(self) -> None:
            self._head_deadline = None

        def _waiting_for_head(self) -> bool:
            if self._held is not None:  # a head is in, its body on its way
                return False
            return self.cycle is None or self.cycle.response_complete

        def _head_due(self) -> None:
            self._head_timer = None
            now = self.loop.time()
            idle = self._idle_deadline
            if idle is not None and now >= idle:  # uvicorn's keep-alive timeout
                self._idle_deadline = None
                if not self.transport.is_closing():
                    self.transport.close()
                return
            deadline = self._head_deadline
            if deadline is not None and now >= deadline:
                if self._waiting_for_head() and not self.transport.is_closing():
                    self.transport.close()
                    return
                deadline = None
            if idle is not None and (deadline is None or idle < deadline):
                deadline = idle
            if deadline is not None:  # moved on by a later answer
                self._schedule(deadline)

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._arm_head_timer()

        if http == "httptools":

            def on_headers_complete(self) -> None:
                # The request taken to be answered directly (`DirectAnswers._take`), or
                # uvicorn's cycle and task.
                taken = self._take()
                if not taken:
                    super().on_headers_complete()
                if taken or not self._waiting_for_head():
                    self._head_deadline = None  # a whole head arrived: the request is under way
                # The socket handle, set here rather than by an ASGI wrapper around the app:
                # one coroutine less on every request.
                scope = self.scope
                extensions = scope.get("extensions")
                handle = self.fault_socket or self._handle()
                if extensions:
                    scope["extensions"] = {**extensions, EXTENSION: handle}
                else:  # the connection's one dict: nothing in the app writes to it
                    scope["extensions"] = handle.extensions
                if not taken and self.cycle is not None:
                    _hold_head(self, self.cycle)

            def _answered(self) -> None:
                # What uvicorn does once an answer is complete on a connection kept open,
                # but its keep-alive timeout is a deadline on the connection's one timer
                # rather than a timer cancelled and scheduled on every request.
                self._unset_keepalive_if_required()
                flow = self.flow
                if flow.read_paused:  # what `flow.resume_reading()` checks first
                    flow.resume_reading()
                if self.transport.is_closing():
                    return
                now = self.loop.time()
                self._head_deadline = now + header_timeout  # the next head's deadline
                self._idle_deadline = idle = now + self.timeout_keep_alive
                timer = self._head_timer
                if timer is None:
                    self._schedule(min(idle, self._head_deadline))
                elif idle < self._timer_at:  # rare: due sooner than the timer fires
                    timer.cancel()
                    self._schedule(idle)

            def _unset_keepalive_if_required(self) -> None:
                # uvicorn's own (it calls this first on any data received), and the
                # keep-alive deadline `_answered` set cleared with it.
                self._idle_deadline = None
                task: asyncio.TimerHandle | None = self.timeout_keep_alive_task  # type: ignore[has-type]
                if task is not None:
                    task.cancel()
                    self.timeout_keep_alive_task = None

        else:

            def data_received(self, data: bytes) -> None:
                super().data_received(data)
                if self._head_deadline is not None and not self._waiting_for_head():
                    self._disarm_head_timer()  # a whole head arrived: the request is under way

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self._waiting_for_head():
                self._arm_head_timer()  # the next head has the same deadline

        def connection_lost(self, exc: Exception | None) -> None:
            self._head_deadline = None
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
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
