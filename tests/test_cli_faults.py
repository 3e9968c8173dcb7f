"""Fault rules and rate limits through the real CLI: `--fault`, `--config FILE`, `--rpm`,
and which source wins (defaults < config file < environment < flags)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from mockminimax.cli import _parser, settings_from_args
from mockminimax.core.faults import parse_rule
from mockminimax.core.settings import SettingsError
from tests.helpers import SEED_REQUESTS
from tests.test_cli import ServeProcess, clean_env, run_cli

AUTH = {"Authorization": "Bearer sk-cli-key"}
T2V = SEED_REQUESTS["text_to_video"]


def codes(client: httpx.Client, n: int, prefix: str = "/v1") -> list[int]:
    return [
        client.post(f"{prefix}/video_generation", json=T2V).json()["base_resp"]["status_code"]
        for _ in range(n)
    ]


def write_config(tmp_path: Path, config: dict[str, Any], name: str = "mock.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(config), encoding="utf-8")
    return str(path)


def test_fault_flags_script_the_server() -> None:
    with ServeProcess(
        "--clock", "virtual",
        "--fault", "route=create,minimax_error=1002,times=2",
        "--fault", "route=query,connection=reset,id=drop-query",
    ) as server, server.client(headers=AUTH) as client:  # fmt: skip
        assert "  fault f1: route=create,times=2,minimax_error=1002" in server.banner
        assert "  fault drop-query: route=query,connection=reset" in server.banner
        assert codes(client, 3) == [1002, 1002, 0]
        with requests.Session() as s, pytest.raises(requests.ConnectionError):
            s.get(f"{server.url}/v1/query/video_generation?task_id=1", headers=AUTH, timeout=10)
        listed = client.get("/_mock/faults").json()["faults"]
        assert [(r["id"], r["hits"]) for r in listed] == [("f1", 2), ("drop-query", 1)]
        # A reset brings the rules given at start back, counters at zero.
        client.delete("/_mock/faults").raise_for_status()
        client.post("/_mock/reset").raise_for_status()
        assert [r["hits"] for r in client.get("/_mock/faults").json()["faults"]] == [0, 0]
        assert codes(client, 1) == [1002]
        assert server.stop() == 0


def test_config_file_holds_settings_and_rules(tmp_path: Path) -> None:
    config = {
        "seed": 77,
        "clock": "virtual",
        "rpm": "free",
        "faults": [
            {"route": "create", "surface": "gateway", "http_status": 503},
            "route=create,prompt_contains=sensitive,task=fail,code=1026",
        ],
    }
    with (
        ServeProcess("--config", write_config(tmp_path, config)) as server,
        server.client(headers=AUTH) as client,
    ):
        health = client.get("/_mock/health").json()
        assert (health["seed"], health["clock"]) == (77, "virtual")
        assert "  rate limit 5 creates a minute per key" in server.banner
        gateway = client.post("/minimaxi/v1/video_generation", json=T2V)
        assert gateway.status_code == 503
        assert gateway.json()["code"] == "provider_not_found"
        body = {**T2V, "prompt": "A sensitive scene"}
        task_id = client.post("/v1/video_generation", json=body).json()["task_id"]
        client.post("/_mock/clock/advance", json={"seconds": 60}).raise_for_status()
        done = client.get("/v1/query/video_generation", params={"task_id": task_id}).json()
        assert (done["status"], done["base_resp"]["status_code"]) == ("Fail", 1026)
        # rpm=free: five creates a minute (the one before the advance has left the window).
        assert codes(client, 6) == [0, 0, 0, 0, 0, 1002]
        client.post("/_mock/clock/advance", json={"seconds": 60}).raise_for_status()
        assert codes(client, 1) == [0]
        assert server.stop() == 0


def test_truncate_and_malformed_through_the_cli_server() -> None:
    with ServeProcess(
        "--fault", "route=create,connection=truncate,times=1",
        "--fault", "route=create,connection=malformed,times=1",
    ) as server, server.client(headers=AUTH) as client:  # fmt: skip
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/v1/video_generation", json=T2V)
        broken = client.post("/v1/video_generation", json=T2V)
        assert broken.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            broken.json()
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--fault", "route=create,probability=2,minimax_error=1002"), "probability"),
        (("--fault", "route=create,minimax_eror=1002"), "minimax_eror"),
        (("--fault", "route=create"), "action"),
        (("--rpm", "lots"), "rpm"),
    ],
)
def test_bad_flags_exit_2_naming_the_key(args: tuple[str, ...], named: str) -> None:
    result = run_cli("serve", "--port", "0", *args)
    assert result.returncode == 2
    assert f"{named}: " in result.stderr
    assert result.stdout == ""  # refused before it listened


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"faults": [{"route": "create", "connection": "explode"}]}, "connection"),
        ({"faults": ["route=create,minimax_error=1002", {"times": 2}]}, "action"),
        ({"rmp": 5}, "rmp"),
    ],
)
def test_bad_config_exits_2_naming_the_key(
    tmp_path: Path, config: dict[str, Any], named: str
) -> None:
    result = run_cli("serve", "--port", "0", "--config", write_config(tmp_path, config))
    assert result.returncode == 2
    assert f"{named}: " in result.stderr


def test_bad_env_rules_exit_2_naming_the_key() -> None:
    result = run_cli(
        "serve", "--port", "0", env=clean_env(faults="route=create,minimax_error=soon")
    )
    assert result.returncode == 2
    assert "faults: minimax_error: must be an integer" in result.stderr


# -- precedence: defaults < config file < environment < flags ----------------------------


def settings_for(argv: list[str], env: dict[str, str]) -> Any:
    return settings_from_args(_parser().parse_args(["serve", *argv]), env)


def test_precedence_of_the_sources(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {"seed": 1, "rpm": 5, "timing": "instant", "faults": ["route=create,minimax_error=1"]},
    )
    env = {"MOCKMINIMAX_SEED": "2", "MOCKMINIMAX_RPM": "7", "MOCKMINIMAX_FAULTS": "delay=2"}
    settings = settings_for(["--config", path, "--seed", "3"], env)
    assert settings.seed == 3  # flag over env over config
    assert settings.rpm == 7  # env over config
    assert settings.timing == "instant"  # config over default
    assert settings.clock == "real"  # default
    assert settings.faults == (parse_rule("delay=2"),)  # env's rules replace the config's
    flagged = settings_for(["--config", path, "--fault", "task=stuck", "--rpm", "h3"], env)
    assert flagged.faults == (parse_rule("task=stuck"),)  # flags replace both
    assert flagged.rpm == 300
    only_config = settings_for(["--config", path], {})
    assert only_config.faults == (parse_rule("route=create,minimax_error=1"),)
    assert (only_config.seed, only_config.rpm) == (1, 5)


def test_precedence_end_to_end(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"seed": 1, "clock": "virtual", "rpm": 1})
    env = clean_env(seed="2", rpm="2")
    with (
        ServeProcess("--config", path, "--seed", "3", env=env) as server,
        server.client(headers=AUTH) as client,
    ):
        assert client.get("/_mock/health").json()["seed"] == 3
        assert client.get("/_mock/faults").json()["rpm"] == 2
        assert codes(client, 3) == [0, 0, 1002]
        assert server.stop() == 0


@pytest.mark.skipif(sys.version_info < (3, 11), reason="TOML config files need Python 3.11+")
def test_toml_config(tmp_path: Path) -> None:
    path = tmp_path / "mock.toml"
    path.write_text('seed = 9\n\n[[faults]]\nroute = "create"\nminimax_error = 1008\n')
    settings = settings_for(["--config", str(path)], {})
    assert settings.seed == 9 and settings.faults[0].minimax_error == 1008


def test_set_accepts_fault_rules_too() -> None:
    settings = settings_for(["--set", "faults=route=query,http_status=500"], {})
    assert settings.faults == (parse_rule("route=query,http_status=500"),)
    with pytest.raises(SettingsError, match="faults: http_status"):
        settings_for(["--set", "faults=http_status=999"], {})
