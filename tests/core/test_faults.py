"""The fault rule language and its counting, without HTTP: parsing, validation naming the
key, when rules fire, seeded draws, one-request rules, rate limiting, settings sources."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockminimax.core.faults import (
    ACTIONS,
    CALLBACK_ROUTES,
    KEYS,
    ROUTES,
    ConnectionFault,
    FaultCall,
    FaultRule,
    FaultRuleError,
    FaultRules,
    directive_rule,
    header_rule,
    parse_rule,
    parse_rules,
    rule_from_mapping,
    to_httpx_error,
)
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.ratelimit import RPM_PRESETS, RateLimiter
from mockminimax.core.settings import Settings, SettingsError, read_config
from mockminimax.docs import fault_keys_table
from mockminimax.server.routes import ROUTES as SERVER_ROUTES

CREATE = FaultCall("create", "official", model="MiniMax-Hailuo-2.3", prompt="A cat", api_key="k")
QUERY = FaultCall("query", "official", api_key="k")


def fired(rules: FaultRules, call: FaultCall, n: int) -> list[str | None]:
    """Which rule fired on each of `n` identical calls."""
    out = []
    for _ in range(n):
        rule = rules.decide(call)
        out.append(rule.id if rule else None)
    return out


def never() -> float:
    raise AssertionError("no draw expected")


# -- the text syntax ---------------------------------------------------------------------


def test_text_syntax_types_each_value_by_its_key() -> None:
    rule = parse_rule(
        "route=create, surface=GATEWAY,model=MiniMax-Hailuo-02,probability=0.25,"
        "after=1,times=3,minimax_error=1002,delay=1.5,jitter=0.5"
    )
    assert rule.route == "create" and rule.surface == "gateway"
    assert rule.model == "MiniMax-Hailuo-02"
    assert rule.probability == 0.25 and isinstance(rule.probability, float)
    assert (rule.after, rule.times, rule.minimax_error) == (1, 3, 1002)
    assert (rule.delay, rule.jitter) == (1.5, 0.5)


def test_quoted_values_keep_their_commas_and_quotes() -> None:
    rule = parse_rule("route=query,minimax_error=1002,message='rate limit, please retry later'")
    assert rule.message == "rate limit, please retry later"
    html = parse_rule(
        "http_status=502,body='<a href=\"x\">bad, gateway</a>',content_type=text/html"
    )
    assert html.body == '<a href="x">bad, gateway</a>'
    assert html.content_type == "text/html"


@pytest.mark.parametrize(
    "text",
    [
        "route=create,minimax_error=1002,times=2",
        "nth=2|4,http_status=503",
        "route=download,connection=truncate,probability=0.5",
        "task=fail,code=1026,prompt_contains='a, b'",
        "http_status=502,body='<h1>\"bad\"</h1>',content_type=text/html,id=lb",
        "delay=2,jitter=0.5,api_key=sk-abc",
        "task=slow,factor=2.5,model=MiniMax-Hailuo-02,surface=gateway",
    ],
)
def test_to_text_reads_back_as_the_same_rule(text: str) -> None:
    rule = parse_rule(text)
    assert parse_rule(rule.to_text()) == rule
    assert rule_from_mapping(json.loads(json.dumps(rule.keys()))) == rule


def test_keys_may_be_written_with_dashes_and_any_case() -> None:
    assert parse_rule("Minimax-Error=1008").minimax_error == 1008


def test_defaults_are_filled_in_and_shown() -> None:
    assert parse_rule("task=fail").code == 1027
    assert parse_rule("task=slow").factor == 10.0
    rule = FaultRules(never).add(task="fail")
    assert rule.to_json() == {"id": "f1", "task": "fail", "code": 1027, "matched": 0, "hits": 0}


# -- refusals name the key ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("route=create,minimax_eror=1002", "minimax_eror"),
        ("route=teleport,minimax_error=1002", "route"),
        ("surface=v3,minimax_error=1002", "surface"),
        ("probability=1.5,minimax_error=1002", "probability"),
        ("probability=-0.1,minimax_error=1002", "probability"),
        ("probability=nan,minimax_error=1002", "probability"),
        ("probability=often,minimax_error=1002", "probability"),
        ("nth=0,minimax_error=1002", "nth"),
        ("nth=x,minimax_error=1002", "nth"),
        ("times=0,minimax_error=1002", "times"),
        ("after=-1,minimax_error=1002", "after"),
        ("minimax_error=abc", "minimax_error"),
        ("minimax_error=0", "minimax_error"),
        ("http_status=700", "http_status"),
        ("http_status=99", "http_status"),
        ("connection=explode", "connection"),
        ("task=vanish", "task"),
        ("delay=-1", "delay"),
        ("delay=inf", "delay"),
        ("route=create", "action"),
        ("minimax_error=1002,http_status=500", "http_status"),
        ("connection=reset,task=fail", "task"),
        ("message=hi,http_status=500", "message"),
        ("body=x,minimax_error=1002", "body"),
        ("content_type=text/html,http_status=502", "content_type"),
        ("code=1026,task=stuck", "code"),
        ("factor=3,task=fail", "factor"),
        ("jitter=1,minimax_error=1002", "jitter"),
        ("nth=2,times=3,minimax_error=1002", "nth"),
        ("route=query,task=fail", "task"),
        ("route=retrieve,model=MiniMax-Hailuo-02,minimax_error=1002", "model"),
        ("route=query,prompt_contains=cat,minimax_error=1002", "prompt_contains"),
        ("route=download,minimax_error=1002", "minimax_error"),
        ("surface=cdn,minimax_error=1002", "minimax_error"),
        ("route=download,surface=official,http_status=403", "surface"),
        ("route=query,surface=cdn,http_status=403", "route"),
        ("model=,minimax_error=1002", "model"),
        ("route=create,minimax_error=1002,route=query", "route"),
        ("minimax_error", "minimax_error"),
        ("http_status=502,body='unterminated", "body"),
        ("=1002", "rule"),
    ],
)
def test_bad_rules_are_refused_naming_the_key(text: str, key: str) -> None:
    with pytest.raises(FaultRuleError) as caught:
        parse_rule(text)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: ")


def test_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(FaultRuleError, match="known: route, surface, model"):
        rule_from_mapping({"rout": "create", "minimax_error": 1002})


def test_python_values_are_checked_as_text_is() -> None:
    with pytest.raises(FaultRuleError, match=r"^times: must be an integer"):
        FaultRule(minimax_error=1002, times=True)
    with pytest.raises(FaultRuleError, match=r"^probability: must be at most 1"):
        FaultRules(never).add(probability=2, minimax_error=1002)
    assert FaultRule(minimax_error="1002").minimax_error == 1002  # type: ignore[arg-type]
    assert FaultRule(nth=[3, 1], minimax_error=1).nth == (1, 3)  # type: ignore[arg-type]


def test_every_key_has_a_field_and_every_action_a_key() -> None:
    fields = {f for f in FaultRule.__dataclass_fields__ if not f.startswith("_")}
    assert fields == {k.name for k in KEYS}
    assert set(ACTIONS) <= fields
    table = fault_keys_table()
    for key in KEYS:
        assert f"| `{key.name}` |" in table


def test_rule_routes_are_the_server_routes() -> None:
    api = {spec.name for spec in SERVER_ROUTES if spec.surface.name != "control"}
    assert api == set(ROUTES) - {"any", *CALLBACK_ROUTES}


# -- when rules fire ---------------------------------------------------------------------


def test_times_fires_on_the_first_n_matching_calls_only() -> None:
    rules = FaultRules(never)
    rule = rules.add(route="create", minimax_error=1002, times=2)
    assert fired(rules, QUERY, 2) == [None, None]  # not matched: not counted
    assert fired(rules, CREATE, 4) == ["f1", "f1", None, None]
    assert (rule.matched, rule.hits) == (4, 2)


def test_after_skips_then_times_counts_from_there() -> None:
    rules = FaultRules(never)
    rules.add(minimax_error=1000, after=2, times=2)
    assert fired(rules, CREATE, 6) == [None, None, "f1", "f1", None, None]


def test_nth_fires_on_exactly_those_calls() -> None:
    rules = FaultRules(never)
    rules.add(connection="reset", nth="2|5")
    assert fired(rules, QUERY, 6) == [None, "f1", None, None, "f1", None]


def test_first_rule_that_fires_wins_and_later_ones_do_not_see_the_call() -> None:
    rules = FaultRules(never)
    first = rules.add(route="create", minimax_error=1002, times=1)
    second = rules.add(route="create", minimax_error=1008)
    assert fired(rules, CREATE, 3) == ["f1", "f2", "f2"]
    assert (first.matched, first.hits) == (3, 1)
    assert (second.matched, second.hits) == (2, 2)


def test_rules_with_times_form_a_queue() -> None:
    rules = FaultRules(never)
    rules.add(route="create", connection="truncate", times=1)
    rules.add(route="create", minimax_error=1002, times=2)
    rules.add(route="create", http_status=503, times=1)
    assert fired(rules, CREATE, 5) == ["f1", "f2", "f2", "f3", None]


def test_draws_are_made_only_until_a_rule_fires() -> None:
    draws: list[float] = []

    def draw() -> float:
        draws.append(0.0)
        return 0.0

    rules = FaultRules(draw)
    rules.add(minimax_error=1, probability=0.5)
    rules.add(minimax_error=2, probability=0.5)
    assert fired(rules, QUERY, 2) == ["f1", "f1"]
    assert len(draws) == 2


def test_matching_keys() -> None:
    rules = FaultRules(never)
    rules.add(surface="gateway", model="minimax-hailuo-2.3", minimax_error=1)
    rules.add(prompt_contains="CAT", api_key="Bearer sk-k", minimax_error=2)
    rules.add(route="download", http_status=403)
    gateway = FaultCall("create", "gateway", model="MiniMax-Hailuo-2.3", prompt="x")
    assert fired(rules, gateway, 1) == ["f1"]
    assert fired(rules, CREATE, 1) == ["f2"]  # api_key "k" is "sk-k" without the prefix
    assert fired(rules, FaultCall("create", "official", prompt="a cat", api_key="other"), 1) == [
        None
    ]
    assert fired(rules, FaultCall("download", "cdn"), 1) == ["f3"]


def test_task_and_minimax_rules_on_any_route_keep_to_the_calls_they_fit() -> None:
    rules = FaultRules(never)
    rules.add(task="stuck")
    rules.add(minimax_error=1002)
    assert fired(rules, CREATE, 1) == ["f1"]
    assert fired(rules, QUERY, 1) == ["f2"]  # a query cannot make a task stuck
    assert fired(rules, FaultCall("download", "cdn"), 1) == [None]  # no base_resp on storage


def test_probability_zero_never_fires_and_one_always_does() -> None:
    rules = FaultRules(lambda: 0.0)
    rules.add(route="query", minimax_error=1, probability=0)
    rules.add(route="create", minimax_error=2, probability=1)
    assert fired(rules, QUERY, 5) == [None] * 5
    rules = FaultRules(lambda: 0.999999)
    rules.add(minimax_error=2, probability=1)
    assert fired(rules, QUERY, 3) == ["f1"] * 3


def _probability_run(seed: int) -> list[str | None]:
    mock = MiniMaxMock(clock="virtual", seed=seed)
    mock.faults.add(route="create", minimax_error=1002, probability=0.5)
    return fired(mock.faults, CREATE, 40)


def test_same_seed_same_decisions_and_another_seed_others() -> None:
    one, two = _probability_run(3), _probability_run(3)
    assert one == two
    assert 5 < one.count("f1") < 35  # really drawn, not all or nothing
    assert _probability_run(4) != one


def test_reset_replays_the_same_decisions() -> None:
    mock = MiniMaxMock(clock="virtual", seed=8, faults=["probability=0.5,minimax_error=1002"])
    first = fired(mock.faults, QUERY, 30)
    mock.reset()
    assert fired(mock.faults, QUERY, 30) == first


def test_jitter_is_drawn_and_never_negative() -> None:
    rule = parse_rule("delay=1,jitter=0.5")
    assert rule.delay_seconds(lambda: 0.0) == 0.5
    assert rule.delay_seconds(lambda: 1.0) == 1.5
    assert parse_rule("delay=0.1,jitter=1").delay_seconds(lambda: 0.0) == 0.0
    assert parse_rule("delay=2").delay_seconds(never) == 2.0


# -- the rule list -----------------------------------------------------------------------


def test_ids_counters_remove_and_clear() -> None:
    rules = FaultRules(never)
    one = rules.add(minimax_error=1)
    named = rules.add_rule("minimax_error=2,id=mine")
    three = rules.add_rule({"minimax_error": 3})
    assert [r.id for r in rules] == ["f1", "mine", "f2"]
    assert rules.get("mine") is named and three.id == "f2"
    with pytest.raises(FaultRuleError, match=r"^id: 'mine' is taken"):
        rules.add_rule("minimax_error=4,id=mine")
    assert rules.remove("f1") is one
    with pytest.raises(KeyError):
        rules.remove("f1")
    assert rules.clear() == 2 and len(rules) == 0
    assert rules.add(minimax_error=5).id == "f3"  # ids are not reused until a reset


def test_configured_rules_come_back_on_reset_with_fresh_counters() -> None:
    mock = MiniMaxMock(clock="virtual", seed=1, faults=["route=create,minimax_error=1002"])
    assert fired(mock.faults, CREATE, 2) == ["f1", "f1"]
    mock.faults.add(route="query", minimax_error=1004)
    mock.reset()
    assert [(r.id, r.hits) for r in mock.faults] == [("f1", 0)]
    mock.faults.clear()
    assert fired(mock.faults, CREATE, 1) == [None]
    mock.configure(Settings(clock="virtual"))
    assert len(mock.faults) == 0


def test_installed_rule_is_a_copy_with_its_own_counters() -> None:
    configured = parse_rule("minimax_error=1")
    mock = MiniMaxMock(faults=[configured])
    fired(mock.faults, QUERY, 1)
    assert configured.hits == 0 and mock.faults.rules[0].hits == 1
    assert repr(mock.faults.rules[0]) == "FaultRule('minimax_error=1,id=f1', matched=1, hits=1)"


# -- one-request rules -------------------------------------------------------------------


def test_one_request_rules_win_over_installed_ones() -> None:
    rules = FaultRules(never)
    installed = rules.add(minimax_error=1)
    header = header_rule("minimax_error=2")
    prompt = directive_rule("x [mock:error=3]")
    assert prompt is not None
    assert rules.decide(CREATE, [header, prompt]) is header
    assert rules.decide(CREATE, [prompt]) is prompt
    assert installed.matched == 0  # the one-request rules took those calls first
    assert rules.decide(QUERY, [header_rule("route=create,minimax_error=2")]) is installed


@pytest.mark.parametrize(
    ("prompt", "keys"),
    [
        ("A cat [mock:error=1008]", {"minimax_error": 1008}),
        ("[mock:fail=1026] a cat", {"task": "fail", "code": 1026}),
        ("[mock:fail]", {"task": "fail", "code": 1027}),
        ("a cat [mock:stuck]", {"task": "stuck"}),
        ("[mock:slow=3]", {"task": "slow", "factor": 3.0}),
        ("[mock:delay=2]", {"delay": 2.0}),
        ("[mock:http=503]", {"http_status": 503}),
        ("[MOCK:reset]", {"connection": "reset"}),
        ("[mock:delay=1][mock:fail=1026]", {"delay": 1.0, "task": "fail", "code": 1026}),
        ("[mock:minimax_error=1002,delay=0.5]", {"minimax_error": 1002, "delay": 0.5}),
    ],
)
def test_prompt_directives(prompt: str, keys: dict[str, Any]) -> None:
    rule = directive_rule(prompt)
    assert rule is not None and rule.id == "prompt"
    assert {k: v for k, v in rule.keys().items() if k != "id"} == keys


@pytest.mark.parametrize(
    ("prompt", "key"),
    [
        ("[mock:explode]", "explode"),
        ("[mock:error=abc]", "minimax_error"),
        ("[mock:error]", "error"),
        ("[mock:error=1008][mock:fail=1026]", "task"),
        ("[mock:times=2,error=1002]", "times"),
        ("[mock:]", "action"),
    ],
)
def test_bad_directives_name_the_key(prompt: str, key: str) -> None:
    with pytest.raises(FaultRuleError) as caught:
        directive_rule(prompt)
    assert caught.value.key == key


def test_prompts_without_directives_have_no_rule() -> None:
    assert directive_rule("A [camera pans] shot, mock: none") is None


@pytest.mark.parametrize("key", ["nth", "times", "after", "id"])
def test_header_rules_refuse_counting_keys_and_ids(key: str) -> None:
    with pytest.raises(FaultRuleError) as caught:
        header_rule(f"minimax_error=1002,{key}=2")
    assert caught.value.key == key


# -- connection faults in-process --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("reset", httpx.ReadError),
        ("stall", httpx.ReadTimeout),
        ("truncate", httpx.RemoteProtocolError),
    ],
)
def test_connection_faults_become_the_httpx_errors_of_a_socket(
    kind: str, error: type[httpx.TransportError]
) -> None:
    request = httpx.Request("GET", "http://mock.test/v1/query/video_generation")
    for fault in (kind, ConnectionFault(kind, "f1")):
        exc = to_httpx_error(fault, request)
        assert type(exc) is error
        assert exc.request is request


def test_malformed_is_not_an_exception() -> None:
    with pytest.raises(ValueError):
        to_httpx_error("malformed", httpx.Request("GET", "http://x"))
    with pytest.raises(ValueError):
        ConnectionFault("malformed")


# -- rate limiting -----------------------------------------------------------------------


def test_rate_limit_is_a_sliding_minute_per_key() -> None:
    limiter = RateLimiter(2)
    assert [limiter.admit("a", t) for t in (0, 10, 20)] == [True, True, False]
    assert limiter.admit("b", 20)  # another key, another window
    assert not limiter.admit("a", 59.9)
    assert limiter.admit("a", 60.0)  # the call at 0 left the window
    assert not limiter.admit("a", 61)
    assert limiter.admit("a", 70.0)
    assert RateLimiter(None).admit("a", 0)


def test_rpm_on_the_mock_follows_its_clock_and_resets() -> None:
    mock = MiniMaxMock(clock="virtual", rpm=1)
    assert mock.admit("k") and not mock.admit("k")
    mock.advance(60)
    assert mock.admit("k") and not mock.admit("k")
    mock.reset()
    assert mock.admit("k")


def test_rpm_presets_and_refusals() -> None:
    assert Settings().merged({"rpm": "free"}).rpm == RPM_PRESETS["free"] == 5
    assert Settings().merged({"rpm": "H3"}).rpm == 300
    assert Settings().merged({"rpm": ""}).rpm is None
    for bad in ("0", "lots"):
        with pytest.raises(SettingsError, match=r"^rpm: "):
            Settings().merged({"rpm": bad})


# -- rules as settings -------------------------------------------------------------------


def test_faults_setting_reads_lines_json_lists_and_objects() -> None:
    env = {"MOCKMINIMAX_FAULTS": "route=create,minimax_error=1002\nroute=query,delay=1\n"}
    assert [r.route for r in Settings.from_env(env).faults] == ["create", "query"]
    env = {"MOCKMINIMAX_FAULTS": json.dumps([{"task": "stuck"}, "minimax_error=1008"])}
    assert [r.action for r in Settings.from_env(env).faults] == [
        "task=stuck",
        "minimax_error=1008",
    ]
    assert Settings(faults=("connection=reset",)).faults == (parse_rule("connection=reset"),)  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match=r"^faults: probability: .*\(rule 2\)"):
        Settings().merged({"faults": ["minimax_error=1", "probability=7,minimax_error=1"]})
    with pytest.raises(SettingsError, match=r"^faults: not a valid JSON list"):
        Settings.from_env({"MOCKMINIMAX_FAULTS": "[oops"})


def test_parse_rules_takes_every_shape() -> None:
    rule = parse_rule("minimax_error=1")
    assert parse_rules([rule, "minimax_error=1", {"minimax_error": 1}]) == (rule,) * 3
    assert parse_rules({"minimax_error": 1}) == (rule,)
    with pytest.raises(FaultRuleError, match=r"^rule: "):
        parse_rules(42)


def test_config_file_json(tmp_path: Path) -> None:
    path = tmp_path / "mock.json"
    config = {
        "seed": 4,
        "clock": "virtual",
        "rpm": 20,
        "faults": [{"route": "create", "minimax_error": 1002, "times": 2}, "route=query,delay=1"],
    }
    path.write_text(json.dumps(config))
    settings = Settings().merged(read_config(path))
    assert (settings.seed, settings.clock, settings.rpm) == (4, "virtual", 20)
    assert [r.to_text() for r in settings.faults] == [
        "route=create,times=2,minimax_error=1002",
        "route=query,delay=1",
    ]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")
def test_config_file_toml(tmp_path: Path) -> None:
    path = tmp_path / "mock.toml"
    path.write_text(
        'seed = 4\nrpm = "paid"\n\n[[faults]]\nroute = "create"\nminimax_error = 1002\n'
        'times = 2\n\n[[faults]]\nroute = "download"\nhttp_status = 403\n'
    )
    settings = Settings().merged(read_config(path))
    assert settings.rpm == 20
    assert [r.action for r in settings.faults] == ["minimax_error=1002", "http_status=403"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("{not json", "config", "is not valid JSON"),
        ("[1, 2]", "config", "must hold an object"),
        ('{"seeed": 1}', "seeed", "unknown setting"),
    ],
)
def test_bad_config_files_name_the_problem(
    tmp_path: Path, content: str, name: str, message: str
) -> None:
    path = tmp_path / "mock.json"
    path.write_text(content)
    with pytest.raises(SettingsError) as caught:
        read_config(path)
    assert caught.value.name == name and message in str(caught.value)
    with pytest.raises(SettingsError, match=r"^config: cannot read"):
        read_config(tmp_path / "missing.json")
