"""The pytest plugin: a faithful, controllable MiniMax for any test suite, in a few lines.

Fixtures (all function-scoped; the servers behind them live for the session):

- `minimax_server`: a real uvicorn server on 127.0.0.1 and a free port; any HTTP client works.
- `minimax_respx`: a respx router answering httpx calls to the MiniMax hosts in-process;
  other hosts are refused, and so is any other client's traffic off this machine
  (`plugin.guard`).
- `minimax_payloads`: seeded factories of valid create-request bodies.
- `minimax_fast_sleep`: the test's own `time.sleep`/`asyncio.sleep` move the virtual clock.

A failing test that used a server fixture gets a report section listing what the mock saw
(`plugin.report`). The server fixtures need nothing beyond the base install; the
in-process router and the payloads need the `pytest` extra, and say so when it is missing.

Both servers' state is rebuilt before each test from that test's options. Options resolve,
weakest first: built-in fixture defaults (virtual clock, seed 0) < ini `minimax_settings`
lines < the dedicated ini options < `@pytest.mark.minimax(...)` on the module < on the class
< on the test (for markers stacked on one test, the one nearest the `def` wins).

Registered through the `pytest11` entry point; imports nothing heavy until a fixture is used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pluggy
import pytest

from .control import MiniMaxControl
from .core.hosts import API_BASE_URL, CDN_URL, UNMATCHED_MODES
from .core.mock import MiniMaxMock
from .core.settings import SETTING_NAMES, Settings, SettingsError
from .plugin.fast_sleep import fast_sleep
from .plugin.guard import block_network
from .plugin.report import describe, section_title

if TYPE_CHECKING:
    from .payloads import Payloads
    from .respx_router import InProcess
    from .server.runner import ServerThread

__all__ = [
    "FIXTURES",
    "INI_OPTIONS",
    "MARKER_OPTIONS",
    "FixtureOptions",
    "begin_respx",
    "begin_server",
    "respx_for_test",
    "start_server",
]

#: The fixtures this plugin offers, as the README lists them.
FIXTURES: tuple[str, ...] = (
    "minimax_server",
    "minimax_respx",
    "minimax_payloads",
    "minimax_fast_sleep",
)
#: The fixtures that serve a mock (and yield a `MiniMaxControl`).
SERVER_FIXTURES: tuple[str, ...] = ("minimax_server", "minimax_respx")
#: What `pip install` brings the in-process router and the payload factories.
EXTRA_HINT = "pip install 'mockminimax[pytest]'"
JOURNAL_KEYS: tuple[str, ...] = ("masked", "full")


#: ini option -> (help, default). The README's option table is checked against this.
INI_OPTIONS: dict[str, tuple[str, str]] = {
    "minimax_seed": ("Seed of IDs, URLs, fault draws and payloads ('none' = random).", "0"),
    "minimax_timing": ("Task timing: instant, fast, realistic or 'PREP,QUEUE,PROCESS'.", "fast"),
    "minimax_clock": ("real, virtual (moved by advance()) or polls.", "virtual"),
    "minimax_api_keys": ("Comma-separated accepted keys; empty accepts any non-empty key.", ""),
    "minimax_settings": ("Any other setting, one NAME=VALUE per line.", ""),
    "minimax_hosts": ("Extra API hosts minimax_respx answers, besides MiniMax's five.", ""),
    "minimax_gateway_urls": ("Gateway base URLs minimax_respx answers (/minimaxi/v1/...).", ""),
    "minimax_cdn_url": ("Download host minimax_respx puts in download_url and answers.", CDN_URL),
    "minimax_unmatched": ("Other hosts under minimax_respx: refuse or passthrough.", "refuse"),
    "minimax_block_network": (
        "Under minimax_respx with unmatched=refuse, refuse any client's non-loopback traffic.",
        "true",
    ),
    "minimax_assert_all_fired": (
        "Fail a test whose fault rules with times= or nth= never fired.",
        "false",
    ),
    "minimax_journal_keys": ("Authorization in recorded requests: masked or full.", "masked"),
    "minimax_server_host": (
        "Interface minimax_server binds; the port is always a free one.",
        "127.0.0.1",
    ),
    "minimax_server_timeout": ("Seconds minimax_server may take to start or stop.", "10"),
}

#: Marker keywords besides the `Settings` fields.
MARKER_OPTIONS: tuple[str, ...] = (
    "hosts",
    "gateway_urls",
    "cdn_url",
    "unmatched",
    "block_network",
    "assert_all_fired",
    "journal_keys",
)
_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True}
_BOOLEANS.update({"false": False, "0": False, "no": False, "off": False})

_INI_SETTINGS = {
    "minimax_seed": "seed",
    "minimax_timing": "timing",
    "minimax_clock": "clock",
    "minimax_api_keys": "api_keys",
}
#: Settings that mean something only to `mockminimax serve`; the fixtures refuse them.
_SERVE_ONLY = ("host", "port")
_FIXTURE_DEFAULTS: dict[str, Any] = {"clock": "virtual", "seed": 0}

_MARKER_DOC = (
    "minimax(*, seed=0, timing='fast', clock='virtual', api_keys=(), faults=(), hosts=(), "
    "gateway_urls=(), cdn_url='https://video-product.cdn.minimax.io', unmatched='refuse', "
    "block_network=True, assert_all_fired=False, journal_keys='masked', **settings): "
    "mockminimax options for this test, class or module; any setting but host and port "
    "(the fixtures' server binds once per session). The closest marker wins: test > class "
    "> module > ini options."
)


@dataclass(frozen=True)
class FixtureOptions:
    """What one test asked for: the mock's settings plus the respx router's knobs."""

    settings: Settings
    hosts: tuple[str, ...] = ()
    gateway_urls: tuple[str, ...] = ()
    cdn_url: str = CDN_URL
    unmatched: str = "refuse"
    #: The network guard (`plugin.guard`); on only while `unmatched` is `refuse`.
    block_network: bool = True
    assert_all_fired: bool = False
    journal_keys: str = "masked"

    @property
    def guards_network(self) -> bool:
        """Whether a `minimax_respx` test runs under the network guard: `passthrough`
        means the test wants httpx to reach other hosts, so the guard stands aside."""
        return self.block_network and self.unmatched == "refuse"

    def merged(self, values: Mapping[str, Any]) -> FixtureOptions:
        """A copy with marker or ini values applied; raises `SettingsError` naming the key."""
        plugin: dict[str, Any] = {}
        settings: dict[str, Any] = {}
        for raw, value in values.items():
            name = raw.replace("-", "_")
            if name in _SERVE_ONLY:
                raise SettingsError(
                    name,
                    "the fixtures' server binds once per session on a free port; "
                    "set the interface with the minimax_server_host ini option",
                )
            if name in MARKER_OPTIONS:
                plugin[name] = _plugin_value(name, value)
            elif name in SETTING_NAMES:
                settings[name] = value
            else:
                known = ", ".join((*MARKER_OPTIONS, *SETTING_NAMES))
                raise SettingsError(raw, f"unknown option (known: {known})")
        return dataclasses.replace(self, settings=self.settings.merged(settings), **plugin)


def _plugin_value(name: str, value: Any) -> Any:
    if name in ("hosts", "gateway_urls"):
        if isinstance(value, str):
            return tuple(v for v in value.replace(",", " ").split() if v)
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise SettingsError(name, f"{value!r} is not a list of strings")
    if name in ("block_network", "assert_all_fired"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
            return _BOOLEANS[value.strip().lower()]
        raise SettingsError(name, f"{value!r} is not true or false")
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(name, f"{value!r} is not a non-empty string")
    if name == "unmatched" and value not in UNMATCHED_MODES:
        raise SettingsError(name, f"{value!r} is not one of {', '.join(UNMATCHED_MODES)}")
    if name == "journal_keys" and value not in JOURNAL_KEYS:
        raise SettingsError(name, f"{value!r} is not one of {', '.join(JOURNAL_KEYS)}")
    if name == "cdn_url" and not value.startswith(("http://", "https://")):
        raise SettingsError(name, f"{value!r} is not an http(s) URL")
    return value.strip()


def options_from_ini(config: pytest.Config) -> FixtureOptions:
    """The suite's defaults: built-in fixture defaults, then `minimax_settings`, then the
    dedicated ini options (raises `SettingsError` naming the ini option)."""
    options = FixtureOptions(Settings().merged(_FIXTURE_DEFAULTS))
    lines = _ini(config, "minimax_settings")
    for line in lines.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise SettingsError("minimax_settings", f"{line!r} is not NAME=VALUE")
        options = _ini_merge(options, "minimax_settings", {name.strip(): value.strip()})
    for ini_name, setting in _INI_SETTINGS.items():
        value = _ini(config, ini_name)
        if value:
            options = _ini_merge(options, ini_name, {setting: value.replace("\n", ",")})
    for ini_name, key in (
        ("minimax_hosts", "hosts"),
        ("minimax_gateway_urls", "gateway_urls"),
        ("minimax_cdn_url", "cdn_url"),
        ("minimax_unmatched", "unmatched"),
        ("minimax_block_network", "block_network"),
        ("minimax_assert_all_fired", "assert_all_fired"),
        ("minimax_journal_keys", "journal_keys"),
    ):
        value = _ini(config, ini_name)
        if value:
            options = _ini_merge(options, ini_name, {key: value})
    return options


def _ini(config: pytest.Config, name: str) -> str:
    value = config.getini(name)
    return str(value).strip() if value is not None else ""


def _ini_merge(options: FixtureOptions, ini_name: str, values: dict[str, Any]) -> FixtureOptions:
    try:
        return options.merged(values)
    except SettingsError as exc:
        raise SettingsError(f"ini option {ini_name}", str(exc)) from None


# -- hooks -------------------------------------------------------------------------------

_BASE = pytest.StashKey[FixtureOptions]()


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, (help_text, default) in INI_OPTIONS.items():
        parser.addini(name, f"mockminimax: {help_text}", default=default)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", _MARKER_DOC)
    try:
        config.stash[_BASE] = options_from_ini(config)
        server_timeout(config)
    except SettingsError as exc:
        raise pytest.UsageError(f"mockminimax: {exc}") from None


def server_timeout(config: pytest.Config) -> float:
    """Seconds the live server may take to start, and again to stop."""
    raw = _ini(config, "minimax_server_timeout") or INI_OPTIONS["minimax_server_timeout"][1]
    try:
        timeout = float(raw)
    except ValueError:
        timeout = -1.0
    if not 0 < timeout < float("inf"):
        raise SettingsError(
            "ini option minimax_server_timeout", f"{raw!r} is not a number of seconds above 0"
        )
    return timeout


def resolve_options(node: pytest.Item | pytest.Collector, base: FixtureOptions) -> FixtureOptions:
    """`base` with every `minimax` marker applied, farthest first, so the closest wins."""
    __tracebackhide__ = True
    markers = list(node.iter_markers("minimax"))
    options = base
    for marker in reversed(markers):
        if marker.args:
            pytest.fail(
                f"mockminimax: @pytest.mark.minimax takes keywords only, got {marker.args!r} "
                f"on {node.nodeid}",
                pytrace=False,
            )
        try:
            options = options.merged(marker.kwargs)
            continue
        except SettingsError as exc:
            problem = str(exc)
        # Failed outside the `except`: the report is one line, not a chained traceback.
        pytest.fail(f"mockminimax: @pytest.mark.minimax on {node.nodeid}: {problem}", pytrace=False)
    return options


# -- the per-test reset, shared by both fixtures and the benchmarks ----------------------
# Each test starts from `MiniMaxMock.configure(its settings)`: its fault rules, no tasks or
# journal, the clock and the seed rewound.


def start_server(options: FixtureOptions, host: str, timeout: float) -> ServerThread:
    """The session's live server, or a `pytest.fail` that names why it could not start."""
    __tracebackhide__ = True
    from .server.runner import ServerThread

    server: ServerThread | None = None
    try:
        server = ServerThread(MiniMaxMock(options.settings), host=host, port=0)
        server.start(timeout)
    except OSError as exc:  # the bind, before any thread exists
        problem = f"could not bind {host!r} (ini option minimax_server_host): {exc}"
    except Exception as exc:  # start() names the cause; anything else still gets one line
        cause = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
        problem = f"could not start: {cause}"
    else:
        return server
    if server is not None:
        server.stop(timeout)
    pytest.fail(f"mockminimax: minimax_server {problem}", pytrace=False)


