"""The V1 model catalog: which model takes which mode, resolution and duration.

This module is the one source of truth for the model matrix; validation, the README's
model table and the request factories all read it. Facts are from the reference
(`minimax-video-api.md` §2-3); the places the sources disagree are settings
(`legacy_01_params`, `s2v_resolution`, `legacy_models`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "CAMERA_COMMANDS",
    "FPS",
    "LEGACY_FPS",
    "MAX_PROMPT_CHARS",
    "MODELS",
    "RESOLUTIONS",
    "Mode",
    "Model",
    "Resolution",
    "output_size",
]

MAX_PROMPT_CHARS = 2000
FPS = 24
#: video-01's frame rate (cometapi's model page; the minimax-python README).
LEGACY_FPS = 25


class Mode(str, Enum):
    """A V1 generation mode; the real API infers it from the fields sent."""

    T2V = "t2v"
    I2V = "i2v"
    FL2V = "fl2v"
    S2V = "s2v"

    @property
    def label(self) -> str:
        return _MODE_TITLES[self]


_MODE_TITLES = {
    Mode.T2V: "Text-to-Video",
    Mode.I2V: "Image-to-Video",
    Mode.FL2V: "First-Last-Frame-to-Video",
    Mode.S2V: "Subject-Reference-to-Video",
}


@dataclass(frozen=True)
class Resolution:
    name: str
    width: int
    height: int
    source: str


#: Output sizes for 16:9 landscape output. 512P is not documented anywhere: 910x512 keeps
#: the 16:9 rounding the real 768P size (1366x768) uses.
RESOLUTIONS: dict[str, Resolution] = {
    r.name: r
    for r in (
        Resolution("512P", 910, 512, "documented choice: 16:9 at 512 lines, rounded to even"),
        Resolution("720P", 1280, 720, "observed (OBS-A)"),
        Resolution("768P", 1366, 768, "observed (OBS-B, COMFY)"),
        Resolution("1080P", 1920, 1080, "documented (Q-EN example)"),
    )
}


@dataclass(frozen=True)
class Model:
    """One V1 model: per mode, each allowed resolution maps to its allowed durations."""

    name: str
    matrix: dict[Mode, dict[str, tuple[int, ...]]]
    default_resolution: str
    camera_commands: bool
    series_01: bool = False
    fps: int = FPS
    #: A 2024-25 name (`legacy_models`): per mode, the current model it stood for. Its
    #: `duration` and `resolution` are taken whatever they say and the one output rendered,
    #: as api.minimax.io took `duration: 5, resolution: "720p"` for video-01 (OBS-A).
    stands_for: dict[Mode, str] | None = None

    @property
    def legacy(self) -> bool:
        return self.stands_for is not None

    @property
    def modes(self) -> tuple[Mode, ...]:
        return tuple(self.matrix)

    def resolutions(self, mode: Mode) -> tuple[str, ...]:
        return tuple(self.matrix[mode])

    def durations(self, mode: Mode, resolution: str) -> tuple[int, ...]:
        return self.matrix[mode].get(resolution, ())


_HAILUO_23: dict[str, tuple[int, ...]] = {"768P": (6, 10), "1080P": (6,)}
_SERIES_01: dict[str, tuple[int, ...]] = {"720P": (6,)}

MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        Model("MiniMax-Hailuo-2.3", {Mode.T2V: _HAILUO_23, Mode.I2V: _HAILUO_23}, "768P", True),
        Model("MiniMax-Hailuo-2.3-Fast", {Mode.I2V: _HAILUO_23}, "768P", True),
        Model(
            "MiniMax-Hailuo-02",
            {
                Mode.T2V: _HAILUO_23,
                Mode.I2V: {"512P": (6, 10), "768P": (6, 10), "1080P": (6,)},
                Mode.FL2V: _HAILUO_23,
            },
            "768P",
            True,
        ),
        Model("T2V-01-Director", {Mode.T2V: _SERIES_01}, "720P", True, series_01=True),
        Model("T2V-01", {Mode.T2V: _SERIES_01}, "720P", False, series_01=True),
        Model("I2V-01-Director", {Mode.I2V: _SERIES_01}, "720P", True, series_01=True),
        Model("I2V-01-live", {Mode.I2V: _SERIES_01}, "720P", False, series_01=True),
        Model("I2V-01", {Mode.I2V: _SERIES_01}, "720P", False, series_01=True),
        Model("S2V-01", {Mode.S2V: _SERIES_01}, "720P", False, series_01=True),
        Model(
            "video-01",
            {Mode.T2V: _SERIES_01, Mode.I2V: _SERIES_01},
            "720P",
            False,
            fps=LEGACY_FPS,
            stands_for={Mode.T2V: "T2V-01", Mode.I2V: "I2V-01"},
        ),
        Model(
            "video-01-live2d",
            {Mode.I2V: _SERIES_01},
            "720P",
            False,
            fps=LEGACY_FPS,
            stands_for={Mode.I2V: "I2V-01-live"},
        ),
    )
}

#: The 15 documented camera commands (hints inside `[...]` in the prompt; never validated).
CAMERA_COMMANDS = (
    "Truck left", "Truck right", "Pan left", "Pan right", "Push in", "Pull out",
    "Pedestal up", "Pedestal down", "Tilt up", "Tilt down", "Zoom in", "Zoom out",
    "Shake", "Tracking shot", "Static shot",
)  # fmt: skip


def output_size(resolution: str, image_size: tuple[int, int] | None = None) -> tuple[int, int]:
    """Pixel size of the output video.

    Image modes take the input's aspect ratio (FL2V at 768P gave 864x768 on the live API):
    the short edge gets the resolution's line count and the long edge follows the ratio,
    rounded to an even number as H.264 4:2:0 needs. Without a readable image (a URL the mock
    never fetches) the output is the 16:9 landscape size.
    """
    res = RESOLUTIONS[resolution]
    if image_size is None:
        return res.width, res.height
    w, h = image_size
    short = res.height
    if w >= h:
        return _even(short * w / h), short
    return short, _even(short * h / w)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
