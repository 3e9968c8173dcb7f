"""AAC-LC stereo audio without an encoder: a steady 1 kHz test tone, like "bars and tone".

H3 renders its videos with a stereo AAC track; the mock's colour bars get the tone that
traditionally goes with them.  A steady tone needs no psychoacoustics: at 48 kHz a 1 kHz sine
repeats every three 1024-sample frames, so three frames, each the MDCT of one stretch of the
sine, quantized and Huffman-coded once, repeat for the whole track.  Only the scale-factor bands
around 1 kHz carry coefficients (they hold all but about 0.003% of the tone's energy); every
other band is coded as zero.  The first frame is silence, so the tone fades in over one frame
instead of starting with the aliasing of a frame that has no predecessor.

Sample rate: H3's is not documented; 48 kHz is the usual rate for video, and at 24 or 25 fps a
video frame lasts a whole number of samples (2,000 or 1,920), so the audio ends exactly where
the video does.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from .bits import BitWriter

__all__ = [
    "CHANNELS",
    "FRAME_SAMPLES",
    "SAMPLE_RATE",
    "TONE_DBFS",
    "TONE_HZ",
    "AacTrack",
    "encode_tone",
]

SAMPLE_RATE = 48_000
CHANNELS = 2
FRAME_SAMPLES = 1024  # AAC-LC frame length (frameLengthFlag 0)
TONE_HZ = 1000
TONE_DBFS = -18  # the EBU R 68 alignment level

_AOT_AAC_LC = 2
_SAMPLING_INDEX_48K = 3  # ISO/IEC 14496-3 Table 1.18
_ID_CPE = 1  # syntactic element ids (Table 4.85)
_ID_END = 7
_ZERO_HCB = 0
_ESC_HCB = 11
_SF_OFFSET = 100  # dequantized value = sign(q) |q|^(4/3) 2^((sf - 100) / 4)
_SF_DIFF_ZERO = (0b0, 1)  # scale-factor Huffman code of "same as before" (Table 4.A.1)

# Long-window scale-factor bands at 48 kHz (Table 4.129): bands 8..11, bins 32..55, hold 1 kHz
# (bin 41.2) and its main leakage.
_TONE_BANDS = (8, 12)
_SWB_OFFSETS = (0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 56)

# Every coefficient is coded as an escape (|q| >= 16), so one entry of spectrum Huffman codebook
# 11 (Table 4.A.12) is needed: the pair (16, 16), codeword 00100.
_ESC_PAIR_CODE = (0b00100, 5)
_ESC_MIN = 16
_ESC_MAX = 8191


def _audio_specific_config() -> bytes:
    w = BitWriter()
    w.u(5, _AOT_AAC_LC)
    w.u(4, _SAMPLING_INDEX_48K)
    w.u(4, CHANNELS)  # channelConfiguration 2: front left and right, one CPE
    w.u(1, 0)  # GASpecificConfig: frameLengthFlag (1024-sample frames)
    w.u(1, 0)  # dependsOnCoreCoder
    w.u(1, 0)  # extensionFlag
    w.align_zero()
    return w.to_bytes()


def _mdct(block: list[float], first: int, last: int) -> list[float]:
    """Bins ``first``..``last - 1`` of the sine-windowed MDCT (ISO/IEC 14496-3 4.6.11)."""
    n = len(block)
    n0 = (n / 2 + 1) / 2
    windowed = [x * math.sin(math.pi * (i + 0.5) / n) for i, x in enumerate(block)]
    return [
        2
        * math.fsum(
            x * math.cos(2 * math.pi / n * (i + n0) * (k + 0.5)) for i, x in enumerate(windowed)
        )
        for k in range(first, last)
    ]


def _escape(w: BitWriter, value: int) -> None:
    """escape_sequence: N ones, a zero, then value - 2^(N+4) in N+4 bits."""
    n = value.bit_length() - 5
    w.u(n + 1, (1 << (n + 1)) - 2)
    w.u(n + 4, value - (1 << (n + 4)))


def _spectral_pair(w: BitWriter, y: int, z: int) -> None:
    """Two coefficients, both escapes: codeword, sign bits, then each escape_sequence."""
    w.u(_ESC_PAIR_CODE[1], _ESC_PAIR_CODE[0])
    w.u(1, y < 0)
    w.u(1, z < 0)
    _escape(w, abs(y))
    _escape(w, abs(z))


def _channel(w: BitWriter, sf: int, q: list[int]) -> None:
    """individual_channel_stream() of one long window with only the tone's bands coded."""
    first_band, end_band = _TONE_BANDS
    w.u(8, sf)  # global_gain: the first scale factor, so every band codes "no change"
    w.u(1, 0)  # ics_info: ics_reserved_bit
    w.u(2, 0)  # window_sequence: ONLY_LONG_SEQUENCE
    w.u(1, 0)  # window_shape: sine
    w.u(6, end_band)  # max_sfb
    w.u(1, 0)  # predictor_data_present
    for cb, bands in ((_ZERO_HCB, first_band), (_ESC_HCB, end_band - first_band)):
        w.u(4, cb)  # section_data: sect_cb, then sect_len (below 31, so one 5-bit field)
        w.u(5, bands)
    for _ in range(first_band, end_band):
        w.u(_SF_DIFF_ZERO[1], _SF_DIFF_ZERO[0])
    w.u(1, 0)  # pulse_data_present
    w.u(1, 0)  # tns_data_present
    w.u(1, 0)  # gain_control_data_present
    for i in range(0, len(q), 2):
        _spectral_pair(w, q[i], q[i + 1])


