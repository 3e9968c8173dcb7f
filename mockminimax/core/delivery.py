"""The callback engine: watches tasks that gave a `callback_url` and delivers, in the
background, the challenge and then one push per status change, in order, each once.

- **When**: the engine is told whenever a task may have moved: `tick()` after a virtual
  advance, `touch(task_id)` after a query (the polls clock) or a forced status, and on the
  real clock its own scheduler wakes at each task's next change. A tick only computes and
  queues; nothing is sent on the caller's thread, so an API request never waits for one.
- **How**: one event loop in a daemon thread of its own. Each task's deliveries go one
  after another (the order is the task's); tasks go side by side, so a receiver that hangs
  holds only its own task, at most `callback_timeout` per push. Reset and close cancel
  everything in flight.
- **To where**: a URL under an app a test mounted (`mount`) goes to that app in-process;
  any other URL over HTTP (`webhook_http`), and only to hosts `host_refusal` allows.
- **Faults**: decided when a delivery is queued, on the caller's thread, so one seed and
  the same calls give the same decisions.
- **Seen**: every delivery in a bounded `DeliveryLog` and in the journal (surface
  `callback`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .callbacks import ANSWER_KEEP, CHALLENGE, PUSH, Attempt, Delivery, DeliveryLog, Dialect
from .callbacks import host_refusal as _host_refusal
from .clock import RealClock
from .faults import FaultCall, FaultRule
from .journal import JournalEntry
from .webhook_http import HttpSender

if TYPE_CHECKING:
    from .mock import MiniMaxMock
    from .settings import Settings

__all__ = ["CallbackEngine", "Sender"]

#: URLs remembered as verified under `callback_challenge=per_url`.
_VERIFIED_URLS = 1000
#: Pushes one task may have waiting behind a receiver that is slow to answer; past it,
#: later pushes are recorded as not sent (a status forced back and forth in a loop).
_QUEUE_LIMIT = 100
#: Longest wait between real-clock checks (a task's change is usually sooner).
_SCHEDULER_STEP = 1.0


class Sender(Protocol):
    """Something that POSTs a JSON body to a URL and gives back the answer's status and
    body; the engine bounds it with a timeout."""

    async def post(self, url: str, body: bytes) -> tuple[int, bytes]: ...


@dataclass
class _Challenge:
    delivery: Delivery
    rule: FaultRule | None
    delay: float


@dataclass(eq=False)
class _Watch:
    """One task with a callback_url: where its deliveries stand."""

    task_id: str
    url: str
    dialect: Dialect[Any]
    task: Any
    surface: str
    api_key: str | None
    sender: Sender | None
    refused: str | None
    challenge: _Challenge | None = None
    last: str | None = None
    last_word: str | None = None
    queue: deque[Delivery] = field(default_factory=deque)
    held: Delivery | None = None
    running: bool = False
    verified: bool | None = None
    unverified: str | None = None

    @property
    def active(self) -> bool:
        return self.last is None or not self.dialect.terminal(self.last)


class CallbackEngine:
    """Every callback of one mock. Thread-safe; the loop thread starts at the first
    delivery, so a mock whose tasks never ask for callbacks never starts it."""

    def __init__(self, mock: MiniMaxMock) -> None:
        self.mock = mock
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._watches: OrderedDict[str, _Watch] = OrderedDict()
        self._mounts: list[tuple[str | None, Sender]] = []
        self._http: Sender = HttpSender()
        self._verified: OrderedDict[str, None] = OrderedDict()
        self._running = 0
        self._generation = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._url_locks: dict[str, asyncio.Lock] = {}
        self._wake: asyncio.Event | None = None
        self._scheduling = False
        self.log = DeliveryLog(1, 1)

    @property
    def settings(self) -> Settings:
        return self.mock.settings

    # -- lifecycle --------------------------------------------------------------------

    def configure(self, settings: Settings) -> None:
        """Start afresh with `settings`: nothing watched or logged, mounted apps dropped."""
        with self._lock:
            self._mounts.clear()
        self.reset(settings)

    def reset(self, settings: Settings | None = None) -> None:
        """Cancel every delivery in flight and forget every task; mounted apps stay."""
        settings = settings or self.settings
        with self._lock:
            self._generation += 1
            self._watches.clear()
            self._verified.clear()
            self._running = 0
            self._scheduling = False
            self.log = DeliveryLog(settings.callback_log_size, settings.callback_log_bytes)
            self._idle.notify_all()
            loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._cancel_all)

    def close(self, timeout: float = 2.0) -> None:
        """Stop the loop thread (a later delivery starts a new one); never waits on a
        receiver: whatever is in flight is cancelled and stays `pending` in the log."""
        with self._lock:
            self._generation += 1
            self._running = 0
            self._scheduling = False
            for watch in self._watches.values():
                watch.running = False
                watch.queue.clear()
                watch.challenge = None
            self._idle.notify_all()
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._cancel_all)
                loop.call_soon_threadsafe(loop.stop)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def mount(self, sender: Sender, base_url: str | None = None) -> None:
        """Deliver callbacks whose URL starts with `base_url` (every URL when None) through
        `sender`, an app in this process: no socket, and no host check, since nothing
        leaves the process. The latest mount wins."""
        with self._lock:
            self._mounts.insert(0, (base_url.rstrip("/") if base_url else None, sender))

    def _mounted(self, url: str) -> Sender | None:
        for base, sender in self._mounts:
            if base is None or url == base or url.startswith((base + "/", base + "?")):
                return sender
        return None

    # -- what the mock tells the engine -----------------------------------------------

    def watch(
        self,
        task_id: str,
        url: str,
        dialect: Dialect[Any],
        task: Any,
        *,
        surface: str,
        api_key: str | None,
    ) -> None:
        """Call `url` back about `task`: the challenge now, then a push per change."""
        settings = self.settings
        with self._lock:
            sender = self._mounted(url)
            refused = None if sender else _host_refusal(url, settings.callback_hosts)
            watch = _Watch(
                task_id, url, dialect, task, surface, api_key,
                sender=None if refused else (sender or self._http), refused=refused,
            )  # fmt: skip
            self._watches[task_id] = watch
            while len(self._watches) > settings.max_tasks:
                self._watches.popitem(last=False)
            if refused is not None:
                self._record(self._delivery(watch, CHALLENGE, {}), "not_sent", refused)
            elif settings.callback_challenge == "per_url" and url in self._verified:
                watch.verified = True
            else:
                watch.challenge = self._prepare_challenge(watch)
            self._advance(watch)
            if refused is None:
                self._start(watch)
            if isinstance(self.mock.clock, RealClock):
                self._schedule()

    def touch(self, task_id: str) -> None:
        """A task may have moved (a query on the polls clock, a forced status)."""
        with self._lock:
            watch = self._watches.get(task_id)
            if watch is not None:
                self._advance(watch)

    def tick(self) -> None:
        """The clock moved: queue the changes of every task still under way."""
        with self._lock:
            for watch in list(self._watches.values()):
                if watch.active:
                    self._advance(watch)

    # -- reading ----------------------------------------------------------------------

    def knows(self, task_id: str) -> bool:
        """Whether `task_id` was ever watched since the last reset (of any dialect)."""
        with self._lock:
            return task_id in self._watches or any(d.task_id == task_id for d in self.log)

    def deliveries(self, task_id: str | None = None) -> list[Delivery]:
        return [d for d in self.log if task_id is None or d.task_id == task_id]

    @property
    def busy(self) -> int:
        """Tasks whose deliveries are queued or in flight."""
        return self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait (at most `timeout` s) until nothing is queued or in flight; whether it is.

        A push held back by a `reorder` fault waits for the next push, not counted here.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    # -- queueing (caller's thread, under the lock) -----------------------------------

    def _advance(self, watch: _Watch) -> None:
        dialect = watch.dialect
        status = dialect.status(watch.task)
        if status == watch.last:
            return
        path = tuple(dialect.path(status))
        before = tuple(dialect.path(watch.last)) if watch.last is not None else ()
        changes = path[len(before) :] if path[: len(before)] == before else (status,)
        watch.last = status
        for step in changes:
            word = dialect.word(step)
            if word is None or word == watch.last_word:
                continue
            watch.last_word = word
            self._push(watch, step, word)

    def _delivery(
        self, watch: _Watch, kind: str, body: dict[str, Any], word: str | None = None
    ) -> Delivery:
        return Delivery(
            seq=0,
            task_id=watch.task_id,
            kind=kind,
            url=watch.url,
            body=body,
            time=self.mock.now(),
            dialect=watch.dialect.name,
            status=word,
        )

    def _prepare_challenge(self, watch: _Watch) -> _Challenge:
        delivery = self._delivery(watch, CHALLENGE, {"challenge": self.mock.ids.hex(16)})
        call = FaultCall(route=CHALLENGE, surface=watch.surface, api_key=watch.api_key)
        rule = self.mock.faults.decide(call)
        delay = 0.0
        if rule is not None:
            delivery.fault = rule.id
            delivery.notes.append(f"fault {rule.id}: {rule.action}")
            delivery.corrupt = rule.callback == "corrupt"
            if rule.delay is not None:
                delay = rule.delay_seconds(self.mock.ids.random)
        self.log.add(delivery)
        return _Challenge(delivery, rule, delay)

    def _push(self, watch: _Watch, status: str, word: str) -> None:
        delivery = self._delivery(watch, PUSH, watch.dialect.body(watch.task, status, word), word)
        if watch.refused is not None:
            self._record(delivery, "not_sent", watch.refused)
            return
        if len(watch.queue) >= _QUEUE_LIMIT:
            reason = f"{_QUEUE_LIMIT} pushes of this task already wait for a slow receiver"
            self._record(delivery, "not_sent", reason)
            return
        call = FaultCall(route=PUSH, surface=watch.surface, api_key=watch.api_key, status=word)
        rule = self.mock.faults.decide(call)
        batch = [delivery]
        if rule is not None:
            delivery.fault = rule.id
            delivery.notes.append(f"fault {rule.id}: {rule.action}")
            if rule.delay is not None:
                delivery.delay = rule.delay_seconds(self.mock.ids.random)
            if rule.callback == "drop":
                self._record(delivery, "dropped", f"dropped by fault rule {rule.id}")
                return
            if rule.callback == "corrupt":
                delivery.corrupt = True
        self.log.add(delivery)
        if rule is not None and rule.callback == "duplicate":
            twin = dataclasses.replace(delivery, notes=[*delivery.notes], attempts=[], logged=False)
            self.log.add(twin)
            twin.notes.append(f"a second copy of #{delivery.seq}")
            batch.append(twin)
        if rule is not None and rule.callback == "reorder":
            if not watch.dialect.terminal(status):
                watch.held = delivery
                delivery.notes.append("held back until the next push is sent")
                return
            delivery.notes.append("the last push: nothing after it to swap with")
        if watch.held is not None:
            watch.held.notes.append(f"sent after #{delivery.seq}")
            batch.append(watch.held)
            watch.held = None
        watch.queue.extend(batch)
        self._start(watch)

    def _record(self, delivery: Delivery, outcome: str, reason: str | None) -> None:
        """A delivery decided without sending anything: logged and journaled at once."""
        delivery.outcome = outcome
        delivery.reason = reason
        if delivery.seq == 0:
            self.log.add(delivery)
        self._journal(delivery)

    def _start(self, watch: _Watch) -> None:
        if watch.running or (not watch.queue and watch.challenge is None):
            return
        watch.running = True
        self._running += 1
        generation = self._generation
        self._call(lambda: self._spawn(self._run(watch, generation)))

    def _schedule(self) -> None:
        if self._scheduling:
            self._call(self._poke)
            return
        self._scheduling = True
        generation = self._generation
        self._call(lambda: self._spawn(self._clock(generation)))

    # -- the loop thread --------------------------------------------------------------

    def _call(self, callback: Any) -> None:
        if self._loop is None or self._thread is None or not self._thread.is_alive():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=self._serve, args=(loop,), name="mockminimax-callbacks", daemon=True
            )
            self._loop, self._thread = loop, thread
            thread.start()
        self._loop.call_soon_threadsafe(callback)

    @staticmethod
    def _serve(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._url_locks.clear()

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _clock(self, generation: int) -> None:
        """The real clock's scheduler: sleep until the next change of any task, tick."""
        self._wake = asyncio.Event()
        while generation == self._generation:
            with self._lock:
                now = self.mock.now()
                due = [
                    w.dialect.next_change(w.task, now) for w in self._watches.values() if w.active
                ]
            soonest = min((t for t in due if t is not None), default=None)
            wait = _SCHEDULER_STEP if soonest is None else min(_SCHEDULER_STEP, soonest - now)
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, wait) + 0.001)
            if generation == self._generation:
                self.tick()

    async def _run(self, watch: _Watch, generation: int) -> None:
        try:
            if watch.challenge is not None:
                challenge, watch.challenge = watch.challenge, None
                await self._verify(watch, challenge)
            while True:
                with self._lock:
                    if generation != self._generation or not watch.queue:
                        return
                    delivery = watch.queue.popleft()
                await self._send_push(watch, delivery)
        finally:
            with self._lock:
                if generation == self._generation:
                    watch.running = False
                    self._running -= 1
                    if watch.queue or watch.challenge is not None:
                        self._start(watch)  # queued while this worker was finishing
                    self._idle.notify_all()

    async def _verify(self, watch: _Watch, challenge: _Challenge) -> None:
        if self.settings.callback_challenge != "per_url":
            await self._challenge(watch, challenge)
            return
        lock = self._url_locks.setdefault(watch.url, asyncio.Lock())
        await lock.acquire()
        try:
            if watch.url in self._verified:
                watch.verified = True
                reason = "the URL was verified meanwhile (callback_challenge=per_url)"
                with self._lock:
                    self._record(challenge.delivery, "not_sent", reason)
                return
            await self._challenge(watch, challenge)
            if watch.verified:
                self._verified[watch.url] = None
                while len(self._verified) > _VERIFIED_URLS:
                    self._verified.popitem(last=False)
        finally:
            lock.release()
            if not lock.locked():  # nobody took it over: forget it, so the dict stays small
                self._url_locks.pop(watch.url, None)

    async def _challenge(self, watch: _Watch, challenge: _Challenge) -> None:
        delivery, rule = challenge.delivery, challenge.rule
        if challenge.delay:
            await asyncio.sleep(challenge.delay)
        attempt = await self._attempt(watch, delivery, self.settings.callback_challenge_timeout)
        reason = _challenge_failure(attempt, delivery.body["challenge"])
        if reason is None and rule is not None and rule.callback == "fail":
            reason = f"failed by fault rule {rule.id}"
        watch.verified = reason is None
        watch.unverified = reason
        self._finish(delivery, "delivered" if reason is None else "failed", reason)

    async def _send_push(self, watch: _Watch, delivery: Delivery) -> None:
        settings = self.settings
        if watch.verified is False and settings.callback_unverified == "drop":
            with self._lock:
                self._record(delivery, "not_sent", f"the challenge failed: {watch.unverified}")
            return
        if delivery.delay:
            await asyncio.sleep(delivery.delay)
        reason: str | None = None
        for number in range(settings.callback_retries + 1):
            if number:
                await asyncio.sleep(settings.callback_backoff * 2 ** (number - 1))
            attempt = await self._attempt(watch, delivery, settings.callback_timeout)
            reason = attempt.error
            if reason is None and attempt.status is not None and not 200 <= attempt.status < 300:
                reason = f"the receiver answered HTTP {attempt.status}"
            if reason is None:
                break
        self._finish(delivery, "delivered" if reason is None else "failed", reason)

    async def _attempt(self, watch: _Watch, delivery: Delivery, timeout: float) -> Attempt:
        assert watch.sender is not None
        started = time.monotonic()
        attempt = Attempt(time=self.mock.now(), seconds=0.0)
        try:
            status, raw = await asyncio.wait_for(
                watch.sender.post(delivery.url, delivery.payload()), timeout
            )
            attempt.status = status
            attempt.answer = raw[:ANSWER_KEEP].decode("utf-8", "replace")
        except asyncio.TimeoutError:
            attempt.error = f"no answer within {timeout:g} s"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # refused, reset, garbage, an app that raised: recorded
            attempt.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        attempt.seconds = time.monotonic() - started
        delivery.attempts.append(attempt)
        self.log.grow(delivery, len(attempt.answer or "") + len(attempt.error or ""))
        return attempt

    def _finish(self, delivery: Delivery, outcome: str, reason: str | None) -> None:
        with self._lock:
            delivery.outcome = outcome
            delivery.reason = reason
            self._journal(delivery)

    def _journal(self, delivery: Delivery) -> None:
        last = delivery.attempts[-1] if delivery.attempts else None
        entry = JournalEntry(
            seq=0,
            time=delivery.time,
            method="POST",
            path=delivery.url,
            raw_query=b"",
            surface="callback",
            route=delivery.kind,
            raw_headers=[(b"content-type", b"application/json")],
            request_body=delivery.body,
            status=last.status or 0 if last else 0,
            response_body=last.answer if last else None,
            rejected=None if delivery.outcome == "delivered" else delivery.reason,
            fault=delivery.fault,
            task_id=delivery.task_id,
            notes=[*delivery.notes, f"callback {delivery.outcome}"],
        )
        self.mock.journal.append(entry)


def _challenge_failure(attempt: Attempt, value: str) -> str | None:
    """Why a challenge's answer does not verify the URL (None when it does): the receiver
    must answer 2xx with `{"challenge": value}` (or the bare value) in time."""
    if attempt.error is not None:
        return attempt.error
    if attempt.status is None or not 200 <= attempt.status < 300:
        return f"the receiver answered HTTP {attempt.status}"
    text = (attempt.answer or "").strip()
    if text == value:
        return None
    try:
        echoed = json.loads(text)
    except ValueError:
        return "the answer is not JSON holding the challenge"
    if isinstance(echoed, dict) and echoed.get("challenge") == value:
        return None
    return "the answer does not echo the challenge value"
