"""The AAC track decoded by FFmpeg (PyAV): a clean 1 kHz tone at -18 dBFS in both channels."""

from __future__ import annotations

import array
import io
import itertools
import math

import av
import pytest

from mockminimax.core.aac import FRAME_SAMPLES, SAMPLE_RATE, TONE_DBFS, TONE_HZ, encode_tone
from mockminimax.core.mp4 import render_mp4


def _decode(data: bytes) -> tuple[array.array[float], array.array[float]]:
    """Left and right channels as floats (FFmpeg's AAC decoder gives planar float)."""
    left: array.array[float] = array.array("f")
    right: array.array[float] = array.array("f")
    options = {"err_detect": "crccheck+bitstream+buffer+explode"}
    with av.open(io.BytesIO(data), options=options) as container:
        for frame in container.decode(audio=0):
            assert frame.format.name == "fltp"
            left.frombytes(bytes(frame.planes[0])[: frame.samples * 4])
            right.frombytes(bytes(frame.planes[1])[: frame.samples * 4])
    return left, right


@pytest.fixture(scope="module")
def channels() -> tuple[array.array[float], array.array[float]]:
    return _decode(render_mp4(64, 48, 72, audio=True))  # 3 s


def test_both_channels_carry_the_same_signal(
    channels: tuple[array.array[float], array.array[float]],
) -> None:
    left, right = channels
    assert len(left) == len(right) == 141 * FRAME_SAMPLES
    assert left == right


def test_the_track_opens_with_one_silent_frame(
    channels: tuple[array.array[float], array.array[float]],
) -> None:
    left, _ = channels
    assert set(left[:FRAME_SAMPLES]) == {0.0}
    assert max(abs(x) for x in left[FRAME_SAMPLES : 2 * FRAME_SAMPLES]) > 0.01  # fading in


def test_a_steady_one_kilohertz_tone_at_alignment_level(
    channels: tuple[array.array[float], array.array[float]],
) -> None:
    left, _ = channels
    second = left[2 * FRAME_SAMPLES : 2 * FRAME_SAMPLES + SAMPLE_RATE]  # after the fade-in
    rms = math.sqrt(math.fsum(x * x for x in second) / len(second))
    assert 20 * math.log10(rms * math.sqrt(2)) == pytest.approx(TONE_DBFS, abs=0.05)
    crossings = sum((a < 0) != (b < 0) for a, b in itertools.pairwise(second))
    assert abs(crossings - 2 * TONE_HZ) <= 2
    # Fit A sin + B cos at 1 kHz: what is left over (the truncated leakage, the quantization)
    # stays 40 dB below the tone.
    omega = 2 * math.pi * TONE_HZ / SAMPLE_RATE
    sin_part = 2 / len(second) * math.fsum(x * math.sin(omega * i) for i, x in enumerate(second))
    cos_part = 2 / len(second) * math.fsum(x * math.cos(omega * i) for i, x in enumerate(second))
    residue = math.fsum(
        (x - sin_part * math.sin(omega * i) - cos_part * math.cos(omega * i)) ** 2
        for i, x in enumerate(second)
    )
    assert 10 * math.log10(math.fsum(x * x for x in second) / residue) > 40


def test_track_length_and_frames() -> None:
    track = encode_tone(4_208 * 48 + 16)  # 202,000 samples: 4.208 s of a 17n+5 frame video
    assert track.samples == 202_000
    assert len(track.frames) == 198  # ceil(202000 / 1024)
    assert track.config == b"\x11\x90"  # AudioSpecificConfig: AAC-LC, 48 kHz, 2 channels
    assert len(set(track.frames)) == 4  # the silent opener, then the tone's 3-frame period
    assert encode_tone(1).frames == track.frames[:1]


def test_rejects_an_empty_track() -> None:
    with pytest.raises(ValueError, match="samples"):
        encode_tone(0)
