"""Every random value the mock hands out, drawn from one seeded source.

The same seed and the same requests give the same task IDs, file IDs, ULIDs, URLs, trace
IDs and fault decisions; toxiproxy's ignored `-seed` (peer-mock-tools.md §2.4) is the
failure this avoids. The IDs that label an answer (trace and request IDs) come from a
second stream of the same seed, so a read or a refused request, which every answer
labels, never shifts the IDs of the tasks and files made after it.
"""

from __future__ import annotations

import random
import threading
import time

from ulid import ULID

__all__ = ["IdSource"]


class IdSource:
    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self._rng = random.Random(self.seed)
        self._labels = random.Random(f"labels:{self.seed}")
        self._lock = threading.Lock()

    def reseed(self, seed: int | None = None) -> None:
        with self._lock:
            if seed is not None:
                self.seed = seed
            self._rng = random.Random(self.seed)
            self._labels = random.Random(f"labels:{self.seed}")

    def digits(self, n: int = 15) -> str:
        """A numeric ID such as the real `task_id` "361720188367060" (no leading zero)."""
        with self._lock:
            return str(self._rng.randrange(10 ** (n - 1), 10**n))

    def hex(self, nbytes: int) -> str:
        with self._lock:
            return self._rng.randbytes(nbytes).hex()

    def label(self, nbytes: int) -> str:
        """Hex for an answer's trace or request ID, from the answers' own stream."""
        with self._lock:
            return self._labels.randbytes(nbytes).hex()

    def ulid(self, when: float) -> str:
        """A real 26-character ULID, timestamped by the mock's clock."""
        ms = int(when * 1000)
        with self._lock:
            tail = self._rng.randbytes(10)
        return str(ULID.from_bytes(ms.to_bytes(6, "big") + tail))

    def uuid(self) -> str:
        h = self.hex(16)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"

    def random(self) -> float:
        with self._lock:
            return self._rng.random()

    def gateway_request_id(self, when: float) -> str:
        """One-Hub's `X-Oneapi-Request-Id`: yyyyMMddHHmmss, nanoseconds mod 1e9, 8 random."""
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(when))
        nanos = int(when * 1e9) % 1_000_000_000
        with self._lock:
            tail = "".join(self._labels.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=8))
        return f"{stamp}{nanos}{tail}"
