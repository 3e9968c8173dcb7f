"""Benchmark the MP4 writer: render time and file size per output shape, with and without the
AAC track, against the cost of merely copying a buffer of the same size, measured in the same
run.

    .venv/bin/python benchmarks/media.py [--repeat N]

Each row renders one shape (V1 sizes at 6 and 10 s, V2 (H3) sizes on the 17n+5 frame grid,
video-01's 25 fps) and prints the median render time, the file size, and the median time of
copying the finished file once (`bytearray(data)`): rendering is mostly joining the raw IDR
picture with the small repeated samples, so one copy is its floor.  The first line is the
one-off cost of building the tone's AAC frames (three MDCT frames, cached for the life of the
process), which no row includes.  Renders happen once per shape in the server
(`core/videos.py` caches them), so these figures are what the first download of a new shape
waits for.
"""

from __future__ import annotations

import argparse
import functools
import time

from _timing import median_seconds

from mockminimax.core import aac
from mockminimax.core.mp4 import render_mp4

SHAPES: list[tuple[str, int, int, int, int]] = [
    ("V1 720P 6 s", 1280, 720, 144, 24),
    ("V1 768P 10 s", 1366, 768, 240, 24),
    ("V1 1080P 6 s", 1920, 1080, 144, 24),
    ("video-01 720P 6 s @ 25 fps", 1280, 720, 150, 25),
    ("H3 480P 16:9 4 s (101 frames)", 854, 480, 101, 24),
    ("H3 768P 16:9 6 s (143 frames)", 1344, 768, 143, 24),
    ("H3 768P 9:16 10 s (245 frames)", 768, 1344, 245, 24),
    ("H3 2K 16:9 6 s (143 frames)", 2560, 1440, 143, 24),
    ("H3 2K 9:16 15 s (364 frames)", 1440, 2560, 364, 24),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="renders per row (median)")
    args = parser.parse_args()

    start = time.perf_counter()
    aac._tone_frames()
    print(f"tone frames, built once per process: {(time.perf_counter() - start) * 1e3:.1f} ms\n")
    print(f"{'shape':<34}{'audio':>6}{'render ms':>11}{'MB':>8}{'copy ms':>9}{'ratio':>7}")
    for label, width, height, frames, fps in SHAPES:
        for audio in (False, True):
            render = functools.partial(render_mp4, width, height, frames, fps, audio)
            data = render()
            seconds = median_seconds(render, args.repeat)
            copy = median_seconds(functools.partial(bytearray, data), args.repeat)
            size = len(data)
            print(
                f"{label:<34}{'yes' if audio else 'no':>6}{seconds * 1e3:>11.2f}"
                f"{size / 1e6:>8.2f}{copy * 1e3:>9.2f}{seconds / copy:>7.1f}"
            )


if __name__ == "__main__":
    main()
