"""The video cache: one render per shape, keyed by size, length, fps and audio, bounded."""

from __future__ import annotations

import pytest

from mockminimax.core.mp4 import render_mp4
from mockminimax.core.videos import VideoLibrary


def test_each_shape_is_rendered_once_and_kept() -> None:
    lib = VideoLibrary()
    assert lib.peek(64, 48, 24) is None
    video = lib.get(64, 48, 24)
    assert lib.peek(64, 48, 24) is video
    assert lib.get(64, 48, 24) is video
    assert (video.width, video.height, video.frames, video.fps, video.audio) == (
        64,
        48,
        24,
        24,
        False,
    )
    assert video.data == render_mp4(64, 48, 24)
    assert video.etag.startswith('"') and len(video.etag) == 34


@pytest.mark.parametrize(("fps", "audio"), [(25, False), (24, True), (25, True)])
def test_fps_and_audio_are_part_of_the_key(fps: int, audio: bool) -> None:
    lib = VideoLibrary()
    plain = lib.get(64, 48, 24)
    other = lib.get(64, 48, 24, fps=fps, audio=audio)
    assert other is not plain and other.etag != plain.etag
    assert (other.fps, other.audio) == (fps, audio)
    assert other.data == render_mp4(64, 48, 24, fps, audio)
    assert lib.peek(64, 48, 24, fps=fps, audio=audio) is other
    assert lib.peek(64, 48, 24) is plain
    assert len(lib) == 2


def test_bounded_by_count() -> None:
    lib = VideoLibrary(capacity=2)
    first = lib.get(64, 48, 1)
    lib.get(64, 48, 2)
    assert lib.get(64, 48, 1) is first  # now the most recently used
    lib.get(64, 48, 3)
    assert len(lib) == 2
    assert lib.peek(64, 48, 2) is None
    assert lib.peek(64, 48, 1) is first


def test_a_peek_hit_counts_as_a_use() -> None:
    lib = VideoLibrary(capacity=2)
    first = lib.get(64, 48, 1)
    lib.get(64, 48, 2)
    assert lib.peek(64, 48, 1) is first  # how the server finds a file: now the most recent
    lib.get(64, 48, 3)
    assert lib.peek(64, 48, 2) is None
    assert lib.peek(64, 48, 1) is first


def test_bounded_by_bytes() -> None:
    size = len(render_mp4(320, 240, 1))
    lib = VideoLibrary(max_bytes=2 * size + size // 2)
    lib.get(320, 240, 1)
    lib.get(320, 240, 2)
    assert lib.cached_bytes <= lib.max_bytes and len(lib) == 2
    lib.get(320, 240, 3)  # a third one does not fit: the least recently used goes
    assert len(lib) == 2 and lib.cached_bytes <= lib.max_bytes
    assert lib.peek(320, 240, 1) is None


def test_a_file_bigger_than_the_budget_is_served_but_not_kept() -> None:
    lib = VideoLibrary(max_bytes=2000)
    small = lib.get(16, 16, 1)
    assert len(small.data) < 2000 and lib.peek(16, 16, 1) is small
    big = lib.get(320, 240, 1)
    assert big.data == render_mp4(320, 240, 1)
    assert lib.peek(320, 240, 1) is None
    assert lib.peek(16, 16, 1) is small
    assert lib.cached_bytes == len(small.data)
