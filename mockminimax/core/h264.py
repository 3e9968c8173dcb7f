"""H.264 bitstream of static colour bars that needs no real encoding.

Frame 0 is an IDR picture made only of raw I_PCM macroblocks (vertical colour bars) and every
later frame is a P picture that skips all macroblocks, so it repeats frame 0.  Building the
stream is a handful of byte joins; `core/mp4.py` puts it in a container.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from .bits import BitWriter

__all__ = ["H264Stream", "encode_bars"]

# H.264 constants: Constrained Baseline is profile_idc 66 with constraint_set1_flag; we also set
# constraint_set0_flag (the stream obeys Baseline too), like x264 does ("42 C0 xx").
_PROFILE_IDC = 66
_CONSTRAINT_FLAGS = 0xC0
_LOG2_MAX_FRAME_NUM = 4  # MaxFrameNum = 16; frame_num wraps, POC type 2 handles that.
_MAX_FRAME_NUM = 1 << _LOG2_MAX_FRAME_NUM

# (level_idc, MaxMBPS, MaxFS) from ITU-T H.264 Table A-1 (level 1b omitted).
_LEVELS: tuple[tuple[int, int, int], ...] = (
    (10, 1485, 99),
    (11, 3000, 396),
    (12, 6000, 396),
    (13, 11880, 396),
    (20, 11880, 396),
    (21, 19800, 792),
    (22, 20250, 1620),
    (30, 40500, 1620),
    (31, 108000, 3600),
    (32, 216000, 5120),
    (40, 245760, 8192),
    (41, 245760, 8192),
    (42, 522240, 8704),
    (50, 589824, 22080),
    (51, 983040, 36864),
    (52, 2073600, 36864),
    (60, 4177920, 139264),
    (61, 8355840, 139264),
    (62, 16711680, 139264),
)

# 100% colour bars, BT.601 limited range (Y, Cb, Cr): white, yellow, cyan, green, magenta, red,
# blue.  All values lie in 16..240, so the I_PCM payload never contains a zero byte.
_BARS: tuple[tuple[int, int, int], ...] = (
    (235, 128, 128),
    (210, 16, 146),
    (170, 166, 16),
    (145, 54, 34),
    (106, 202, 222),
    (81, 90, 240),
    (41, 240, 110),
)

_EMULATION_RE = re.compile(rb"\x00\x00(?=[\x00-\x03])")

# ue(25) (mb_type I_PCM) = "000011010", then 7 pcm_alignment_zero_bits, when the macroblock
# starts byte-aligned, i.e. after every preceding I_PCM macroblock.
_PCM_MB_PREFIX = b"\x0d\x00"


def _nal(nal_ref_idc: int, nal_unit_type: int, *rbsp: bytes) -> bytes:
    """Build a NAL unit: header byte plus the RBSP (given in parts) with emulation prevention.

    The header byte is never zero, so running the regex over it too changes nothing; when
    nothing needs escaping, ``re.sub`` returns its input, so a big slice is copied only once.
    """
    nal = b"".join((bytes((nal_ref_idc << 5 | nal_unit_type,)), *rbsp))
    return _EMULATION_RE.sub(b"\x00\x00\x03", nal)


def _level_idc(mb_width: int, mb_height: int, fps: int) -> int:
    """Lowest level whose frame size, MB rate and frame dimensions allow this stream."""
    frame_mbs = mb_width * mb_height
    for level_idc, max_mbps, max_fs in _LEVELS:
        if (
            frame_mbs <= max_fs
            and frame_mbs * fps <= max_mbps
            and max(mb_width, mb_height) ** 2 <= 8 * max_fs
        ):
            return level_idc
    return _LEVELS[-1][0]


def _sps(width: int, height: int, fps: int, mb_width: int, mb_height: int, level: int) -> bytes:
    w = BitWriter()
    w.u(8, _PROFILE_IDC)
    w.u(8, _CONSTRAINT_FLAGS)
    w.u(8, level)
    w.ue(0)  # seq_parameter_set_id
    w.ue(_LOG2_MAX_FRAME_NUM - 4)
    w.ue(2)  # pic_order_cnt_type: POC follows frame_num, output order == decode order
    w.ue(1)  # max_num_ref_frames
    w.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    w.ue(mb_width - 1)
    w.ue(mb_height - 1)  # pic_height_in_map_units_minus1
    w.u(1, 1)  # frame_mbs_only_flag
    w.u(1, 1)  # direct_8x8_inference_flag
    crop_right = (mb_width * 16 - width) // 2  # CropUnitX = CropUnitY = 2 for 4:2:0 frames
    crop_bottom = (mb_height * 16 - height) // 2
    if crop_right or crop_bottom:
        w.u(1, 1)  # frame_cropping_flag
        w.ue(0)
        w.ue(crop_right)
        w.ue(0)
        w.ue(crop_bottom)
    else:
        w.u(1, 0)
    w.u(1, 1)  # vui_parameters_present_flag
    w.u(1, 1)  # aspect_ratio_info_present_flag
    w.u(8, 1)  # aspect_ratio_idc: 1:1 (square pixels)
    w.u(1, 0)  # overscan_info_present_flag
    w.u(1, 1)  # video_signal_type_present_flag
    w.u(3, 5)  # video_format: unspecified
    w.u(1, 0)  # video_full_range_flag: limited range
    w.u(1, 1)  # colour_description_present_flag
    w.u(8, 6)  # colour_primaries: SMPTE 170M (BT.601)
    w.u(8, 6)  # transfer_characteristics: SMPTE 170M
    w.u(8, 6)  # matrix_coefficients: SMPTE 170M
    w.u(1, 0)  # chroma_loc_info_present_flag
    w.u(1, 1)  # timing_info_present_flag
    w.u(32, 1)  # num_units_in_tick
    w.u(32, 2 * fps)  # time_scale: two ticks (fields) per frame
    w.u(1, 1)  # fixed_frame_rate_flag
    w.u(1, 0)  # nal_hrd_parameters_present_flag
    w.u(1, 0)  # vcl_hrd_parameters_present_flag
    w.u(1, 0)  # pic_struct_present_flag
    w.u(1, 1)  # bitstream_restriction_flag: tell decoders there is no reordering delay
    w.u(1, 1)  # motion_vectors_over_pic_boundaries_flag
    w.ue(0)  # max_bytes_per_pic_denom: no limit
    w.ue(0)  # max_bits_per_mb_denom: no limit
    w.ue(0)  # log2_max_mv_length_horizontal: every motion vector is zero
    w.ue(0)  # log2_max_mv_length_vertical
    w.ue(0)  # max_num_reorder_frames
    w.ue(1)  # max_dec_frame_buffering
    w.trailing_bits()
    return _nal(3, 7, w.to_bytes())


def _pps() -> bytes:
    w = BitWriter()
    w.ue(0)  # pic_parameter_set_id
    w.ue(0)  # seq_parameter_set_id
    w.u(1, 0)  # entropy_coding_mode_flag: CAVLC
    w.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    w.ue(0)  # num_slice_groups_minus1
    w.ue(0)  # num_ref_idx_l0_default_active_minus1
    w.ue(0)  # num_ref_idx_l1_default_active_minus1
    w.u(1, 0)  # weighted_pred_flag
    w.u(2, 0)  # weighted_bipred_idc
    w.se(0)  # pic_init_qp_minus26
    w.se(0)  # pic_init_qs_minus26
    w.se(0)  # chroma_qp_index_offset
    w.u(1, 1)  # deblocking_filter_control_present_flag
    w.u(1, 0)  # constrained_intra_pred_flag
    w.u(1, 0)  # redundant_pic_cnt_present_flag
    w.trailing_bits()
    return _nal(3, 8, w.to_bytes())


def _idr_slice(mb_width: int, mb_height: int) -> bytes:
    """IDR picture: one I slice of I_PCM macroblocks showing vertical colour bars."""
    w = BitWriter()
    w.ue(0)  # first_mb_in_slice
    w.ue(7)  # slice_type: I (all slices of the picture)
    w.ue(0)  # pic_parameter_set_id
    w.u(_LOG2_MAX_FRAME_NUM, 0)  # frame_num
    w.ue(0)  # idr_pic_id
    w.u(1, 0)  # no_output_of_prior_pics_flag
    w.u(1, 0)  # long_term_reference_flag
    w.se(0)  # slice_qp_delta
    w.ue(1)  # disable_deblocking_filter_idc (a no-op anyway: I_PCM has QP 0)
    w.ue(25)  # mb_type of the first macroblock: I_PCM
    w.align_zero()  # pcm_alignment_zero_bits
    header = w.to_bytes()

    # Samples of one macroblock per bar: 256 luma, 64 Cb, 64 Cr (all constant).
    pcm = [bytes((y,)) * 256 + bytes((cb,)) * 64 + bytes((cr,)) * 64 for y, cb, cr in _BARS]
    blocks = [_PCM_MB_PREFIX + pcm[mb_x * len(_BARS) // mb_width] for mb_x in range(mb_width)]
    row = b"".join(blocks)
    # The first macroblock's mb_type and alignment are already in the header bytes.
    first_row = pcm[0] + b"".join(blocks[1:])
    rows = [row] * (mb_height - 1)
    return _nal(3, 5, header, first_row, *rows, b"\x80")  # 0x80: rbsp_slice_trailing_bits


def _p_slice(frame_num: int, mb_count: int) -> bytes:
    """P picture that skips every macroblock, i.e. repeats the previous frame."""
    w = BitWriter()
    w.ue(0)  # first_mb_in_slice
    w.ue(5)  # slice_type: P (all slices of the picture)
    w.ue(0)  # pic_parameter_set_id
    w.u(_LOG2_MAX_FRAME_NUM, frame_num)
    w.u(1, 0)  # num_ref_idx_active_override_flag
    w.u(1, 0)  # ref_pic_list_modification_flag_l0
    w.u(1, 0)  # adaptive_ref_pic_marking_mode_flag (sliding window)
    w.se(0)  # slice_qp_delta
    w.ue(1)  # disable_deblocking_filter_idc
    w.ue(mb_count)  # mb_skip_run: the whole picture
    w.trailing_bits()
    # nal_ref_idc 2: every frame is a reference (POC type 2 forbids consecutive non-ref frames).
    return _nal(2, 1, w.to_bytes())


@dataclass(frozen=True)
class H264Stream:
    """One Constrained Baseline stream in MP4 form: each sample is one length-prefixed NAL.

    The big IDR sample is kept as (length prefix, NAL unit) so that the container's final join
    is its only copy; every later sample is a small, shared P-skip sample.
    """

    sps: bytes
    pps: bytes
    idr: tuple[bytes, bytes]
    rest: list[bytes]

    @property
    def sample_sizes(self) -> list[int]:
        return [len(self.idr[0]) + len(self.idr[1])] + [len(s) for s in self.rest]


def encode_bars(width: int, height: int, frames: int, fps: int) -> H264Stream:
    """Encode ``frames`` frames of colour bars (arguments already checked by the caller)."""
    mb_width = (width + 15) // 16
    mb_height = (height + 15) // 16
    mb_count = mb_width * mb_height
    level = _level_idc(mb_width, mb_height, fps)
    sps = _sps(width, height, fps, mb_width, mb_height, level)
    idr = _idr_slice(mb_width, mb_height)
    p_nals = [_p_slice(n, mb_count) for n in range(min(frames, _MAX_FRAME_NUM))]
    p_samples = [struct.pack(">I", len(nal)) + nal for nal in p_nals]
    rest = [p_samples[i % _MAX_FRAME_NUM] for i in range(1, frames)]
    return H264Stream(sps, _pps(), (struct.pack(">I", len(idr)), idr), rest)
