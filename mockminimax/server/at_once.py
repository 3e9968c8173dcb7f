"""Running a coroutine to its end without an event-loop turn, when it never waits.

The app's busiest routes answer without suspending once their body is in and no fault
rule could delay them (`MockApp.answers_at_once`). Both the in-process transports and the
live server's protocol (`connection.py`) then drive the app's coroutine right where the
request arrived, skipping the task, its scheduling and the loop turn that cost more than
the answer. Should the coroutine wait after all, `go_on` carries it on in a task, so a
wrong guess costs speed, never an answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["PENDING", "go_on", "start"]

T = TypeVar("T")


class _Pending:
    """What `start` returns for a coroutine that waited: its `waited` is what it waits on."""

    __slots__ = ()


PENDING = _Pending()


def start(call: Coroutine[Any, Any, T]) -> tuple[T | _Pending, Any]:
    """Run `call` until it ends or first waits: (its result, None), or (PENDING, what it
    waits on) for `go_on` to carry on with."""
    try:
        waited = call.send(None)
    except StopIteration as stop:
        return stop.value, None
    return PENDING, waited


async def go_on(call: Coroutine[Any, Any, T], waited: Any) -> T:
    """Carry on, in a task, with a call `start` began that waited after all: wait for
    what it waited for, then resume it (it reads the outcome itself)."""
    while True:
        try:
            if waited is None:  # a bare yield: one turn of the loop
                await asyncio.sleep(0)
            else:
                await waited
        except BaseException as exc:  # handed on to the call, never swallowed
            if waited is None or not asyncio.isfuture(waited) or not waited.done():
                try:
                    waited = call.throw(exc)
                except StopIteration as stop:
                    result: T = stop.value
                    return result
                continue
        try:
            waited = call.send(None)
        except StopIteration as stop:
            answer: T = stop.value
            return answer
