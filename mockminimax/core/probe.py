"""Reading an uploaded video's or audio's length, frame rate, size and codecs from its
container, without a decoder: ISO base media (MP4, MOV, M4A) boxes and WAV chunks.

Enough for the checks MiniMax documents on media inputs (reference videos 2-15 s at
23.976-60 fps, 256-5760 px, H.264/H.265 with AAC/MP3; reference audio 2-15 s). Every read
is bounded by the data's length; damaged or truncated containers give `None`, never an
exception.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Probe", "probe_isobmff", "probe_wav"]

#: Boxes holding other boxes on the way to the tracks' timing and sample descriptions.
_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl"})
_MAX_BOXES = 4096  # a container with more is not one this probe reads
_MAX_DEPTH = 8  # moov/trak/mdia/minf/stbl is five deep
_MAX_STTS = 100_000  # time-to-sample entries read; a real file has a handful


@dataclass(frozen=True)
class Probe:
    """What the container says: seconds, frames per second and size of the first video
    track, and the sample-entry codes (`avc1`, `hvc1`, `mp4a`, ...) of every track."""

    duration: float | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    codecs: tuple[str, ...] = ()
    has_video: bool = False
    has_audio: bool = False


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each box in data[start:end]."""
    pos = start
    for _ in range(_MAX_BOXES):
        if pos + 8 > end:
            return
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


@dataclass
class _Track:
    handler: bytes = b""
    timescale: int = 0
    duration: int = 0
    samples: int = 0
    width: int = 0
    height: int = 0
    codec: str = ""


def _read_track(data: bytes, start: int, end: int, track: _Track, depth: int = 0) -> None:
    for kind, a, b in _boxes(data, start, end):
        if kind in _CONTAINERS and depth < _MAX_DEPTH:
            _read_track(data, a, b, track, depth + 1)
        elif kind == b"tkhd" and b - a >= 84:
            # The last 8 bytes: width and height as 16.16 fixed point.
            width, height = struct.unpack_from(">II", data, b - 8)
            track.width, track.height = width >> 16, height >> 16
        elif kind == b"mdhd" and b - a >= 24:
            if data[a] == 1 and b - a >= 36:
                track.timescale, track.duration = struct.unpack_from(">IQ", data, a + 20)
            else:
                track.timescale, track.duration = struct.unpack_from(">II", data, a + 12)
        elif kind == b"hdlr" and b - a >= 12:
            track.handler = data[a + 8 : a + 12]
        elif kind == b"stsd" and b - a >= 16:
            track.codec = data[a + 12 : a + 16].decode("latin-1").strip()
        elif kind == b"stts" and b - a >= 8:
            (count,) = struct.unpack_from(">I", data, a + 4)
            count = min(count, (b - a - 8) // 8, _MAX_STTS)
            track.samples = sum(
                struct.unpack_from(">I", data, a + 8 + 8 * i)[0] for i in range(count)
            )


def probe_isobmff(data: bytes) -> Probe | None:
    """MP4, MOV or M4A: the movie's length and its tracks; None when there is no `moov`."""
    movie_duration: float | None = None
    tracks: list[_Track] = []
    found = False
    for kind, a, b in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        found = True
        for inner, c, d in _boxes(data, a, b):
            if inner == b"mvhd" and d - c >= 20:
                if data[c] == 1 and d - c >= 32:
                    timescale, duration = struct.unpack_from(">IQ", data, c + 20)
                else:
                    timescale, duration = struct.unpack_from(">II", data, c + 12)
                if timescale:
                    movie_duration = duration / timescale
            elif inner == b"trak":
                track = _Track()
                _read_track(data, c, d, track)
                tracks.append(track)
        break
    if not found:
        return None
    video = next((t for t in tracks if t.handler == b"vide"), None)
    fps = width = height = None
    if video is not None and video.timescale and video.duration:
        fps = round(video.samples / (video.duration / video.timescale), 3)
    if video is not None:
        width, height = video.width or None, video.height or None
    if movie_duration is None and video is not None and video.timescale:
        movie_duration = video.duration / video.timescale
    return Probe(
        duration=movie_duration,
        fps=fps,
        width=width,
        height=height,
        codecs=tuple(t.codec for t in tracks if t.codec),
        has_video=video is not None,
        has_audio=any(t.handler == b"soun" for t in tracks),
    )


def probe_wav(data: bytes) -> Probe | None:
    """A RIFF/WAVE file's length from its `fmt ` byte rate and `data` size."""
    byte_rate = 0
    for kind, a, b in _riff_chunks(data):
        if kind == b"fmt " and b - a >= 12:
            (byte_rate,) = struct.unpack_from("<I", data, a + 8)
        elif kind == b"data" and byte_rate:
            return Probe(duration=(b - a) / byte_rate, codecs=("pcm",), has_audio=True)
    return None


def _riff_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    pos = 12
    for _ in range(_MAX_BOXES):
        if pos + 8 > len(data):
            return
        kind, size = struct.unpack_from("<4sI", data, pos)
        end = min(pos + 8 + size, len(data))  # a streamed WAV may overstate its data size
        yield kind, pos + 8, end
        pos += 8 + size + (size & 1)
