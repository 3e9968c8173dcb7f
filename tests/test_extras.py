"""What each install brings: `pip install mockminimax` is the server and CLI only;
`mockminimax[pytest]` adds what the fixtures need; a fixture whose extra is missing says so.

The install test builds the wheel of this tree (offline, `--no-build-isolation`) and
installs it into a fresh venv from a local wheelhouse (`.venv/wheelhouse`, filled from the
package index only when a wheel is missing, then reused), so it takes seconds. The `dev`
extra is what `make` installs into `.venv` itself; here its metadata is checked.
"""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.test_cli import ServeProcess, clean_env

ROOT = Path(__file__).resolve().parents[1]
WHEELHOUSE = ROOT / ".venv" / "wheelhouse"
HEAVY = ("faker", "httpx", "respx")
PIP_TIMEOUT = 300.0


def run(*argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=PIP_TIMEOUT,
        check=False,
        env=clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1"),
    )
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result


def pip(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "pip", "--disable-pip-version-check", *args)


# -- nothing heavy on import ----------------------------------------------------------------


def test_the_package_and_the_plugin_import_nothing_heavy() -> None:
    """The package root, the CLI, the server and the plugin module (loaded by every pytest
    session of a project that installs mockminimax): none imports Faker, httpx or respx."""
    code = textwrap.dedent(
        """
        import sys
        import mockminimax, mockminimax.cli, mockminimax.server.app, mockminimax.server.runner
        import mockminimax.pytest_plugin
        mockminimax.ServerThread
        print(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r}))
        """
    ).format(heavy=set(HEAVY))
    result = run(sys.executable, "-c", code)
    assert result.stdout.strip() == "[]"


def test_serve_imports_nothing_heavy() -> None:
    """`mockminimax serve`, answering requests, as `-X importtime` logs every import."""
    command = (sys.executable, "-X", "importtime", "-m", "mockminimax")
    with ServeProcess(command=command) as server, server.client() as client:
        assert client.get("/_mock/health").status_code == 200
        body = {"model": "MiniMax-Hailuo-02", "prompt": "A fox"}
        created = client.post(
            "/v1/video_generation", json=body, headers={"Authorization": "Bearer k"}
        )
        assert created.json()["base_resp"]["status_code"] == 0
        assert server.stop() == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in server.stderr.splitlines()}
    assert "uvicorn" in imported and "starlette" in imported  # the log is complete
    assert {m for m in imported if m.split(".")[0] in HEAVY} == set()


# -- a real install -------------------------------------------------------------------------


def build_wheel(dest: Path) -> Path:
    source = dest / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "mockminimax", source / "mockminimax", ignore=shutil.ignore_patterns("__pycache__")
    )
    dist = dest / "dist"
    pip("wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source)
    (wheel,) = dist.glob("mockminimax-*.whl")
    return wheel


def fill_wheelhouse(wheel: Path, extra: str) -> None:
    """The wheels `wheel[extra]` needs, from the wheelhouse, or the index when one is missing."""
    requirement = f"mockminimax[{extra}] @ {wheel.as_uri()}"
    base = ("download", "--quiet", "--only-binary=:all:", "--dest", WHEELHOUSE)
    try:
        pip(*base, "--no-index", "--find-links", WHEELHOUSE, requirement)
    except AssertionError:
        pip(*base, "--find-links", WHEELHOUSE, requirement)
    for copy in WHEELHOUSE.glob("mockminimax-*.whl"):  # pip download keeps the wheel too
        copy.unlink()


def run_pytest(bin_dir: Path, project: Path) -> subprocess.CompletedProcess[str]:
    """pytest in the fresh venv, over the downstream project's tests."""
    return subprocess.run(
        [bin_dir / "python", "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=PIP_TIMEOUT,
        check=False,
    )


def install(venv: Path, wheel: Path, *requirements: str) -> None:
    pip(
        "--python",
        venv / "bin" / "python",
        "install",
        "--quiet",
        "--no-compile",  # bytecode for Faker's thousands of modules would double the time
        "--no-index",
        "--find-links",
        WHEELHOUSE,
        "--find-links",
        wheel.parent,
        *requirements,
    )


DOWNSTREAM = """
import httpx


def test_live(minimax_server):
    assert httpx.get(f"{minimax_server.base_url}/_mock/health").status_code == 200


def test_in_process(minimax_respx, minimax_payloads):
    auth = {"Authorization": f"Bearer {minimax_respx.api_key}"}
    body = minimax_payloads.text_to_video()
    created = httpx.post(f"{minimax_respx.base_url}/v1/video_generation", json=body, headers=auth)
    assert created.json()["base_resp"]["status_code"] == 0


def test_payloads_alone(minimax_payloads):
    assert minimax_payloads.text_to_video()["prompt"]
"""

WITHOUT_HTTPX = """
import urllib.request


def test_live(minimax_server):
    with urllib.request.urlopen(f"{minimax_server.base_url}/_mock/health") as response:
        assert response.status == 200


def test_in_process(minimax_respx):
    pass


def test_payloads(minimax_payloads):
    pass
"""


@pytest.mark.install
def test_each_extra_installs_what_it_promises(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    version = wheel.name.split("-")[1]
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.message_from_bytes(
            archive.read(f"mockminimax-{version}.dist-info/METADATA")
        )
    requires = metadata.get_all("Requires-Dist") or []
    base = [r for r in requires if "extra ==" not in r]
    assert not [r for r in base if r.split(">")[0].split(";")[0].strip().lower() in HEAVY]
    assert any(r.startswith("mockminimax[pytest]") and 'extra == "dev"' in r for r in requires)
    assert any(r.startswith("mockminimax[dev]") and 'extra == "test"' in r for r in requires)
    fill_wheelhouse(wheel, "pytest")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    bin_dir = venv / "bin"

    # 1. The base install (with pytest beside it, as a project's own tests have it): the
    #    server and the CLI, and nothing the fixtures need.
    install(venv, wheel, "mockminimax", "pytest")
    found = run(
        bin_dir / "python",
        "-c",
        "import importlib.util as u; print([m for m in ('faker', 'httpx', 'respx', 'pytest') "
        "if u.find_spec(m)])",
    )
    assert found.stdout.strip() == "['pytest']"
    with ServeProcess(command=[str(bin_dir / "mockminimax")]) as server:
        health = httpx.get(f"{server.url}/_mock/health", timeout=10)
        assert health.json()["status"] == "ok"
        assert server.stop() == 0

    # 2. Without the extra, the server fixture works and the others say which extra to install.
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_without.py").write_text(WITHOUT_HTTPX)
    result = run_pytest(bin_dir, project)
    assert "1 passed, 2 errors" in result.stdout, result.stdout
    for fixture, missing in (("minimax_respx", "httpx"), ("minimax_payloads", "faker")):
        assert (
            f"mockminimax: {fixture} needs the pytest extra ({missing} is not installed): "
            "pip install 'mockminimax[pytest]'" in result.stdout
        ), result.stdout
    (project / "test_without.py").unlink()

    # 3. The pytest extra: every fixture works.
    install(venv, wheel, "mockminimax[pytest]")
    (project / "test_downstream.py").write_text(DOWNSTREAM)
    result = run_pytest(bin_dir, project)
    assert result.returncode == 0 and "3 passed" in result.stdout, result.stdout
