"""The MP4 files the mock serves: one render per distinct shape, then cached.

Rendering happens once per (width, height, frames, fps, audio), never per request; `warm()`
renders the catalog's common sizes ahead of the first download.  The cache is bounded by count
and by bytes (a 2K file is about 5.5 MB, a 4096x4096 one 25 MB): the least recently used files
go first, and a file bigger than the whole budget is served but not kept.
"""

from __future__ import annotations

import contextlib
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
    def __init__(self, capacity: int = 32, max_bytes: int = 256 * 2**20) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._cache: OrderedDict[_Key, Video] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def cached_bytes(self) -> int:
        """Total size of the files kept."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._cache)

    def peek(
        self, width: int, height: int, frames: int, fps: int = FPS, audio: bool = False
    ) -> Video | None:
        """The cached file, or None: lets the async server render misses off its loop.

        Lock-free (a render may hold the lock for a while), but a hit counts as a use.
        """
        key: _Key = (width, height, frames, fps, audio)
        video = self._cache.get(key)
        if video is not None:
            # A render in another thread may have evicted it meanwhile.
            with contextlib.suppress(KeyError):
                self._cache.move_to_end(key)
        return video

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
            if len(data) <= self.max_bytes and self.capacity > 0:
                self._cache[key] = video
                self._bytes += len(data)
                while len(self._cache) > self.capacity or self._bytes > self.max_bytes:
                    self._bytes -= len(self._cache.popitem(last=False)[1].data)
            return video

    def warm(self) -> None:
        for res in RESOLUTIONS.values():
            for seconds in (6, 10):
                self.get(res.width, res.height, seconds * FPS)