def begin_server(server: ServerThread, options: FixtureOptions) -> MiniMaxControl:
    __tracebackhide__ = True
    if not server.alive:
        pytest.fail(
            f"mockminimax: the live server at {server.url} stopped during the session",
            pytrace=False,
        )
    server.mock.configure(options.settings)
    return MiniMaxControl(server.mock, server.url, kind="server", journal_keys=options.journal_keys)


def begin_respx(
    backend: InProcess, options: FixtureOptions, local_hosts: tuple[str, ...] = ()
) -> MiniMaxControl:
    """Reset the in-process mock and build this test's router (not started yet);
    `local_hosts` pass through as loopback does."""
    cdn_url = options.settings.public_url or options.cdn_url
    backend.mock.configure(options.settings.replace(public_url=cdn_url))
    router = backend.router(
        hosts=options.hosts,
        gateway_urls=options.gateway_urls,
        cdn_url=cdn_url,
        unmatched=options.unmatched,
        local_hosts=local_hosts,
    )
    gateway = options.gateway_urls[0] if options.gateway_urls else None
    return MiniMaxControl(
        backend.mock,
        API_BASE_URL,
        kind="respx",
        gateway_url=gateway,
        router=router,
        journal_keys=options.journal_keys,
    )


@contextmanager
def respx_for_test(
    backend: InProcess, options: FixtureOptions, allow: tuple[str, ...] = ()
) -> Iterator[MiniMaxControl]:
    """What `minimax_respx` does around a test: reset, then the router started and stopped,
    under the network guard (letting loopback and `allow` through) unless the options
    lift it."""
    control = begin_respx(backend, options, allow)
    assert control.router is not None
    with control.router:
        if options.guards_network:
            with block_network(allow):
                yield control
        else:
            yield control


