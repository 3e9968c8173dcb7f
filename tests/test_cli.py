"""The real CLI in a subprocess: `--version`, `serve` (banner, signals, settings from flags
and `MOCKMINIMAX_*`), and `validate` (file, stdin, `--gateway`).

Every child process runs under a deadline and is reaped before its test ends; stdout is
read line by line against a deadline, never by sleeping and hoping.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mockminimax._version import __version__
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.settings import SETTING_NAMES
from tests.conftest import app_client
from tests.helpers import SEED_REQUESTS

PYTHON_M = (sys.executable, "-m", "mockminimax")
#: How long a child may take to print its banner or to exit once told to.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
RUN_TIMEOUT = 60.0


def console_script() -> str:
    """The `mockminimax` entry point installed next to this interpreter."""
    beside = Path(sys.executable).parent / "mockminimax"
    found = str(beside) if beside.exists() else shutil.which("mockminimax")
    if found is None:
        pytest.skip("the mockminimax console script is not installed")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any MOCKMINIMAX_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKMINIMAX_")}
    env.update({f"MOCKMINIMAX_{k.upper()}": v for k, v in extra.items()})
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PYTHON_M, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env if env is not None else clean_env(),
        timeout=RUN_TIMEOUT,
        check=False,
    )


class ServeProcess:
    """`mockminimax serve` as a child process: banner parsed, output drained, always reaped."""

    def __init__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        command: Sequence[str] = PYTHON_M,
        port_zero: bool = True,
    ) -> None:
        argv = [*command, "serve", *(("--port", "0") if port_zero else ()), *args]
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env if env is not None else clean_env(),
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.stdout: list[str] = []
        self._stderr: list[str] = []
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            threading.Thread(target=self._pump_stdout, args=(self.proc.stdout,), daemon=True),
            threading.Thread(target=self._pump_stderr, args=(self.proc.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.banner: list[str] = []
        self.url = ""

    def _pump_stdout(self, stream: Any) -> None:
        for line in stream:
            self.stdout.append(line)
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _pump_stderr(self, stream: Any) -> None:
        for line in stream:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def read_banner(self, timeout: float = START_TIMEOUT) -> list[str]:
        """Lines of stdout up to and including the banner's last line, within `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no banner within {timeout} s: {self.banner!r}")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait(STOP_TIMEOUT)
                raise AssertionError(
                    f"serve exited {self.proc.returncode} before its banner: {self.stderr}"
                )
            self.banner.append(line)
            match = re.search(r"listening on (http://\S+)$", line)
            if match:
                self.url = match[1]
            if line.startswith("Ctrl-C stops it"):
                assert self.url, self.banner
                return self.banner

    @property
    def port(self) -> int:
        port = urlsplit(self.url).port
        assert port is not None
        return port

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, trust_env=False, **kwargs)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Send `sig` and wait, bounded, for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"serve ignored signal {sig} for {timeout} s") from None
        finally:
            self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)
        for reader in self._readers:
            reader.join(STOP_TIMEOUT)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> ServeProcess:
        try:
            self.read_banner()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create_status(client: httpx.Client, key: str) -> int:
    """base_resp.status_code of a V1 create made with `key`."""
    answer = client.post(
        "/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=bearer(key)
    )
    assert answer.status_code == 200, answer.text
    code = answer.json()["base_resp"]["status_code"]
    assert isinstance(code, int)
    return code


# -- --version ---------------------------------------------------------------------------


def test_python_m_version() -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"mockminimax {__version__}\n",
        "",
    )


