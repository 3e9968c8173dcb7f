"""Calling the app in-process from sync code.

`httpx.ASGITransport` serves only `httpx.AsyncClient`; a sync `httpx.Client` (and respx
answering one) needs the app run on an event loop of its own. `SyncASGITransport` keeps
one such loop in a background thread (an anyio blocking portal) for its whole life, so
a request costs a hop between threads, not a new loop.

A connection fault (`reset`, `stall`, `truncate`) leaves the app as `ConnectionFault`;
both transports here turn it into the httpx error a real socket would have given.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from .core.faults import ConnectionFault, to_httpx_error
from .server.exchange import ASGIApp

__all__ = ["AsyncASGITransport", "SyncASGITransport"]


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
            status, headers, content = self._get_portal().call(self._send, forwarded)
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