def _missing_extra(fixture: str, exc: ImportError) -> str:
    missing = exc.name or str(exc)
    return f"mockminimax: {fixture} needs the pytest extra ({missing} is not installed): " + (
        EXTRA_HINT
    )


# -- what a failing test reports, and the checks at teardown -----------------------------

_CONTROLS = pytest.StashKey[dict[str, MiniMaxControl]]()


def _track(request: pytest.FixtureRequest, fixture: str, control: MiniMaxControl) -> None:
    request.node.stash.setdefault(_CONTROLS, {})[fixture] = control


def _check_fired(control: MiniMaxControl, options: FixtureOptions) -> None:
    __tracebackhide__ = True
    if not options.assert_all_fired:
        return
    try:
        control.assert_all_fired()
    except AssertionError as exc:
        problem = str(exc)
    else:
        return
    pytest.fail(f"{problem} (assert_all_fired is on)", pytrace=False)


@pytest.hookimpl(hookwrapper=True)  # the old-style wrapper: any pytest a base install meets
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    controls = item.stash.get(_CONTROLS, None)
    if report.failed and controls:
        for fixture, control in controls.items():
            report.sections.append((section_title(fixture), describe(control)))
    if call.when == "teardown" and controls is not None:
        # Items live for the whole session: a control kept here would keep its router
        # (and every test's before it) alive, for the garbage collector to walk each time.
        del item.stash[_CONTROLS]


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def _minimax_options(request: pytest.FixtureRequest) -> FixtureOptions:
    return resolve_options(request.node, request.config.stash[_BASE])


