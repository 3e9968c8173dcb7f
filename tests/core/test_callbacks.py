"""The callback rules: each callback fault, retries, the challenge settings, the bounded
log and the host policy. The app answers in-process; the receiver is a live one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockminimax.core.callbacks import Delivery, Dialect, V1Dialect, host_refusal, is_loopback
from mockminimax.core.faults import FaultRuleError, directive_rule, header_rule, parse_rule
from mockminimax.core.mock import MiniMaxMock
from mockminimax.core.settings import Settings, SettingsError
from mockminimax.core.tasks import Status, Task
from tests.conftest import AUTH, app_client
from tests.receiver import Receiver

T2V = {"model": "MiniMax-Hailuo-2.3", "prompt": "A fox in the snow"}


class Api:
    """A mock with its own settings, driven in-process; callbacks go over real sockets."""

    def __init__(self, **settings: Any) -> None:
        self.mock = MiniMaxMock(clock="virtual", seed=5, **settings)
        self.client = app_client(self.mock)

    def create(self, url: str) -> str:
        answer = self.client.post(
            "/v1/video_generation", json={**T2V, "callback_url": url}, headers=AUTH
        )
        assert answer.json()["base_resp"]["status_code"] == 0
        return str(answer.json()["task_id"])

    def finish(self) -> None:
        self.mock.advance(3600)
        assert self.mock.callbacks.wait_idle(10)

    def deliveries(self, task_id: str | None = None) -> list[Delivery]:
        assert self.mock.callbacks.wait_idle(10)
        return self.mock.callbacks.deliveries(task_id)

    def close(self) -> None:
        self.client.close()
        self.mock.close()


@pytest.fixture
def api() -> Iterator[Any]:
    made: list[Api] = []

    def make(**settings: Any) -> Api:
        made.append(Api(**settings))
        return made[-1]

    yield make
    for one in made:
        one.close()


def summary(deliveries: list[Delivery]) -> list[tuple[str, str | None, str]]:
    return [(d.kind, d.status, d.outcome) for d in deliveries]


def test_drop_a_push(api: Any, receiver: Receiver) -> None:
    mock = api(faults=["route=push,status=processing,callback=drop"])
    task_id = mock.create(receiver.url())
    mock.finish()

    assert receiver.kinds() == ["challenge", "success"]
    found = mock.deliveries(task_id)
    assert summary(found) == [
        ("challenge", None, "delivered"),
        ("push", "processing", "dropped"),
        ("push", "success", "delivered"),
    ]
    assert found[1].fault == "f1" and found[1].reason == "dropped by fault rule f1"
    assert mock.mock.faults.get("f1").hits == 1


def test_send_a_push_twice(api: Any, receiver: Receiver) -> None:
    mock = api(faults=["route=push,status=success,callback=duplicate"])
    task_id = mock.create(receiver.url())
    mock.finish()

    assert receiver.kinds() == ["challenge", "processing", "success", "success"]
    one, two = receiver.at("/hook")[2:]
    assert one.raw == two.raw
    assert [d.outcome for d in mock.deliveries(task_id)] == ["delivered"] * 4


def test_send_two_pushes_out_of_order(api: Any, receiver: Receiver) -> None:
    mock = api(faults=["route=push,callback=reorder,times=1"])
    task_id = mock.create(receiver.url())
    mock.mock.advance(1.5)  # Processing: held back, nothing sent yet
    assert mock.deliveries(task_id)[1].outcome == "pending"
    assert receiver.kinds() == ["challenge"]
    mock.finish()

    assert receiver.kinds() == ["challenge", "success", "processing"]
    assert "sent after #3" in mock.deliveries(task_id)[1].notes


def test_reorder_on_the_last_push_has_nothing_to_swap_with(api: Any, receiver: Receiver) -> None:
    mock = api(faults=["route=push,status=success,callback=reorder"])
    task_id = mock.create(receiver.url())
    mock.finish()

    assert receiver.kinds() == ["challenge", "processing", "success"]
    assert "the last push: nothing after it to swap with" in mock.deliveries(task_id)[2].notes


def test_send_a_corrupted_body(api: Any, receiver: Receiver) -> None:
    mock = api(faults=["route=push,status=success,callback=corrupt"])
    task_id = mock.create(receiver.url())
    mock.finish()

    assert receiver.kinds() == ["challenge", "processing", "corrupt"]
    sent = receiver.at("/hook")[2].raw
    whole = mock.deliveries(task_id)[2].payload()
    assert sent == whole and b'"status":"success"'[:8] in sent
    full = Delivery(0, task_id, "push", "", mock.deliveries(task_id)[2].body, 0.0, "v1")
    assert len(sent) == len(full.payload()) // 2
    # The receiver answered 400 to the broken body: the mock records it as a failed push.
    assert mock.deliveries(task_id)[2].outcome == "failed"
    assert mock.deliveries(task_id)[2].reason == "the receiver answered HTTP 400"


def test_delay_a_push_holds_that_task_s_later_pushes(api: Any, receiver: Receiver) -> None:
    mock = api(faults=["route=push,status=processing,delay=60"])
    task_id = mock.create(receiver.url())
    mock.mock.advance(3600)

    assert mock.mock.callbacks.wait_idle(0.3) is False  # the delayed push is still waiting
    assert receiver.kinds() == ["challenge"]  # and success waits behind it, in order
    found = mock.mock.callbacks.deliveries(task_id)
    assert [d.outcome for d in found] == ["delivered", "pending", "pending"]
    assert found[1].notes == ["fault f1: delay=60"]


def test_fail_the_challenge_drops_the_pushes_by_default(api: Any, receiver: Receiver) -> None:
    mock = api(faults=["route=challenge,callback=fail"])
    task_id = mock.create(receiver.url())
    mock.finish()

    assert receiver.kinds() == ["challenge"]  # sent, echoed, and still failed
    found = mock.deliveries(task_id)
    assert summary(found) == [
        ("challenge", None, "failed"),
        ("push", "processing", "not_sent"),
        ("push", "success", "not_sent"),
    ]
    assert found[0].reason == "failed by fault rule f1"
    assert found[1].reason == "the challenge failed: failed by fault rule f1"


def test_callback_unverified_send_pushes_anyway(api: Any, receiver: Receiver) -> None:
    mock = api(callback_unverified="send")
    task_id = mock.create(receiver.url("/wrong"))
    mock.finish()

    assert receiver.kinds("/wrong") == ["challenge", "processing", "success"]
    found = mock.deliveries(task_id)
    assert found[0].reason == "the answer does not echo the challenge value"
    assert [d.outcome for d in found] == ["failed", "delivered", "delivered"]


def test_a_corrupted_challenge(api: Any, receiver: Receiver) -> None:
    mock = api(faults=["route=challenge,callback=corrupt"])
    task_id = mock.create(receiver.url())
    mock.finish()

    assert receiver.kinds() == ["corrupt"]
    assert mock.deliveries(task_id)[0].reason == "the receiver answered HTTP 400"


def test_a_late_challenge_is_a_failed_one(api: Any, receiver: Receiver) -> None:
    mock = api(callback_challenge_timeout=0.2)
    task_id = mock.create(receiver.url("/hang"))
    mock.finish()

    found = mock.deliveries(task_id)
    assert found[0].reason == "no answer within 0.2 s"
    assert [d.outcome for d in found] == ["failed", "not_sent", "not_sent"]
    assert receiver.kinds("/hang") == ["challenge"]


def test_failed_pushes_are_retried_only_when_asked(api: Any, receiver: Receiver) -> None:
    once = api()
    task_id = once.create(receiver.url("/flaky/2"))
    once.finish()
    assert [len(d.attempts) for d in once.deliveries(task_id)] == [1, 1, 1]
    assert once.deliveries(task_id)[1].reason == "the receiver answered HTTP 500"

    receiver.clear()
    retried = api(callback_retries=2, callback_backoff=0)
    task_id = retried.create(receiver.url("/flaky/2"))
    retried.finish()
    found = retried.deliveries(task_id)
    assert [[a.status for a in d.attempts] for d in found] == [[200], [500, 500, 200], [200]]
    assert [d.outcome for d in found] == ["delivered"] * 3


def test_challenge_per_task_or_per_url(api: Any, receiver: Receiver) -> None:
    per_task = api()
    for _ in range(2):
        per_task.create(receiver.url())
    per_task.finish()
    assert receiver.kinds().count("challenge") == 2

    receiver.clear()
    per_url = api(callback_challenge="per_url")
    first = per_url.create(receiver.url())
    per_url.finish()
    second = per_url.create(receiver.url())
    other = per_url.create(receiver.url("/hook/other"))
    per_url.finish()
    assert receiver.kinds().count("challenge") == 1
    assert receiver.kinds("/hook/other")[0] == "challenge"
    assert [d.kind for d in per_url.deliveries(second)] == ["push", "push"]
    assert per_url.deliveries(first)[0].kind == "challenge"
    assert per_url.deliveries(other)[0].kind == "challenge"


def test_the_delivery_log_is_bounded_by_count_and_bytes(api: Any, receiver: Receiver) -> None:
    mock = api(callback_log_size=4)
    for _ in range(3):
        mock.create(receiver.url())
    mock.finish()
    log = mock.mock.callbacks.log
    assert len(log) == 4 and log.dropped == 5

    small = api(callback_log_bytes=600)
    for _ in range(3):
        small.create(receiver.url())
    small.finish()
    log = small.mock.callbacks.log
    assert log.bytes <= 600 and log.dropped > 0 and len(log) >= 1


def test_reset_forgets_deliveries_and_cancels_those_in_flight(api: Any, receiver: Receiver) -> None:
    mock = api(callback_timeout=300)
    mock.create(receiver.url("/hang"))
    receiver.wait_for("/hang", 1)
    assert mock.mock.callbacks.busy == 1

    mock.mock.reset()

    assert mock.mock.callbacks.busy == 0 and mock.deliveries() == []


def test_deliveries_are_deterministic_for_a_seed(api: Any, receiver: Receiver) -> None:
    def run() -> list[Any]:
        receiver.clear()
        one = api(faults=["route=push,callback=duplicate,probability=0.5"])
        for _ in range(4):
            one.create(receiver.url())
        one.finish()
        return [(d.task_id, d.kind, d.status, d.body) for d in one.deliveries()]

    assert run() == run()


def test_mounted_sender_takes_the_urls_under_its_base(api: Any) -> None:
    sent: list[tuple[str, bytes]] = []

    class Sender:
        async def post(self, url: str, body: bytes) -> tuple[int, bytes]:
            sent.append((url, body))
            return 200, body

    mock = api()
    mock.mock.callbacks.mount(Sender(), "https://hooks.example.com/app")
    task_id = mock.create("https://hooks.example.com/app/minimax?tenant=1")
    elsewhere = mock.create("https://hooks.example.com/other")
    mock.finish()

    assert [d.outcome for d in mock.deliveries(task_id)] == ["delivered"] * 3
    assert [d.outcome for d in mock.deliveries(elsewhere)] == ["not_sent"] * 3
    assert len(sent) == 3 and sent[0][0] == "https://hooks.example.com/app/minimax?tenant=1"


# -- the host policy and the rule language ------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("http://127.0.0.1:9000/hook", (), False),
        ("http://127.8.9.10/hook", (), False),
        ("http://[::1]:8000/hook", (), False),
        ("http://LOCALHOST/hook", (), False),
        ("https://hooks.internal/x", ("hooks.internal",), False),
        ("https://hooks.internal/x", (), True),
        ("http://sub.hooks.internal/x", ("hooks.internal",), True),
        ("http://0.0.0.0/x", (), True),
        ("http://10.0.0.1/x", (), True),
        ("http://2130706433/x", (), True),  # 127.0.0.1 as a number: a name, not loopback
        ("http://localhost.example.com/x", (), True),
        ("http://127.0.0.1:99999/x", (), True),
        ("http:///x", (), True),
    ],
)
def test_host_policy(url: str, allowed: tuple[str, ...], refused: bool) -> None:
    assert (host_refusal(url, allowed) is not None) is refused


def test_loopback_by_name_only() -> None:
    assert is_loopback("localhost") and is_loopback("[::1]") and is_loopback("127.0.0.1")
    assert not is_loopback("localhost.localdomain") and not is_loopback("::ffff:8.8.8.8")


def test_callback_host_setting_is_checked() -> None:
    assert Settings(callback_hosts=("Hooks.Example.COM",)).callback_hosts == ("hooks.example.com",)
    for bad in ("http://hooks.example.com", "hooks.example.com:8080", "hooks/x", ""):
        with pytest.raises(SettingsError, match="callback_hosts"):
            Settings(callback_hosts=(bad,))
    for name, value in (
        ("callback_retries", 11),
        ("callback_timeout", 0),
        ("callback_challenge_timeout", float("nan")),
        ("callback_backoff", -1),
        ("callback_log_bytes", 0),
    ):
        with pytest.raises(SettingsError, match=name):
            Settings(**{name: value})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("callback=drop", "callback"),
        ("route=create,callback=drop", "callback"),
        ("route=challenge,callback=drop", "callback"),
        ("route=push,callback=fail", "callback"),
        ("route=push,minimax_error=1002", "minimax_error"),
        ("route=challenge,http_status=500", "http_status"),
        ("route=push,connection=reset", "connection"),
        ("route=push,surface=cdn,callback=drop", "route"),
        ("status=success,minimax_error=1002", "status"),
        ("route=push,callback=explode", "callback"),
    ],
)
def test_callback_rules_refused_name_the_key(text: str, key: str) -> None:
    with pytest.raises(FaultRuleError) as caught:
        parse_rule(text)
    assert caught.value.key == key


def test_one_request_rules_cannot_hold_callback_faults() -> None:
    with pytest.raises(FaultRuleError, match="callback faults act after the request"):
        header_rule("route=push,callback=drop")
    with pytest.raises(FaultRuleError, match="callback faults act after the request"):
        directive_rule("a cat [mock:callback=drop]")


def test_rules_for_any_route_never_touch_callbacks(api: Any, receiver: Receiver) -> None:
    mock = api(faults=["delay=30,after=1", "http_status=500,after=1"])
    task_id = mock.create(receiver.url())  # both rules count the create and skip it
    mock.finish()
    # Neither rule sees a callback: each went at once, none delayed, none broken.
    assert [d.outcome for d in mock.deliveries(task_id)] == ["delivered"] * 3
    assert [(r.matched, r.hits) for r in mock.mock.faults] == [(1, 0), (1, 0)]


def test_a_rule_added_over_the_control_api_reaches_callbacks(api: Any, receiver: Receiver) -> None:
    mock = api()
    added = mock.client.post("/_mock/faults", json="route=push,status=success,callback=drop")
    assert added.status_code == 201 and added.json()["callback"] == "drop"
    task_id = mock.create(receiver.url())
    mock.finish()
    assert receiver.kinds() == ["challenge", "processing"]
    assert mock.deliveries(task_id)[2].fault == added.json()["id"]
    bad = mock.client.post("/_mock/faults", json={"route": "push", "callback": "fail"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "callback"


def test_create_with_a_callback_answers_as_before(receiver: Receiver) -> None:
    mock = MiniMaxMock(clock="virtual", seed=5)
    plain = MiniMaxMock(clock="virtual", seed=5)
    with app_client(mock) as client, app_client(plain) as other:
        # A path of its own: the challenge may still land after the test, when others run.
        body = {**T2V, "callback_url": receiver.url("/hook/as-before")}
        answer = client.post("/v1/video_generation", json=body, headers=AUTH)
        same = other.post("/v1/video_generation", json=T2V, headers=AUTH)
        assert answer.json() == same.json()  # the challenge's draw comes after the IDs
        assert isinstance(answer, httpx.Response)
    mock.close()


class _V2Like(Dialect[dict[str, Any]]):
    """A dialect as another surface would write one: its own words and body shape."""

    name = "v2-like"
    ORDER = ("queued", "running")

    def status(self, task: dict[str, Any]) -> str:
        return str(task["status"])

    def path(self, status: str) -> tuple[str, ...]:
        if status in self.ORDER:
            return self.ORDER[: self.ORDER.index(status) + 1]
        return (*self.ORDER, status)

    def word(self, status: str) -> str | None:
        return status  # every status is pushed, the initial one included

    def body(self, task: dict[str, Any], status: str, word: str) -> dict[str, Any]:
        return {"task": {"id": task["id"], "status": word}}

    def terminal(self, status: str) -> bool:
        return status in ("succeeded", "failed", "cancelled")


def test_another_dialect_plugs_into_the_same_engine(receiver: Receiver) -> None:
    mock = MiniMaxMock(clock="virtual", seed=5, faults=["route=push,status=running,callback=drop"])
    task = {"id": "424010985738629", "status": "queued"}
    mock.callbacks.watch(
        task["id"], receiver.url("/hook/dialect"), _V2Like(), task, surface="official", api_key=None
    )
    assert mock.callbacks.wait_idle(10)
    task["status"] = "succeeded"  # the surface moved it; it tells the engine
    mock.callbacks.touch(task["id"])
    assert mock.callbacks.wait_idle(10)
    mock.close()

    assert [r.json for r in receiver.at("/hook/dialect")[1:]] == [
        {"task": {"id": "424010985738629", "status": "queued"}},
        {"task": {"id": "424010985738629", "status": "succeeded"}},
    ]
    found = mock.callbacks.deliveries(task["id"])
    assert [(d.status, d.outcome, d.dialect) for d in found[1:]] == [
        ("queued", "delivered", "v2-like"),
        ("running", "dropped", "v2-like"),  # passed through on the way, and faulted
        ("succeeded", "delivered", "v2-like"),
    ]


def test_pushes_queued_behind_a_hanging_receiver_are_bounded(api: Any, receiver: Receiver) -> None:
    mock = api(callback_timeout=300, callback_unverified="send", callback_log_size=10_000)
    task_id = mock.create(receiver.url("/hang"))
    receiver.wait_for("/hang", 1)
    task = mock.mock.find_task(task_id)
    for _ in range(60):  # 121 pushes (the first force passes Processing), the challenge hangs
        mock.mock.force(task, Status.SUCCESS)
        mock.mock.force(task, Status.PROCESSING)

    found = mock.mock.callbacks.deliveries(task_id)
    waiting = [d for d in found if d.outcome == "pending" and d.kind == "push"]
    refused = [d for d in found if d.outcome == "not_sent"]
    assert len(waiting) == 100 and len(refused) == 21
    assert refused[0].reason == "100 pushes of this task already wait for a slow receiver"


def test_callback_status_case_query_pushes_the_query_s_words(api: Any, receiver: Receiver) -> None:
    mock = api(callback_status_case="query")
    task_id = mock.create(receiver.url())
    mock.mock.force(mock.mock.find_task(task_id), Status.FAIL, 1026)
    mock.deliveries(task_id)

    assert receiver.kinds() == ["challenge", "Processing", "Fail"]


class _Wrapped(V1Dialect):
    """V1's statuses, another surface's words and body: what `create_task` takes."""

    name = "wrapped"

    def word(self, status: str) -> str | None:
        word = super().word(status)
        return None if word is None else word.upper()

    def body(self, task: Task, status: str, word: str) -> dict[str, Any]:
        return {"task": {"id": task.task_id, "status": word}}


def test_create_task_calls_back_in_the_dialect_it_is_given(receiver: Receiver) -> None:
    mock = MiniMaxMock(clock="virtual", seed=5)
    request = mock.validate({**T2V, "callback_url": receiver.url()})
    task = mock.create_task(request, "k", "official", callback_dialect=_Wrapped(mock))
    mock.advance(60)
    assert mock.callbacks.wait_idle(10)
    mock.close()

    assert [r.json for r in receiver.at("/hook")[1:]] == [
        {"task": {"id": task.task_id, "status": "PROCESSING"}},
        {"task": {"id": task.task_id, "status": "SUCCESS"}},
    ]
