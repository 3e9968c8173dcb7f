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
from binascii import hexlify
from typing import NamedTuple

__all__ = ["IdSource", "TaskIds", "ulid_text"]

#: Crockford's base32, the ULID alphabet, and every pair of its characters by 10-bit value.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = tuple(a + b for a in _CROCKFORD for b in _CROCKFORD)
#: Random bits behind each numeric ID of a task: far more than its digits need, so that
#: reducing them to the ID's range favours no value measurably (bias below 1e-12).
_NUMBER_BITS = 96
_MASK_NUMBER = (1 << _NUMBER_BITS) - 1
_MASK_80 = (1 << 80) - 1
#: A task's draw: task_id and file_id numbers, the ULID's random tail, the UUID's 128 bits.
_TASK_BITS = 2 * _NUMBER_BITS + 80 + 128
_FILE_LOW = 10**14
_FILE_SPAN = 9 * 10**14
#: The first number and the count of the numbers of each length a task_id may have
#: (`task_ids`: a lookup, not a power and a product per task).
_RANGES = {n: (10 ** (n - 1), 9 * 10 ** (n - 1)) for n in range(1, 40)}
#: A version-4 UUID's version nibble (4) and variant bits (10), set on its 128 bits.
_UUID_KEEP = ((1 << 128) - 1) ^ (0xF << 76) ^ (0xC << 60)
_UUID_SET = 4 << 76 | 8 << 60
_new_tuple = tuple.__new__


def ulid_text(value: int) -> str:
    """A 128-bit ULID value in its 26-character Crockford base32 form (two zero bits, then
    the value, five bits a character), ten bits at a time."""
    p = _PAIRS
    return (
        p[value >> 120] + p[value >> 110 & 1023] + p[value >> 100 & 1023]
        + p[value >> 90 & 1023] + p[value >> 80 & 1023] + p[value >> 70 & 1023]
        + p[value >> 60 & 1023] + p[value >> 50 & 1023] + p[value >> 40 & 1023]
        + p[value >> 30 & 1023] + p[value >> 20 & 1023] + p[value >> 10 & 1023]
        + p[value & 1023]
    )  # fmt: skip


class TaskIds(NamedTuple):
    task_id: str
    ulid: str
    file_id: str
    uuid: str


class IdSource:
    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self._rng = random.Random(self.seed)
        self._labels = random.Random(f"labels:{self.seed}")
        self._lock = threading.Lock()
        #: The last ULID timestamp (ms) and its 10 characters (`task_ids`).
        self._stamp: tuple[int, str] = (-1, "")

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

    def labels(self, *nbytes: int) -> list[bytes]:
        """`label(n)` for each n, as ASCII bytes (header values), drawn at once: the same
        values as one `label` call each when every n is a multiple of 4 (`randbytes` draws
        32-bit words)."""
        total = nbytes[0] if len(nbytes) == 1 else sum(nbytes)
        with self._lock:
            bits = self._labels.getrandbits(total * 8)  # what `randbytes(total)` draws
        text = hexlify(bits.to_bytes(total, "little"))  # `.hex().encode()` in one call
        if len(nbytes) == 1:
            return [text]
        out = []
        start = 0
        for n in nbytes:
            out.append(text[start : start + 2 * n])
            start += 2 * n
        return out

    def task_ids(self, when: float, digits: int = 15) -> TaskIds:
        """Every random ID of a new task from one draw: its `digits`-digit task_id, its
        ULID (timestamped `when`), its 15-digit file_id and the UUID of its download path."""
        with self._lock:
            bits = self._rng.getrandbits(_TASK_BITS)
        low, span = _RANGES.get(digits) or (10 ** (digits - 1), 9 * 10 ** (digits - 1))
        task_id = low + (bits & _MASK_NUMBER) % span
        file_id = _FILE_LOW + (bits >> _NUMBER_BITS & _MASK_NUMBER) % _FILE_SPAN
        # ulid_text(ms << 80 | tail): its first 10 characters are the timestamp's alone,
        # kept while the clock stays within one millisecond (8 pairs looked up, not 13).
        ms = int(when * 1000)
        stamp = self._stamp
        if stamp[0] != ms:
            stamp = self._stamp = (ms, ulid_text(ms << 80)[:10])
        tail = bits >> 2 * _NUMBER_BITS & _MASK_80
        p = _PAIRS
        # One join, not eight `+` (each a new string): 0.08 µs.
        ulid = "".join((
            stamp[1], p[tail >> 70], p[tail >> 60 & 1023], p[tail >> 50 & 1023],
            p[tail >> 40 & 1023], p[tail >> 30 & 1023], p[tail >> 20 & 1023],
            p[tail >> 10 & 1023], p[tail & 1023],
        ))  # fmt: skip
        # The version and variant nibbles set on the number, its 16 bytes written as
        # 8-4-4-4-12 hex digits by three `hex` calls (no 32-digit string sliced five ways).
        u = (bits >> 2 * _NUMBER_BITS + 80 & _UUID_KEEP | _UUID_SET).to_bytes(16, "big")
        uuid = f"{u[:4].hex()}-{u[4:10].hex('-', 2)}-{u[10:].hex()}"
        # The tuple made directly: NamedTuple's own __new__ is one more Python call.
        return _new_tuple(TaskIds, (str(task_id), ulid, str(file_id), uuid))

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
