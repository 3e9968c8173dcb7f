"""Payloads and readers shared by the tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import av

IMAGE = "https://cdn.example.com/frames/first.jpg"
LAST_IMAGE = "https://cdn.example.com/frames/last.jpg"
FACE = "https://cdn.example.com/faces/subject.png"

#: The four request kinds of the seed documents, as written there.
SEED_REQUESTS: dict[str, dict[str, Any]] = {
    "text_to_video": {
        "model": "MiniMax-Hailuo-2.3",
        "prompt": "A man picks up a book [Pedestal up], then reads [Static shot].",
        "duration": 6,
        "resolution": "1080P",
    },
    "first_frame": {
        "model": "MiniMax-Hailuo-2.3",
        "prompt": "A mouse runs toward the camera, smiling and blinking.",
        "first_frame_image": IMAGE,
        "duration": 6,
        "resolution": "1080P",
    },
    "first_last_frame": {
        "model": "MiniMax-Hailuo-02",
        "prompt": "A little girl grows up.",
        "first_frame_image": IMAGE,
        "last_frame_image": LAST_IMAGE,
        "duration": 6,
        "resolution": "1080P",
    },
    "subject_reference": {
        "model": "S2V-01",
        "prompt": "A girl runs toward the camera and winks with a smile.",
        "subject_reference": [{"type": "character", "image": [FACE]}],
    },
}

#: What each seed request must produce: (width, height, seconds).
SEED_OUTPUT = {
    "text_to_video": (1920, 1080, 6),
    "first_frame": (1920, 1080, 6),
    "first_last_frame": (1920, 1080, 6),
    "subject_reference": (1280, 720, 6),
}


@dataclass(frozen=True)
class Mp4Info:
    codec: str
    width: int
    height: int
    fps: float
    frames: int
    seconds: float


def mp4_info(data: bytes) -> Mp4Info:
    """What a real decoder (FFmpeg, through PyAV) reads from the file: decodes every frame."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        assert container.duration is not None
        return Mp4Info(
            codec=stream.codec_context.name,
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=float(stream.average_rate or 0),
            frames=frames,
            seconds=container.duration / 1_000_000,
        )
