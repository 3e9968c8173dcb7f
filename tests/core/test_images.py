"""Tests for mockminimax.core.images.

JPEG and WebP inputs are real files from FFmpeg encoders (via PyAV), and every parsed size is
cross-checked against FFmpeg's own decoder, so the header parser is tested against what real
clients send rather than against bytes written to match it. Hand-built headers cover what an
encoder will not produce cheaply (huge canvases, TEM/RST/DAC markers, truncations).
"""

from __future__ import annotations

import base64
import dataclasses
import fractions
import io
import struct
from collections.abc import Callable

import av
import pytest

from mockminimax.core.images import (
    MAX_IMAGE_BYTES,
    MAX_RATIO,
    MIN_RATIO,
    MIN_SHORT_EDGE,
    ImageInfo,
    ImageRejected,
    encode_png,
    inspect_image,
    png_data_url,
)

HAS_WEBP_ENCODER = "libwebp" in av.codecs_available
needs_webp = pytest.mark.skipif(not HAS_WEBP_ENCODER, reason="FFmpeg build has no libwebp")

RGB = (200, 120, 40)


# --- fixtures: real encoded images ----------------------------------------------------------------


def _encode_with_ffmpeg(
    codec: str,
    width: int,
    height: int,
    pix_fmt: str,
    options: dict[str, str] | None = None,
    alpha: int = 255,
) -> bytes:
    """Encode one solid-colour frame with an FFmpeg image encoder and return the file bytes."""
    frame = av.VideoFrame(width, height, "rgba")
    plane = frame.planes[0]
    plane.update(bytes([*RGB, alpha]) * (plane.buffer_size // 4))
    ctx = av.CodecContext.create(codec, "w")
    ctx.width = width
    ctx.height = height
    ctx.pix_fmt = pix_fmt
    ctx.time_base = fractions.Fraction(1, 25)
    if options:
        ctx.options = options
    packets = [*ctx.encode(frame.reformat(format=pix_fmt)), *ctx.encode(None)]
    return b"".join(bytes(p) for p in packets)


def make_jpeg(width: int, height: int) -> bytes:
    return _encode_with_ffmpeg("mjpeg", width, height, "yuvj420p")


def make_webp_lossy(width: int, height: int) -> bytes:
    """Simple-format lossy WebP: RIFF/WEBP with a single 'VP8 ' chunk."""
    return _encode_with_ffmpeg("libwebp", width, height, "yuv420p")


def make_webp_lossless(width: int, height: int) -> bytes:
    """Simple-format lossless WebP: a single 'VP8L' chunk."""
    return _encode_with_ffmpeg("libwebp", width, height, "bgra", {"lossless": "1"})


def make_webp_extended(width: int, height: int) -> bytes:
    """Extended WebP: lossy with real transparency makes libwebp write VP8X + ALPH + VP8."""
    return _encode_with_ffmpeg("libwebp", width, height, "yuva420p", alpha=128)


def make_png(width: int, height: int) -> bytes:
    return encode_png(width, height)


Maker = Callable[[int, int], bytes]

# id, maker, declared data-URL type, parsed format, first WebP chunk, needs the WebP encoder
_KINDS: list[tuple[str, Maker, str, str, bytes | None, bool]] = [
    ("png", make_png, "png", "png", None, False),
    ("jpeg", make_jpeg, "jpeg", "jpeg", None, False),
    ("webp-vp8", make_webp_lossy, "webp", "webp", b"VP8 ", True),
    ("webp-vp8l", make_webp_lossless, "webp", "webp", b"VP8L", True),
    ("webp-vp8x", make_webp_extended, "webp", "webp", b"VP8X", True),
]
FORMATS = [
    pytest.param(maker, declared, fmt, chunk, id=kind, marks=[needs_webp] if webp else [])
    for kind, maker, declared, fmt, chunk, webp in _KINDS
]
MAKERS = [
    pytest.param(maker, declared, id=kind, marks=[needs_webp] if webp else [])
    for kind, maker, declared, _, _, webp in _KINDS
]


def data_url(data: bytes, declared: str) -> str:
    return f"data:image/{declared};base64," + base64.b64encode(data).decode("ascii")


def ffmpeg_decoded_size(data: bytes) -> tuple[int, int]:
    with av.open(io.BytesIO(data)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def rejected(value: str) -> str:
    with pytest.raises(ImageRejected) as excinfo:
        inspect_image(value)
    return str(excinfo.value)


# --- encode_png / png_data_url --------------------------------------------------------------------


def test_encode_png_is_a_real_png_ffmpeg_decodes_to_the_colour() -> None:
    data = encode_png(333, 301, (10, 200, 30))
    with av.open(io.BytesIO(data)) as container:
        assert container.format.name == "png_pipe"
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (333, 301)
    pixels = bytes(frame.reformat(format="rgb24").planes[0])
    assert pixels[:3] == bytes((10, 200, 30))


def test_encode_png_large_image_is_small() -> None:
    data = encode_png(4000, 3000)
    assert len(data) < 200_000  # one solid colour compresses to almost nothing
    assert ffmpeg_decoded_size(data) == (4000, 3000)


@pytest.mark.parametrize(
    ("width", "height", "rgb"),
    [(0, 10, RGB), (10, 0, RGB), (10, 10, (256, 0, 0)), (10, 10, (-1, 0, 0))],
)
def test_encode_png_rejects_bad_arguments(
    width: int, height: int, rgb: tuple[int, int, int]
) -> None:
    with pytest.raises(ValueError):
        encode_png(width, height, rgb)


def test_png_data_url_round_trips() -> None:
    url = png_data_url(640, 360)
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == encode_png(640, 360)
    assert inspect_image(url) == ImageInfo(
        source="data", format="png", width=640, height=360, size=len(encode_png(640, 360))
    )


# --- valid data URLs, every format ----------------------------------------------------------------


@pytest.mark.parametrize(("maker", "declared", "fmt", "webp_chunk"), FORMATS)
def test_real_image_is_accepted_and_measured(
    maker: Maker, declared: str, fmt: str, webp_chunk: bytes | None
) -> None:
    data = maker(641, 359)
    if webp_chunk is not None:
        assert data[12:16] == webp_chunk  # the encoder produced the WebP flavour under test
    info = inspect_image(data_url(data, declared))
    assert info == ImageInfo(source="data", format=fmt, width=641, height=359, size=len(data))
    assert (info.width, info.height) == ffmpeg_decoded_size(data)


def test_jpeg_header_from_ffmpeg_has_dht_before_sof() -> None:
    """FFmpeg writes DHT (FF C4) ahead of SOF0, so C4 must not be taken for a frame header."""
    data = make_jpeg(320, 400)
    assert data.index(b"\xff\xc4") < data.index(b"\xff\xc0")
    assert inspect_image(data_url(data, "jpeg")).width == 320


@pytest.mark.parametrize("declared", ["jpg", "JPEG", "Jpg"])
def test_jpg_alias_and_case_insensitive_type(declared: str) -> None:
    info = inspect_image(data_url(make_jpeg(400, 400), declared))
    assert (info.format, info.width, info.height) == ("jpeg", 400, 400)


def test_data_scheme_and_base64_flag_are_case_insensitive() -> None:
    payload = base64.b64encode(encode_png(400, 400)).decode()
    assert inspect_image("DATA:IMAGE/PNG;BASE64," + payload).format == "png"


@pytest.mark.parametrize("width", [401, 402, 403])  # PNG lengths covering every len % 3
@pytest.mark.parametrize("strip", [0, 1, 2])
def test_missing_base64_padding_is_tolerated(width: int, strip: int) -> None:
    data = encode_png(width, 400)
    url = data_url(data, "png")
    pads = len(url) - len(url.rstrip("="))
    url = url[: len(url) - min(strip, pads)]
    assert inspect_image(url).size == len(data)


def test_padding_of_every_length_decodes_exactly() -> None:
    """The last, short Base64 group is decoded with its padding restored, whatever its length."""
    head = encode_png(400, 400)
    for extra in range(6):
        data = head + b"\x01" * extra
        info = inspect_image(data_url(data, "png"))
        assert info.size == len(data)


# --- short edge and aspect ratio boundaries -------------------------------------------------------


@pytest.mark.parametrize(("maker", "declared"), MAKERS)
@pytest.mark.parametrize(("width", "height"), [(301, 500), (500, 301), (301, 301)])
def test_short_edge_301_is_accepted(maker: Maker, declared: str, width: int, height: int) -> None:
    info = inspect_image(data_url(maker(width, height), declared))
    assert (info.width, info.height) == (width, height)


@pytest.mark.parametrize(("maker", "declared"), MAKERS)
@pytest.mark.parametrize(("width", "height"), [(300, 500), (500, 300), (300, 300)])
def test_short_edge_300_is_rejected(maker: Maker, declared: str, width: int, height: int) -> None:
    message = rejected(data_url(maker(width, height), declared))
    assert message == (
        f"image is {width}x{height} px: short edge is 300 px; it must be greater than 300 px"
    )


def test_tiny_image_reports_its_short_edge() -> None:
    assert "short edge is 1 px" in rejected(png_data_url(1, 1))


@pytest.mark.parametrize(("maker", "declared"), MAKERS)
@pytest.mark.parametrize(("width", "height"), [(400, 1000), (1000, 400), (302, 755)])
def test_ratio_exactly_2_5_and_5_2_is_accepted(
    maker: Maker, declared: str, width: int, height: int
) -> None:
    assert width / height in (MIN_RATIO, MAX_RATIO)
    info = inspect_image(data_url(maker(width, height), declared))
    assert (info.width, info.height) == (width, height)


@pytest.mark.parametrize(("maker", "declared"), MAKERS)
@pytest.mark.parametrize(
    ("width", "height", "shown"),
    [
        (400, 1001, "0.3996"),  # just taller than 2:5; 2 decimals would round to 0.40
        (399, 1000, "0.399"),
        (1001, 400, "2.502"),  # just wider than 5:2; 2 decimals would round to 2.50
        (1000, 399, "2.51"),
    ],
)
def test_ratio_just_outside_is_rejected(
    maker: Maker, declared: str, width: int, height: int, shown: str
) -> None:
    message = rejected(data_url(maker(width, height), declared))
    assert message == f"aspect ratio {width}x{height} ({shown}) is outside 2:5 to 5:2"


def test_ratio_message_uses_two_decimals_when_clear() -> None:
    assert rejected(png_data_url(1100, 330)) == "aspect ratio 1100x330 (3.33) is outside 2:5 to 5:2"


def test_short_edge_is_checked_before_ratio() -> None:
    # 1000x300 breaks both rules; the short-edge sentence wins.
    assert "short edge is 300 px" in rejected(png_data_url(1000, 300))


def test_constants_match_the_documented_rules() -> None:
    assert MAX_IMAGE_BYTES == 20 * 1024 * 1024
    assert MIN_SHORT_EDGE == 300
    assert (MIN_RATIO, MAX_RATIO) == (0.4, 2.5)


# --- declared type, format sniffing, base64 -------------------------------------------------------


@pytest.mark.parametrize(
    ("maker", "declared", "actual"),
    [
        pytest.param(make_png, "jpeg", "PNG", id="png-as-jpeg"),
        pytest.param(make_png, "webp", "PNG", id="png-as-webp"),
        pytest.param(make_jpeg, "png", "JPEG", id="jpeg-as-png"),
        pytest.param(make_jpeg, "webp", "JPEG", id="jpeg-as-webp"),
        pytest.param(make_webp_lossy, "jpg", "WebP", id="webp-as-jpg", marks=needs_webp),
        pytest.param(make_webp_lossless, "png", "WebP", id="webp-as-png", marks=needs_webp),
    ],
)
def test_declared_type_must_match_the_data(maker: Maker, declared: str, actual: str) -> None:
    message = rejected(data_url(maker(400, 400), declared))
    assert message == f"data URL declares image/{declared} but the data is a {actual} image"


@pytest.mark.parametrize("declared", ["gif", "bmp", "svg+xml", "x-png", "heic"])
def test_unsupported_declared_type_is_named(declared: str) -> None:
    message = rejected(data_url(encode_png(400, 400), declared))
    assert message == (
        f"image type '{declared}' is not supported; supported formats are JPG, JPEG, PNG and WebP"
    )


def test_non_image_media_type_is_named() -> None:
    message = rejected("data:text/plain;base64,aGVsbG8=")
    assert message == (
        "data URL declares media type 'text/plain'; supported formats are JPG, JPEG, PNG and WebP"
    )
    assert "'(none)'" in rejected("data:;base64,aGVsbG8=")


def test_gif_bytes_are_called_a_gif() -> None:
    gif = b"GIF89a" + struct.pack("<HH", 400, 400) + b"\x00" * 20
    message = rejected(data_url(gif, "png"))
    assert message == "image data is a GIF; supported formats are JPG, JPEG, PNG and WebP"


@pytest.mark.parametrize(
    "data",
    [b"BM" + b"\x00" * 60, b"hello world, not an image", b"\xff\xd8", b"RIFF\x00\x00\x00\x00AVI "],
    ids=["bmp", "text", "two-byte-jpeg-soi", "riff-avi"],
)
def test_unknown_bytes_are_rejected(data: bytes) -> None:
    message = rejected(data_url(data, "png"))
    assert message.startswith("image data is not a JPEG, PNG or WebP file")


@pytest.mark.parametrize(
    "payload",
    [
        "@@@@",
        "iVBO\nRw0K",
        "iVBO Rw0K",
        "iVBORw0K€",
        "iVBOR-_K",
        "A",
        "iVBORw0KG",
        "iVBO=Rw0K",
        "iVBORw0K=",
        "iVBORw0KGg===",
        "=",
        "==",
    ],
    ids=[
        "symbols",
        "newline",
        "space",
        "non-ascii",
        "urlsafe",
        "one-char",
        "one-char-group",
        "inner-padding",
        "excess-padding",
        "triple-padding",
        "only-padding",
        "only-padding-2",
    ],
)
def test_bad_base64_is_rejected(payload: str) -> None:
    assert rejected("data:image/png;base64," + payload) == "image data is not valid Base64"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("data:image/png;base64,", "data URL contains no image data"),
        ("data:image/png;base64", "data URL must look like data:image/<type>;base64,<data>"),
        ("data:image/png,iVBORw0K", "data URL must be Base64-encoded"),
        ("data:image/png;charset=utf-8,iVBORw0K", "data URL must be Base64-encoded"),
    ],
)
def test_malformed_data_urls(value: str, expected: str) -> None:
    assert rejected(value).startswith(expected)


# --- unreadable headers ---------------------------------------------------------------------------


def _png_truncations() -> list[object]:
    png = encode_png(400, 400)
    return [
        pytest.param(png[:8], "png", "PNG", id="png-signature-only"),
        pytest.param(png[:23], "png", "PNG", id="png-ihdr-cut"),
        pytest.param(png[:12] + b"IDAT" + png[16:], "png", "PNG", id="png-first-chunk-not-ihdr"),
        pytest.param(encode_png(400, 400)[:16] + b"\x00" * 8, "png", "PNG", id="png-zero-size"),
    ]


def _jpeg_truncations() -> list[object]:
    jpeg = make_jpeg(400, 400)
    sof = jpeg.index(b"\xff\xc0")
    sos = jpeg.index(b"\xff\xda")
    return [
        pytest.param(jpeg[:3], "jpeg", "JPEG", id="jpeg-soi-only"),
        pytest.param(jpeg[:sof], "jpeg", "JPEG", id="jpeg-cut-before-sof"),
        pytest.param(jpeg[: sof + 6], "jpeg", "JPEG", id="jpeg-cut-inside-sof"),
        pytest.param(jpeg[:sof] + jpeg[sos:], "jpeg", "JPEG", id="jpeg-sos-before-sof"),
        pytest.param(b"\xff\xd8\xff\xd9", "jpeg", "JPEG", id="jpeg-eoi-before-sof"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x01" + b"\x00" * 20, "jpeg", "JPEG", id="jpeg-len-1"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x04\x00\x00xx", "jpeg", "JPEG", id="jpeg-garbage"),
        pytest.param(b"\xff\xd8\xff\xff\xff", "jpeg", "JPEG", id="jpeg-only-fill"),
        pytest.param(
            b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x00\x01\x90" + b"\x00" * 12,
            "jpeg",
            "JPEG",
            id="jpeg-height-0-dnl",
        ),
    ]


def _webp(chunk: bytes, payload: bytes) -> bytes:
    """A RIFF/WEBP file whose first chunk is chunk with payload."""
    body = b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _webp_truncations() -> list[object]:
    vp8_key = b"\x30\x24\x00\x9d\x01\x2a" + struct.pack("<HH", 400, 400)
    return [
        pytest.param(b"RIFF\x00\x00\x00\x00WEBP", "webp", "WebP", id="webp-no-chunk"),
        pytest.param(_webp(b"VP8 ", vp8_key)[:29], "webp", "WebP", id="webp-vp8-cut"),
        pytest.param(_webp(b"VP8 ", b"\x31" + vp8_key[1:]), "webp", "WebP", id="webp-vp8-inter"),
        pytest.param(
            _webp(b"VP8 ", vp8_key[:3] + b"\x00\x00\x00" + vp8_key[6:]),
            "webp",
            "WebP",
            id="webp-vp8-no-start-code",
        ),
        pytest.param(_webp(b"VP8L", b"\x2f\x00\x00"), "webp", "WebP", id="webp-vp8l-cut"),
        pytest.param(_webp(b"VP8L", b"\x2e" + b"\x00" * 8), "webp", "WebP", id="webp-vp8l-sig"),
        pytest.param(_webp(b"VP8X", b"\x00" * 9), "webp", "WebP", id="webp-vp8x-cut"),
        pytest.param(_webp(b"ANIM", b"\x00" * 16), "webp", "WebP", id="webp-unknown-chunk"),
    ]


@pytest.mark.parametrize(
    ("data", "declared", "name"), _png_truncations() + _jpeg_truncations() + _webp_truncations()
)
def test_unreadable_header_is_rejected(data: bytes, declared: str, name: str) -> None:
    message = rejected(data_url(data, declared))
    assert message == f"could not read the image dimensions from the {name} data"


# --- JPEG marker walking --------------------------------------------------------------------------


def test_jpeg_with_app_segments_and_fill_bytes_before_sof() -> None:
    """APP1/APP14 segments plus 0xFF fill bytes before markers still lead to SOF0."""
    jpeg = make_jpeg(512, 384)
    exif = b"Exif\x00\x00" + b"\xff\xc0\x00\x11\x08\x00\x01\x00\x01" * 4  # decoy SOF bytes
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + len(exif)) + exif
    app14 = b"\xff\xee" + struct.pack(">H", 14) + b"Adobe\x00\x64\x00\x00\x00\x00\x01"
    with_fill = jpeg[:2] + b"\xff\xff\xff" + app1 + b"\xff\xff" + app14 + b"\xff" + jpeg[2:]
    info = inspect_image(data_url(with_fill, "jpeg"))
    assert (info.width, info.height) == (512, 384)
    # FFmpeg agrees the edited file is still a valid JPEG of that size.
    assert ffmpeg_decoded_size(with_fill) == (512, 384)