def _frame(sf: int, q: list[int] | None) -> bytes:
    """raw_data_block(): one channel pair element (two equal channels), then ID_END."""
    w = BitWriter()
    w.u(3, _ID_CPE)
    w.u(4, 0)  # element_instance_tag
    w.u(1, 0)  # common_window: each channel carries its own ics_info
    for _ in range(CHANNELS):
        if q is None:  # silence: a long window coding no band (max_sfb 0)
            w.u(8 + 1 + 2 + 1, 0)  # global_gain, ics_reserved_bit, window_sequence, shape
            w.u(6 + 1 + 3, 0)  # max_sfb, predictor, pulse, tns, gain control
        else:
            _channel(w, sf, q)
    w.u(3, _ID_END)
    w.align_zero()
    return w.to_bytes()


@functools.cache
def _tone_frames() -> tuple[bytes, ...]:
    """The frames of one period of the tone, quantized at the finest gain that fits."""
    period = SAMPLE_RATE // math.gcd(TONE_HZ * FRAME_SAMPLES, SAMPLE_RATE)
    amplitude = 32768 * 10 ** (TONE_DBFS / 20)  # PCM scale of the AAC synthesis filterbank
    first, last = _SWB_OFFSETS[_TONE_BANDS[0]], _SWB_OFFSETS[_TONE_BANDS[1]]
    spectra = []
    for j in range(period):
        start = j * FRAME_SAMPLES
        block = [
            amplitude * math.sin(2 * math.pi * TONE_HZ * (start + i) / SAMPLE_RATE)
            for i in range(2 * FRAME_SAMPLES)
        ]
        spectra.append(_mdct(block, first, last))
    peak = max(abs(x) for spectrum in spectra for x in spectrum)
    # The finest step that keeps the peak within the largest escape value.  Coefficients
    # below 16 steps (none at 1 kHz; they would be 72 dB under the peak) are raised to 16, so
    # that every pair uses the one escape codeword.
    sf = _SF_OFFSET + math.ceil(4 * math.log2(peak / _ESC_MAX ** (4 / 3)))
    step = 2 ** ((sf - _SF_OFFSET) / 4)
    frames = []
    for spectrum in spectra:
        q = [math.copysign(max(_ESC_MIN, round((abs(x) / step) ** 0.75)), x) for x in spectrum]
        frames.append(_frame(sf, [int(v) for v in q]))
    return tuple(frames)


@dataclass(frozen=True)
class AacTrack:
    """An AAC-LC track in MP4 form: the decoder config and raw frames (no ADTS headers).

    Every track has ``CHANNELS`` channels at ``SAMPLE_RATE``.  ``samples`` is the track's
    length per channel; the last frame may hold fewer real samples than ``FRAME_SAMPLES``,
    which the container's sample durations say.
    """

    config: bytes
    samples: int
    frames: list[bytes]


def encode_tone(samples: int) -> AacTrack:
    """``samples`` samples (per channel) of the stereo test tone at ``SAMPLE_RATE``."""
    if samples < 1:
        raise ValueError(f"samples must be positive, got {samples}")
    count = -(-samples // FRAME_SAMPLES)
    tone = _tone_frames()
    frames = [_frame(0, None)] + [tone[i % len(tone)] for i in range(count - 1)]
    return AacTrack(_audio_specific_config(), samples, frames)
