"""Calling the app in-process from sync code.

`httpx.ASGITransport` serves only `httpx.AsyncClient`; a sync `httpx.Client` (and respx
answering one) needs the app run on an event loop of its own. `SyncASGITransport` keeps
one loop per calling thread and runs the app on it in that thread: no thread hop, no new
loop per request. Only when the calling thread already runs a loop (a sync client used
inside an async test) does it hand the request to a background thread's loop (an anyio
blocking portal).

A connection fault (`reset`, `stall`, `truncate`) leaves the app as `ConnectionFault`;
both transports here turn it into the httpx error a real socket would have given.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import AbstractContextManager
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from .core.faults import ConnectionFault, to_httpx_error
from .server.exchange import ASGIApp

__all__ = ["ASGISender", "AsyncASGITransport", "SyncASGITransport"]


class AsyncASGITransport(httpx.ASGITransport):
    """`httpx.ASGITransport` whose connection faults reach the client as httpx errors."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except ConnectionFault as fault:
            raise to_httpx_error(fault, request) from None


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self._transport = httpx.ASGITransport(app=app, client=client)
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

    def _call(self, request: httpx.Request) -> tuple[int, Any, bytes]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._loop().run_until_complete(self._send(request))
        result: tuple[int, Any, bytes] = self._get_portal().call(self._send, request)
        return result

    def _get_portal(self) -> BlockingPortal:
        with self._lock:
            if self._portal is None:
                self._portal_cm = start_blocking_portal(name="mockminimax-inprocess")
                self._portal = self._portal_cm.__enter__()
            return self._portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        forwarded = httpx.Request(
            request.method, request.url, headers=request.headers, content=body
        )
        try:
            status, headers, content = self._call(forwarded)
        except ConnectionFault as fault:
            raise to_httpx_error(fault, request) from None
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _send(self, request: httpx.Request) -> tuple[int, Any, bytes]:
        response = await self._transport.handle_async_request(request)
        content = await response.aread()
        return response.status_code, response.headers.multi_items(), content

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
