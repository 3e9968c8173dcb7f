"""Suite defaults from the ini file, overrides from `@pytest.mark.minimax`, and which wins:
fixture defaults < `minimax_settings` lines < dedicated ini options < module marker <
class marker < test marker (the decorator nearest the `def` wins on one test)."""

from __future__ import annotations

import pytest

from mockminimax.pytest_plugin import INI_OPTIONS

from .conftest import Downstream

pytest_plugins = ("pytester",)

PRECEDENCE = """
import pytest

pytestmark = pytest.mark.minimax(timing="1,1,1", api_keys=["module-key"], download_ttl=60)


def test_fixture_defaults_and_ini(minimax_respx):
    s = minimax_respx.settings
    assert s.clock == "virtual"  # fixture default, no ini or marker sets it
    assert s.seed == 5  # the dedicated ini option beats the minimax_settings line (seed=4)
    assert s.fail_base_resp == "zero"  # minimax_settings line
    assert s.timing == "1,1,1"  # the module marker beats the ini's "instant"
    assert s.api_keys == ("module-key",)  # the module marker beats the ini's keys
    assert s.download_ttl == 60


@pytest.mark.minimax(timing="2,2,2")
def test_test_marker_beats_module_key_by_key(minimax_server):
    s = minimax_server.settings
    assert s.timing == "2,2,2"  # test marker
    assert s.api_keys == ("module-key",)  # still the module's: merged key by key
    assert s.seed == 5


@pytest.mark.minimax(seed=9)
class TestClassLevel:
    def test_class_marker(self, minimax_respx):
        assert minimax_respx.settings.seed == 9
        assert minimax_respx.settings.timing == "1,1,1"

    @pytest.mark.minimax(seed=10)
    def test_test_beats_class(self, minimax_respx):
        assert minimax_respx.settings.seed == 10

    @pytest.mark.minimax(seed=11)
    @pytest.mark.minimax(seed=12)
    def test_stacked_nearest_the_def_wins(self, minimax_respx, minimax_payloads):
        assert minimax_respx.settings.seed == 12
        assert minimax_payloads.seed == 12  # the payload factories follow the seed


def test_markers_do_not_leak_into_the_next_test(minimax_respx):
    assert minimax_respx.settings.seed == 5 and minimax_respx.settings.timing == "1,1,1"


@pytest.mark.minimax(faults=["route=query,minimax_error=1002,times=1"], rpm="free")
def test_any_setting_through_the_marker(minimax_respx):
    (rule,) = minimax_respx.faults
    assert (rule.route, rule.minimax_error, rule.times) == ("query", 1002, 1)
    assert minimax_respx.settings.rpm == 5
    minimax_respx.faults.clear()
    minimax_respx.reset()  # back to this test's start: the marker's rules again
    assert len(minimax_respx.faults) == 1
"""

INI = """\
minimax_settings =
    seed = 4
    fail_base_resp = zero
minimax_seed = 5
minimax_timing = instant
minimax_api_keys = ini-key-1, ini-key-2
"""


def test_precedence(downstream: Downstream) -> None:
    downstream.with_ini(INI)
    downstream.files(test_precedence=PRECEDENCE)
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=7)


def test_ini_defaults_without_markers(downstream: Downstream) -> None:
    downstream.with_ini(INI + "minimax_clock = polls\nminimax_unmatched = refuse\n")
    downstream.files(
        test_ini="""
import httpx
import pytest


def test_ini(minimax_respx, minimax_server):
    for api in (minimax_respx, minimax_server):
        s = api.settings
        assert (s.seed, s.timing, s.clock) == (5, "instant", "polls")
        assert s.api_keys == ("ini-key-1", "ini-key-2") and api.api_key == "ini-key-1"
    with pytest.raises(AssertionError, match="refused"):
        httpx.get("https://example.com/")
""",
    )
    downstream.run().assert_outcomes(passed=1)


def test_the_built_in_defaults(downstream: Downstream) -> None:
    downstream.files(
        test_defaults="""
def test_defaults(minimax_respx, minimax_server, minimax_payloads):
    for api in (minimax_respx, minimax_server):
        s = api.settings
        assert (s.seed, s.clock, s.timing, s.api_keys) == (0, "virtual", "fast", ())
        assert api.api_key == "sk-api-mockminimax-test"
    assert minimax_respx.settings.public_url == "https://video-product.cdn.minimax.io"
    assert minimax_server.settings.public_url is None  # downloads from the server itself
    assert minimax_payloads.seed == 0
""",
    )
    downstream.run().assert_outcomes(passed=1)


def test_marker_and_ini_options_are_registered(downstream: Downstream) -> None:
    result = downstream.run("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.minimax(*seed=0*closest marker wins*"])
    result = downstream.run("--help")
    for name in INI_OPTIONS:
        result.stdout.fnmatch_lines([f"  {name} *"])


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        ("minimax_timing = sometimes", "*ini option minimax_timing: timing: 'sometimes' is not*"),
        ("minimax_clock = sundial", "*ini option minimax_clock: clock: 'sundial' is not one of*"),
        ("minimax_seed = abc", "*ini option minimax_seed: seed: 'abc' is not an integer*"),
        ("minimax_unmatched = maybe", "*minimax_unmatched: unmatched: 'maybe' is not one of*"),
        ("minimax_settings = nonsense", "*minimax_settings: 'nonsense' is not NAME=VALUE*"),
        ("minimax_settings = colour=red", "*minimax_settings: colour: unknown option*"),
        ("minimax_settings = port=1", "*minimax_settings: port: the fixtures' server binds once*"),
    ],
)
def test_a_bad_ini_value_stops_the_run_naming_the_option(
    downstream: Downstream, ini: str, message: str
) -> None:
    downstream.with_ini(ini + "\n")
    downstream.files(test_never="def test_never(): pass")
    result = downstream.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: mockminimax: {message}"])


def test_a_bad_marker_fails_its_test_naming_the_key(downstream: Downstream) -> None:
    downstream.files(
        test_marker="""
import pytest


@pytest.mark.minimax(timing="whenever")
def test_bad_value(minimax_respx):
    pass


@pytest.mark.minimax(colour="red")
def test_unknown_key(minimax_server):
    pass


@pytest.mark.minimax("fast")
def test_positional(minimax_payloads):
    pass


@pytest.mark.minimax(port=8080)
def test_serve_only(minimax_respx):
    pass


@pytest.mark.minimax(gateway_urls=[1])
def test_bad_plugin_option(minimax_respx):
    pass


@pytest.mark.minimax(timing="instant")
def test_markers_without_the_fixtures_are_ignored():
    pass
""",
    )
    result = downstream.run()
    result.assert_outcomes(passed=1, errors=5)
    result.stdout.fnmatch_lines(
        [
            "*test_marker.py::test_bad_value: timing: 'whenever' is not instant, fast*",
            "*test_marker.py::test_unknown_key: colour: unknown option (known: hosts, *",
            "*takes keywords only, got ('fast',) on test_marker.py::test_positional*",
            "*test_serve_only: port: the fixtures' server binds once per session*",
            "*test_bad_plugin_option: gateway_urls: [[]1] is not a list of strings*",
        ],
        consecutive=False,
    )
    assert "Traceback" not in result.stdout.str()
    assert "During handling" not in result.stdout.str()