@pytest.fixture(scope="session")
def _minimax_live_server(pytestconfig: pytest.Config) -> Iterator[ServerThread]:
    host = _ini(pytestconfig, "minimax_server_host") or INI_OPTIONS["minimax_server_host"][1]
    timeout = server_timeout(pytestconfig)
    server = start_server(pytestconfig.stash[_BASE], host, timeout)
    try:
        yield server
    finally:
        server.stop(timeout)


@pytest.fixture
def minimax_server(
    request: pytest.FixtureRequest,
    _minimax_live_server: ServerThread,
    _minimax_options: FixtureOptions,
) -> Iterator[MiniMaxControl]:
    """A live MiniMax on 127.0.0.1:<free port>, reset for this test; `base_url` is its URL."""
    control = begin_server(_minimax_live_server, _minimax_options)
    _track(request, "minimax_server", control)
    yield control
    _check_fired(control, _minimax_options)


@pytest.fixture(scope="session")
def _minimax_inprocess(pytestconfig: pytest.Config) -> Iterator[InProcess]:
    try:
        from .respx_router import InProcess
    except ImportError as exc:  # httpx and respx are the pytest extra's, not the server's
        problem = _missing_extra("minimax_respx", exc)
    else:
        problem = ""
    if problem:
        pytest.fail(problem, pytrace=False)
    backend = InProcess(MiniMaxMock(pytestconfig.stash[_BASE].settings))
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def minimax_respx(
    request: pytest.FixtureRequest,
    _minimax_inprocess: InProcess,
    _minimax_options: FixtureOptions,
) -> Iterator[MiniMaxControl]:
    """httpx calls to the MiniMax hosts (and gateways, and downloads) answered in-process."""
    # The live server's interface stays reachable, whatever `minimax_server_host` says.
    server_host = _ini(request.config, "minimax_server_host")
    allow = (server_host,) if server_host else ()
    with respx_for_test(_minimax_inprocess, _minimax_options, allow) as control:
        _track(request, "minimax_respx", control)
        yield control
    _check_fired(control, _minimax_options)


