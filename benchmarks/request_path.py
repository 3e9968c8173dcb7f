"""CPU per request of the live server's request path, without sockets, against a bare
Starlette app on uvicorn's own protocol measured in the same run.

    .venv/bin/python benchmarks/request_path.py [--requests N] [--rounds R]

`benchmarks/server.py` measures the whole server over loopback, where the kernel's share
and the machine's mood move every figure by ±20% between runs. This script feeds the same
raw requests straight into each server's HTTP protocol object (the class `mockminimax serve`
gives uvicorn, and uvicorn's stock `HttpToolsProtocol` for the baseline) over 32 fake
connections whose transport only keeps what is written, on uvloop, and reads the process CPU
time: what the Python side of each request costs (parsing the head, the app, building and
handing over the answer), steady to a few percent. The kernel's share (about 5-10 µs per
request in `server.py`) is not in it.

The workloads are those of `server.py`: create, query and retrieve (cycling through 512
real tasks made first, on a virtual clock with instant timing, so they are done), and the
mix of one create, eight queries and one retrieve. The baseline answers each with the
bytes the mock gave for it. Each workload runs `--rounds` times for each server, in turns;
the best round counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from server import CREATE_BODY as CREATE_TEXT  # the same traffic as the live benchmark
from server import KEY, MIX, POOL, WORKLOADS
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from mockminimax.core.mock import MiniMaxMock
from mockminimax.server.runner import uvicorn_config

CREATE_BODY = CREATE_TEXT.encode()
CONNECTIONS = 32


class Keep(asyncio.Transport):
    """A transport that keeps the bytes of the last answer (its head and body may come in
    two writes)."""

    def __init__(self) -> None:
        super().__init__()
        self.kept = b""

    def write(self, data: Any) -> None:
        data = bytes(data)
        self.kept = data if data.startswith(b"HTTP/") else self.kept + data

    def answer(self) -> bytes | None:
        """The body of the last answer once it is whole."""
        head, _, body = self.kept.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:") and len(body) == int(line[15:]):
                return body
        return None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5555)}.get(name, default)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def raw(method: str, target: str, body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
    head += f"Authorization: Bearer {KEY}\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class Server:
    """One server's protocol over `CONNECTIONS` fake connections."""

    def __init__(self, config: Config, factory: Callable[..., Any]) -> None:
        state = ServerState()
        self.connections: list[tuple[Any, Keep]] = []
        for _ in range(CONNECTIONS):
            protocol = factory(config=config, server_state=state, app_state={})
            transport = Keep()
            protocol.connection_made(transport)
            self.connections.append((protocol, transport))

    async def one(self, request: bytes) -> bytes:
        """One request on the first connection, answered: the answer's body."""
        protocol, transport = self.connections[0]
        transport.kept = b""
        protocol.data_received(request)
        while (body := transport.answer()) is None:
            await asyncio.sleep(0)
        return body

    async def run(self, requests: list[bytes], count: int) -> float:
        """CPU seconds for `count` requests, one per connection per loop turn."""
        started = time.process_time()
        done = 0
        n = len(requests)
        while done < count:
            for protocol, _ in self.connections:
                protocol.data_received(requests[done % n])
                done += 1
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        return time.process_time() - started


async def tasks(mock: Server) -> list[tuple[str, str]]:
    pool = []
    for _ in range(POOL):
        created = json.loads(await mock.one(raw("POST", "/v1/video_generation", CREATE_BODY)))
        task_id = created["task_id"]
        done = json.loads(
            await mock.one(raw("GET", f"/v1/query/video_generation?task_id={task_id}"))
        )
        if done.get("status") != "Success":
            raise RuntimeError(f"task {task_id} is not done on an instant clock: {done}")
        pool.append((task_id, done["file_id"]))
    return pool


def traffic(pool: list[tuple[str, str]]) -> dict[str, list[bytes]]:
    def one(route: str, i: int) -> bytes:
        task_id, file_id = pool[i % len(pool)]
        if route == "create":
            return raw("POST", "/v1/video_generation", CREATE_BODY)
        if route == "query":
            return raw("GET", f"/v1/query/video_generation?task_id={task_id}")
        return raw("GET", f"/v1/files/retrieve?file_id={file_id}")

    return {
        "create": [one("create", 0)],
        "query": [one("query", i) for i in range(POOL)],
        "retrieve": [one("retrieve", i) for i in range(POOL)],
        "mixed": [one(route, i) for i in range(POOL) for route in MIX],
    }


def bare_app(bodies: dict[str, bytes]) -> Any:
    """The baseline of `server.py`: Starlette answering fixed bytes."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    def static(body: bytes) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return Response(body, media_type="application/json; charset=utf-8")

        return endpoint

    return Starlette(
        routes=[
            Route("/v1/video_generation", static(bodies["create"]), methods=["POST"]),
            Route("/v1/query/video_generation", static(bodies["query"]), methods=["GET"]),
            Route("/v1/files/retrieve", static(bodies["retrieve"]), methods=["GET"]),
        ]
    )


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server and workload")
    args = parser.parse_args(argv)

    quiet: dict[str, Any] = {"access_log": False, "log_config": None, "log_level": "warning"}
    mock_config = uvicorn_config(MiniMaxMock(clock="virtual", timing="instant"), **quiet)
    mock_config.load()
    mock = Server(mock_config, mock_config.http_protocol_class)
    pool = await tasks(mock)
    requests = traffic(pool)
    bodies = {
        route: await mock.one(requests[route][0]) for route in ("create", "query", "retrieve")
    }
    bare_config = Config(bare_app(bodies), lifespan="off", server_header=False, **quiet)
    bare_config.load()
    bare = Server(bare_config, HttpToolsProtocol)
    for route, body in bodies.items():
        if b'"status_code":0' not in body or await bare.one(requests[route][0]) != body:
            raise RuntimeError(f"{route}: the servers do not answer alike")

    print(f"CPU µs per request (best of {args.rounds} rounds of {args.requests:,} requests)")
    print(f"Python {sys.version.split()[0]}, {CONNECTIONS} fake connections, no sockets\n")
    print("| workload | mockminimax | bare Starlette | mock / bare |")
    print("|---|---:|---:|---:|")
    for workload in WORKLOADS:
        best = {"mock": float("inf"), "bare": float("inf")}
        await mock.run(requests[workload], 2_000)  # warm
        await bare.run(requests[workload], 2_000)
        for _ in range(args.rounds):
            for name, server in (("mock", mock), ("bare", bare)):
                seconds = await server.run(requests[workload], args.requests)
                best[name] = min(best[name], seconds / args.requests * 1e6)
        print(
            f"| {workload} | {best['mock']:.1f} | {best['bare']:.1f} | "
            f"{best['mock'] / best['bare']:.2f} |"
        )
    print("\nThe kernel's share of a request (reads, writes, epoll) is not here: see server.py.")
    return 0


if __name__ == "__main__":
    import uvloop

    sys.exit(uvloop.run(main()))
