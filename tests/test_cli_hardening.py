"""`mockminimax serve` in a subprocess: the control token from a flag or the environment,
the warning when bound beyond loopback without one, and a clean stop with requests in
flight."""

from __future__ import annotations

import signal

import pytest

from tests.test_cli import ServeProcess, clean_env

WARNING = "beyond loopback, with no control token"


@pytest.mark.parametrize(
    "args, env",
    [(("--control-token", "s3cret"), {}), ((), {"control_token": "s3cret"})],
    ids=["flag", "env"],
)
def test_control_token_from_flag_or_environment(args: tuple[str, ...], env: dict[str, str]) -> None:
    with ServeProcess(*args, env=clean_env(**env)) as server:
        assert any("token required" in line for line in server.banner)
        assert "s3cret" not in "".join(server.banner)
        with server.client() as client:
            assert client.get("/_mock/health").status_code == 401
            ok = client.get("/_mock/health", headers={"Authorization": "Bearer s3cret"})
            assert ok.json()["status"] == "ok"
        assert server.stop() == 0
    assert WARNING not in server.stderr


def test_allowed_host_flag() -> None:
    with ServeProcess("--allowed-host", "mock.internal") as server:
        with server.client() as client:
            assert client.get("/_mock/health", headers={"Host": "mock.internal"}).is_success
            refused = client.get("/_mock/health", headers={"Host": "other.internal"})
            assert refused.status_code == 403
        server.stop()


@pytest.mark.parametrize(
    "args, warned",
    [
        (("--host", "0.0.0.0"), True),
        (("--host", "0.0.0.0", "--control-token", "t"), False),
        (("--host", "127.0.0.1"), False),
    ],
)
def test_serve_warns_when_open_beyond_loopback_without_a_token(
    args: tuple[str, ...], warned: bool
) -> None:
    with ServeProcess(*args) as server:
        assert server.stop(signal.SIGINT) == 0
    assert (WARNING in server.stderr) is warned
