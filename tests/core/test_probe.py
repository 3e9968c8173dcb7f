"""`probe`: what V2 validation reads from media bytes, from headers alone."""

from __future__ import annotations

import io
import random
import struct
import wave

import pytest

from mockminimax.core.images import encode_png
from mockminimax.core.mp4 import render_mp4
from mockminimax.core.probe import probe


def test_the_mocks_own_v2_output() -> None:
    info = probe(render_mp4(1344, 768, 107, 24, audio=True))
    assert (info.kind, info.format, info.width, info.height) == ("video", "mp4", 1344, 768)
    assert (info.frames, info.video_codec, info.audio_codec) == (107, "h264", "aac")
    assert info.seconds == pytest.approx(107 / 24) and info.fps == pytest.approx(24.0)
    assert info.has_audio


def test_a_silent_video_has_no_audio() -> None:
    info = probe(render_mp4(320, 256, 30, 10))
    assert (info.fps, info.seconds, info.audio_codec) == (10.0, 3.0, None)


def test_a_quicktime_brand_is_mov() -> None:
    data = bytearray(render_mp4(256, 256, 48, 24))
    data[8:12] = b"qt  "
    info = probe(bytes(data))
    assert (info.format, info.width, info.frames) == ("mov", 256, 48)


def test_wav_duration() -> None:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(bytes(4 * 44100 * 3))
    info = probe(out.getvalue())
    assert (info.kind, info.format, info.seconds) == ("audio", "wav", 3.0)


def test_mp3_duration_by_bitrate_or_xing_count() -> None:
    frame = b"\xff\xfb\x90\x00"  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    cbr = probe(b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10) + frame + bytes(31996))
    assert (cbr.format, cbr.seconds) == ("mp3", pytest.approx(2.0))
    xing = frame + bytes(32) + b"Xing" + struct.pack(">II", 1, 100) + bytes(400)
    assert probe(xing).seconds == pytest.approx(100 * 1152 / 44100)


def test_image_sizes_including_heif() -> None:
    png = probe(encode_png(300, 200))
    assert (png.kind, png.format, png.width, png.height) == ("image", "png", 300, 200)
    heic = b"\x00\x00\x00\x18ftypheic" + bytes(12) + b"\x00\x00\x00\x14ispe" + bytes(4)
    heic += struct.pack(">II", 4032, 3024)
    info = probe(heic)
    assert (info.kind, info.format, info.width, info.height) == ("image", "heic", 4032, 3024)


def test_truncated_and_random_bytes_never_raise() -> None:
    whole = render_mp4(320, 256, 48, 24, audio=True)
    for cut in range(0, len(whole), 211):
        info = probe(whole[:cut])
        assert info.size == cut
    rng = random.Random(5)
    for _ in range(300):
        head = rng.choice(
            [b"", b"\x00\x00\x00\x18ftypisom", b"RIFF\x00\x00\x00\x00WAVE", b"\xff\xfb"]
        )
        probe(head + rng.randbytes(rng.randrange(64)))
