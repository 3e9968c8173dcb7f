"""The MP4 files the mock serves: one render per distinct size and length, then cached.

Rendering happens once per (width, height, frames, fps), never per request; `warm()` renders the
catalog's common sizes ahead of the first download.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from .catalog import FPS, RESOLUTIONS
from .mp4 import render_mp4

__all__ = ["Video", "VideoLibrary"]


@dataclass(frozen=True)
class Video:
    data: bytes
    etag: str
    width: int
    height: int
    frames: int


class VideoLibrary:
    def __init__(self, capacity: int = 32) -> None:
        self.capacity = capacity
        self._cache: OrderedDict[tuple[int, int, int, int], Video] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, width: int, height: int, frames: int, fps: int = FPS) -> Video | None:
        """The cached file, or None: lets the async server render misses off its loop."""
        return self._cache.get((width, height, frames, fps))

    def get(self, width: int, height: int, frames: int, fps: int = FPS) -> Video:
        key = (width, height, frames, fps)
        with self._lock:
            video = self._cache.get(key)
            if video is not None:
                self._cache.move_to_end(key)
                return video
            data = render_mp4(width, height, frames, fps)
            etag = f'"{hashlib.md5(data).hexdigest().upper()}"'
            video = Video(data, etag, width, height, frames)
            self._cache[key] = video
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
            return video

    def warm(self) -> None:
        for res in RESOLUTIONS.values():
            for seconds in (6, 10):
                self.get(res.width, res.height, seconds * FPS)
