"""The V2 (H3) catalog: models, modes, output geometry and media limits of `/v2/...`.

The one source of truth for V2: validation, the README's V2 tables, the request factories
and the task bodies all read it. Facts are from the reference (`minimax-video-api.md` §6):
the V2 create docs (V2C-EN/CN), the third-party H3 spec sheet (H3CHECK) and measured
behaviour (OBS-D). Where a size is not documented the table says how it was chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "ADAPTIVE",
    "AUDIO_LIMITS",
    "BASE_VIDEO_AREA",
    "BASE_VIDEO_FRAMES",
    "FPS",
    "IMAGE_LIMITS",
    "MAX_FILES",
    "MAX_REGENERATION_TEXT_CHARS",
    "MAX_TEXT_CHARS",
    "MEDIA_LIMITS",
    "MODELS",
    "PROMPT_EXPANSION_MODES",
    "RATIOS",
    "RESOLUTIONS",
    "RETENTION_SECONDS",
    "ROLES",
    "ROLE_LIMITS",
    "SIZES",
    "SIZE_SOURCES",
    "VIDEO_LIMITS",
    "AudioLimits",
    "ImageLimits",
    "Modality",
    "Mode",
    "Model",
    "TaskType",
    "VideoLimits",
    "frames_for",
    "nearest_ratio",
    "output_size",
]

FPS = 24
#: The `text` content item (V2C-EN); regeneration allows more.
MAX_TEXT_CHARS = 7000
MAX_REGENERATION_TEXT_CHARS = 40000
#: V2 answers only for tasks of the last 7 days (V2Q, V2L).
RETENTION_SECONDS = 7 * 24 * 3600
#: Media files per request (the guide; TP1, H3CHECK).
MAX_FILES = 12

ADAPTIVE = "adaptive"
RATIOS: tuple[str, ...] = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
RESOLUTIONS: tuple[str, ...] = ("480P", "768P", "2K")
PROMPT_EXPANSION_MODES: tuple[str, ...] = ("disabled", "balanced", "quality")


class Mode(str, Enum):
    """A V2 generation mode, inferred from the content items' roles."""

    T2VA = "t2va"
    I2VA = "i2va"
    R2VA = "r2va"

    @property
    def label(self) -> str:
        return _MODE_LABELS[self]


_MODE_LABELS = {
    Mode.T2VA: "text-to-video-audio (text only)",
    Mode.I2VA: "image-to-video-audio (first and/or last frame)",
    Mode.R2VA: "reference-to-video-audio (reference images, videos, audio)",
}


class TaskType(str, Enum):
    GENERATION = "generation"
    CONTEXT_IR = "h3_context_ir"
    REGENERATION = "regeneration"


class Modality(str, Enum):
    VIDEO = "video"
    TEXT = "text"


#: Content item roles, by the item type each belongs to; `base_video` is regeneration's.
ROLES: dict[str, tuple[str, ...]] = {
    "image_url": ("first_frame", "last_frame", "reference_image"),
    "video_url": ("reference_video", "base_video"),
    "audio_url": ("reference_audio",),
}


@dataclass(frozen=True)
class Model:
    """One V2 model: the resolutions and durations it takes, and which endpoints serve it."""

    name: str
    resolutions: tuple[str, ...]
    durations: tuple[int, ...]
    default_resolution: str
    context_ir: bool
    regeneration: bool


MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        Model("MiniMax-H3", ("768P", "2K"), tuple(range(4, 16)), "768P", True, True),
        # H3-Max supports the create endpoint only (TP1 citing api-overview.md).
        Model("MiniMax-H3-Max", ("480P", "768P"), tuple(range(5, 16)), "768P", False, False),
    )
}

