"""Decode the generated MP4 files with PyAV (real FFmpeg) and check what comes out."""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import struct
from fractions import Fraction

import av
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


@pytest.mark.parametrize(
    ("width", "height", "frames"),
    [(1366, 768, 40), (1920, 1080, 3), (854, 480, 20), (1440, 2560, 2), (1346, 750, 2)],
)
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
    [
        (320, 240, 13),
        (1280, 720, 31),
        (1366, 768, 32),
        (1920, 1080, 40),
        (2560, 1440, 50),
        (1440, 2560, 50),
        (3840, 2160, 51),
    ],
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
    with pytest.raises(ValueError):
        render_mp4(width, height, frames, fps, audio=True)


def test_rejects_a_non_boolean_audio_flag() -> None:
    with pytest.raises(ValueError, match="audio"):
        render_mp4(64, 48, 1, 24, audio=1)  # type: ignore[arg-type]


# -- V1 output is frozen ------------------------------------------------------------------

# SHA-256 of files rendered before the audio track existed: the V1 (no audio) output must
# stay byte for byte the same, since ETags and seeded runs depend on it.
V1_HASHES = {
    (1920, 1080, 144, 24): "ef7391ac9013d5ca6ddabbc42f8427313ef3b523fbe78203d1ae1c29cbcdb613",
    (1366, 768, 144, 24): "6bb2fb9b8cadcf6ad5518637364e9e6e1227fb169a40f4d07ecf304dbb981d8d",
    (864, 768, 144, 24): "f7955416d5ea735598a578ae2442a9b89402657540d624a32a3171eeef82efd6",
    (64, 48, 1, 30): "338f7ef23bd0fa5dd86fd53d143ee24696698f916541c55c1eae37aecc2b7efc",
    (854, 480, 101, 24): "5f19cf47be6e4eb6220151d2827e8d576049ad82191784672e527b828390d474",
}


@pytest.mark.parametrize("shape", V1_HASHES)
def test_v1_output_is_unchanged(shape: tuple[int, int, int, int]) -> None:
    data = render_mp4(*shape)
    assert hashlib.sha256(data).hexdigest() == V1_HASHES[shape]
    assert render_mp4(*shape, audio=False) == data


# -- with an AAC track ---------------------------------------------------------------------

AUDIO_SHAPES = [
    (1344, 768, 101, 24),  # H3 768P 16:9, duration 4 (17n+5 frames)
    (854, 480, 245, 24),  # 480P 16:9, not a multiple of 16, 10 s
    (1440, 2560, 29, 24),  # 2K portrait
    (2560, 1440, 5, 24),  # 2K landscape
    (768, 768, 22, 24),  # square
    (1366, 768, 150, 25),  # video-01's 25 fps
    (64, 48, 1, 30),  # one frame, shorter than one AAC frame
    (100, 50, 7, 7),  # an fps that divides neither the second nor 48 kHz evenly
]


@pytest.mark.parametrize(("width", "height", "frames", "fps"), AUDIO_SHAPES)
def test_audio_track_decodes_with_ffmpeg(
    width: int, height: int, frames: int, fps: int, ffmpeg_logs: list[tuple[int, str, str]]
) -> None:
    data = render_mp4(width, height, frames, fps, audio=True)
    samples = round(Fraction(frames * 48000, fps))
    aac_frames = -(-samples // 1024)
    options = {"err_detect": "crccheck+bitstream+buffer+explode"}
    with av.open(io.BytesIO(data), options=options) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.width, video.codec_context.height) == (width, height)
        assert video.average_rate == fps
        assert video.frames == frames
        assert video.duration is not None and video.time_base is not None
        assert video.duration * video.time_base == Fraction(frames, fps)

        assert audio.codec_context.name == "aac"
        assert audio.codec_context.profile == "LC"
        assert audio.codec_context.channels == 2
        assert audio.codec_context.layout.name == "stereo"
        assert audio.sample_rate == 48000
        assert audio.frames == aac_frames
        assert audio.duration is not None and audio.time_base is not None
        assert audio.duration * audio.time_base == Fraction(samples, 48000)
        assert abs(audio.duration * audio.time_base - Fraction(frames, fps)) <= Fraction(1, 96000)
        assert container.duration is not None
        assert abs(container.duration - Fraction(frames * 1_000_000, fps)) < 1  # microseconds

        # Demux in file order and decode every packet of both streams.
        video_pts: list[int] = []
        audio_samples = 0
        first = None
        for packet in container.demux():
            for frame in packet.decode():
                if isinstance(frame, av.VideoFrame):
                    video_pts.append(frame.pts)
                    first = first or frame
                else:
                    assert isinstance(frame, av.AudioFrame)
                    assert frame.sample_rate == 48000 and frame.layout.name == "stereo"
                    audio_samples += frame.samples
    assert video_pts == [i * 512 for i in range(frames)]
    assert audio_samples == aac_frames * 1024
    assert first is not None and (first.width, first.height) == (width, height)
    _check_bars(_planes(first), width, height)
    assert ffmpeg_logs == []


