"""What the mock can learn from media bytes without decoding them: kind, format, size,
duration, frame rate and codecs, read from container headers only.

V2 checks its media limits (sides, ratio, seconds, fps, codecs) on data URIs and uploaded
files with this; a URL is never fetched, so it is never probed. Headers only: an MP4's box
tree, a WAV's chunks, an MP3's first frame (and its Xing/Info frame count), an image's
header (through `images`), an HEIF's `ispe` property.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from .files import detect_media

__all__ = ["MediaInfo", "probe"]


@dataclass(frozen=True)
class MediaInfo:
    """What the bytes are. Unknown values are None: a header the probe could not read."""

    kind: str  # image, video, audio or other
    format: str  # jpeg, png, webp, heic, mp4, mov, wav, mp3, binary
    size: int
    width: int | None = None
    height: int | None = None
    seconds: float | None = None
    frames: int | None = None
    video_codec: str | None = None
    audio_codec: str | None = None

    @property
    def fps(self) -> float | None:
        if self.frames is None or not self.seconds:
            return None
        return self.frames / self.seconds

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def probe(data: bytes) -> MediaInfo:
    """Read `data`'s properties from its headers; never raises on bad bytes. The kind and
    format come from the file store's one magic-byte reader (`files.detect_media`)."""
    media = detect_media(data)
    size = len(data)
    if media.kind == "image":
        width, height = media.width, media.height
        if media.format == "heic" and width is None:
            width, height = _heif_size(data)
        return MediaInfo("image", media.format, size, width, height)
    if media.format in ("mp4", "mov"):
        return _iso(data, media.format)
    if media.format == "wav":
        return MediaInfo("audio", "wav", size, seconds=_wav_seconds(data))
    if media.format == "mp3":
        return MediaInfo("audio", "mp3", size, seconds=_mp3_seconds(data))
    return MediaInfo(media.kind, media.format, size)


# -- ISO base media (MP4, MOV, HEIF) ------------------------------------------------------

_VIDEO_CODECS = {b"avc1": "h264", b"avc3": "h264", b"hvc1": "h265", b"hev1": "h265"}
_AUDIO_CODECS = {b"mp4a": "aac", b".mp3": "mp3", b"mp3 ": "mp3"}