#: Output pixel size per resolution and ratio. Every side is a multiple of 32 and each
#: resolution keeps one pixel budget: 768P's is 1344x768 (observed, OBS-D), which is also
#: the largest area regeneration takes as a base video (1,032,192 px), and 768x768 its
#: smallest (589,824 px), so 1:1 at 768P is 768x768. 2K 16:9 is 2560x1440 (provider docs);
#: 480P 16:9 is 864x480 (the open H3 weights' default). The other ratios are a documented
#: choice: the short side at the resolution's lines, the long side the nearest multiple of
#: 32 to the ratio, shrunk to the 16:9 size's budget where it would exceed it (21:9).
SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "480P": {
        "21:9": (960, 416),
        "16:9": (864, 480),
        "4:3": (640, 480),
        "1:1": (480, 480),
        "3:4": (480, 640),
        "9:16": (480, 864),
    },
    "768P": {
        "21:9": (1536, 672),
        "16:9": (1344, 768),
        "4:3": (1024, 768),
        "1:1": (768, 768),
        "3:4": (768, 1024),
        "9:16": (768, 1344),
    },
    "2K": {
        "21:9": (2912, 1248),
        "16:9": (2560, 1440),
        "4:3": (1920, 1440),
        "1:1": (1440, 1440),
        "3:4": (1440, 1920),
        "9:16": (1440, 2560),
    },
}
SIZE_SOURCES: dict[tuple[str, str], str] = {
    ("768P", "16:9"): "observed, OBS-D",
    ("2K", "16:9"): "provider docs",
    ("480P", "16:9"): "open H3 weights' default",
}

#: Regeneration's base video (TP1): area and frame-count bounds.
BASE_VIDEO_AREA = (589_824, 1_032_192)
BASE_VIDEO_FRAMES = (107, 362)


def frames_for(duration: int) -> int:
    """Frames rendered for `duration` seconds: the first count on H3's 17n+5 grid that
    lasts at least that long at 24 fps (H3CHECK; `duration: 4` gave 4.458 s live)."""
    return math.ceil((duration * FPS - 5) / 17) * 17 + 5


def nearest_ratio(width: int, height: int) -> str:
    """The catalog ratio closest to a picture's shape (an adaptive output follows its input)."""
    shape = math.log(width / height)
    return min(RATIOS, key=lambda r: abs(math.log(_value(r)) - shape))


def _value(ratio: str) -> float:
    w, h = ratio.split(":")
    return int(w) / int(h)


def output_size(resolution: str, ratio: str) -> tuple[int, int]:
    return SIZES[resolution][ratio]


@dataclass(frozen=True)
class ImageLimits:
    formats: tuple[str, ...]
    max_bytes: int
    min_side: int
    max_side: int
    min_ratio: float
    max_ratio: float


@dataclass(frozen=True)
class VideoLimits:
    formats: tuple[str, ...]
    video_codecs: tuple[str, ...]
    audio_codecs: tuple[str, ...]
    max_bytes: int
    min_seconds: float
    max_seconds: float
    total_seconds: float
    min_side: int
    max_side: int
    min_ratio: float
    max_ratio: float
    min_fps: float
    max_fps: float


@dataclass(frozen=True)
class AudioLimits:
    formats: tuple[str, ...]
    max_bytes: int
    min_seconds: float
    max_seconds: float
    total_seconds: float


_MB = 1024 * 1024

IMAGE_LIMITS = ImageLimits(
    formats=("jpeg", "png", "webp", "heic", "heif"),
    max_bytes=30 * _MB,
    min_side=256,
    max_side=5760,
    min_ratio=0.4,
    max_ratio=2.5,
)
VIDEO_LIMITS = VideoLimits(
    formats=("mp4", "mov"),
    video_codecs=("h264", "h265"),
    audio_codecs=("aac", "mp3"),
    max_bytes=50 * _MB,
    min_seconds=2.0,
    max_seconds=15.0,
    total_seconds=15.0,
    min_side=256,
    max_side=5760,
    min_ratio=0.4,
    max_ratio=2.5,
    min_fps=23.976,
    max_fps=60.0,
)
AUDIO_LIMITS = AudioLimits(
    formats=("wav", "mp3"),
    max_bytes=15 * _MB,
    min_seconds=2.0,
    max_seconds=15.0,
    total_seconds=15.0,
)
MEDIA_LIMITS: dict[str, ImageLimits | VideoLimits | AudioLimits] = {
    "image_url": IMAGE_LIMITS,
    "video_url": VIDEO_LIMITS,
    "audio_url": AUDIO_LIMITS,
}
#: How many items of each role one request may hold.
ROLE_LIMITS: dict[str, int] = {
    "first_frame": 1,
    "last_frame": 1,
    "reference_image": 9,
    "reference_video": 3,
    "reference_audio": 3,
    "base_video": 1,
}