class _Box:
    """One box of the file: its type, payload and children (for container boxes)."""

    CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")

    def __init__(self, kind: bytes, payload: bytes) -> None:
        self.kind, self.payload = kind, payload
        self.children = _parse(payload) if kind in self.CONTAINERS else []

    def find(self, *path: bytes) -> _Box:
        box = self
        for kind in path:
            box = next(child for child in box.children if child.kind == kind)
        return box

    def u32s(self, start: int = 4) -> list[int]:
        """The payload as big-endian 32-bit words, after the full-box header."""
        body = self.payload[start:]
        return list(struct.unpack(f">{len(body) // 4}I", body[: len(body) // 4 * 4]))


def _parse(data: bytes) -> list[_Box]:
    boxes, pos = [], 0
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        assert size >= 8
        boxes.append(_Box(kind, data[pos + 8 : pos + size]))
        pos += size
    assert pos == len(data)
    return boxes


def _chunk_table(stbl: _Box) -> list[tuple[int, int, int]]:
    """(file offset, first sample, sample count) of each chunk, from stsc, stco and stsz."""
    offsets = stbl.find(b"stco").u32s()[1:]
    stsc = stbl.find(b"stsc").u32s()
    runs = [stsc[1 + 3 * i : 4 + 3 * i] for i in range(stsc[0])]
    assert runs[0][0] == 1 and all(r[2] == 1 for r in runs)
    chunks, sample = [], 0
    for index, offset in enumerate(offsets, start=1):
        count = next(r[1] for r in reversed(runs) if r[0] <= index)
        chunks.append((offset, sample, count))
        sample += count
    return chunks


@pytest.mark.parametrize(("frames", "fps"), [(101, 24), (245, 24), (150, 25), (25, 24), (1, 30)])
def test_audio_sample_tables_tile_the_mdat(frames: int, fps: int) -> None:
    data = render_mp4(320, 240, frames, fps, audio=True)
    top = _parse(data)
    assert [b.kind for b in top] == [b"ftyp", b"moov", b"mdat"]
    moov = _Box(b"moov", top[1].payload)
    mvhd = moov.find(b"mvhd").u32s()
    assert mvhd[2:4] == [1000, -(-frames * 1000 // fps)] and mvhd[-1] == 3  # next_track_ID
    traks = [b for b in moov.children if b.kind == b"trak"]
    assert [t.find(b"mdia", b"hdlr").payload[8:12] for t in traks] == [b"vide", b"soun"]
    video_stbl, audio_stbl = (t.find(b"mdia", b"minf", b"stbl") for t in traks)

    # The sample entry: mp4a, 2 channels, 16-bit, 48 kHz, and an esds carrying AAC-LC's
    # AudioSpecificConfig (object type 2, 48 kHz, channel configuration 2).
    stsd = audio_stbl.find(b"stsd").payload
    assert stsd[12:16] == b"mp4a"
    assert struct.unpack(">HH", stsd[32:36]) == (2, 16)
    assert struct.unpack(">I", stsd[40:44])[0] == 48000 << 16
    esds = stsd[stsd.index(b"esds") + 8 :]
    assert esds[0] == 3 and b"\x04\x80\x80\x80" in esds
    decoder_config = esds[esds.index(b"\x04\x80\x80\x80") + 5 :]
    assert decoder_config[:2] == b"\x40\x15"  # MPEG-4 audio, audio stream
    assert decoder_config[decoder_config.index(b"\x05\x80\x80\x80\x02") + 5 :][:2] == b"\x11\x90"
    assert traks[1].find(b"mdia", b"mdhd").u32s()[2:4] == [48000, round(frames * 48000 / fps)]

    # stts: every AAC frame lasts 1024 samples but the last, which ends with the video.
    samples = round(Fraction(frames * 48000, fps))
    stts = audio_stbl.find(b"stts").u32s()
    durations = [d for i in range(stts[0]) for d in [stts[2 + 2 * i]] * stts[1 + 2 * i]]
    assert sum(durations) == samples
    assert durations[:-1] == [1024] * (len(durations) - 1) and 0 < durations[-1] <= 1024

    # stsz/stsc/stco of both tracks cover the mdat exactly once, with no gap or overlap, and
    # the chunks alternate: the audio that starts within second n, then video second n.
    mdat_start = len(data) - len(top[2].payload)
    spans = []
    for stbl, rate in ((video_stbl, fps), (audio_stbl, Fraction(48000, 1024))):
        sizes = stbl.find(b"stsz").u32s()[2:]
        assert stbl.find(b"stsz").u32s()[:2] == [0, len(sizes)]
        for offset, first, count in _chunk_table(stbl):
            spans.append((offset, sum(sizes[first : first + count]), Fraction(first) / rate))
        assert sum(n for _, _, n in _chunk_table(stbl)) == len(sizes)
    spans.sort()
    assert spans[0][0] == mdat_start
    for (offset, size, _), (next_offset, _, _) in itertools.pairwise(spans):
        assert offset + size == next_offset
    assert spans[-1][0] + spans[-1][1] == len(data)
    seconds = [(start, start // 1) for _, _, start in spans]
    assert [second for _, second in seconds] == sorted(second for _, second in seconds)
    assert [n for _, n in seconds] == [i for i in range(-(-frames // fps)) for _ in "av"]


def test_audio_output_is_deterministic_and_adds_little() -> None:
    with_audio = render_mp4(1344, 768, 101, audio=True)
    assert with_audio == render_mp4(1344, 768, 101, audio=True)
    without = render_mp4(1344, 768, 101)
    # About 100 bytes per AAC frame: 198 frames for 4.2 s.
    assert 0 < len(with_audio) - len(without) < 198 * 120
