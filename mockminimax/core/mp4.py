"""Pure-Python writer of a small, real, playable MP4: H.264 colour bars, optionally with AAC.

The mock must hand out genuine MP4 files that players and FFmpeg accept, without depending
on ffmpeg (or any native encoder) at runtime and without encoding per request.  No real
encoding is needed: the video repeats one raw picture (`core/h264.py`) and the audio repeats
the three frames of a steady tone (`core/aac.py`), so rendering is a handful of byte joins,
fast enough that each distinct shape is simply rendered once and cached by the caller
(`core/videos.py`).

This module holds only the container: ``ftyp``, ``moov`` (one video track, and an audio
track when asked), then ``mdat``, laid out for progressive playback.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from .aac import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE, AacTrack, encode_tone
from .h264 import H264Stream, encode_bars

__all__ = ["render_mp4"]

# MP4 timing: like ffmpeg at 24 fps (timescale 12288), one frame lasts 512 media ticks.
_TICKS_PER_FRAME = 512
_MAX_U32 = 0xFFFFFFFF
_MAX_FRAMES = _MAX_U32 // _TICKS_PER_FRAME  # keeps every 32-bit duration field in range
_MAX_FPS = _MAX_U32 // _TICKS_PER_FRAME

_IDENTITY_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_LANGUAGE_UND = (ord("u") - 0x60) << 10 | (ord("n") - 0x60) << 5 | (ord("d") - 0x60)


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", version << 24 | flags), *parts)


def _descriptor(tag: int, *parts: bytes) -> bytes:
    """An MPEG-4 descriptor (ISO/IEC 14496-1), with the length in its 4-byte form like ffmpeg."""
    body = b"".join(parts)
    size = len(body)
    length = bytes((0x80 | size >> 21 & 0x7F, 0x80 | size >> 14 & 0x7F, 0x80 | size >> 7 & 0x7F))
    return bytes((tag,)) + length + bytes((size & 0x7F,)) + body


def _stsc(chunk_counts: Sequence[int]) -> bytes:
    """Sample-to-chunk runs: one entry wherever the samples-per-chunk count changes."""
    entries: list[int] = []
    previous = None
    for index, count in enumerate(chunk_counts):
        if count != previous:
            entries += (index + 1, count, 1)
            previous = count
    return _full_box(b"stsc", 0, 0, struct.pack(f">I{len(entries)}I", len(entries) // 3, *entries))


def _stts(durations: Sequence[tuple[int, int]]) -> bytes:
    """Time-to-sample runs, given as (sample count, duration) pairs."""
    runs = [value for run in durations if run[0] for value in run]
    return _full_box(b"stts", 0, 0, struct.pack(f">I{len(runs)}I", len(runs) // 2, *runs))


def _sample_tables(
    sizes: Sequence[int], chunk_counts: Sequence[int], chunk_offsets: Sequence[int]
) -> tuple[bytes, bytes, bytes]:
    """stsc, stsz and stco of one track."""
    stsz = _full_box(b"stsz", 0, 0, struct.pack(f">II{len(sizes)}I", 0, len(sizes), *sizes))
    n = len(chunk_offsets)
    stco = _full_box(b"stco", 0, 0, struct.pack(f">I{n}I", n, *chunk_offsets))
    return _stsc(chunk_counts), stsz, stco


def _tkhd(track_id: int, duration_ms: int, volume: int, width: int, height: int) -> bytes:
    return _full_box(
        b"tkhd",
        0,
        3,  # track_enabled | track_in_movie
        struct.pack(">IIII", 0, 0, track_id, 0),  # times, track_ID, reserved
        struct.pack(">I8xhhH2x", duration_ms, 0, 0, volume),  # layer, alt group, volume
        _IDENTITY_MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )


def _dinf() -> bytes:
    return _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1)))


def _video_trak(
    width: int,
    height: int,
    frames: int,
    fps: int,
    stream: H264Stream,
    sizes: Sequence[int],
    duration_ms: int,
    chunk_counts: Sequence[int],
    chunk_offsets: Sequence[int],
) -> bytes:
    sps, pps = stream.sps, stream.pps
    tkhd = _tkhd(1, duration_ms, 0, width, height)
    mdhd = _full_box(
        b"mdhd",
        0,
        0,
        struct.pack(
            ">IIIIHH", 0, 0, fps * _TICKS_PER_FRAME, frames * _TICKS_PER_FRAME, _LANGUAGE_UND, 0
        ),
    )
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, b"vide"), b"VideoHandler\x00")
    vmhd = _full_box(b"vmhd", 0, 1, bytes(8))

    avcc = _box(
        b"avcC",
        bytes((1, sps[1], sps[2], sps[3], 0xFF, 0xE1)),  # version, profile, compat, level
        struct.pack(">H", len(sps)),
        sps,
        struct.pack(">BH", 1, len(pps)),
        pps,
    )
    avc1 = _box(
        b"avc1",
        struct.pack(">6xH", 1),  # data_reference_index
        bytes(16),  # pre_defined / reserved
        struct.pack(">HHIIIH", width, height, 0x480000, 0x480000, 0, 1),  # 72 dpi, 1 frame
        bytes(32),  # compressorname
        struct.pack(">Hh", 0x18, -1),  # depth, pre_defined
        avcc,
        _box(b"pasp", struct.pack(">II", 1, 1)),
    )
    stsc, stsz, stco = _sample_tables(sizes, chunk_counts, chunk_offsets)
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), avc1),
        _stts([(frames, _TICKS_PER_FRAME)]),
        _full_box(b"stss", 0, 0, struct.pack(">II", 1, 1)),
        stsc,
        stsz,
        stco,
    )
    minf = _box(b"minf", vmhd, _dinf(), stbl)
    return _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))


def _audio_trak(
    track: AacTrack,
    sizes: Sequence[int],
    duration_ms: int,
    chunk_counts: Sequence[int],
    chunk_offsets: Sequence[int],
) -> bytes:
    count = len(sizes)
    last = track.samples - (count - 1) * FRAME_SAMPLES  # the final frame's real length
    avg_bitrate = round(sum(sizes) * 8 * SAMPLE_RATE / track.samples)
    max_bitrate = max(avg_bitrate, max(sizes) * 8 * SAMPLE_RATE // FRAME_SAMPLES)
    esds = _full_box(
        b"esds",
        0,
        0,
        _descriptor(
            3,  # ES_Descriptor
            struct.pack(">HB", 2, 0),  # ES_ID, no dependency / URL / OCR stream
            _descriptor(
                4,  # DecoderConfigDescriptor
                # objectTypeIndication 0x40 (MPEG-4 audio), streamType 5 (audio) << 2 | 1.
                struct.pack(">BB", 0x40, 0x15),
                max(sizes).to_bytes(3, "big"),  # bufferSizeDB
                struct.pack(">II", max_bitrate, avg_bitrate),
                _descriptor(5, track.config),  # DecoderSpecificInfo: AudioSpecificConfig
            ),
            _descriptor(6, b"\x02"),  # SLConfigDescriptor: predefined MP4
        ),
    )
    mp4a = _box(
        b"mp4a",
        struct.pack(">6xH", 1),  # data_reference_index
        bytes(8),  # version 0 sound description: reserved
        struct.pack(">HHHH", CHANNELS, 16, 0, 0),  # channelcount, samplesize
        struct.pack(">I", SAMPLE_RATE << 16),  # 16.16 fixed point
        esds,
    )
    stsc, stsz, stco = _sample_tables(sizes, chunk_counts, chunk_offsets)
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), mp4a),
        _stts([(count - 1, FRAME_SAMPLES), (1, last)]),
        stsc,
        stsz,
        stco,
    )
    tkhd = _tkhd(2, duration_ms, 0x100, 0, 0)
    mdhd = _full_box(
        b"mdhd",
        0,
        0,
        struct.pack(">IIIIHH", 0, 0, SAMPLE_RATE, track.samples, _LANGUAGE_UND, 0),
    )
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, b"soun"), b"SoundHandler\x00")
    smhd = _full_box(b"smhd", 0, 0, bytes(4))  # balance, reserved
    minf = _box(b"minf", smhd, _dinf(), stbl)
    return _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))


def _mvhd(duration_ms: int, next_track_id: int) -> bytes:
    return _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, 1000, duration_ms),  # creation/modification time 0
        struct.pack(">IH10x", 0x10000, 0x100),  # rate 1.0, volume 1.0
        _IDENTITY_MATRIX,
        bytes(24),  # pre_defined
        struct.pack(">I", next_track_id),
    )


def _ms(units: int, per_second: int) -> int:
    """A duration in milliseconds, rounded up like ffmpeg."""
    return -(-units * 1000 // per_second)


def _check(width: int, height: int, frames: int, fps: int, audio: bool) -> None:
    for name, size in (("width", width), ("height", height)):
        if size % 2 or not 16 <= size <= 4096:
            raise ValueError(f"{name} must be even and within 16..4096, got {size}")
    if not 1 <= frames <= _MAX_FRAMES:
        raise ValueError(f"frames must be within 1..{_MAX_FRAMES}, got {frames}")
    if not 1 <= fps <= _MAX_FPS:
        raise ValueError(f"fps must be within 1..{_MAX_FPS}, got {fps}")
    if not isinstance(audio, bool):
        raise ValueError(f"audio must be True or False, got {audio!r}")


_Chunk = tuple[int, int, int]  # (track index: 0 video, 1 audio; first sample; sample count)


def _audio_samples(frames: int, fps: int) -> int:
    """The video's length in audio samples, rounded half up.

    Exact whenever fps divides the sample rate (24, 25, 30, 48, 50, 60 ...).
    """
    return (2 * frames * SAMPLE_RATE + fps) // (2 * fps)


def _chunks(frames: int, fps: int, track: AacTrack | None) -> list[_Chunk]:
    """The mdat layout, in file order.

    Without audio, one chunk holds every frame.  With audio, each second of video (frames
    [i*fps, (i+1)*fps)) is preceded by the audio frames that start within it, so a player or
    prober reading the file in order meets both tracks early (the first video chunk holds the
    big raw IDR picture, 5.5 MB at 2K) and never runs more than a second ahead on either.
    """
    if track is None:
        return [(0, 0, frames)]
    chunks: list[_Chunk] = []
    next_audio = 0
    for start in range(0, frames, fps):
        end = min(start + fps, frames)
        stop = len(track.frames)
        if end < frames:  # audio frame j starts at j*1024/rate s, the second ends at end/fps s
            stop = min(stop, -(-end * SAMPLE_RATE // (FRAME_SAMPLES * fps)))
        if stop > next_audio:  # a short last second may start no audio frame
            chunks.append((1, next_audio, stop - next_audio))
            next_audio = stop
        chunks.append((0, start, end - start))
    return chunks


def render_mp4(width: int, height: int, frames: int, fps: int = 24, audio: bool = False) -> bytes:
    """Render an H.264 (Constrained Baseline) MP4 showing static vertical colour bars.

    ``width`` and ``height`` must be even and within 16..4096; ``frames`` and ``fps`` must be
    positive.  With ``audio``, the file also carries a stereo AAC-LC track of a 1 kHz tone
    at 48 kHz (one silent frame, then the tone), as long as the video to the nearest sample,
    its chunks interleaved with the video's second by second.  The output is deterministic
    (all MP4 timestamps are zero) and laid out for progressive playback (``ftyp``, ``moov``,
    then ``mdat``).

    Raises:
        ValueError: if an argument is out of range.
    """
    _check(width, height, frames, fps, audio)
    stream = encode_bars(width, height, frames, fps)
    track = encode_tone(_audio_samples(frames, fps)) if audio else None
    chunks = _chunks(frames, fps, track)
    sample_sizes = (stream.sample_sizes, [len(f) for f in track.frames] if track else [])
    chunk_sizes = [sum(sample_sizes[kind][first : first + n]) for kind, first, n in chunks]
    video_ms = _ms(frames, fps)

    def moov(base: int) -> bytes:
        counts: tuple[list[int], list[int]] = ([], [])
        offsets: tuple[list[int], list[int]] = ([], [])
        for (kind, _, n), size in zip(chunks, chunk_sizes, strict=True):
            counts[kind].append(n)
            offsets[kind].append(base)
            base += size
        traks = [
            _video_trak(
                width, height, frames, fps, stream, sample_sizes[0], video_ms, counts[0], offsets[0]
            )
        ]
        movie_ms = video_ms
        if track is not None:
            audio_ms = _ms(track.samples, SAMPLE_RATE)
            traks.append(_audio_trak(track, sample_sizes[1], audio_ms, counts[1], offsets[1]))
            movie_ms = max(movie_ms, audio_ms)
        return _box(b"moov", _mvhd(movie_ms, len(traks) + 1), *traks)

    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
    # The moov size does not depend on the stco values, so a dry run gives the mdat offset.
    base = len(ftyp) + len(moov(0)) + 8
    payload_size = sum(chunk_sizes)
    if base + payload_size > _MAX_U32:
        raise ValueError("video too large for a 32-bit MP4 layout")
    # The big IDR sample stays in two parts so that the final join is its only copy.
    payload: list[bytes] = []
    for kind, first, n in chunks:
        if kind:
            payload += track.frames[first : first + n] if track else ()
        elif first == 0:
            payload += (*stream.idr, *stream.rest[: n - 1])
        else:
            payload += stream.rest[first - 1 : first + n - 1]  # rest[i] is frame i + 1
    mdat_header = struct.pack(">I4s", 8 + payload_size, b"mdat")
    return b"".join((ftyp, moov(base), mdat_header, *payload))
