"""Decode the generated MP4 files with PyAV (real FFmpeg) and check what comes out."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from fractions import Fraction

import av
import av.logging
import pytest

from mockminimax.core.mp4 import render_mp4

# Expected (Y, Cb, Cr) of the 7 bars: 100% bars, BT.601 limited range.  I_PCM is lossless,
# so the decoder must return exactly these values.
BARS = (
    (235, 128, 128),  # white
    (210, 16, 146),  # yellow
    (170, 166, 16),  # cyan
    (145, 54, 34),  # green
    (106, 202, 222),  # magenta
    (81, 90, 240),  # red
    (41, 240, 110),  # blue
)

SIZES = [
    (1920, 1080, 144),
    (1366, 768, 144),
    (1280, 720, 240),
    (864, 768, 144),
    (320, 240, 3),
]


@functools.cache
def _render(width: int, height: int, frames: int) -> bytes:
    return render_mp4(width, height, frames)


@pytest.fixture
def ffmpeg_logs() -> Iterator[list[tuple[int, str, str]]]:
    """Collect FFmpeg log lines of level WARNING or worse, from every thread."""
    previous = av.logging.get_level()
    av.logging.set_level(av.logging.WARNING)
    try:
        with av.logging.Capture(local=False) as logs:
            yield logs
    finally:
        av.logging.set_level(previous)


def _rows(plane: av.video.plane.VideoPlane, width: int, height: int) -> list[bytes]:
    """The visible rows of a plane, without the line padding."""
    data = bytes(plane)
    stride = plane.line_size
    return [data[y * stride : y * stride + width] for y in range(height)]


def _planes(frame: av.VideoFrame) -> list[list[bytes]]:
    assert frame.format.name == "yuv420p"
    w, h = frame.width, frame.height
    return [
        _rows(frame.planes[0], w, h),
        _rows(frame.planes[1], w // 2, h // 2),
        _rows(frame.planes[2], w // 2, h // 2),
    ]


def _check_bars(planes: list[list[bytes]], width: int, height: int) -> None:
    """Each macroblock column (over the 16-aligned coded width) shows one bar."""
    mb_width = (width + 15) // 16
    luma, cb, cr = planes
    for x in range(width):
        y_exp, cb_exp, cr_exp = BARS[(x // 16) * len(BARS) // mb_width]
        for y in (0, height // 2, height - 1):
            assert luma[y][x] == y_exp, (x, y)
            assert cb[y // 2][x // 2] == cb_exp, (x, y)
            assert cr[y // 2][x // 2] == cr_exp, (x, y)
    # Every row is identical (vertical bars), down to the cropped bottom edge.
    for rows in planes:
        assert rows.count(rows[0]) == len(rows)


@pytest.mark.parametrize(("width", "height", "frames"), SIZES)
def test_decodes_with_ffmpeg(
    width: int, height: int, frames: int, ffmpeg_logs: list[tuple[int, str, str]]
) -> None:
    data = _render(width, height, frames)
    options = {"err_detect": "crccheck+bitstream+buffer+explode"}
    with av.open(io.BytesIO(data), options=options) as container:
        assert container.format.name.startswith("mov,mp4")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        assert ctx.name == "h264"
        assert ctx.profile == "Constrained Baseline"
        assert (ctx.width, ctx.height) == (width, height)
        assert stream.average_rate == 24
        assert stream.frames == frames
        assert stream.duration is not None and stream.time_base is not None
        assert stream.duration * stream.time_base == Fraction(frames, 24)
        assert container.duration == frames * 1_000_000 // 24  # microseconds

        # Stream through the frames rather than keeping them all (1080p frames are 3 MB).
        pts = []
        first = last = None
        for frame in container.decode(stream):
            pts.append(frame.pts)
            if first is None:
                first = frame
            last = frame

    assert pts == [i * 512 for i in range(frames)]  # all frames, in order, 1/24 s apart
    assert first is not None and last is not None
    assert (first.width, first.height) == (width, height)
    first_planes = _planes(first)
    _check_bars(first_planes, width, height)
    assert _planes(last) == first_planes
    assert ffmpeg_logs == []


class _Bits:
    """Minimal Exp-Golomb reader over an RBSP (emulation prevention already removed)."""

    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "big")
        self.left = len(data) * 8

    def u(self, n: int) -> int:
        self.left -= n
        assert self.left >= 0
        return (self.value >> self.left) & ((1 << n) - 1)

    def ue(self) -> int:
        zeros = 0
        while not self.u(1):
            zeros += 1
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k % 2 else -(k // 2)


def _unescape(nal: bytes) -> bytes:
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def _box_payload(data: bytes, kind: bytes) -> bytes:
    """Payload of the first box of this type (a naive search is enough for these files)."""
    start = data.index(kind) + 4
    size = int.from_bytes(data[start - 8 : start - 4], "big")
    return data[start : start - 8 + size]


def _samples(data: bytes) -> list[bytes]:
    stsz = _box_payload(data, b"stsz")
    count = int.from_bytes(stsz[8:12], "big")
    sizes = [int.from_bytes(stsz[12 + 4 * i : 16 + 4 * i], "big") for i in range(count)]
    offset = int.from_bytes(_box_payload(data, b"stco")[8:12], "big")
    samples = []
    for size in sizes:
        samples.append(data[offset : offset + size])
        offset += size
    assert offset == len(data)
    return samples


@pytest.mark.parametrize(("width", "height", "frames"), [(1366, 768, 40), (1920, 1080, 3)])
def test_bitstream_syntax(width: int, height: int, frames: int) -> None:
    """Parse what FFmpeg tolerates silently: cropping, frame_num, skip runs, PCM layout."""
    data = render_mp4(width, height, frames)
    mb_w, mb_h = (width + 15) // 16, (height + 15) // 16
    avcc = _box_payload(data, b"avcC")
    sps = _Bits(_unescape(avcc[8 : 8 + int.from_bytes(avcc[6:8], "big")]))
    assert (sps.u(8), sps.u(8), sps.u(8)) == (0x67, 66, 0xC0)  # NAL header, profile, flags
    sps.u(8)  # level_idc
    assert sps.ue() == 0  # seq_parameter_set_id
    log2_max_frame_num = sps.ue() + 4
    assert sps.ue() == 2  # pic_order_cnt_type
    assert sps.ue() == 1  # max_num_ref_frames
    assert sps.u(1) == 0  # gaps_in_frame_num_value_allowed_flag
    assert (sps.ue() + 1, sps.ue() + 1) == (mb_w, mb_h)
    assert (sps.u(1), sps.u(1)) == (1, 1)  # frame_mbs_only, direct_8x8_inference
    crop = [sps.ue() for _ in range(4)] if sps.u(1) else [0, 0, 0, 0]
    assert mb_w * 16 - 2 * (crop[0] + crop[1]) == width
    assert mb_h * 16 - 2 * (crop[2] + crop[3]) == height

    samples = _samples(data)
    assert len(samples) == frames
    for index, sample in enumerate(samples):
        assert int.from_bytes(sample[:4], "big") == len(sample) - 4  # one NAL per sample
        nal = _unescape(sample[4:])
        bits = _Bits(nal)
        header = bits.u(8)
        assert (bits.ue(), bits.ue(), bits.ue()) == (0, 7 if index == 0 else 5, 0)
        assert bits.u(log2_max_frame_num) == index % (1 << log2_max_frame_num)
        if index == 0:
            assert header == 0x65  # IDR, nal_ref_idc 3
            assert bits.ue() == 0  # idr_pic_id
            assert (bits.u(1), bits.u(1)) == (0, 0)  # dec_ref_pic_marking
        else:
            assert header & 0x1F == 1 and header & 0x60  # non-IDR slice, reference
            assert (bits.u(1), bits.u(1), bits.u(1)) == (0, 0, 0)
        assert bits.se() == 0  # slice_qp_delta
        assert bits.ue() == 1  # disable_deblocking_filter_idc
        if index == 0:
            assert bits.ue() == 25  # first mb_type: I_PCM
            assert bits.u(bits.left % 8) == 0  # pcm_alignment_zero_bits
            pcm = nal[len(nal) - bits.left // 8 :]
            # Then 384 sample bytes per macroblock, the others each preceded by ue(25) and
            # alignment (0x0D 0x00), and finally the rbsp_slice_trailing_bits byte.
            assert len(pcm) == 384 + (mb_w * mb_h - 1) * 386 + 1
            assert pcm[-1] == 0x80 and pcm[384:386] == b"\x0d\x00"
            assert b"\x00" not in pcm[:384]
        else:
            assert bits.ue() == mb_w * mb_h  # mb_skip_run: the whole picture
            pad = bits.left
            assert 0 < pad <= 8 and bits.u(pad) == 1 << (pad - 1)  # rbsp_trailing_bits


def test_mp4_layout_is_faststart() -> None:
    data = _render(320, 240, 3)
    boxes = []
    pos = 0
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        boxes.append(data[pos + 4 : pos + 8])
        pos += size
    assert pos == len(data)
    assert boxes == [b"ftyp", b"moov", b"mdat"]
    assert data[8:32] == b"isom\x00\x00\x02\x00isomiso2avc1mp41"
    # avcC carries Constrained Baseline (66, constraint_set0+1) at level 1.3 for 320x240@24.
    avcc = data.index(b"avcC") + 4
    assert data[avcc : avcc + 6] == bytes((1, 66, 0xC0, 13, 0xFF, 0xE1))


@pytest.mark.parametrize(
    ("width", "height", "level"),
    [(320, 240, 13), (1280, 720, 31), (1366, 768, 32), (1920, 1080, 40), (3840, 2160, 51)],
)
def test_level_follows_frame_size(width: int, height: int, level: int) -> None:
    data = render_mp4(width, height, 1)
    avcc = data.index(b"avcC") + 4
    assert data[avcc + 3] == level


def test_frame_rate_and_single_frame(ffmpeg_logs: list[tuple[int, str, str]]) -> None:
    data = render_mp4(64, 48, 1, fps=30)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == 30
        frames = list(container.decode(stream))
    assert len(frames) == 1
    _check_bars(_planes(frames[0]), 64, 48)
    assert ffmpeg_logs == []


def test_deterministic() -> None:
    assert render_mp4(640, 360, 30) == render_mp4(640, 360, 30)


@pytest.mark.parametrize(
    ("width", "height", "frames", "fps"),
    [
        (641, 360, 10, 24),
        (640, 361, 10, 24),
        (14, 360, 10, 24),
        (640, 14, 10, 24),
        (4098, 360, 10, 24),
        (640, 4098, 10, 24),
        (640, 360, 0, 24),
        (640, 360, 10, 0),
        (640, 360, -1, 24),
    ],
)
def test_rejects_bad_arguments(width: int, height: int, frames: int, fps: int) -> None:
    with pytest.raises(ValueError):
        render_mp4(width, height, frames, fps)
