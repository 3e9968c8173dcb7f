"""Validation of image inputs (first/last frame, subject reference) as MiniMax documents them.

MiniMax accepts an image as a public http(s) URL or a Base64 data URL. The mock never fetches
URLs, so they get a syntax check only; data URLs are decoded and their header is read so that
format, size, short edge and aspect ratio are checked the way the real service would.
Header parsing touches only the first bytes of the payload (JPEG jumps by segment lengths),
so a data URL close to the size limit is still cheap to inspect.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_RATIO",
    "MIN_RATIO",
    "MIN_SHORT_EDGE",
    "ImageInfo",
    "ImageRejected",
    "encode_png",
    "inspect_image",
    "png_data_url",
    "sniff_image",
]

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # "< 20 MB": exactly this many bytes or more is rejected
MIN_SHORT_EDGE = 300  # "short edge > 300 px": 300 is rejected, 301 accepted
MIN_RATIO = 2 / 5
MAX_RATIO = 5 / 2

# Declared data-URL subtype -> canonical format name.
_DECLARED_FORMATS = {"jpeg": "jpeg", "jpg": "jpeg", "png": "png", "webp": "webp"}
_ALLOWED_TEXT = "JPG, JPEG, PNG and WebP"
_FORMAT_NAMES = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP"}
_NOT_AN_IMAGE_URL = "must be an http(s) URL or a data:image/...;base64, URL"
_NOT_BASE64 = "image data is not valid Base64"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_WHITESPACE = re.compile(r"\s")
_BASE64_CHARS = re.compile(rb"[A-Za-z0-9+/]*")
# First byte that is not a JPEG fill byte (0xFF); a regex keeps long fill runs out of Python.
_NOT_FILL = re.compile(rb"[^\xff]")
# JPEG markers without a length field: TEM, RST0..RST7 (SOI is only valid at the start).
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# SOF0..SOF15 minus DHT (C4), JPG (C8) and DAC (CC), which share the C0..CF range.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class ImageRejected(ValueError):
    """Why an image value breaks the rules; str(exc) is a human sentence without the field name."""


@dataclass(frozen=True)
class ImageInfo:
    """What the mock could learn about an image value without fetching anything."""

    source: str  # "url" or "data"
    format: str | None  # "jpeg", "png", "webp" for data URLs; None for URLs
    width: int | None
    height: int | None
    size: int | None  # decoded byte count for data URLs


def inspect_image(value: str) -> ImageInfo:
    """Check an image value against the documented rules; raise ImageRejected if it breaks one."""
    if not value or value.isspace():  # isspace() stops at the first other character: no copy
        raise ImageRejected("must not be empty")
    if value[:5].lower() == "data:":
        return _inspect_data_url(value)
    return _inspect_url(value)


def sniff_image(data: bytes) -> tuple[str, int | None, int | None] | None:
    """The format ("jpeg", "png", "webp") and size of raw image bytes, read from the header
    alone; None when the bytes are none of these, the size None when the header is unreadable.

    For bytes that arrive without a data URL around them (uploaded files).
    """
    try:
        fmt = _sniff_format(data)
    except ImageRejected:
        return None
    try:
        width, height = _DIMENSION_READERS[fmt](data)
    except ImageRejected:
        return fmt, None, None
    return fmt, width, height


def encode_png(width: int, height: int, rgb: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """Return a minimal valid 8-bit truecolour PNG of one solid colour (for fixtures and tests)."""
    if width < 1 or height < 1:
        raise ValueError(f"PNG size must be at least 1x1, got {width}x{height}")
    if len(rgb) != 3 or any(not 0 <= c <= 255 for c in rgb):
        raise ValueError(f"rgb must be three values in 0..255, got {rgb!r}")
    row = b"\x00" + bytes(rgb) * width  # filter type 0 (None), then the pixels
    # Compress in ~1 MB slices so large images do not build the whole raw bitmap at once.
    rows_per_slice = max(1, (1 << 20) // len(row))
    compressor = zlib.compressobj(9)
    parts = []
    remaining = height
    while remaining:
        n = min(rows_per_slice, remaining)
        parts.append(compressor.compress(row * n))
        remaining -= n
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def png_data_url(width: int, height: int, rgb: tuple[int, int, int] = (200, 120, 40)) -> str:
    """Return encode_png(...) as a data:image/png;base64, URL."""
    return "data:image/png;base64," + base64.b64encode(encode_png(width, height, rgb)).decode()


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", binascii.crc32(tag + data))


# --- URLs -------------------------------------------------------------------------------------


def _inspect_url(value: str) -> ImageInfo:
    try:
        parts = urlsplit(value)
        scheme = parts.scheme.lower()
    except ValueError:
        raise ImageRejected(_NOT_AN_IMAGE_URL) from None
    if scheme not in ("http", "https"):
        raise ImageRejected(_NOT_AN_IMAGE_URL)
    if _WHITESPACE.search(value):
        raise ImageRejected("URL must not contain whitespace")
    try:
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port such as ':abc'
    except ValueError:
        raise ImageRejected("URL has an invalid host or port") from None
    if not host:
        raise ImageRejected("URL has no host")
    return ImageInfo(source="url", format=None, width=None, height=None, size=None)


# --- data URLs --------------------------------------------------------------------------------


def _inspect_data_url(value: str) -> ImageInfo:
    comma = value.find(",")
    if comma < 0:
        raise ImageRejected("data URL must look like data:image/<type>;base64,<data>")
    media_type, *params = (p.strip().lower() for p in value[5:comma].split(";"))
    if not media_type.startswith("image/"):
        shown = media_type or "(none)"
        raise ImageRejected(
            f"data URL declares media type {shown!r}; supported formats are {_ALLOWED_TEXT}"
        )
    subtype = media_type[len("image/") :]
    declared = _DECLARED_FORMATS.get(subtype)
    if declared is None:
        raise ImageRejected(
            f"image type {subtype!r} is not supported; supported formats are {_ALLOWED_TEXT}"
        )
    if not params or params[-1] != "base64":
        raise ImageRejected("data URL must be Base64-encoded: data:image/<type>;base64,<data>")

    data = _decode_base64(value, comma + 1)
    fmt = _sniff_format(data)
    if fmt != declared:
        raise ImageRejected(
            f"data URL declares image/{subtype} but the data is a {_FORMAT_NAMES[fmt]} image"
        )
    width, height = _DIMENSION_READERS[fmt](data)
    if width <= 0 or height <= 0:
        raise _unreadable(fmt)
    _check_geometry(width, height)
    return ImageInfo(source="data", format=fmt, width=width, height=height, size=len(data))


def _decode_base64(value: str, start: int) -> bytes:
    """Strictly decode value[start:] as Base64, tolerating missing '=' padding.

    Matches base64.b64decode(..., validate=True) on the padded text, except that '=' after a
    complete group is rejected (as RFC 4648 says; Python >= 3.11 ignores it). It avoids slicing
    the payload out of the URL: near 20 MB every extra copy is tens of MB of fresh memory.
    """
    total = len(value) - start
    if total == 0:
        raise ImageRejected("data URL contains no image data")
    pads = 2 if value.endswith("==") else 1 if value.endswith("=") else 0
    chars = total - min(pads, total)  # Base64 characters before the trailing '='
    if chars % 4 == 1 or pads > -chars % 4:
        raise ImageRejected(_NOT_BASE64)
    # The decoded size follows from the length, so oversize data is rejected before decoding.
    _check_size(chars * 3 // 4)
    try:
        raw = value.encode("ascii")
    except UnicodeEncodeError:
        raise ImageRejected(_NOT_BASE64) from None
    body = memoryview(raw)[start : start + chars]
    if not _BASE64_CHARS.fullmatch(body):
        raise ImageRejected(_NOT_BASE64)
    whole = chars - chars % 4
    data = binascii.a2b_base64(body[:whole])
    if whole < chars:  # the last, short group: decode it with its padding restored
        data += binascii.a2b_base64(bytes(body[whole:]) + b"=" * (-chars % 4))
    return data


def _check_size(size: int) -> None:
    if size >= MAX_IMAGE_BYTES:
        mb = size / (1024 * 1024)
        raise ImageRejected(
            f"image is {mb:.2f} MB ({size} bytes); it must be smaller than "
            f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB ({MAX_IMAGE_BYTES} bytes)"
        )


def _sniff_format(data: bytes) -> str:
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        raise ImageRejected(f"image data is a GIF; supported formats are {_ALLOWED_TEXT}")
    raise ImageRejected(
        f"image data is not a JPEG, PNG or WebP file; supported formats are {_ALLOWED_TEXT}"
    )


def _unreadable(fmt: str) -> ImageRejected:
    return ImageRejected(f"could not read the image dimensions from the {_FORMAT_NAMES[fmt]} data")


def _png_size(data: bytes) -> tuple[int, int]:
    # Signature (8), then the IHDR chunk: length (4), type (4), width (4), height (4).
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise _unreadable("png")
    width, height = struct.unpack_from(">II", data, 16)
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk marker segments to the first SOFn, which carries the frame's height and width."""
    n = len(data)
    i = 2  # past SOI
    while i < n:
        if data[i] != 0xFF:
            raise _unreadable("jpeg")  # garbage where a marker must start
        fill_end = _NOT_FILL.search(data, i)
        if fill_end is None:
            break
        marker = data[fill_end.start()]
        i = fill_end.start() + 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0x00, 0xD8, 0xD9, 0xDA):
            break  # stuffed byte, second SOI, EOI or start of scan before any frame header
        if i + 2 > n:
            break
        (length,) = struct.unpack_from(">H", data, i)
        if length < 2:
            break
        if marker in _JPEG_SOF:
            # Segment: length (2), sample precision (1), height (2), width (2), ...
            if length < 7 or i + 7 > n:
                break
            height, width = struct.unpack_from(">HH", data, i + 3)
            return int(width), int(height)
        i += length
    raise _unreadable("jpeg")