def test_console_script_version() -> None:
    result = subprocess.run(
        [console_script(), "--version"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, f"mockminimax {__version__}\n")


def test_no_command_is_a_usage_error() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "usage: mockminimax" in result.stderr


# -- serve: banner, curl, signals --------------------------------------------------------


@pytest.mark.parametrize("launcher", ["python -m", "console script"])
def test_serve_port_zero_prints_port_surfaces_and_curl(launcher: str) -> None:
    command = PYTHON_M if launcher == "python -m" else (console_script(),)
    with ServeProcess("--seed", "42", command=command) as server:
        text = "\n".join(server.banner)
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.port != 0
        for base in ("/v1", "/minimaxi/v1", "/inference_output/", "/_mock"):
            assert f"{server.url}{base}" in text
        assert "seed 42" in text
        assert any(line.strip().startswith(f"curl -s {server.url}/v1/") for line in server.banner)
        # The printed port is the one actually served.
        with server.client() as client:
            health = client.get("/_mock/health")
        assert health.status_code == 200
        assert health.json()["seed"] == 42
        assert server.stop() == 0


def _curl_request(line: str) -> tuple[str, dict[str, str], str]:
    """URL, headers and body of the banner's curl line."""
    words = shlex.split(line)
    assert words[0] == "curl"
    url, headers, data = "", {}, ""
    rest = iter(words[1:])
    for word in rest:
        if word == "-H":
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data"):
            data = next(rest)
        elif not word.startswith("-"):
            url = word
    return url, headers, data


def test_banner_curl_example_works() -> None:
    with ServeProcess("--clock", "virtual") as server:
        (line,) = (ln.strip() for ln in server.banner if ln.strip().startswith("curl "))
        url, headers, data = _curl_request(line)
        assert url.startswith(server.url)
        curl = shutil.which("curl")
        if curl is not None:
            env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
            ran = subprocess.run(
                shlex.split(line),
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                env=env,
                check=False,
            )
            assert ran.returncode == 0, ran.stderr
            body = json.loads(ran.stdout)
        else:
            with server.client() as client:
                body = client.post(url, headers=headers, content=data.encode()).json()
        assert body["base_resp"] == {"status_code": 0, "status_msg": "success"}
        assert re.fullmatch(r"\d{15}", body["task_id"])
        with server.client() as client:
            task = client.get(f"/_mock/tasks/{body['task_id']}").json()
        assert task["request"]["prompt"] == json.loads(data)["prompt"]
        assert server.stop() == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly(sig: int) -> None:
    with ServeProcess() as server:
        with server.client() as client:
            assert client.get("/_mock/health").status_code == 200
        assert server.stop(sig) == 0
    assert "Traceback" not in server.stderr
    assert "mockminimax stopped" in "".join(server.stdout)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_right_after_the_banner_stops_cleanly(sig: int) -> None:
    """Ctrl-C as soon as the banner shows, before the first request, still exits 0."""
    with ServeProcess() as server:
        assert server.stop(sig) == 0
    assert "Traceback" not in server.stderr


# -- serve: settings from flags and the environment ---------------------------------------


def test_every_flag_reads_its_environment_variable() -> None:
    env = clean_env(
        host="localhost",
        port="0",
        seed="1234",
        clock="virtual",
        timing="instant",
        api_keys="key-one, key-two",
        public_url="https://cdn.example.test",
        log_level="warning",
    )
    with ServeProcess(env=env, port_zero=False) as server:
        assert server.url.startswith("http://localhost:")
        assert server.port != 8080
        with server.client() as client:
            health = client.get("/_mock/health").json()
            assert (health["seed"], health["clock"], health["timing"]) == (
                1234,
                "virtual",
                "instant",
            )
            assert create_status(client, "key-three") == 2049
            assert create_status(client, "key-two") == 0
            task_id = client.post(
                "/v1/video_generation",
                json=SEED_REQUESTS["text_to_video"],
                headers=bearer("key-one"),
            ).json()["task_id"]
            done = client.get(
                "/v1/query/video_generation", params={"task_id": task_id}, headers=bearer("key-one")
            ).json()
            assert done["status"] == "Success"
            file = client.get(
                "/v1/files/retrieve", params={"file_id": done["file_id"]}, headers=bearer("key-one")
            ).json()
            assert file["file"]["download_url"].startswith(
                "https://cdn.example.test/inference_output/"
            )
        assert server.stop() == 0
    assert "INFO" not in server.stderr  # log level warning came from the environment


def test_flags_win_over_the_environment() -> None:
    env = clean_env(
        host="localhost",
        port="1",
        seed="1",
        clock="polls",
        timing="realistic",
        api_keys="env-key",
        public_url="https://env.example.test",
        log_level="critical",
    )
    args = (
        "--host", "127.0.0.1", "--seed", "2", "--clock", "virtual", "--timing", "instant",
        "--api-key", "flag-key", "--public-url", "https://flag.example.test", "--log-level", "info",
    )  # fmt: skip
    with ServeProcess(*args, env=env) as server:  # --port 0 beats MOCKMINIMAX_PORT=1
        assert server.url.startswith("http://127.0.0.1:")
        with server.client() as client:
            health = client.get("/_mock/health").json()
            assert (health["seed"], health["clock"], health["timing"]) == (2, "virtual", "instant")
            assert create_status(client, "env-key") == 2049
            assert create_status(client, "flag-key") == 0
            (task,) = client.get("/_mock/tasks").json()["tasks"]
            file = client.get(
                "/v1/files/retrieve",
                params={"file_id": task["file_id"]},
                headers=bearer("flag-key"),
            ).json()
            assert file["file"]["download_url"].startswith("https://flag.example.test/")
        assert server.stop() == 0
    assert "INFO" in server.stderr


def test_api_key_is_repeatable() -> None:
    with ServeProcess("--api-key", "sk-first", "--api-key", "sk-second") as server:
        assert "keys 2" in "\n".join(server.banner)
        with server.client() as client:
            assert create_status(client, "sk-first") == 0
            assert create_status(client, "sk-second") == 0
            assert create_status(client, "sk-third") == 2049
        assert server.stop() == 0


def test_set_reads_any_other_setting() -> None:
    with ServeProcess(
        "--clock", "virtual", "--set", "max_tasks=1", "--set", "pending_fields=omit"
    ) as server:
        with server.client() as client:
            first = client.post(
                "/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=bearer("k")
            ).json()["task_id"]
            create_status(client, "k")
            gone = client.get(
                "/v1/query/video_generation", params={"task_id": first}, headers=bearer("k")
            )
            assert gone.json()["base_resp"]["status_code"] == 1000  # max_tasks=1 evicted it
            (task,) = client.get("/_mock/tasks").json()["tasks"]
            pending = client.get(
                "/v1/query/video_generation",
                params={"task_id": task["task_id"]},
                headers=bearer("k"),
            ).json()
            assert set(pending) == {"task_id", "status", "base_resp"}  # pending_fields=omit
        assert server.stop() == 0


def test_public_url_and_instant_timing_on_the_real_clock() -> None:
    public = "https://videos.example.test/mirror"
    with ServeProcess("--timing", "instant", "--public-url", public) as server:
        with server.client() as client:
            task_id = client.post(
                "/v1/video_generation", json=SEED_REQUESTS["text_to_video"], headers=bearer("k")
            ).json()["task_id"]
            first = client.get(
                "/v1/query/video_generation", params={"task_id": task_id}, headers=bearer("k")
            ).json()
            assert first["status"] == "Success"
            file = client.get(
                "/v1/files/retrieve", params={"file_id": first["file_id"]}, headers=bearer("k")
            ).json()["file"]
            url = urlsplit(file["download_url"])
            assert file["download_url"].startswith(f"{public}/inference_output/video/")
            # The signed path and query work against the mock itself.
            path = url.path[len("/mirror") :]
            video = client.get(f"{path}?{url.query}")
            assert video.status_code == 200
            assert video.headers["content-type"] == "video/mp4"
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (("--timing", "slowish"), {}, "timing"),
        (("--set", "nope=1"), {}, "nope"),
        (("--set", "max_tasks=zero"), {}, "max_tasks"),
        (("--set", "journal_size=0"), {}, "journal_size"),
        (("--set", "max_files=0"), {}, "max_files"),
        ((), {"max_file_store_bytes": "lots"}, "max_file_store_bytes"),
        (("--set", "upload_format_check=maybe"), {}, "upload_format_check"),
        ((), {"extra_templates": "12ab:media"}, "extra_templates"),
        ((), {"extra_templates": "9002²:media"}, "extra_templates"),
        (("--set", "template_url_ttl=0"), {}, "template_url_ttl"),
        (("--set", "journal_size"), {}, "NAME=VALUE"),
        ((), {"clock": "sundial"}, "clock"),
        ((), {"seed": "abc"}, "seed"),
        ((), {"download_ttl": "-5"}, "download_ttl"),
        (("--clock", "sundial"), {}, "--clock"),
        (("--port", "70000"), {}, "port"),
    ],
)
def test_bad_setting_exits_2_naming_it(
    args: tuple[str, ...], env: dict[str, str], named: str
) -> None:
    result = run_cli("serve", "--port", "0", *args, env=clean_env(**env))
    assert result.returncode == 2, result.stdout
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert "listening" not in result.stdout