def _heif_size(data: bytes) -> tuple[int | None, int | None]:
    """An HEIF image's size: its `ispe` (image spatial extents) property."""
    at = data.find(b"ispe")
    if at < 4 or at + 16 > len(data):
        return None, None
    width, height = struct.unpack_from(">II", data, at + 8)
    return int(width), int(height)


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each box in data[start:end]."""
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, i)
        header = 8
        if size == 1 and i + 16 <= end:
            (size,) = struct.unpack_from(">Q", data, i + 8)
            header = 16
        elif size == 0:
            size = end - i
        if size < header or i + size > end:
            return
        yield kind, i + header, i + size
        i += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for k, s, e in _boxes(data, start, end):
        if k == kind:
            return s, e
    return None


def _iso(data: bytes, fmt: str) -> MediaInfo:
    size = len(data)
    moov = _child(data, 0, size, b"moov")
    if moov is None:
        return MediaInfo("video", fmt, size)
    width = height = frames = None
    seconds: float | None = None
    video = audio = None
    for kind, start, end in _boxes(data, *moov):
        if kind != b"trak":
            continue
        track = _track(data, start, end)
        if track is None:
            continue
        handler, codec, track_seconds, count, w, h = track
        if handler == b"vide" and video is None:
            video = _VIDEO_CODECS.get(codec, codec.decode("latin-1").strip())
            width, height, seconds, frames = w, h, track_seconds, count
        elif handler == b"soun" and audio is None:
            audio = _AUDIO_CODECS.get(codec, codec.decode("latin-1").strip())
    return MediaInfo("video", fmt, size, width, height, seconds, frames, video, audio)


def _track(
    data: bytes, start: int, end: int
) -> tuple[bytes, bytes, float | None, int | None, int, int] | None:
    width = height = 0
    tkhd = _child(data, start, end, b"tkhd")
    if tkhd is not None and tkhd[0] < tkhd[1]:
        offset = tkhd[0] + (88 if data[tkhd[0]] == 1 else 76)
        if offset + 8 <= tkhd[1]:
            w, h = struct.unpack_from(">II", data, offset)
            width, height = w >> 16, h >> 16
    mdia = _child(data, start, end, b"mdia")
    if mdia is None:
        return None
    seconds = None
    mdhd = _child(data, *mdia, b"mdhd")
    if mdhd is not None and mdhd[0] < mdhd[1]:
        if data[mdhd[0]] == 1 and mdhd[0] + 32 <= mdhd[1]:
            scale, duration = struct.unpack_from(">IQ", data, mdhd[0] + 20)
        elif mdhd[0] + 20 <= mdhd[1]:
            scale, duration = struct.unpack_from(">II", data, mdhd[0] + 12)
        else:
            scale = duration = 0
        seconds = duration / scale if scale else None
    hdlr = _child(data, *mdia, b"hdlr")
    handler = data[hdlr[0] + 8 : hdlr[0] + 12] if hdlr is not None else b""
    codec, frames = b"", None
    minf = _child(data, *mdia, b"minf")
    stbl = _child(data, *minf, b"stbl") if minf is not None else None
    if stbl is not None:
        stsd = _child(data, *stbl, b"stsd")
        if stsd is not None and stsd[0] + 16 <= stsd[1]:
            codec = data[stsd[0] + 12 : stsd[0] + 16]
        stts = _child(data, *stbl, b"stts")
        if stts is not None and stts[0] + 8 <= stts[1]:
            (count,) = struct.unpack_from(">I", data, stts[0] + 4)
            entries = range(stts[0] + 8, min(stts[1], stts[0] + 8 + 8 * count) - 7, 8)
            frames = sum(struct.unpack_from(">I", data, i)[0] for i in entries)
    return handler, codec, seconds, frames, width, height


# -- WAV ----------------------------------------------------------------------------------


def _wav_seconds(data: bytes) -> float | None:
    byte_rate = 0
    for i in _riff_chunks(data):
        kind, length = struct.unpack_from("<4sI", data, i)
        if kind == b"fmt " and length >= 16 and i + 24 <= len(data):
            (byte_rate,) = struct.unpack_from("<I", data, i + 16)
        elif kind == b"data" and byte_rate:
            return float(min(length, len(data) - i - 8) / byte_rate)
    return None


def _riff_chunks(data: bytes) -> Iterator[int]:
    i = 12
    while i + 8 <= len(data):
        yield i
        (length,) = struct.unpack_from("<I", data, i + 4)
        i += 8 + length + (length & 1)


# -- MP3 ----------------------------------------------------------------------------------

_MP3_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}


def _mp3_seconds(data: bytes) -> float | None:
    """An MP3's length: from its Xing/Info frame count if present, else as constant bitrate.
    None when the bytes do not start (after an ID3 tag) with an MPEG layer III frame."""
    i = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        i = 10 + ((data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | data[9])
    if i + 4 > len(data) or data[i] != 0xFF or data[i + 1] & 0xE0 != 0xE0:
        return None
    b1, b2 = data[i + 1], data[i + 2]
    version = {3: 1, 2: 2, 0: 25}.get((b1 >> 3) & 3)
    if version is None or (b1 >> 1) & 3 != 1:  # layer III only
        return None
    index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if index in (0, 15) or rate_index == 3:
        return None
    bitrate = _MP3_BITRATES[1 if version == 1 else 2][index] * 1000
    rate = _MP3_RATES[version][rate_index]
    samples = 1152 if version == 1 else 576
    for tag in (b"Xing", b"Info"):
        at = data.find(tag, i, i + 64)
        if at >= 0 and at + 12 <= len(data) and data[at + 7] & 1:
            (count,) = struct.unpack_from(">I", data, at + 8)
            return float(count * samples / rate)
    return (len(data) - i) * 8 / bitrate
