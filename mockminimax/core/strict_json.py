"""Strict, bounded JSON reading: the one rule every request body is read by.

MiniMax and One-Hub are Go services; their decoders refuse what RFC 8259 refuses. The mock
refuses the same, and a little more, so that nothing it keeps can break a later answer:

- the body must be UTF-8 (no BOM, no UTF-16/32 guessing, no invalid bytes);
- `NaN`, `Infinity` and `-Infinity` are not JSON;
- a string may not hold a lone UTF-16 surrogate (`"\\ud800"`). Go would replace it with
  U+FFFD; the mock refuses instead (I-JSON, RFC 7493 §2.1), so a client bug shows in a test
  rather than as a silently changed prompt;
- nesting is at most `MAX_DEPTH` arrays/objects deep;
- an integer must fit in 64 bits (Go's `int64`), a number literal is at most
  `MAX_NUMBER_CHARS` characters, and a float must be finite (`1e400` is refused, not
  read as infinity).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import orjson

__all__ = ["MAX_DEPTH", "MAX_INT", "MAX_NUMBER_CHARS", "BodyError", "loads"]

#: Arrays and objects nested deeper than this are refused (a create body needs 4).
MAX_DEPTH = 64
#: Number literals longer than this are refused before they are converted.
MAX_NUMBER_CHARS = 64
#: The largest integer magnitude accepted: Go's int64.
MAX_INT = 2**63 - 1

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SUSPECT_NUMBER = re.compile(r"[0-9]{19,}|[eE][+-]?[0-9]{3,}")
#: Each byte as its part in a number literal (digit "0", exponent "e"), or as an opening
#: bracket ("[" for "[" and "{"), else "."; signs are deleted (`_SIGNS`), which only joins
#: what they stood between: `_SUSPECT_NUMBER` over bytes becomes two substring searches
#: (19 zeros, "e000") that miss none of its matches, and the brackets one count.
_NUMBER_SHAPE = bytes(
    48 if 48 <= i <= 57
    else 101 if i in (69, 101)
    else 91 if i in (91, 123)
    else 46
    for i in range(256)
)  # fmt: skip
_SIGNS = b"+-"
_ZEROS = b"0" * 19
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class BodyError(ValueError):
    """A body that is not strict JSON within the limits; each surface words it its own way."""


class _Bad:
    """Stands in for a refused number while parsing, so the refusal can name its field."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Numbers:
    """The parser's number hooks: one call per number, refusals kept as `_Bad` stand-ins."""

    __slots__ = ("bad",)

    def __init__(self) -> None:
        self.bad: list[_Bad] = []

    def _refuse(self, reason: str) -> _Bad:
        refused = _Bad(reason)
        self.bad.append(refused)
        return refused

    def int(self, text: str) -> int | _Bad:
        if len(text) < 19:  # within 64 bits whatever the digits
            return int(text)
        if len(text) > MAX_NUMBER_CHARS:
            return self._refuse(
                f"number {text[:16]}... has {len(text)} digits; at most {MAX_NUMBER_CHARS}"
            )
        value = int(text)
        return (
            value
            if abs(value) <= MAX_INT
            else self._refuse(f"integer {text} does not fit in 64 bits")
        )

    def float(self, text: str) -> float | _Bad:
        if len(text) > MAX_NUMBER_CHARS:
            return self._refuse(
                f"number {text[:16]}... has {len(text)} characters; at most {MAX_NUMBER_CHARS}"
            )
        value = float(text)
        return value if math.isfinite(value) else self._refuse(f"number {text} is out of range")

    def constant(self, name: str) -> _Bad:
        return self._refuse(f"{name} is not valid JSON (strict JSON has no NaN or Infinity)")


def _depth(text: str) -> int:
    """How deep arrays and objects nest, brackets inside strings not counted."""
    steps = map(_STEP.__getitem__, _BRACKETS.findall(_STRING.sub("", text)))
    return max(accumulate(steps), default=0)


def _lone_surrogate(item: Any) -> bool:
    if not isinstance(item, str):
        return False
    try:
        item.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown(path: tuple[str | int, ...]) -> str:
    """A path fit for a message (`a.b[3]`): escaped where a key is not valid Unicode, short."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    text = text.encode("utf-8", "backslashreplace").decode("utf-8") or "body"
    return text if len(text) <= 120 else text[:117] + "..."


def _find(value: Any, wanted: Callable[[Any], bool]) -> str | None:
    """The path to the first value (or key) `wanted` picks; walked without recursion, so
    no body can exhaust the stack here, and building a path only for containers."""
    if wanted(value):
        return "body"
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, sub in pairs:
            if wanted(sub) or (isinstance(key, str) and wanted(key)):
                return _shown((*path, key))
            if isinstance(sub, (dict, list)):
                stack.append(((*path, key), sub))
    return None


def loads(raw: bytes) -> Any:
    """`raw` read as strict JSON within the limits above, or `BodyError` saying why not.

    orjson reads a body when nothing in it could break a limit it does not keep (nesting
    past `MAX_DEPTH` brackets, a literal that could be out of bounds, which orjson would
    read as a float); it refuses everything else the rules refuse (invalid UTF-8, BOM,
    NaN, lone surrogates). Whatever it refuses or is not given is read below, which words
    the refusal, so every message stays the one this reading gives.
    """
    # Whether `_SUSPECT_NUMBER` could match anywhere in `raw` (strings included), the
    # brackets counted: on the shape, inline (`find`, not `in`: cheaper on bytes).
    shape = raw.translate(_NUMBER_SHAPE, _SIGNS)
    if shape.count(b"[") <= MAX_DEPTH and shape.find(_ZEROS) < 0 and shape.find(b"e000") < 0:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"request body is not valid JSON: not UTF-8 at byte {exc.start}") from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise BodyError(f"request body nests deeper than {MAX_DEPTH} levels")
    hooks = _Numbers()
    # Number hooks cost a Python call for every number: used only when the text holds a
    # literal that could be out of bounds (19+ digits, a 3-digit exponent), anywhere.
    numbers: dict[str, Any] = {}
    if _SUSPECT_NUMBER.search(text):
        numbers = {"parse_int": hooks.int, "parse_float": hooks.float}
    try:
        data = json.loads(text, parse_constant=hooks.constant, **numbers)
    except RecursionError:  # brackets the depth scan could not see: say so all the same
        raise BodyError(f"request body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise BodyError(f"request body is not valid JSON: {exc}") from None
    if hooks.bad:
        where = _find(data, lambda item: type(item) is _Bad) or "body"
        raise BodyError(f"{where}: {hooks.bad[0].reason}")
    if _SURROGATE_ESCAPE.search(text):
        lone = _find(data, _lone_surrogate)
        if lone is not None:
            raise BodyError(f"{lone}: a string holds a lone UTF-16 surrogate (not valid Unicode)")
    return data