@pytest.fixture
def minimax_payloads(_minimax_options: FixtureOptions) -> Payloads:
    """Seeded factories of valid create bodies: text_to_video(), image_to_video(), ..."""
    try:
        from .payloads import Payloads
    except ImportError as exc:  # Faker is the pytest extra's
        problem = _missing_extra("minimax_payloads", exc)
    else:
        return Payloads(seed=_minimax_options.settings.seed)
    pytest.fail(problem, pytrace=False)


@pytest.fixture
def minimax_fast_sleep(request: pytest.FixtureRequest) -> Iterator[None]:
    """The test's own `time.sleep(s)` and `await asyncio.sleep(s)` return at once and move
    the virtual clock of the test's server fixture(s) on by `s`."""
    __tracebackhide__ = True
    used = [name for name in SERVER_FIXTURES if name in request.fixturenames]
    if not used:
        pytest.fail(
            "mockminimax: minimax_fast_sleep moves a mock's clock: use it with "
            "minimax_server or minimax_respx",
            pytrace=False,
        )
    controls: list[MiniMaxControl] = [request.getfixturevalue(name) for name in used]
    real = [name for name, c in zip(used, controls, strict=True) if c.settings.clock == "real"]
    if real:
        pytest.fail(
            f"mockminimax: minimax_fast_sleep moves the virtual clock, and {', '.join(real)} "
            "runs on clock='real': drop the clock option (virtual is the fixtures' default)",
            pytrace=False,
        )

    def advance(seconds: float) -> None:
        for control in controls:
            control.advance(seconds)

    with fast_sleep(advance):
        yield
