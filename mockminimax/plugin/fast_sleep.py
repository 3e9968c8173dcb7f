"""`minimax_fast_sleep`: `time.sleep` and `asyncio.sleep` move the mock's clock instead of waiting.

Only calls from the test's own code are fast: a call on the test's thread whose caller is
not the event loop, the server, anyio or the mock itself. The live server's thread, an
event loop's internals and uvicorn's own waits keep real time. `from time import sleep`
done before the test binds the real function and is not patched.
"""

from __future__ import annotations

import asyncio
import math
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["fast_sleep"]

#: Callers whose sleeps stay real: the loop, the servers, the mock and pytest itself.
_INTERNAL = (
    "asyncio",
    "uvloop",
    "anyio",
    "sniffio",
    "concurrent",
    "threading",
    "selectors",
    "uvicorn",
    "starlette",
    "httpcore",
    "mockminimax.",
    "_pytest",
    "pluggy",
)


def _from_test(frame: FrameType | None, thread: threading.Thread) -> bool:
    if threading.current_thread() is not thread or frame is None:
        return False
    module = str(frame.f_globals.get("__name__", ""))
    return not module.startswith(_INTERNAL)


@contextmanager
def fast_sleep(advance: Callable[[float], None]) -> Iterator[None]:
    """Patch `time.sleep` and `asyncio.sleep` for the current thread's own code."""
    thread = threading.current_thread()
    real_sleep = time.sleep
    real_asleep = asyncio.sleep

    def sleep(seconds: float) -> None:
        if not _from_test(sys._getframe(1), thread) or not math.isfinite(seconds) or seconds < 0:
            return real_sleep(seconds)  # real time, or time.sleep's own error for bad values
        advance(float(seconds))
        return None

    def asleep(delay: float, result: Any = None) -> Coroutine[Any, Any, Any]:
        if not _from_test(sys._getframe(1), thread) or not math.isfinite(delay):
            return real_asleep(delay, result)
        return _advance_then_yield(delay, result)

    async def _advance_then_yield(delay: float, result: Any) -> Any:
        if delay > 0:
            advance(float(delay))
        await real_asleep(0)  # still a suspension point, as a real sleep is
        return result

    sleep.__doc__ = real_sleep.__doc__
    asleep.__doc__ = real_asleep.__doc__
    time.sleep = sleep  # type: ignore[assignment]
    asyncio.sleep = asleep
    try:
        yield
    finally:
        time.sleep = real_sleep
        asyncio.sleep = real_asleep
