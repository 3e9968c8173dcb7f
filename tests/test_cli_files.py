"""The file-store and Video Agent settings from the environment (bad ones are refused by
name in test_cli.py's table)."""

from __future__ import annotations

from mockminimax.core.settings import Settings


def test_extra_templates_from_the_environment() -> None:
    env = {"MOCKMINIMAX_EXTRA_TEMPLATES": "900000000000000001:media+text, 9002"}
    settings = Settings.from_env(env)
    assert settings.extra_templates == ("900000000000000001:media+text", "9002")
