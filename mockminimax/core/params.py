"""Numbers read from query strings and headers: ASCII digits only, and bounded.

`str.isdigit()` accepts `²` and `٣`, which `int()` then refuses or reads, and `int()` of a
5,000-digit string raises; every numeric parameter goes through here instead.
"""

from __future__ import annotations

__all__ = ["whole_number"]


def whole_number(text: str, high: int) -> int | None:
    """`text` as a whole number in `0..high`, or None when it is not one. Leading zeros
    are read as zeros (`0000000000002` is 2), however many."""
    text = text.strip()
    if not text or not text.isascii() or not text.isdigit():
        return None
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(high)):
        return None
    value = int(significant)
    return value if value <= high else None