@pytest.mark.parametrize("sof", [0xC1, 0xC2, 0xC3, 0xC5, 0xC7, 0xC9, 0xCB, 0xCD, 0xCF])
def test_jpeg_every_sof_kind_and_skipped_c4_c8_cc(sof: int) -> None:
    """A hand-built header: DHT, JPG, DAC, TEM and RST must be skipped, any other SOFn read."""

    def segment(marker: int, payload: bytes) -> bytes:
        return bytes((0xFF, marker)) + struct.pack(">H", 2 + len(payload)) + payload

    decoy = b"\x08\x00\x10\x00\x10"  # would read as 16x16 if C4/C8/CC were taken for SOF
    header = (
        b"\xff\xd8"
        + b"\xff\x01"  # TEM, standalone
        + segment(0xC4, decoy + b"\x00" * 20)  # DHT
        + b"\xff\xd3"  # RST3, standalone
        + segment(0xC8, decoy)  # JPG
        + segment(0xCC, decoy)  # DAC
        + b"\xff\xff"
        + segment(sof, b"\x08" + struct.pack(">HH", 700, 900) + b"\x03" + b"\x00" * 9)
    )
    info = inspect_image(data_url(header, "jpeg"))
    assert (info.width, info.height) == (900, 700)


# --- WebP bit layouts (hand-built, beyond what we encode above) -----------------------------------