def test_port_in_use_exits_2_with_a_clear_message() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert "listening" not in result.stdout


# -- validate ------------------------------------------------------------------------------


def api_answer(body: bytes, gateway: bool = False) -> httpx.Response:
    """What the in-process app answers to a create carrying `body`."""
    path = "/minimaxi/v1/video_generation" if gateway else "/v1/video_generation"
    headers = {"Authorization": "Bearer k", "Content-Type": "application/json"}
    with app_client(MiniMaxMock(clock="virtual")) as client:
        return client.post(path, content=body, headers=headers)


@pytest.fixture
def body_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "body.json"


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_validate_valid_body_prints_the_normalized_request(source: str, body_file: Path) -> None:
    text = json.dumps({"model": "MiniMax-Hailuo-2.3", "prompt": "a red fox"})
    if source == "file":
        body_file.write_text(text, encoding="utf-8")
        result = run_cli("validate", str(body_file))
    else:
        result = run_cli("validate", "-", stdin=text)
    assert result.returncode == 0, result.stderr
    request = json.loads(result.stdout)
    assert request["model"] == "MiniMax-Hailuo-2.3"
    assert request["prompt"] == "a red fox"
    assert request["mode"] == "t2v"
    assert (request["resolution"], request["duration"]) == ("768P", 6)
    assert (request["width"], request["height"]) == (1366, 768)


