"""Benchmark the live `mockminimax serve` against a bare Starlette app and WireMock.

    .venv/bin/python benchmarks/server.py [--seconds N] [--concurrency C] [--no-wiremock]

Three servers, each in its own process on a free 127.0.0.1 port, get identical traffic:
create (`POST /v1/video_generation`), query (`GET /v1/query/video_generation?task_id=`),
retrieve (`GET /v1/files/retrieve?file_id=`) and a mix of them, from a load generator in a
separate process (`wrk` when installed, else `_load.py` beside this file). The mock answers
with real work (validation, IDs, task store, journal); the bare app and WireMock answer the
bodies the mock gave for the same requests, statically. Printed: req/s, p50/p99 latency and
server CPU per request for each, the mock's ratios to both baselines, startup times, RSS
(and the mock's RSS as creates pile past its task and journal bounds), the import time of
`mockminimax.server.app`, and whether `serve` imports Faker. Loopback only; every process
it starts is stopped on exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import queue
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache"
HOST = "127.0.0.1"
KEY = "bench-key"
CREATE_BODY = json.dumps(
    {
        "model": "MiniMax-Hailuo-02",
        "prompt": "A cat rides a skateboard down a sunny boardwalk, camera tracking",
        "duration": 6,
        "resolution": "768P",
        "prompt_optimizer": True,
    },
    separators=(",", ":"),
)
OK_MARK = '"status_code":0'
ROUTES = ("create", "query", "retrieve")
#: The mixed run: a client creates a task, polls it eight times, then fetches the file.
MIX = ("create", *["query"] * 8, "retrieve")
WORKLOADS = (*ROUTES, "mixed")
POOL = 512  # distinct task/file IDs the query and retrieve traffic cycles through
MEMORY_STEPS = (2_000, 10_000, 20_000)  # cumulative creates at which the mock's RSS is read
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The baseline: Starlette under the same uvicorn options as `mockminimax.server.runner`
# (uvloop and httptools where installed, lifespan off, no server header), access log off,
# answering fixed bytes.
BARE_APP = r"""
import json, socket, sys
from importlib.util import find_spec
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

bodies = json.load(open(sys.argv[1], encoding="utf-8"))

def static(body):
    data = body.encode()
    async def endpoint(request):
        return Response(data, media_type="application/json; charset=utf-8")
    return endpoint

app = Starlette(routes=[
    Route("/v1/video_generation", static(bodies["create"]), methods=["POST"]),
    Route("/v1/query/video_generation", static(bodies["query"]), methods=["GET"]),
    Route("/v1/files/retrieve", static(bodies["retrieve"]), methods=["GET"]),
    Route("/_mock/health", static('{"status":"ok"}'), methods=["GET"]),
])
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
sock.listen(2048)
sock.setblocking(False)
print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
config = uvicorn.Config(
    app, loop="uvloop" if find_spec("uvloop") else "asyncio",
    http="httptools" if find_spec("httptools") else "h11", lifespan="off", log_level="warning",
    access_log=False, server_header=False, timeout_graceful_shutdown=2,
)
uvicorn.Server(config).run(sockets=[sock])
"""


# -- processes --------------------------------------------------------------------------


def _proc_field(pid: int, name: str) -> int:
    """A kB figure from /proc/<pid>/status (VmRSS, VmHWM), 0 where there is no /proc."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of the whole process (all threads), from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Lines:
    """Drains a child's stdout in a thread so it never blocks; lines are queued for reading."""

    def __init__(self, stream: TextIO, log: TextIO) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        self._log = log
        threading.Thread(target=self._drain, args=(stream,), daemon=True).start()

    def _drain(self, stream: TextIO) -> None:
        for line in stream:
            self._log.write(line)
            self._log.flush()
            self._queue.put(line)

    def wait_for(self, pattern: re.Pattern[str], deadline: float) -> re.Match[str] | None:
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            if found := pattern.search(line):
                return found
        return None


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[str]
    log: Path
    port: int = 0
    startup: float = 0.0
    rss_idle_kb: int = 0
    rss_after_kb: int = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_kb(self) -> int:
        return _proc_field(self.pid, "VmRSS")

    def peak_kb(self) -> int:
        return _proc_field(self.pid, "VmHWM")

    def cpu(self) -> float:
        return _cpu_seconds(self.pid)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Processes:
    """Every process this run starts, stopped in reverse order however the run ends."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[Any]] = []

    def start(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        # Own session: a Ctrl-C reaches only this script, which then stops them in order.
        proc: subprocess.Popen[Any] = subprocess.Popen(argv, start_new_session=True, **kwargs)
        self._procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[Any], timeout: float = 5.0) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout)

    def stop_all(self) -> None:
        for proc in reversed(self._procs):
            with contextlib.suppress(Exception):
                self.stop(proc)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_call(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
    timeout: float = 5.0,
) -> tuple[int, str]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        if own:
            conn.close()


def wait_ready(server: Server, path: str, started: float, deadline: float) -> float:
    """Seconds from `started` (just before the process was spawned) to the first HTTP 200."""
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if http_call(server.port, "GET", path, timeout=1.0)[0] == 200:
                return time.perf_counter() - started
        time.sleep(0.005)
    raise RuntimeError(f"{server.name} gave no HTTP 200 on {path} in time")


def settle(server: Server, limit: float = 10.0) -> None:
    """Wait until the process is idle (background warm-up, JIT, GC done) before measuring."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = server.cpu()
        time.sleep(0.2)
        if server.cpu() - before <= 0.02:
            return


