"""The seeded ID source: real ULIDs, IDs of the documented shapes, one draw per task."""

from __future__ import annotations

import random
import re

from ulid import ULID

from mockminimax.core.ids import IdSource, ulid_text


def test_ulid_text_is_the_canonical_ulid_encoding() -> None:
    rng = random.Random(7)
    values = [0, 1, 2**128 - 1, 2**127, *(rng.getrandbits(128) for _ in range(2000))]
    for value in values:
        assert ulid_text(value) == str(ULID.from_int(value))


def test_task_ids_have_the_real_shapes_and_the_clock_time() -> None:
    ids = IdSource(3)
    when = 1767225600.123
    for digits in (15, 18):
        task = ids.task_ids(when, digits)
        assert re.fullmatch(rf"[1-9]\d{{{digits - 1}}}", task.task_id)
        assert re.fullmatch(r"[1-9]\d{14}", task.file_id)
        assert ULID.from_str(task.ulid).milliseconds == int(when * 1000)
        assert re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", task.uuid
        )


def test_task_ids_follow_the_seed() -> None:
    one, two, other = IdSource(5), IdSource(5), IdSource(6)
    first = [one.task_ids(1.0) for _ in range(50)]
    assert first == [two.task_ids(1.0) for _ in range(50)]
    assert first != [other.task_ids(1.0) for _ in range(50)]
    assert len({t.task_id for t in first}) == 50


def test_labels_draw_what_one_label_call_each_would() -> None:
    one, two = IdSource(9), IdSource(9)
    assert one.labels(16, 16, 20) == [two.label(n).encode() for n in (16, 16, 20)]
    # One label of their sum is the same draw (the official surface's headers slice it).
    (whole,) = IdSource(9).labels(52)
    assert [whole[:32], whole[32:64], whole[64:]] == IdSource(9).labels(16, 16, 20)
