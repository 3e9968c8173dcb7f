"""AAC-LC stereo audio that needs no real encoding: raw frames of digital silence.

H3 renders its videos with a stereo AAC track.  Silence needs no psychoacoustics: a channel
pair element whose two channels code no scale-factor band (max_sfb = 0) decodes to 1024
zero samples per channel, so one 7-byte frame, repeated, is a valid AAC-LC stream.

Sample rate: H3's is not documented; 48 kHz is the usual rate for video, and at 24 or 25 fps a
video frame lasts a whole number of samples (2,000 or 1,920), so the audio ends exactly where
the video does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .bits import BitWriter

__all__ = ["CHANNELS", "FRAME_SAMPLES", "SAMPLE_RATE", "AacTrack", "encode_silence"]

SAMPLE_RATE = 48_000
CHANNELS = 2
FRAME_SAMPLES = 1024  # AAC-LC frame length (frameLengthFlag 0)

_AOT_AAC_LC = 2
# ISO/IEC 14496-3 Table 1.18, samplingFrequencyIndex.
_SAMPLING_INDEX = {
    96000: 0,
    88200: 1,
    64000: 2,
    48000: 3,
    44100: 4,
    32000: 5,
    24000: 6,
    22050: 7,
    16000: 8,
    12000: 9,
    11025: 10,
    8000: 11,
    7350: 12,
}
_ID_CPE = 1  # syntactic element ids (Table 4.85)
_ID_END = 7


def _audio_specific_config(sample_rate: int, channels: int) -> bytes:
    w = BitWriter()
    w.u(5, _AOT_AAC_LC)
    w.u(4, _SAMPLING_INDEX[sample_rate])
    w.u(4, channels)  # channelConfiguration 2: front left and right, one CPE
    w.u(1, 0)  # GASpecificConfig: frameLengthFlag (1024-sample frames)
    w.u(1, 0)  # dependsOnCoreCoder
    w.u(1, 0)  # extensionFlag
    w.align_zero()
    return w.to_bytes()


def _silent_channel(w: BitWriter) -> None:
    """individual_channel_stream() of a long window that codes no band: all zeros."""
    w.u(8, 0)  # global_gain (no scale factor is coded, so it is never used)
    w.u(1, 0)  # ics_info: ics_reserved_bit
    w.u(2, 0)  # window_sequence: ONLY_LONG_SEQUENCE
    w.u(1, 0)  # window_shape: sine
    w.u(6, 0)  # max_sfb: no band, hence no section, scale factor or spectral data
    w.u(1, 0)  # predictor_data_present
    w.u(1, 0)  # pulse_data_present
    w.u(1, 0)  # tns_data_present
    w.u(1, 0)  # gain_control_data_present


def _silent_frame() -> bytes:
    """raw_data_block(): one channel pair element, then ID_END, byte-aligned."""
    w = BitWriter()
    w.u(3, _ID_CPE)
    w.u(4, 0)  # element_instance_tag
    w.u(1, 0)  # common_window: each channel carries its own ics_info
    _silent_channel(w)
    _silent_channel(w)
    w.u(3, _ID_END)
    w.align_zero()
    return w.to_bytes()


@dataclass(frozen=True)
class AacTrack:
    """An AAC-LC track in MP4 form: the decoder config and raw frames (no ADTS headers).

    ``samples`` is the track's length per channel; the last frame may hold fewer real samples
    than ``FRAME_SAMPLES``, which the container's sample durations say.
    """

    config: bytes
    sample_rate: int
    channels: int
    samples: int
    frames: list[bytes]


def encode_silence(samples: int) -> AacTrack:
    """``samples`` samples (per channel) of stereo silence at ``SAMPLE_RATE``."""
    if samples < 1:
        raise ValueError(f"samples must be positive, got {samples}")
    frame = _silent_frame()
    count = -(-samples // FRAME_SAMPLES)
    config = _audio_specific_config(SAMPLE_RATE, CHANNELS)
    return AacTrack(config, SAMPLE_RATE, CHANNELS, samples, [frame] * count)