# -- the three servers ------------------------------------------------------------------


_LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


def start_python_server(
    procs: Processes, name: str, argv: list[str], workdir: Path, health: str
) -> Server:
    log = workdir / f"{name}.log"
    err = open(workdir / f"{name}.err", "w")  # noqa: SIM115 - lives as long as the process
    started = time.perf_counter()
    proc = procs.start(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True, env=_child_env()
    )
    assert proc.stdout is not None
    server = Server(name, proc, workdir / f"{name}.err")
    lines = Lines(cast(TextIO, proc.stdout), open(log, "w"))  # noqa: SIM115
    deadline = time.monotonic() + 30
    found = lines.wait_for(_LISTENING, deadline)
    if found is None:
        raise RuntimeError(f"{name} printed no 'listening on' line:\n{server.log_tail()}")
    server.port = int(found.group(1))
    server.startup = wait_ready(server, health, started, deadline)
    return server


def _child_env() -> dict[str, str]:
    """The environment of every Python child: no MOCKMINIMAX_* settings, and compiled
    bytecode cached under .cache/ even where PYTHONDONTWRITEBYTECODE is set, so import and
    startup figures are those of an installed package, not of compiling its source."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKMINIMAX_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def machine_cpu() -> float:
    """CPU seconds every process on the machine has spent so far (/proc/stat: user, nice,
    system, irq, softirq; loopback traffic is partly counted as softirq)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            values = [int(v) for v in handle.readline().split()[1:8]]
    except (OSError, ValueError):
        return 0.0
    return (sum(values[:3]) + values[5] + values[6]) / CLK_TCK


