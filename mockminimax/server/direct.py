"""Answering the app's at-once requests on the live server without uvicorn's per-request
machinery.

uvicorn runs every request as an ASGI task: a `RequestResponseCycle` with its own event,
a task and its loop turn, two ASGI messages for the answer, and a keep-alive timer
scheduled and cancelled per request. On the busiest routes the mock's own work is smaller
than all that. So when a request's head shows a route the app answers at once
(`MockApp.at_once`: no fault, header or directive can make it wait), the protocol keeps the
request itself: it collects the body, drives the app's coroutine right there
(`at_once.start`) and writes the answer in one write, head built with uvicorn's own status
lines and header checks, so the bytes are those uvicorn writes (`tests/server/test_wire.py`
holds them to it). Anything else, or anything unexpected on the way (a directive in the
body, a fault rule added meanwhile, a coroutine that waits after all, an answer that is not
a plain one), goes through a real uvicorn cycle and task as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from .at_once import PENDING, go_on, start

__all__ = ["BODY_LIMIT", "Writes", "direct_answers"]

#: The largest request body held in the protocol; a larger one is read by the app in its
#: task as it arrives (so its limit refuses it before all of it is in).
BODY_LIMIT = 64 * 1024
_FRAMING = frozenset((b"transfer-encoding", b"connection"))
_ERROR_500 = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 21\r\nconnection: close\r\n\r\nInternal Server Error"
)


class Writes:
    """The answers made while the loop reads, written together once it has read.

    Writing each answer from inside the read callback that produced it costs the kernel
    markedly more per answer on loopback than writing a loop turn's answers one after the
    other once the reads are done (about 5 against 10-15 µs of system time per request in
    `benchmarks/server.py`), so the protocol hands its answers here. One per server (its
    loop): servers in several threads never share one.
    """

    __slots__ = ("_loop", "_pending", "defaults", "defaults_head")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._pending: list[tuple[Any, bytes, bool]] = []
        #: uvicorn's default headers (its server's list, replaced every second) and the
        #: head lines they make (`direct_answers`), so they are checked once a second.
        self.defaults: Any = None
        self.defaults_head: bytes | None = None

    def set_defaults(self, defaults: Any, head: bytes | None) -> None:
        self.defaults_head = head
        self.defaults = defaults

    def add(self, transport: Any, data: bytes, close: bool) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append((transport, data, close))

    def flush(self) -> None:
        """Write what is pending now (the loop's turn, or a shutdown that would close the
        connections first)."""
        pending, self._pending = self._pending, []
        for transport, data, close in pending:
            if not transport.is_closing():
                transport.write(data)
                if close:
                    transport.close()

    @staticmethod
    def of(server_state: Any, loop: asyncio.AbstractEventLoop) -> Writes:
        """The server's one `Writes` (kept on uvicorn's per-server state)."""
        writes: Writes | None = getattr(server_state, "mockminimax_writes", None)
        if writes is None:
            writes = server_state.mockminimax_writes = Writes(loop)
        return writes


def direct_answers(base: type[Any], cycle_class: type[Any], wrap: Any) -> type[Any]:
    """`base` (uvicorn's `HttpToolsProtocol`) answering at-once requests itself.

    `cycle_class` is the cycle a request gets when it goes uvicorn's way after all, and
    `wrap(protocol, cycle)` what the subclass does to every new cycle. The subclass
    (`connection.FaultProtocol`) also supplies the two hooks: its `on_headers_complete`
    takes a request with `_take`, and `_answered` does what uvicorn does once an answer
    is complete on a connection kept open.
    """
    import httptools
    from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE
    from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

    class DirectAnswers(base):  # type: ignore[misc]
        #: The `MockApp` (None: answer nothing here) and whether uvicorn's proxy-headers
        #: layer sits above it; set per connection by the subclass.
        _direct: Any = None
        _proxied = False
        #: The scope of a request held for its body, the body so far, keep-alive.
        _held: Any = None
        _held_body: list[bytes]
        _held_keep_alive = True
        _writes: Writes

        #: The scope uvicorn's `on_message_begin` made for a connection's first request,
        #: as it was then: what every later request's scope starts from.
        _scope_start: Any = None
        scope: Any  # uvicorn's, per request

        # -- taking a request ----------------------------------------------------------

        def on_message_begin(self) -> None:
            # uvicorn's own on a connection's first request; after that its scope copied
            # from the first one's start (0.1 µs less than the dict built anew; the "asgi"
            # dict is shared, as nothing writes to it).
            start = self._scope_start
            if start is None:
                super().on_message_begin()
                self._scope_start = self.scope.copy()
                return
            self.url = b""
            self.expect_100_continue = False
            headers: list[tuple[bytes, bytes]] = []
            self.headers = headers
            scope: dict[str, Any] = start.copy()
            self.scope = scope
            scope["headers"] = headers
            scope["state"] = self.app_state.copy()

        def _take(self) -> bool:
            """Hold this request if the app answers it at once (uvicorn's own scope fields
            set as its `on_headers_complete` sets them). The subclass's
            `on_headers_complete` calls it first (`connection.FaultProtocol`)."""
            direct = self._direct
            if direct is None or self.limit_concurrency is not None:
                return False
            cycle = self.cycle
            if cycle is not None and not cycle.response_complete:
                return False  # a request still running: uvicorn queues this one
            parser = self.parser
            if self.expect_100_continue or self.flow.write_paused or parser.should_upgrade():
                return False
            url = self.url
            if url[:1] == b"/" and b"#" not in url:  # origin form: split as parse_url would
                raw_path, _, query = url.partition(b"?")
            else:
                parsed = httptools.parse_url(url)
                raw_path, query = parsed.path, parsed.query or b""
            if b"%" in raw_path:
                return False
            # The path and method as the str objects made for them before (the routes'
            # own paths, kept once taken): no decode, their hashes known, the same str in
            # every journal entry instead of one more each.
            text = path = _texts.get(raw_path)
            if path is None:
                path = raw_path.decode("ascii")
            root_path = self.root_path
            if root_path:  # none, usually: no concatenations then
                path = root_path + path
            raw_method = parser.get_method()
            method = _texts.get(raw_method)
            if method is None:
                method = raw_method.decode("ascii")
            if not direct.head_at_once(path, method, self.headers, self._proxied, BODY_LIMIT):
                return False
            if text is None and len(_texts) < 256:
                _texts[raw_path] = path if not root_path else path[len(root_path) :]
            scope = self.scope
            scope["method"] = method
            version = parser.get_http_version()
            if version != "1.1":
                scope["http_version"] = version
            scope["path"] = path
            scope["raw_path"] = root_path.encode("ascii") + raw_path if root_path else raw_path
            scope["query_string"] = query
            self._held = scope
            self._held_body = []
            self._held_keep_alive = version != "1.0" and parser.should_keep_alive()
            return True

        def on_body(self, body: bytes) -> None:
            if self._held is None:
                super().on_body(body)
            else:
                self._held_body.append(body)

        # -- answering -----------------------------------------------------------------

        def on_message_complete(self) -> None:
            scope = self._held
            if scope is None:
                super().on_message_complete()
                return
            self._held = None
            parts = self._held_body
            body = parts[0] if len(parts) == 1 else b"".join(parts)
            keep_alive = self._held_keep_alive
            direct = self._direct
            if not direct.body_at_once(body) or self.flow.write_paused:
                self._in_cycle(scope, body, keep_alive, self.app)
                return
            call = direct.respond(scope, body)
            try:
                response, waited = start(call)
            except Exception as exc:  # `respond` answers errors itself: this is a crash
                self.logger.error("Exception in ASGI application\n", exc_info=exc)
                self._writes.add(self.transport, _ERROR_500, True)  # after earlier answers
                return
            if response is PENDING:  # it waited after all: a task carries it on

                async def carry_on(scope: Any, receive: Any, send: Any) -> None:
                    answer = await go_on(call, waited)
                    await answer(scope, receive, send)

                self._in_cycle(scope, body, keep_alive, carry_on)
            elif not self._write(scope, response, keep_alive):
                self._in_cycle(scope, body, keep_alive, response)

        def _write(self, scope: Any, response: Any, keep_alive: bool) -> bool:
            """Write a plain answer as uvicorn's cycle would; False if it is not one."""
            if type(response) is not Response or response.background is not None:
                return False
            data = response.body
            if type(data) is not bytes:
                data = bytes(data)
            writes = self._writes
            defaults = self.server_state.default_headers
            if writes.defaults is not defaults:  # uvicorn's new list, once a second
                writes.set_defaults(defaults, _head_of(defaults))
            if writes.defaults_head is None:
                return False  # uvicorn's cycle refuses them its own way
            status = _STATUS.get(response.status_code)
            if status is None:
                return False
            content = [status, writes.defaults_head]
            length = None
            prefixes = _prefixes
            for name, value in response.raw_headers:
                prefix = prefixes.get(name)
                if prefix is None:  # checked once per name (what uvicorn does each time)
                    lower = name.lower()
                    prefix = prefixes.get(lower)
                    if prefix is None:
                        if lower in _FRAMING or HEADER_RE.search(lower):
                            return False
                        prefix = b"\r\n" + lower + b": "
                        if len(prefixes) < 256:
                            prefixes[lower] = prefix
                if prefix is _LENGTH:
                    length = value
                content += (prefix, value)
            values = b"".join(content[3::2])
            if (
                # The length as the app writes it (any other form goes uvicorn's way).
                length != b"%d" % len(data)
                or len(data) > BODY_LIMIT
                or scope["method"] == "HEAD"
                # HEADER_VALUE_RE's characters, found faster than by the regex.
                or len(values.translate(None, _BAD_VALUE)) != len(values)
            ):
                return False  # uvicorn's cycle writes it, or refuses it, its own way
            if not keep_alive:
                content.append(b"\r\nconnection: close")
            content += (b"\r\n\r\n", data)
            if self.access_log:  # uvicorn's access line, as its cycle writes it
                self.access_logger.info(
                    '%s - "%s %s HTTP/%s" %d',
                    get_client_addr(scope),
                    scope["method"],
                    get_path_with_query_string(scope),
                    scope["http_version"],
                    response.status_code,
                )
            # `writes.add`, inlined (one call less).
            pending = writes._pending
            if not pending:
                writes._loop.call_soon(writes.flush)
            pending.append((self.transport, b"".join(content), not keep_alive))
            self.server_state.total_requests += 1
            if keep_alive:
                self._answered()
            return True

        def _in_cycle(
            self, scope: Any, body: bytes, keep_alive: bool, app: Any, more_body: bool = False
        ) -> None:
            """Run `app` on this request in a uvicorn cycle and task, as uvicorn would have
            from its head on (the body, whole or as far as it came, already in)."""
            cycle = cycle_class(
                scope=scope,
                transport=self.transport,
                flow=self.flow,
                logger=self.logger,
                access_logger=self.access_logger,
                access_log=self.access_log,
                default_headers=self.server_state.default_headers,
                message_event=asyncio.Event(),
                expect_100_continue=False,
                keep_alive=keep_alive,
                on_response=self.on_response_complete,
            )
            cycle.body = bytearray(body)
            cycle.more_body = more_body
            cycle.message_event.set()
            wrap(self, cycle)
            self.cycle = cycle
            self._start_asgi_task(cycle, app)

        def connection_lost(self, exc: Exception | None) -> None:
            scope = self._held
            if scope is not None:  # the app sees the client leave mid-body, as it would have
                self._held = None
                body = b"".join(self._held_body)
                self._in_cycle(scope, body, self._held_keep_alive, self.app, more_body=True)
            super().connection_lost(exc)

        def shutdown(self) -> None:
            self._writes.flush()  # answers made this turn go out before any close
            if self._held is not None:  # answer what is on its way, then close
                self._held_keep_alive = False
                return
            super().shutdown()

    #: Each status line without its line end: a header line starts with one instead.
    _STATUS = {status: line[:-2] for status, line in STATUS_LINE.items()}
    #: The line start of each response header name known to be lower case, valid and no
    #: framing header (the app's few names).
    _LENGTH = b"\r\ncontent-length: "
    _prefixes = {b"content-length": _LENGTH}
    #: Request paths (up to 256 of them) and methods by their bytes; see `_take`.
    _texts = {m: m.decode() for m in (b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"OPTIONS")}
    _BAD_VALUE = bytes(c for c in range(256) if HEADER_VALUE_RE.match(bytes((c,))))

    def _head_of(defaults: list[tuple[bytes, bytes]]) -> bytes | None:
        """uvicorn's default headers as its cycle writes them, None if it would refuse
        them or they frame the answer."""
        content: list[bytes] = []
        for name, value in defaults:
            name = name.lower()
            if name in _FRAMING or name == b"content-length":
                return None
            if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
                return None
            content += (b"\r\n", name, b": ", value)
        return b"".join(content)

    return DirectAnswers
