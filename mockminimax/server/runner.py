"""Running the app under uvicorn: in the foreground for `serve`, or in a background thread
for the pytest fixture, always on a socket bound before uvicorn starts so port 0 works and
the real port is known at once.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import socket
import threading
import time
from typing import Any

import uvicorn

from ..core.mock import MiniMaxMock
from .app import create_app
from .connection import protocol_class

__all__ = ["ServerThread", "bind", "uvicorn_config"]


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it every answer (headers, then body: two writes) waits ~40 ms on delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def uvicorn_config(mock: MiniMaxMock, **extra: Any) -> uvicorn.Config:
    """uvicorn with its fast loop and parser where installed; lifespan off, nothing to start.

    The protocol class hands the app its socket, for connection faults on the wire.
    """
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    options: dict[str, Any] = {
        "loop": loop,
        "http": protocol_class(http, mock.settings.header_timeout),
        "lifespan": "off",
        "log_level": mock.settings.log_level,
        # uvicorn formats each access line before the level drops it: off unless shown.
        "access_log": mock.settings.log_level in ("info", "debug", "trace"),
        "timeout_graceful_shutdown": 2,
        "server_header": False,
    }
    options.update(extra)
    return uvicorn.Config(create_app(mock), **options)


class _ErrorLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class ServerThread:
    """A live server in a daemon thread: bounded start, bounded stop, never a hung test run."""

    def __init__(self, mock: MiniMaxMock, host: str = "127.0.0.1", port: int = 0) -> None:
        self.mock = mock
        self.host = host
        self._sock = bind(host, port)
        self.port: int = self._sock.getsockname()[1]
        # log_config=None: leave the logging setup of the test suite hosting it alone.
        config = uvicorn_config(mock, access_log=False, log_level="warning", log_config=None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="mockminimax-server", daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])  # the config's loop: uvloop where installed
        except BaseException as exc:  # reported to the starting thread
            self._error = exc

    @property
    def alive(self) -> bool:
        """Whether the server thread still runs (a crashed server fails fast, not by timeout)."""
        return self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> ServerThread:
        # uvicorn reports a failed start by logging the cause, then SystemExit(1): keep the
        # log lines so the error names the cause, not just the exit.
        errors = _ErrorLines()
        uvicorn_log = logging.getLogger("uvicorn.error")
        uvicorn_log.addHandler(errors)
        try:
            self._thread.start()
            deadline = time.monotonic() + timeout
            while not self._server.started:
                if self._error is not None or not self._thread.is_alive():
                    self.stop()
                    cause = "; ".join(errors.lines) or repr(self._error)
                    raise RuntimeError(f"mockminimax server on {self.url} failed to start: {cause}")
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"mockminimax server on {self.url} did not start within {timeout} s"
                    )
                time.sleep(0.005)
        finally:
            uvicorn_log.removeHandler(errors)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self.mock.close()  # callbacks in flight are cancelled, never waited for
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