@pytest.mark.parametrize(("width", "height"), [(16383, 16383), (16383, 6554), (1234, 777)])
def test_webp_vp8_14_bit_size_ignores_scale_bits(width: int, height: int) -> None:
    # The top two bits of each 16-bit field are upscaling hints, not part of the size.
    scaled = struct.pack("<HH", width | 0xC000, height | 0x4000)
    data = _webp(b"VP8 ", b"\x30\x24\x00\x9d\x01\x2a" + scaled + b"\x00" * 10)
    info = inspect_image(data_url(data, "webp"))
    assert (info.width, info.height) == (width, height)


def test_webp_vp8l_max_size() -> None:
    bits = (16384 - 1) | ((16384 - 1) << 14) | (1 << 28)  # alpha hint bit set, version 0
    data = _webp(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\x00" * 4)
    info = inspect_image(data_url(data, "webp"))
    assert (info.width, info.height) == (16384, 16384)


def test_webp_vp8x_24_bit_canvas() -> None:
    """VP8X sizes go beyond 16383, which no VP8/VP8L bitstream can express."""
    canvas = (20000 - 1).to_bytes(3, "little") + (9000 - 1).to_bytes(3, "little")
    data = _webp(b"VP8X", b"\x10\x00\x00\x00" + canvas)
    info = inspect_image(data_url(data, "webp"))
    assert (info.format, info.width, info.height) == ("webp", 20000, 9000)


# --- size limit -----------------------------------------------------------------------------------


def _padded_png_data_url(total_bytes: int, width: int = 1024, height: int = 1024) -> str:
    """A data URL of exactly total_bytes decoded bytes: a PNG header, then zero bytes.

    Built directly as Base64 text ("AAAA" is three zero bytes), so the test never holds the
    decoded bytes and the text at the same time.
    """
    head = encode_png(width, height)[:33]  # signature + IHDR chunk, a multiple of 3
    assert len(head) % 3 == 0
    zeros, rest = divmod(total_bytes - len(head), 3)
    tail = {0: "", 1: "AA==", 2: "AAA="}[rest]
    b64_head = base64.b64encode(head).decode()
    return "".join(("data:image/png;base64,", b64_head, "AAAA" * zeros, tail))


def test_just_under_20_mb_is_accepted() -> None:
    info = inspect_image(_padded_png_data_url(MAX_IMAGE_BYTES - 1))
    assert info == ImageInfo(
        source="data", format="png", width=1024, height=1024, size=MAX_IMAGE_BYTES - 1
    )


@pytest.mark.parametrize("extra", [0, 1, 2])  # each ends the Base64 text differently
def test_20_mb_or_more_is_rejected(extra: int) -> None:
    size = MAX_IMAGE_BYTES + extra
    message = rejected(_padded_png_data_url(size))
    assert message == (
        f"image is {size / 1048576:.2f} MB ({size} bytes); "
        "it must be smaller than 20 MB (20971520 bytes)"
    )


def test_20_mb_limit_applies_without_padding_too() -> None:
    url = _padded_png_data_url(MAX_IMAGE_BYTES)
    assert url.endswith("AAA=")
    assert "(20971520 bytes); it must be smaller" in rejected(url.rstrip("="))


def test_large_jpeg_walks_segments_by_length() -> None:
    """~19 MB of maximal APP segments before SOF: parsing jumps, it does not scan bytes."""
    jpeg = make_jpeg(640, 480)
    app = b"\xff\xe2\xff\xff" + b"\xff" * 0xFFFD  # 64 KB segments whose bodies look like fill
    count = (19 * 1024 * 1024) // len(app)
    data = jpeg[:2] + app * count + jpeg[2:]
    info = inspect_image(data_url(data, "jpeg"))
    assert (info.width, info.height, info.size) == (640, 480, len(data))


# --- URLs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/a.png",
        "https://example.com/a.jpg",
        "HTTPS://cdn.example.com:8443/path/img.webp?sig=abc&x=1#frag",
        "https://user:pw@example.com/a.png",
        "http://127.0.0.1:9000/a.jpeg",
        "http://[::1]/a.png",
        "https://example.com",
        "https://example.com/not-an-image.txt",  # never fetched, so the path is not judged
    ],
)
def test_urls_get_a_syntax_check_only(url: str) -> None:
    assert inspect_image(url) == ImageInfo(
        source="url", format=None, width=None, height=None, size=None
    )


