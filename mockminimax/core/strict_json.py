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
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class BodyError(ValueError):
    """A body that is not strict JSON within the limits; each surface words it its own way."""


class _Bad:
    """Stands in for a refused number while parsing, so the refusal can name its field."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _int(text: str) -> int | _Bad:
    if len(text) > MAX_NUMBER_CHARS:
        return _Bad(f"number {text[:16]}... has {len(text)} digits; at most {MAX_NUMBER_CHARS}")
    value = int(text)
    if abs(value) > MAX_INT:
        return _Bad(f"integer {text} does not fit in 64 bits")
    return value


def _float(text: str) -> float | _Bad:
    if len(text) > MAX_NUMBER_CHARS:
        return _Bad(f"number {text[:16]}... has {len(text)} characters; at most {MAX_NUMBER_CHARS}")
    value = float(text)
    if not math.isfinite(value):
        return _Bad(f"number {text} is out of range")
    return value


def _constant(name: str) -> _Bad:
    return _Bad(f"{name} is not valid JSON (strict JSON has no NaN or Infinity)")


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


def _shown(path: str) -> str:
    """A path fit for a message: escaped where a key is not valid Unicode, and short."""
    text = path.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 120 else text[:117] + "..."


def _find(value: Any, wanted: Callable[[Any], bool]) -> tuple[str, Any] | None:
    """The path to the first value (or key) `wanted` picks, and that value; walked without
    recursion, so no body can exhaust the stack here."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if wanted(item):
            return _shown(path or "body"), item
        if isinstance(item, dict):
            for key, sub in reversed(item.items()):
                where = f"{path}.{key}" if path else str(key)
                stack.append((where, sub))
                stack.append((where, key))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", sub) for i, sub in reversed(list(enumerate(item))))
    return None


def loads(raw: bytes) -> Any:
    """`raw` read as strict JSON within the limits above, or `BodyError` saying why not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"request body is not valid JSON: not UTF-8 at byte {exc.start}") from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise BodyError(f"request body nests deeper than {MAX_DEPTH} levels")
    bad: list[_Bad] = []

    def hook(reader: Callable[[str], Any]) -> Callable[[str], Any]:
        def read(text: str) -> Any:
            value = reader(text)
            if isinstance(value, _Bad):
                bad.append(value)
            return value

        return read

    try:
        data = json.loads(
            text, parse_int=hook(_int), parse_float=hook(_float), parse_constant=hook(_constant)
        )
    except RecursionError:  # brackets the depth scan could not see: say so all the same
        raise BodyError(f"request body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise BodyError(f"request body is not valid JSON: {exc}") from None
    if bad:
        found = _find(data, lambda item: isinstance(item, _Bad))
        where = found[0] if found else "body"
        raise BodyError(f"{where}: {bad[0].reason}")
    if _SURROGATE_ESCAPE.search(text):
        found = _find(data, _lone_surrogate)
        if found is not None:
            raise BodyError(
                f"{found[0]}: a string holds a lone UTF-16 surrogate (not valid Unicode)"
            )
    return data
