"""A webhook receiver for the callback tests: a Starlette app on a live loopback port
(uvicorn in a thread, as the mock's own `ServerThread`), recording every POST it gets.

Paths: `/hook` echoes the challenge and answers pushes `{"status": "success"}` (the
docs' sample receiver); `/hang` never answers; `/garbage` answers 200 with HTML;
`/wrong` echoes a wrong challenge; `/redirect` answers 302 to `/hook`; `/flaky/N` echoes
the challenge and answers the first N pushes 500.

Each test gets the receiver under a fresh prefix (`clear()`), which `url()` adds and
`at()` takes off: a delivery that an earlier test's mock sends late lands under the old
prefix and is not recorded, so it can never show up in a later test.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from mockminimax.server.runner import bind


@dataclass(frozen=True)
class Received:
    path: str
    raw: bytes
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    @property
    def kind(self) -> str:
        """`challenge`, the push's status word, or `corrupt` for a body that is not JSON."""
        try:
            body = self.json
        except ValueError:
            return "corrupt"
        return "challenge" if "challenge" in body else str(body["status"])


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._flaky: dict[str, int] = {}
        self._generation = 0
        routes = [
            Route("/hook", self.hook, methods=["POST"]),
            Route("/hook/{name}", self.hook, methods=["POST"]),
            Route("/hang", self.hang, methods=["POST"]),
            Route("/garbage", self.garbage, methods=["POST"]),
            Route("/wrong", self.wrong, methods=["POST"]),
            Route("/redirect", self.redirect, methods=["POST"]),
            Route("/flaky/{times:int}", self.flaky, methods=["POST"]),
        ]
        app = Starlette(routes=[Mount("/t{generation:int}", routes=routes)])
        self._sock = bind("127.0.0.1", 0)
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(
            app, lifespan="off", log_config=None, log_level="critical",
            access_log=False, timeout_graceful_shutdown=1,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, args=([self._sock],), daemon=True)

    @property
    def prefix(self) -> str:
        return f"/t{self._generation}"

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}{path}"

    def start(self) -> Receiver:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(5)
        self._sock.close()

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self._flaky.clear()
            self._generation += 1

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def kinds(self, path: str = "/hook") -> list[str]:
        return [r.kind for r in self.at(path)]

    def wait_for(self, path: str, count: int, timeout: float = 10.0) -> list[Received]:
        """The first `count` requests to `path`, once they have arrived (real-clock tests)."""
        with self._changed:
            self._changed.wait_for(
                lambda: len([r for r in self.received if r.path == path]) >= count, timeout
            )
        return self.at(path)

    async def _record(self, request: Request) -> bytes:
        raw = await request.body()
        with self._changed:
            if request.path_params["generation"] == self._generation:
                path = request.url.path.removeprefix(self.prefix)
                self.received.append(Received(path, raw, dict(request.headers)))
                self._changed.notify_all()
        return raw

    async def hook(self, request: Request) -> Response:
        raw = await self._record(request)
        try:
            body = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": "not JSON"}, 400)
        if "challenge" in body:
            return JSONResponse({"challenge": body["challenge"]})
        return JSONResponse({"status": "success"})

    async def hang(self, request: Request) -> Response:
        await self._record(request)
        await anyio.sleep(3600)
        return PlainTextResponse("too late")

    async def garbage(self, request: Request) -> Response:
        await self._record(request)
        return Response("<html>oops</html>", 200, media_type="text/html")

    async def wrong(self, request: Request) -> Response:
        await self._record(request)
        return JSONResponse({"challenge": "not-the-value"})

    async def redirect(self, request: Request) -> Response:
        await self._record(request)
        return Response(status_code=302, headers={"Location": f"{self.prefix}/hook"})

    async def flaky(self, request: Request) -> Response:
        raw = await self._record(request)
        if "challenge" in json.loads(raw):
            return JSONResponse({"challenge": json.loads(raw)["challenge"]})
        path = request.url.path
        with self._lock:
            seen = self._flaky[path] = self._flaky.get(path, 0) + 1
        if seen <= request.path_params["times"]:
            return JSONResponse({"error": "try again"}, 500)
        return JSONResponse({"status": "success"})


def canned_server(raw: bytes, stop: threading.Event) -> tuple[str, threading.Thread]:
    """A loopback port answering every connection with `raw`, whatever it was sent (a
    receiver no HTTP framework would write), until `stop` is set: its URL and thread."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # so the thread sees `stop` soon after it is set

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(raw)
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/hook", thread
