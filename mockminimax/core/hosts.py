"""Where MiniMax lives: the API hosts clients are written against and the download host.

The in-process router claims these, and the pytest plugin reads them without importing
httpx or respx.
"""

from __future__ import annotations

__all__ = ["API_BASE_URL", "CDN_URL", "MINIMAX_HOSTS", "UNMATCHED_MODES"]

#: The hosts MiniMax serves its API on (international, mainland, legacy, newest CN).
MINIMAX_HOSTS: tuple[str, ...] = (
    "api.minimax.io",
    "api.minimaxi.com",
    "api.minimax.chat",
    "api.minimaxi.chat",
    "api.minimax.cn",
)
#: The international API: where clients point by default.
API_BASE_URL = "https://api.minimax.io"
#: The download host real `download_url`s point at (AliyunOSS behind a CDN).
CDN_URL = "https://video-product.cdn.minimax.io"
#: What the in-process router does with requests for any other host.
UNMATCHED_MODES: tuple[str, ...] = ("refuse", "passthrough")