@pytest.mark.parametrize(
    "body",
    [
        {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "duration": 10, "resolution": "1080P"},
        {"model": "MiniMax-Hailuo-2.3-Fast", "prompt": "x"},
        {"prompt": "x"},
        {"model": "S2V-01", "prompt": "x", "subject_reference": []},
        [1, 2],
        "a string",
        7,
    ],
    ids=["duration", "mode", "no-model", "subject", "array", "string", "number"],
)
@pytest.mark.parametrize("source", ["file", "stdin"])
def test_validate_invalid_body_gives_the_api_error(source: str, body: Any, body_file: Path) -> None:
    text = json.dumps(body)
    if source == "file":
        body_file.write_text(text, encoding="utf-8")
        result = run_cli("validate", str(body_file))
    else:
        result = run_cli("validate", "-", stdin=text)
    assert result.returncode == 1
    answer = api_answer(text.encode())
    assert answer.status_code == 200
    assert json.loads(result.stdout) == answer.json()
    assert answer.json()["base_resp"]["status_code"] == 2013


def test_validate_malformed_json_gives_the_2013_body(body_file: Path) -> None:
    text = '{"model": "MiniMax-Hailuo-2.3", "prompt": '
    body_file.write_text(text, encoding="utf-8")
    result = run_cli("validate", str(body_file))
    assert result.returncode == 1
    printed = json.loads(result.stdout)
    assert printed["task_id"] == ""
    assert printed["base_resp"]["status_code"] == 2013
    assert printed["base_resp"]["status_msg"].startswith(
        "invalid params, request body is not valid JSON"
    )
    assert printed == api_answer(text.encode()).json()


@pytest.mark.parametrize(
    "body",
    [
        {"model": "MiniMax-Hailuo-2.3"},
        {"model": "MiniMax-Hailuo-2.3", "prompt": "x", "duration": 10, "resolution": "1080P"},
        {"prompt": "x", "duration": "6"},
        [1],
        '{"prompt": ',
    ],
    ids=["no-prompt", "matrix", "duration-type", "array", "malformed"],
)
def test_validate_gateway_applies_the_gateways_rules(body: Any) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    result = run_cli("validate", "--gateway", "-", stdin=text)
    assert result.returncode == 1
    answer = api_answer(text.encode(), gateway=True)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request"
    assert json.loads(result.stdout) == answer.json()
    assert "HTTP 400" in result.stderr


def test_validate_gateway_fills_its_defaults_and_passes_minimax_errors_through() -> None:
    ok = run_cli("validate", "--gateway", "-", stdin='{"prompt": "a lighthouse"}')
    assert ok.returncode == 0, ok.stderr
    request = json.loads(ok.stdout)
    assert (request["model"], request["resolution"], request["duration"]) == (
        "MiniMax-Hailuo-02",
        "768P",
        6,
    )
    # Without --gateway the same body lacks a model, which MiniMax refuses.
    assert run_cli("validate", "-", stdin='{"prompt": "a lighthouse"}').returncode == 1
    # The gateway allows Hailuo-02 1080P at 10 s; MiniMax does not, and its 2013 comes back.
    text = json.dumps(
        {"model": "MiniMax-Hailuo-02", "prompt": "x", "duration": 10, "resolution": "1080P"}
    )
    passed = run_cli("validate", "--gateway", "-", stdin=text)
    assert passed.returncode == 1
    assert json.loads(passed.stdout) == api_answer(text.encode(), gateway=True).json()


def test_validate_gateway_follows_the_gateway_profile() -> None:
    text = json.dumps({"prompt": "a lighthouse", "enable_prompt_expansion": False})
    docs = run_cli("validate", "--gateway", "-", stdin=text)
    assert docs.returncode == 0, docs.stderr
    assert json.loads(docs.stdout)["prompt_optimizer"] is True  # an unknown field, ignored
    env = {**clean_env(), "MOCKMINIMAX_GATEWAY_PROFILE": "onehub-code"}
    code = run_cli("validate", "--gateway", "-", stdin=text, env=env)
    assert code.returncode == 0, code.stderr
    assert json.loads(code.stdout)["prompt_optimizer"] is False  # the fork maps it


def test_set_offers_every_setting_without_a_flag_of_its_own() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    head, _, tail = text.partition("any other setting: ")
    listed = set(re.findall(r"[a-z0-9_]+", tail))
    flags = set(re.findall(r"--([a-z-]+)", head))

    def own_flag(name: str) -> bool:  # --api-key for api_keys, --fault for faults
        flag = name.replace("_", "-")
        return flag in flags or flag.removesuffix("s") in flags

    for name in SETTING_NAMES:
        assert (name in listed) != own_flag(name), name


def test_validate_missing_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.stderr