def children_cpu() -> float:
    """CPU seconds of this script's finished children (the load generators)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def busy_cpus(seconds: float = 0.5) -> float:
    """How many CPUs other processes keep busy right now."""
    before = machine_cpu()
    time.sleep(seconds)
    return (machine_cpu() - before) / seconds


def start_mock(procs: Processes, workdir: Path) -> Server:
    argv = [sys.executable, "-m", "mockminimax", "serve", "--port", "0"]
    argv += ["--clock", "virtual", "--timing", "instant", "--log-level", "warning"]
    return start_python_server(procs, "mockminimax", argv, workdir, "/_mock/health")


def start_bare(procs: Processes, workdir: Path, bodies: dict[str, str]) -> Server:
    path = workdir / "bodies.json"
    path.write_text(json.dumps(bodies), encoding="utf-8")
    argv = [sys.executable, "-c", BARE_APP, str(path)]
    return start_python_server(procs, "starlette", argv, workdir, "/_mock/health")


def find_wiremock(explicit: str | None) -> tuple[Path | None, str]:
    """The WireMock standalone jar, fetched from npm's `wiremock` package into .cache/."""
    if shutil.which("java") is None:
        return None, "java is not on PATH (apt-get install default-jre-headless)"
    if explicit:
        jar = Path(explicit)
        return (jar, f"given: {jar}") if jar.is_file() else (None, f"no such jar: {jar}")
    build = CACHE / "node_modules" / "wiremock" / "build"
    jars = sorted(build.glob("wiremock-standalone-*.jar"))
    if jars:
        return jars[-1], f"npm package wiremock, cached in {_rel(build)}"
    if shutil.which("npm") is None:
        return None, "npm is not on PATH to fetch the jar (apt-get install npm, or --wiremock-jar)"
    print("fetching WireMock: npm install --prefix benchmarks/.cache wiremock@3 ...", flush=True)
    argv = ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund"]
    argv += ["--loglevel=error", "wiremock@3"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        return None, "npm install wiremock@3 took over 300 s"
    jars = sorted(build.glob("wiremock-standalone-*.jar"))
    if done.returncode != 0 or not jars:
        return None, f"npm install wiremock@3 failed: {done.stderr.strip()[-300:]}"
    return jars[-1], f"npm package wiremock, installed into {_rel(build)}"


def _rel(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(REPO))
    return str(path)


def start_wiremock(
    procs: Processes, workdir: Path, jar: Path, bodies: dict[str, str], journal: int
) -> Server:
    root = workdir / "wiremock-root"
    (root / "mappings").mkdir(parents=True)
    (root / "__files").mkdir()
    port = free_port()
    argv = ["java", "-jar", str(jar), "--port", str(port), "--bind-address", HOST]
    argv += ["--root-dir", str(root), "--disable-banner", "--disable-request-logging"]
    # WireMock at its fastest: no request journal. Its bounded journal (the mock keeps one
    # of 1000) costs it dearly; --wiremock-journal measures that instead.
    if journal:
        argv += ["--max-request-journal-entries", str(journal)]
    else:
        argv.append("--no-request-journal")
    argv += ["--use-chunked-encoding", "never", "--disable-gzip"]
    log = workdir / "wiremock.log"
    started = time.perf_counter()
    handle = open(log, "w")  # noqa: SIM115 - lives as long as the process
    proc = procs.start(argv, cwd=workdir, stdout=handle, stderr=subprocess.STDOUT, text=True)
    server = Server("wiremock", proc, log, port=port)
    try:
        server.startup = wait_ready(server, "/__admin/mappings", started, time.monotonic() + 60)
        stub_wiremock(port, bodies)
    except (RuntimeError, OSError, http.client.HTTPException) as exc:
        procs.stop(proc)  # not left running through the other servers' runs
        raise RuntimeError(f"{exc}\n{server.log_tail()}") from None
    return server


def stub_wiremock(port: int, bodies: dict[str, str]) -> None:
    """Stubs answering the three routes with the mock's bodies (a Bearer key required)."""
    stubs = {"create": ("POST", "/v1/video_generation")}
    stubs |= {"query": ("GET", "/v1/query/video_generation")}
    stubs |= {"retrieve": ("GET", "/v1/files/retrieve")}
    for route, (method, path) in stubs.items():
        stub = {
            "request": {
                "method": method,
                "urlPath": path,
                "headers": {"Authorization": {"matches": "Bearer .+"}},
            },
            "response": {
                "status": 200,
                "body": bodies[route],
                "headers": {"Content-Type": "application/json; charset=utf-8"},
            },
        }
        status, text = http_call(
            port,
            "POST",
            "/__admin/mappings",
            json.dumps(stub),
            {"Content-Type": "application/json"},
        )
        if status != 201:
            raise RuntimeError(f"WireMock refused the {route} stub: HTTP {status} {text[:200]}")


# -- traffic ----------------------------------------------------------------------------


def raw_request(port: int, method: str, target: str, body: str | None = None) -> str:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += ["User-Agent: mockminimax-bench/1", "Accept: application/json"]
    lines.append(f"Authorization: Bearer {KEY}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body.encode())}"]
    return "\r\n".join(lines) + "\r\n\r\n" + (body or "")


@dataclass
class Traffic:
    """The request lists of each workload; only the Host header differs between servers."""

    pool: list[tuple[str, str]] = field(default_factory=list)  # (task_id, file_id)

    def requests(self, workload: str, port: int) -> list[str]:
        def one(route: str, i: int) -> str:
            task_id, file_id = self.pool[i % len(self.pool)]
            if route == "create":
                return raw_request(port, "POST", "/v1/video_generation", CREATE_BODY)
            if route == "query":
                return raw_request(port, "GET", f"/v1/query/video_generation?task_id={task_id}")
            return raw_request(port, "GET", f"/v1/files/retrieve?file_id={file_id}")

        if workload == "mixed":
            return [one(route, i) for i in range(POOL) for route in MIX]
        if workload == "create":
            return [one("create", 0)]
        return [one(workload, i) for i in range(POOL)]


def make_tasks(port: int, count: int) -> list[tuple[str, str]]:
    """Create `count` tasks on the mock and read each one's file_id from a query."""
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    pool: list[tuple[str, str]] = []
    try:
        for _ in range(count):
            _, text = http_call(port, "POST", "/v1/video_generation", CREATE_BODY, headers, conn)
            task_id = json.loads(text)["task_id"]
            target = f"/v1/query/video_generation?task_id={task_id}"
            _, text = http_call(port, "GET", target, None, headers, conn)
            answer = json.loads(text)
            if answer.get("status") != "Success":
                raise RuntimeError(f"task {task_id} is not done on an instant clock: {text}")
            pool.append((task_id, answer["file_id"]))
    finally:
        conn.close()
    return pool


def sample_bodies(port: int, pool: list[tuple[str, str]]) -> dict[str, str]:
    """What the mock answers each route: the bodies the baselines then serve as fixed bytes."""
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    task_id, file_id = pool[0]
    targets = {
        "create": ("POST", "/v1/video_generation", CREATE_BODY),
        "query": ("GET", f"/v1/query/video_generation?task_id={task_id}", None),
        "retrieve": ("GET", f"/v1/files/retrieve?file_id={file_id}", None),
    }
    return {
        route: http_call(port, method, target, body, headers)[1]
        for route, (method, target, body) in targets.items()
    }


def preflight(server: Server, traffic: Traffic) -> None:
    """One request of each route through a raw socket: HTTP 200 with a success base_resp."""
    for route in ROUTES:
        raw = traffic.requests(route, server.port)[0].encode("latin-1")
        with socket.create_connection((HOST, server.port), timeout=5) as sock:
            sock.sendall(raw)
            data = b""
            while b"\r\n\r\n" not in data or OK_MARK.encode() not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        if not data.startswith(b"HTTP/1.1 200") or OK_MARK.encode() not in data:
            raise RuntimeError(f"{server.name} answers {route} wrongly:\n{data[:600]!r}")


# -- load generators --------------------------------------------------------------------


#: The latency percentiles every run reports.
QUANTILES: tuple[float, ...] = (50, 99)


@dataclass
class Result:
    """One measured run of one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float  # server CPU per request, all its threads
    other_cpus: float  # CPUs kept busy meanwhile by neither the servers nor the generator
    note: str = ""


def run_python_load(
    port: int, requests: list[str], connections: int, warmup: float, seconds: float, count: int = 0
) -> dict[str, Any]:
    job: dict[str, Any] = {"port": port, "connections": connections}
    job |= {"warmup": warmup, "seconds": seconds, "quantiles": QUANTILES}
    job |= {"count": count, "requests": requests, "expect": OK_MARK}
    job["timeout"] = (warmup + seconds + 30) if not count else 120
    done = subprocess.run(
        [sys.executable, str(HERE / "_load.py")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=float(job["timeout"]) + 15,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "\\r").replace("\n", "\\n") + '"'


_WRK_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  local points = {}
  for _, q in ipairs(quantiles) do
    points[#points + 1] = string.format("[%g,%.0f]", q, latency:percentile(q))
  end
  io.write(string.format(
    'WRKJSON {"requests":%.0f,"duration_us":%.0f,"status":%.0f,"connect":%.0f,' ..
    '"read":%.0f,"write":%.0f,"timeout":%.0f,"points":[%s]}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    table.concat(points, ",")))
end
"""

_SCRIPTS = itertools.count()


def wrk_script(requests: list[str], script_dir: Path) -> Path:
    """A Lua script for wrk that cycles through `requests`, sent as the raw bytes given."""
    script = script_dir / f"wrk-{next(_SCRIPTS)}.lua"
    body = ",\n".join(_lua_string(r) for r in requests)
    quantiles = ", ".join(f"{q:g}" for q in QUANTILES)
    script.write_text(
        f"local reqs = {{\n{body}\n}}\nlocal n = #reqs\nlocal i = 0\n"
        f"quantiles = {{{quantiles}}}\n"
        "function request()\n  i = i % n + 1\n  return reqs[i]\nend\n" + _WRK_DONE,
        encoding="utf-8",
    )
    return script


def run_wrk(port: int, script: Path, connections: int, seconds: float) -> dict[str, Any]:
    duration = max(1, round(seconds))
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s"]
    argv += ["-s", str(script), f"http://{HOST}:{port}/"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 30, check=False)
    found = re.search(r"^WRKJSON (\{.*\})$", done.stdout, re.M)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw: dict[str, Any] = json.loads(found.group(1))
    return {
        "requests": raw["requests"],
        "total": raw["requests"],
        "elapsed": raw["duration_us"] / 1e6,
        "errors": sum(raw[k] for k in ("status", "connect", "read", "write", "timeout")),
        "points": [(q, us / 1000) for q, us in raw["points"]],
        "error_sample": "",
    }


def _but(servers: list[Server], server: Server) -> list[Server]:
    return [s for s in servers if s is not server]


def quiet(servers: list[Server], limit: float = 2.0) -> None:
    """Wait (briefly) until `servers` use under 10% of a CPU between them."""
    deadline = time.monotonic() + limit
    while servers and time.monotonic() < deadline:
        before = sum(s.cpu() for s in servers)
        time.sleep(0.1)
        if sum(s.cpu() for s in servers) - before <= 0.01:
            return


@dataclass
class Load:
    """Runs traffic at the servers with the chosen generator, measuring each run."""

    generator: str  # "wrk" or "python"
    connections: int
    warmup: float
    seconds: float
    workdir: Path

    def burst(
        self, server: Server, requests: list[str] | Path, seconds: float, others: list[Server]
    ) -> Result:
        """One run at `server`; `others` are the idle servers, whose CPU is not "other"."""
        quiet(others)  # e.g. the JVM still compiling after its own turn
        idle = sum(s.cpu() for s in others)
        machine, generator, cpu = machine_cpu(), children_cpu(), server.cpu()
        started = time.monotonic()
        if isinstance(requests, Path):
            raw = run_wrk(server.port, requests, self.connections, seconds)
        else:
            raw = run_python_load(server.port, requests, self.connections, 0.0, seconds)
        elapsed = time.monotonic() - started
        cpu = server.cpu() - cpu
        ours = cpu + (children_cpu() - generator) + sum(s.cpu() for s in others) - idle
        points = {float(q): float(ms) for q, ms in raw["points"]}
        return Result(
            rps=raw["requests"] / raw["elapsed"] if raw["elapsed"] else 0.0,
            p50_ms=points[50],
            p99_ms=points[99],
            errors=int(raw["errors"]),
            cpu_us=cpu / raw["total"] * 1e6 if raw["total"] else 0.0,
            other_cpus=max(0.0, (machine_cpu() - machine - ours) / elapsed),
            note=str(raw.get("error_sample", "")),
        )

    def traffic(self, requests: list[str]) -> list[str] | Path:
        return wrk_script(requests, self.workdir) if self.generator == "wrk" else requests

    def measure(
        self, servers: list[Server], requests: dict[str, list[str]], turn: int = 0
    ) -> dict[str, Result]:
        """One warm-up and one measured run per server, one server at a time, starting with
        server number `turn`, so that no server always follows the same one. (Runs are not
        split into short turns: each new run opens its connections afresh, and that burst of
        new connections would then weigh in the tail latencies.)"""
        order = servers[turn % len(servers) :] + servers[: turn % len(servers)]
        results: dict[str, Result] = {}
        for server in order:
            traffic = self.traffic(requests[server.name])
            others = _but(servers, server)
            if self.warmup > 0:
                self.burst(server, traffic, self.warmup, others)
            results[server.name] = self.burst(server, traffic, self.seconds, others)
        return {s.name: results[s.name] for s in servers}

    def warm(self, server: Server, requests: list[str], seconds: int) -> str:
        """`seconds` 1 s runs of traffic, unmeasured; says at what req/s each ran."""
        traffic = self.traffic(requests)
        rates = [self.burst(server, traffic, 1.0, []) for _ in range(seconds)]
        text = " ".join(f"{r.rps:,.0f}" for r in rates)
        return f"{seconds} s of mixed traffic: {text}"


# -- imports ----------------------------------------------------------------------------

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def import_times(stderr: str) -> dict[str, tuple[int, int]]:
    """`-X importtime` output as {module: (cumulative µs, nesting depth)}."""
    found: dict[str, tuple[int, int]] = {}
    for line in stderr.splitlines():
        if match := _IMPORT_LINE.match(line):
            found[match.group(4)] = (int(match.group(2)), len(match.group(3)))
    return found


def measure_import(*modules: str, runs: int = 3) -> tuple[float, list[tuple[str, float]]]:
    """Best-of-`runs` cumulative import time of `modules` (ms), and the heaviest other
    top-level packages that importing them pulls in."""
    best_ms = float("inf")
    best: dict[str, tuple[int, int]] = {}
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {', '.join(modules)}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            cwd=REPO,
            env=_child_env(),
        )
        times = import_times(done.stderr)
        total = sum(times[m][0] for m in modules if m in times) / 1000
        if total < best_ms:
            best_ms, best = total, times
    own = {m.split(".")[0] for m in modules} | {"site", "encodings"}  # site: interpreter start
    heavy = sorted(
        (
            (name, us / 1000)
            for name, (us, _) in best.items()
            if "." not in name and name not in own
        ),
        key=lambda item: -item[1],
    )
    return best_ms, heavy[:5]


