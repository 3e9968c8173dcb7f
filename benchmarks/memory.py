"""Memory of the live server under the traffic that used to grow it without bound.

Starts `mockminimax serve` as a child process and prints its resident memory (VmRSS) after
each phase, next to the bound that should hold it:

1. many creates (the task store keeps `max_tasks`, the journal `journal_size` entries
   within `journal_bytes`);
2. many journal and task-list reads (control traffic is not journaled: reads cost nothing
   once answered);
3. creates carrying a large unused array (the journal keeps a bounded form of a body);
4. creates under `--rpm` from many keys, then a minute later one more (windows are dropped
   once empty).

    .venv/bin/python benchmarks/memory.py                           # this checkout
    .venv/bin/python benchmarks/memory.py --python /tmp/old/bin/python  # another install

Figures depend on the machine and Python; compare runs on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import httpx

T2V = {"model": "MiniMax-Hailuo-2.3", "prompt": "A heron takes off over a lake."}
AUTH = {"Authorization": "Bearer sk-memory"}


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Serve:
    def __init__(self, python: str, rpm: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKMINIMAX_")}
        argv = [python, "-m", "mockminimax", "serve", "--port", "0", "--seed", "1"]
        argv += ["--clock", "virtual", "--timing", "instant", "--log-level", "warning"]
        argv += ["--rpm", str(rpm)]
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=tempfile.gettempdir(),  # so `-m` imports the interpreter's install, not ./
        )
        assert self.proc.stdout is not None
        self.url = ""
        for line in self.proc.stdout:
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                self.url = found[1]
            if line.startswith("Ctrl-C"):
                break
        if not self.url:
            raise RuntimeError("serve did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:  # a server too busy to stop: the figures are in
            self.proc.kill()
            self.proc.wait(15)


def row(label: str, mb: float, base: float, bound: str, seconds: float) -> None:
    print(f"  {label:<44} {mb:8.1f} MB  {mb - base:+8.1f} MB  {seconds:6.1f} s   {bound}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--python", default=sys.executable, help="the interpreter (and so the install) to serve"
    )
    parser.add_argument("--creates", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=200, help="journal and task-list reads")
    parser.add_argument("--large", type=int, default=20, help="creates with an 8 MB array")
    parser.add_argument("--keys", type=int, default=20_000, help="rate-limited keys")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds a request may take before the "
        "server is taken to have stopped answering",
    )  # fmt: skip
    args = parser.parse_args()

    server = Serve(args.python, rpm=5)
    pid = server.proc.pid
    client = httpx.Client(base_url=server.url, timeout=args.timeout, trust_env=False)
    try:
        version = client.get("/_mock/health").json().get("version")
        base = rss_mb(pid)
        print(f"mockminimax {version} (pid {pid}), RSS after start: {base:.1f} MB")
        print(f"  {'phase':<44} {'RSS':>11} {'growth':>11} {'time':>8}   bound")

        started = time.monotonic()
        for n in range(args.creates):
            client.post(
                "/v1/video_generation", json=T2V, headers={"Authorization": f"Bearer k{n % 4000}"}
            )
        row(f"{args.creates} creates", rss_mb(pid), base, "max_tasks 10000 tasks; journal 1000 "
            "entries / 16 MB", time.monotonic() - started)  # fmt: skip

        before = rss_mb(pid)
        started = time.monotonic()
        biggest = 0
        for _ in range(args.reads):
            biggest = max(biggest, len(client.get("/_mock/journal").content))
            client.get("/_mock/tasks")
        row(f"{args.reads} journal + {args.reads} task-list reads", rss_mb(pid), before,
            f"nothing kept per read (largest journal answer {biggest / 1e6:.1f} MB)",
            time.monotonic() - started)  # fmt: skip

        before = rss_mb(pid)
        started = time.monotonic()
        big = json.dumps({**T2V, "unused": [0] * 4_000_000}, separators=(",", ":")).encode()
        for _ in range(args.large):
            client.post(
                "/v1/video_generation",
                content=big,
                headers={**AUTH, "Content-Type": "application/json"},
            )
        row(f"{args.large} creates with an {len(big) / 1e6:.0f} MB array", rss_mb(pid), before,
            "bounded journal form; max_body_bytes 64 MB", time.monotonic() - started)  # fmt: skip

        before = rss_mb(pid)
        started = time.monotonic()
        for n in range(args.keys):
            client.post("/v1/video_generation", json=T2V, headers={"Authorization": f"Bearer r{n}"})
        during = rss_mb(pid)
        row(f"{args.keys} keys under --rpm 5", during, before, "one window per key seen "
            "in the last minute", time.monotonic() - started)  # fmt: skip
        client.post("/_mock/clock/advance", json={"seconds": 61})
        client.post("/v1/video_generation", json=T2V, headers=AUTH)
        row("  a minute later, one more create", rss_mb(pid), before, "windows dropped once "
            "empty (RSS need not shrink: freed memory is reused)", 0.0)  # fmt: skip
        print(f"RSS at the end: {rss_mb(pid):.1f} MB")
    except httpx.TimeoutException:
        print(f"  the server stopped answering (no answer in {args.timeout:g} s) at "
              f"{rss_mb(pid):.1f} MB RSS")  # fmt: skip
    finally:
        client.close()
        server.stop()


if __name__ == "__main__":
    main()