def _webp_size(data: bytes) -> tuple[int, int]:
    # RIFF header (12), then the first chunk: FourCC (4), size (4), payload from offset 20.
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        # Frame tag (3 bytes, bit 0 clear on key frames), start code, 14-bit width and height.
        if data[20] & 1 == 0 and data[23:26] == b"\x9d\x01\x2a":
            width, height = struct.unpack_from("<HH", data, 26)
            return width & 0x3FFF, height & 0x3FFF
    elif chunk == b"VP8L" and len(data) >= 25:
        # Signature 0x2F, then 14 bits width-1 and 14 bits height-1, little-endian bit order.
        if data[20] == 0x2F:
            (bits,) = struct.unpack_from("<I", data, 21)
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8X" and len(data) >= 30:
        # Flags (1), reserved (3), then 24-bit canvas width-1 and height-1, little-endian.
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    raise _unreadable("webp")


_DIMENSION_READERS = {"png": _png_size, "jpeg": _jpeg_size, "webp": _webp_size}


def _check_geometry(width: int, height: int) -> None:
    short = min(width, height)
    if short <= MIN_SHORT_EDGE:
        raise ImageRejected(
            f"image is {width}x{height} px: short edge is {short} px; "
            f"it must be greater than {MIN_SHORT_EDGE} px"
        )
    # Integer cross-multiplication keeps the 2:5 and 5:2 bounds exact.
    if 5 * width < 2 * height or 2 * width > 5 * height:
        raise ImageRejected(
            f"aspect ratio {width}x{height} ({_ratio_text(width, height)}) is outside 2:5 to 5:2"
        )


def _ratio_text(width: int, height: int) -> str:
    """Format width/height with enough decimals that it never reads as exactly 0.40 or 2.50."""
    ratio = width / height
    text = f"{ratio:.2f}"
    for digits in range(3, 9):
        if text not in (f"{MIN_RATIO:.{digits - 1}f}", f"{MAX_RATIO:.{digits - 1}f}"):
            break
        text = f"{ratio:.{digits}f}"
    return text
