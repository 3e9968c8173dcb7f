"""The CLI refuses bad file-store and Video Agent settings by name, from flags and env."""

from __future__ import annotations

import pytest

from mockminimax.core.settings import Settings
from tests.test_cli import clean_env, run_cli


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (("--set", "max_files=0"), {}, "max_files"),
        ((), {"max_file_store_bytes": "lots"}, "max_file_store_bytes"),
        (("--set", "upload_format_check=maybe"), {}, "upload_format_check"),
        ((), {"extra_templates": "12ab:media"}, "extra_templates"),
        (("--set", "template_url_ttl=0"), {}, "template_url_ttl"),
    ],
)
def test_bad_setting_exits_2_naming_it(
    args: tuple[str, ...], env: dict[str, str], named: str
) -> None:
    result = run_cli("serve", "--port", "0", *args, env=clean_env(**env))
    assert result.returncode == 2, result.stdout
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_extra_templates_from_the_environment() -> None:
    env = {"MOCKMINIMAX_EXTRA_TEMPLATES": "900000000000000001:media+text, 9002"}
    settings = Settings.from_env(env)
    assert settings.extra_templates == ("900000000000000001:media+text", "9002")