@pytest.mark.parametrize(
    "value",
    [
        "ftp://example.com/a.png",
        "file:///etc/passwd",
        "example.com/a.png",
        "//example.com/a.png",
        "/local/path.png",
        "iVBORw0KGgoAAAANSUhEUg==",  # bare Base64 without the data: prefix
        "javascript:alert(1)",
        "http//example.com/a.png",
        "http://[::1/a.png",
    ],
)
def test_non_http_values_are_rejected(value: str) -> None:
    assert rejected(value) == "must be an http(s) URL or a data:image/...;base64, URL"


@pytest.mark.parametrize(
    "url", ["http://", "https:///a.png", "http://:8080/a.png", "https://user@/a.png", "http:a.png"]
)
def test_url_without_host_is_rejected(url: str) -> None:
    assert rejected(url) == "URL has no host"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a b.png",
        " https://example.com/a.png",
        "https://example.com/a.png ",
        "https://exa\tmple.com/a.png",
        "https://example.com/a.png\n",
        "https://example.com/a\u00a0b.png",
    ],
)
def test_url_with_whitespace_is_rejected(url: str) -> None:
    assert rejected(url) == "URL must not contain whitespace"


def test_url_with_bad_port_is_rejected() -> None:
    assert rejected("http://example.com:http/a.png") == "URL has an invalid host or port"


@pytest.mark.parametrize("value", ["", " ", "\t\n"])
def test_empty_value_is_rejected(value: str) -> None:
    assert rejected(value) == "must not be empty"


# --- types ----------------------------------------------------------------------------------------


def test_image_rejected_is_a_value_error_and_info_is_frozen() -> None:
    assert issubclass(ImageRejected, ValueError)
    info = inspect_image("https://example.com/a.png")
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.width = 5  # type: ignore[misc]
