"""The MP4 files the mock serves: one render per distinct shape, then cached.

Rendering happens once per (width, height, frames, fps, audio), never per request; `warm()`
renders the catalog's common sizes ahead of the first download.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from .catalog import FPS, RESOLUTIONS
from .mp4 import render_mp4

__all__ = ["Video", "VideoLibrary"]

_Key = tuple[int, int, int, int, bool]


@dataclass(frozen=True)
class Video:
    data: bytes
    etag: str
    width: int
    height: int
    frames: int
    fps: int = FPS
    audio: bool = False


class VideoLibrary:
    def __init__(self, capacity: int = 32) -> None:
        self.capacity = capacity
        self._cache: OrderedDict[_Key, Video] = OrderedDict()
        self._lock = threading.Lock()

    def peek(
        self, width: int, height: int, frames: int, fps: int = FPS, audio: bool = False
    ) -> Video | None:
        """The cached file, or None: lets the async server render misses off its loop."""
        return self._cache.get((width, height, frames, fps, audio))

    def get(
        self, width: int, height: int, frames: int, fps: int = FPS, audio: bool = False
    ) -> Video:
        """The MP4 of this shape; ``audio`` adds a stereo AAC track (V2 outputs have one)."""
        key: _Key = (width, height, frames, fps, audio)
        with self._lock:
            video = self._cache.get(key)
            if video is not None:
                self._cache.move_to_end(key)
                return video
            data = render_mp4(width, height, frames, fps, audio)
            video = Video(data, f'"{hashlib.md5(data).hexdigest().upper()}"', *key)
            self._cache[key] = video
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
            return video

    def warm(self) -> None:
        for res in RESOLUTIONS.values():
            for seconds in (6, 10):
                self.get(res.width, res.height, seconds * FPS)
