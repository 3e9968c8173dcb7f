"""Calling the app in-process from sync code.

`httpx.ASGITransport` serves only `httpx.AsyncClient`; a sync `httpx.Client` (and respx
answering one) needs the app run on an event loop of its own. `SyncASGITransport` keeps
one loop per calling thread and runs the app on it in that thread: no thread hop, no new
loop per request. Only when the calling thread already runs a loop (a sync client used
inside an async test) does it hand the request to a background thread's loop (an anyio
blocking portal).

A connection fault (`reset`, `stall`, `truncate`) leaves the app as `ConnectionFault`;
both transports here turn it into the httpx error a real socket would have given.

Both call the app the way `httpx.ASGITransport` does (the same scope, body and answer),
without its per-request costs, and a request the app says it answers at once
(`MockApp.answers_at_once`: no fault can delay it) is run to its end right here, with no
event loop turn at all: a `minimax_respx` request then costs little more than a static
respx route.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import AbstractContextManager
from typing import Any, cast

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from .core.faults import ConnectionFault, to_httpx_error
from .server.at_once import PENDING, go_on, start
from .server.exchange import ASGIApp

__all__ = [
    "ASGISender",
    "AsyncASGITransport",
    "SyncASGITransport",
    "asgi_scope",
    "call_app",
    "respond",
    "run_now",
]

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def asgi_scope(
    request: httpx.Request, client: tuple[str, int], prefix: bytes = b"", root_path: str = ""
) -> dict[str, Any]:
    """The scope `httpx.ASGITransport` gives the app for `request`; `prefix` (a base URL's
    path) is dropped from the front of the path."""
    url = request.url
    raw_path = url.raw_path.split(b"?")[0]
    path = url.path
    if prefix:
        raw_path = raw_path[len(prefix) :]
        if not raw_path.startswith(b"/"):
            raw_path = b"/" + raw_path
        path = url.copy_with(raw_path=raw_path).path
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "headers": [(k.lower(), v) for (k, v) in request.headers.raw],
        "scheme": url.scheme,
        "path": path,
        "raw_path": raw_path,
        "query_string": url.query,
        "server": (url.host, url.port),
        "client": client,
        "root_path": root_path,
    }


async def call_app(
    app: ASGIApp, scope: dict[str, Any], body: bytes, *, raise_errors: bool = True
) -> Answer:
    """Run `app` on one request as `httpx.ASGITransport` does: the body in one message,
    then `http.disconnect` once the answer is complete; app errors raised (or, with
    `raise_errors=False`, a 500 with whatever was sent)."""
    status: int | None = None
    headers: list[tuple[bytes, bytes]] | None = None
    parts: list[bytes] = []
    state = {"read": False, "complete": False}
    done: asyncio.Event | None = None
    head = scope["method"] == "HEAD"

    async def receive() -> dict[str, Any]:
        nonlocal done
        if not state["read"]:
            state["read"] = True
            return {"type": "http.request", "body": body, "more_body": False}
        if not state["complete"]:
            done = done or asyncio.Event()
            await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            assert status is None
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            assert not state["complete"]
            chunk = message.get("body", b"")
            if chunk and not head:
                parts.append(chunk)
            if not message.get("more_body", False):
                state["complete"] = True
                if done is not None:
                    done.set()

    try:
        await app(scope, receive, send)
    except Exception:
        if raise_errors:
            raise
        state["complete"] = True
        status = 500 if status is None else status
        headers = [] if headers is None else headers
    assert state["complete"]
    assert status is not None and headers is not None
    return status, headers, parts[0] if len(parts) == 1 else b"".join(parts)


async def respond(
    app: ASGIApp,
    request: httpx.Request,
    scope: dict[str, Any],
    body: bytes,
    *,
    raise_errors: bool = True,
) -> httpx.Response:
    """`call_app` answering `request` (as `scope` and `body`) on the running loop; a
    connection fault raised as the httpx error a socket would have given."""
    try:
        status, headers, content = await call_app(app, scope, body, raise_errors=raise_errors)
    except ConnectionFault as fault:
        raise to_httpx_error(fault, request) from None
    return httpx.Response(status, headers=headers, content=content, request=request)


def run_now(
    app: ASGIApp, scope: dict[str, Any], body: bytes, loop: asyncio.AbstractEventLoop
) -> Answer | None:
    """The answer of a request the app answers at once, computed right here; None when
    the app may wait on this request (it then needs a running loop)."""
    at_once = getattr(app, "answers_at_once", None)
    if at_once is None or not at_once(scope, body):
        return None
    call = call_app(app, scope, body)
    answer, waited = start(call)
    if answer is PENDING:  # it waited after all
        return loop.run_until_complete(go_on(call, waited))
    return cast(Answer, answer)


class AsyncASGITransport(httpx.ASGITransport):
    """An ASGI transport for `httpx.AsyncClient` whose connection faults reach the client
    as httpx errors."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        scope = asgi_scope(request, self.client, root_path=self.root_path)
        return await respond(self.app, request, scope, body, raise_errors=self.raise_app_exceptions)


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self.app = app
        self.client = client
        self._portal: BlockingPortal | None = None
        self._portal_cm: AbstractContextManager[BlockingPortal] | None = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []

    def _loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None or loop.is_closed():
            loop = self._local.loop = asyncio.new_event_loop()
            with self._lock:
                self._loops.append(loop)
        return loop

    def call(self, scope: dict[str, Any], body: bytes) -> Answer:
        """The app's answer to one request; `ConnectionFault` raised as the app raised it."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            loop = self._loop()
            answer = run_now(self.app, scope, body, loop)
            if answer is not None:
                return answer
            return loop.run_until_complete(call_app(self.app, scope, body))
        result: Answer = self._get_portal().call(call_app, self.app, scope, body)
        return result

    def _get_portal(self) -> BlockingPortal:
        with self._lock:
            if self._portal is None:
                self._portal_cm = start_blocking_portal(name="mockminimax-inprocess")
                self._portal = self._portal_cm.__enter__()
            return self._portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.respond(request, asgi_scope(request, self.client), request.read())

    def respond(self, request: httpx.Request, scope: dict[str, Any], body: bytes) -> httpx.Response:
        """The app's answer to `request` (as `scope` and `body`); a connection fault
        raised as the httpx error a socket would have given."""
        try:
            status, headers, content = self.call(scope, body)
        except ConnectionFault as fault:
            raise to_httpx_error(fault, request) from None
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        with self._lock:
            if self._portal_cm is not None:
                self._portal_cm.__exit__(None, None, None)
            self._portal = self._portal_cm = None
            loops, self._loops = self._loops, []
        for loop in loops:
            if not loop.is_running():
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()


class ASGISender:
    """Delivers callbacks to an ASGI app (a test's FastAPI or Starlette webhook) in this
    process, with no socket: what `MiniMaxControl.callback_app` mounts on the engine.

    The app runs on the callback engine's own loop thread, as a server's handler would
    run on its server's loop.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 123))

    async def post(self, url: str, body: bytes) -> tuple[int, bytes]:
        request = httpx.Request(
            "POST", url, content=body, headers={"Content-Type": "application/json"}
        )
        response = await self._transport.handle_async_request(request)
        return response.status_code, await response.aread()
