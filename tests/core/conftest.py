from __future__ import annotations

from collections.abc import Iterator

import av.logging
import pytest


@pytest.fixture
def ffmpeg_logs() -> Iterator[list[tuple[int, str, str]]]:
    """Collect FFmpeg log lines of level WARNING or worse, from every thread."""
    previous = av.logging.get_level()
    av.logging.set_level(av.logging.WARNING)
    try:
        with av.logging.Capture(local=False) as logs:
            yield logs
    finally:
        av.logging.set_level(previous)
