"""`mockminimax serve` and callbacks: `--callback-host` (repeatable, with its environment
variable) and a clean, prompt stop while a receiver hangs on a delivery."""

from __future__ import annotations

import signal

from tests.receiver import Receiver
from tests.test_cli import ServeProcess, bearer, clean_env

T2V = {"model": "MiniMax-Hailuo-2.3", "prompt": "A heron at dawn"}


def test_callback_host_is_repeatable_and_read_from_the_environment(receiver: Receiver) -> None:
    args = ("--clock", "virtual", "--callback-host", "Hooks.Internal", "--callback-host", "::1")
    with ServeProcess(*args) as server:
        assert "  callbacks to loopback, hooks.internal, ::1" in server.banner
        with server.client() as client:
            body = {**T2V, "callback_url": "http://hooks.elsewhere.test/x"}
            task_id = client.post("/v1/video_generation", json=body, headers=bearer("k")).json()[
                "task_id"
            ]
            found = client.get(f"/_mock/tasks/{task_id}/callbacks", params={"wait": 5}).json()
        assert "(allowed: hooks.internal, ::1)" in found["deliveries"][0]["reason"]
        assert server.stop() == 0
    with ServeProcess(env=clean_env(callback_hosts="a.test,b.test")) as server:
        assert "  callbacks to loopback, a.test, b.test" in server.banner
        assert server.stop() == 0


def test_serve_stops_at_once_while_a_receiver_hangs(receiver: Receiver) -> None:
    with ServeProcess("--clock", "virtual", "--set", "callback_timeout=300") as server:
        with server.client() as client:
            body = {**T2V, "callback_url": receiver.url("/hang")}
            client.post("/v1/video_generation", json=body, headers=bearer("k"))
            receiver.wait_for("/hang", 1)
            listing = client.get("/_mock/callbacks").json()
            assert listing["idle"] is False  # the challenge is in the receiver's hands

        assert server.stop(signal.SIGTERM) == 0  # within the bounded stop: never 300 s
    assert "mockminimax stopped" in "".join(server.stdout)