def faker_probe(procs: Processes, workdir: Path) -> tuple[bool, str]:
    """Run `serve` under -X importtime, drive create/query/retrieve, see if Faker was loaded."""
    argv = [sys.executable, "-X", "importtime", "-m", "mockminimax", "serve", "--port", "0"]
    argv += ["--clock", "virtual", "--timing", "instant", "--log-level", "warning"]
    server = start_python_server(procs, "faker-probe", argv, workdir, "/_mock/health")
    try:
        pool = make_tasks(server.port, 1)
        sample_bodies(server.port, pool)
    finally:
        procs.stop(server.proc)
    modules = import_times(server.log.read_text(errors="replace"))
    loaded = sorted(m for m in modules if m == "faker" or m.startswith("faker."))
    return (bool(loaded), f"{len(loaded)} faker modules" if loaded else f"{len(modules)} modules")


# -- the run ----------------------------------------------------------------------------


def mb(kb: int) -> str:
    return f"{kb / 1024:.1f}"


def ratio(a: float, b: float | None) -> str:
    return f"{a / b:.2f}" if b else "-"


def memory_phase(mock: Server, connections: int) -> list[tuple[int, int, int, int]]:
    """RSS after cumulative creates: (creates, RSS kB, tasks kept, journal entries)."""
    request = [raw_request(mock.port, "POST", "/v1/video_generation", CREATE_BODY)]
    rows: list[tuple[int, int, int, int]] = []
    settle(mock)
    health = json.loads(http_call(mock.port, "GET", "/_mock/health")[1])
    rows.append((0, mock.rss_kb(), health["tasks"], health["journal"]))
    done = 0
    for step in MEMORY_STEPS:
        raw = run_python_load(mock.port, request, connections, 0.0, 0.0, count=step - done)
        if raw["errors"]:
            raise RuntimeError(f"creates failed: {raw['errors']} errors, {raw['error_sample']}")
        done = step
        health = json.loads(http_call(mock.port, "GET", "/_mock/health")[1])
        rows.append((done, mock.rss_kb(), health["tasks"], health["journal"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds per run")
    parser.add_argument("--concurrency", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--no-wiremock", action="store_true", help="skip the WireMock baseline")
    parser.add_argument("--wiremock-jar", help="a WireMock 3 standalone jar to use")
    parser.add_argument(
        "--jvm-warmup",
        type=int,
        default=25,
        metavar="S",
        help="seconds of traffic WireMock gets before its first run, for the JIT (default 25; "
        "the Python servers get 3)",
    )
    parser.add_argument(
        "--wiremock-journal",
        type=int,
        default=0,
        metavar="N",
        help="keep WireMock's request journal, bounded to N entries (default: off)",
    )
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk if installed (auto), or the Python one in _load.py",
    )
    args = parser.parse_args(argv)
    if not 0.5 <= args.seconds <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--seconds must be within 0.5..600 and --warmup within 0..60")
    if not 0 <= args.jvm_warmup <= 300:
        parser.error("--jvm-warmup must be within 0..300")
    if not 1 <= args.concurrency <= 1024:
        parser.error("--concurrency must be within 1..1024")
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    elif generator == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")

    def on_signal(signum: int, _frame: Any) -> None:
        print(f"\nstopped by signal {signum}; stopping the servers", file=sys.stderr)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    # Ctrl-C works even where the shell started this in the background with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    procs = Processes()
    try:
        with tempfile.TemporaryDirectory(prefix="mockminimax-bench-") as tmp:
            run(args, generator, procs, Path(tmp))
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()
    return 0


def best_start(procs: Processes, start: Callable[[], Server], tries: int) -> Server:
    """Start `tries` times and keep the last; its startup figure is the fastest of them all."""
    times: list[float] = []
    for _ in range(tries - 1):
        spare = start()
        times.append(spare.startup)
        procs.stop(spare.proc)
    server = start()
    server.startup = min([*times, server.startup])
    settle(server)  # one start at a time: each startup figure has the machine to itself
    return server


def add_wiremock(
    args: argparse.Namespace, procs: Processes, workdir: Path, bodies: dict[str, str]
) -> tuple[Server | None, str]:
    """WireMock started and stubbed, or None and why it was skipped."""
    if args.no_wiremock:
        return None, "--no-wiremock"
    jar, how = find_wiremock(args.wiremock_jar)
    if jar is None:
        return None, how
    try:
        server = start_wiremock(procs, workdir, jar, bodies, args.wiremock_journal)
    except RuntimeError as exc:
        return None, f"it failed to start: {exc}"
    journal = f"journal {args.wiremock_journal}" if args.wiremock_journal else "no journal"
    print(f"WireMock: {jar.name} ({how}; {journal})", flush=True)
    return server, ""


def run(args: argparse.Namespace, generator: str, procs: Processes, workdir: Path) -> None:
    wall = time.perf_counter()
    busy = busy_cpus()
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load generator: {generator}, {args.concurrency} connections, "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per run; "
        f"CPUs busy before start: {busy:.2f}",
        flush=True,
    )
    if busy > 0.25:
        print("  (something else is using the CPUs: figures will be noisy)", flush=True)
    imports = {
        "app": measure_import("mockminimax.server.app"),
        "bare": measure_import("starlette.applications", "uvicorn"),
        "faker": measure_import("faker", runs=2),
    }
    faker_loaded, faker_note = faker_probe(procs, workdir)

    mock = best_start(procs, lambda: start_mock(procs, workdir), 3)
    seed_pool = make_tasks(mock.port, 1)
    bodies = sample_bodies(mock.port, seed_pool)
    bare = best_start(procs, lambda: start_bare(procs, workdir, bodies), 3)
    servers = [mock, bare]
    wiremock, skipped = add_wiremock(args, procs, workdir, bodies)
    if wiremock is not None:
        servers.append(wiremock)
    else:
        print(f"WireMock skipped: {skipped}", flush=True)
    traffic = Traffic(pool=seed_pool)
    for server in servers:
        settle(server)
        server.rss_idle_kb = server.rss_kb()
        preflight(server, traffic)

    print("mockminimax memory under creates ...", flush=True)
    memory = memory_phase(mock, args.concurrency)

    load = Load(generator, args.concurrency, args.warmup, args.seconds, workdir)
    results: dict[tuple[str, str], Result] = {}
    for workload in WORKLOADS:
        if workload == "query":  # fresh IDs, newer than anything the create run evicted
            traffic.pool = make_tasks(mock.port, POOL)
        if workload == "create":
            for server in servers:  # the JVM's JIT needs tens of seconds, Python none
                seconds = args.jvm_warmup if server.name == "wiremock" else 3
                bursts = load.warm(server, traffic.requests("mixed", server.port), seconds)
                print(f"  warm-up  {server.name:<12} {bursts}", flush=True)
        requests = {s.name: traffic.requests(workload, s.port) for s in servers}
        turn = WORKLOADS.index(workload)
        for name, result in load.measure(servers, requests, turn).items():
            results[workload, name] = result
            flag = f"  {result.errors} ERRORS: {result.note}" if result.errors else ""
            if result.other_cpus > 0.2:
                flag += f"  (other processes kept {result.other_cpus:.1f} CPUs busy)"
            print(
                f"  {workload:<8} {name:<12} {result.rps:>9,.0f} req/s  "
                f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms{flag}",
                flush=True,
            )
    for server in servers:
        server.rss_after_kb = server.rss_kb()

    report(args, generator, servers, results, memory, imports)
    print(
        f"\nFaker imported by `mockminimax serve`: {'YES' if faker_loaded else 'no'} "
        f"(-X importtime over startup and a create/query/retrieve: {faker_note}; "
        f"Faker alone imports in {imports['faker'][0]:.0f} ms)"
    )
    if skipped:
        print(f"WireMock skipped: {skipped}")
    print(
        f"total benchmark time {time.perf_counter() - wall:.0f} s; "
        f"CPUs busy before start {busy:.2f}, at the end with the servers idle {busy_cpus():.2f}"
    )


def report(
    args: argparse.Namespace,
    generator: str,
    servers: list[Server],
    results: dict[tuple[str, str], Result],
    memory: list[tuple[int, int, int, int]],
    imports: dict[str, tuple[float, list[tuple[str, float]]]],
) -> None:
    names = [s.name for s in servers]
    print(
        f"\n## Throughput: {args.concurrency} keep-alive connections, {generator}, "
        f"{args.seconds:g} s per run after {args.warmup:g} s warm-up\n"
    )
    print(
        "| workload | server | req/s | p50 ms | p99 ms | server CPU µs/req | errors "
        "| other CPUs busy |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for workload in WORKLOADS:
        for name in names:
            r = results[workload, name]
            print(
                f"| {workload} | {name} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} "
                f"| {r.cpu_us:.0f} | {r.errors} | {r.other_cpus:.2f} |"
            )
    print(
        "\n## mockminimax relative to the baselines (req/s ratio; p99 ratio; "
        "server CPU per request ratio, below 1 = less CPU than the baseline)\n"
    )
    others = [n for n in names if n != "mockminimax"]
    print(
        "| workload | "
        + " | ".join(f"req/s vs {n} | p99 vs {n} | CPU/req vs {n}" for n in others)
        + " |"
    )
    print("|---|" + "---:|---:|---:|" * len(others))
    for workload in WORKLOADS:
        mine = results[workload, "mockminimax"]
        cells = []
        for name in others:
            base = results[workload, name]
            cells += [
                ratio(mine.rps, base.rps),
                ratio(mine.p99_ms, base.p99_ms),
                ratio(mine.cpu_us, base.cpu_us),
            ]
        print(f"| {workload} | " + " | ".join(cells) + " |")
    print("\n## Startup and memory\n")
    print("| server | start → first 200 (best of) | RSS idle MB | RSS after run MB | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for s in servers:
        print(
            f"| {s.name} | {s.startup:.2f} s ({1 if s.name == 'wiremock' else 3}) "
            f"| {mb(s.rss_idle_kb)} | {mb(s.rss_after_kb)} "
            f"| {mb(s.peak_kb())} |"
        )
    print("\n## mockminimax RSS as creates pass its bounds (max_tasks 10000, journal 1000)\n")
    print("| creates | RSS MB | tasks kept | journal entries |")
    print("|---:|---:|---:|---:|")
    for creates, kb, tasks, journal in memory:
        print(f"| {creates:,} | {mb(kb)} | {tasks:,} | {journal:,} |")
    at = {creates: kb for creates, kb, _, _ in memory}
    first, bound, last = at[MEMORY_STEPS[0]], at[MEMORY_STEPS[1]], at[MEMORY_STEPS[-1]]
    low, high = f"{MEMORY_STEPS[0]:,}", f"{MEMORY_STEPS[-1]:,}"
    print(
        f"\nRSS {low} → {high} creates: {(last - first) / 1024:+.1f} MB "
        f"({ratio(last, first)}x); past the task bound ({MEMORY_STEPS[1]:,} → {high}): "
        f"{(last - bound) / 1024:+.1f} MB"
    )
    import_ms, heavy = imports["app"]
    heavy_text = ", ".join(f"{name} {ms:.0f}" for name, ms in heavy)
    print(
        f"\nimport mockminimax.server.app: {import_ms:.0f} ms cumulative, best of 3 "
        f"(starlette.applications + uvicorn alone: {imports['bare'][0]:.0f} ms); "
        f"heaviest packages it pulls in (ms, cumulative): {heavy_text}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
