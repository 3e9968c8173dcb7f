"""Reading rules from where users write them: the `k=v,k=v` text syntax (quoted values
may hold commas), mappings, the `X-Mock-Fault` header and `[mock:...]` prompt directives.

Why quoting rather than "body last takes the rest": both `message` (MiniMax's own 1002
text holds a comma) and `body` may need commas, and only one key can be last."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .keys import (
    _COUNTING,
    _KEYS,
    CALLBACK_ROUTES,
    CONNECTION_KINDS,
    DEFAULT_FAIL_CODE,
    DEFAULT_SLOW_FACTOR,
    SAFE_CONTENT_TYPES,
    FaultRuleError,
    _num,
)
from .rule import FaultRule


def _pairs(text: str) -> list[tuple[str, str | None]]:
    """`k=v,k='v, with commas',word` as pairs; a bare word has the value None."""
    pairs: list[tuple[str, str | None]] = []
    i, n = 0, len(text)
    while i < n:
        j = i
        while j < n and text[j] not in "=,":
            j += 1
        key = text[i:j].strip()
        value: str | None = None
        if j < n and text[j] == "=":
            j += 1
            while j < n and text[j] == " ":
                j += 1
            if j < n and text[j] in "'\"":
                end = text.find(text[j], j + 1)
                if end < 0:
                    raise FaultRuleError(key or "rule", f"unterminated {text[j]} quote")
                value = text[j + 1 : end]
                j = end + 1
                while j < n and text[j] == " ":
                    j += 1
                if j < n and text[j] != ",":
                    raise FaultRuleError(key, "expected a comma after the quoted value")
            else:
                end = text.find(",", j)
                end = n if end < 0 else end
                value = text[j:end].strip()
                j = end
            if not key:
                raise FaultRuleError("rule", f"a value without a key near {text[i:j]!r}")
        if key or value is not None:
            pairs.append((key, value))
        i = j + 1
    return pairs


def _mapping(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw, value in pairs:
        name = raw.strip().lower().replace("-", "_")
        if name not in _KEYS:
            raise FaultRuleError(raw, f"unknown key (known: {', '.join(_KEYS)})")
        if name in out:
            raise FaultRuleError(raw, "given twice")
        out[name] = value
    return out


def rule_from_mapping(mapping: Mapping[str, Any]) -> FaultRule:
    """A rule from a dict such as a JSON object or `**keys`; keys may use `-` for `_`."""
    if not isinstance(mapping, Mapping):
        raise FaultRuleError("rule", f"must be an object of keys, got {type(mapping).__name__}")
    return FaultRule(**_mapping(mapping.items()))


def _text_keys(text: str) -> dict[str, Any]:
    """The keys of a rule in the text syntax, every one with a value."""
    if not text.strip():
        raise FaultRuleError("rule", "is empty; write keys as key=value,key=value")
    pairs = _pairs(text)
    for key, value in pairs:
        if value is None:
            raise FaultRuleError(key, "needs a value: write key=value")
    return _mapping(pairs)


def parse_rule(text: str) -> FaultRule:
    """A rule from the text syntax, `route=create,minimax_error=1002,times=2`."""
    return FaultRule(**_text_keys(text))


def parse_rules(value: Any) -> tuple[FaultRule, ...]:
    """Rules from a setting: one rule text per line, a list of texts, objects or rules."""
    if isinstance(value, str):
        items: list[Any] = [line for line in value.splitlines() if line.strip()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, (FaultRule, Mapping)):
        items = [value]
    else:
        raise FaultRuleError("rule", f"expected rules, got {type(value).__name__}")
    rules: list[FaultRule] = []
    for number, item in enumerate(items, 1):
        try:
            if isinstance(item, FaultRule):
                rules.append(item)
            elif isinstance(item, str):
                rules.append(parse_rule(item))
            else:
                rules.append(rule_from_mapping(item))
        except FaultRuleError as exc:
            raise FaultRuleError(exc.key, f"{exc.reason} (rule {number})") from None
    return tuple(rules)


def _one_shot(mapping: dict[str, Any], source: str) -> FaultRule:
    if "callback" in mapping or str(mapping.get("route", "")).lower() in CALLBACK_ROUTES:
        raise FaultRuleError(
            "callback", f"callback faults act after the request; a one-request rule ({source}) "
            "cannot hold one: install it (--fault, /_mock/faults, faults.add)",
        )  # fmt: skip
    for name in _COUNTING:
        if name in mapping:
            raise FaultRuleError(name, f"counts calls; a one-request rule ({source}) cannot")
    if "id" in mapping:
        raise FaultRuleError("id", f"is always {source!r} for a one-request rule")
    rule = FaultRule(**mapping, id=source)
    if rule.content_type is not None:
        base = rule.content_type.split(";")[0].strip().lower()
        if base not in SAFE_CONTENT_TYPES:
            raise FaultRuleError(
                "content_type",
                f"{base!r} is not one a {source} rule may set ({', '.join(SAFE_CONTENT_TYPES)})",
            )
    return rule


def header_rule(text: str) -> FaultRule:
    """The one-request rule of an `X-Mock-Fault` header (id `header`)."""
    return _one_shot(_text_keys(text), "header")


#: Prompt directive shorthands: name -> (what it means, the keys it stands for).
DIRECTIVES: dict[str, tuple[str, dict[str, Any]]] = {
    "error": ("`[mock:error=1008]`: answer this MiniMax code", {"minimax_error": None}),
    "fail": ("`[mock:fail=1027]`: the task ends `Fail` with this code (alone: "
             f"{DEFAULT_FAIL_CODE})", {"task": "fail", "code": None}),
    "stuck": ("`[mock:stuck]`: the task never leaves Processing", {"task": "stuck"}),
    "slow": ("`[mock:slow=5]`: the task takes this many times longer (alone: "
             f"{_num(DEFAULT_SLOW_FACTOR)})", {"task": "slow", "factor": None}),
    "delay": ("`[mock:delay=2]`: answer after this many seconds", {"delay": None}),
    "http": ("`[mock:http=503]`: answer this HTTP status", {"http_status": None}),
    **{
        kind: (f"`[mock:{kind}]`: connection={kind}", {"connection": kind})
        for kind in CONNECTION_KINDS
    },
}  # fmt: skip
_DIRECTIVE = re.compile(r"\[mock:([^\]]*)\]", re.IGNORECASE)


def directive_rule(prompt: str) -> FaultRule | None:
    """The one-request rule of the `[mock:...]` directives in a prompt (id `prompt`).

    Every directive in the prompt adds to one rule, so `[mock:delay=2][mock:fail=1026]`
    delays the create and fails the task. Inside a directive the shorthands of
    `DIRECTIVES` and the full `key=value` syntax both work. The directives stay in the
    prompt: the real service would see them too.
    """
    found = _DIRECTIVE.findall(prompt)
    if not found:
        return None
    pairs: list[tuple[str, Any]] = []
    for text in found:
        for key, value in _pairs(text):
            shorthand = DIRECTIVES.get(key.strip().lower())
            if shorthand is None:
                if value is None:
                    raise FaultRuleError(key, f"unknown directive (known: {', '.join(DIRECTIVES)})")
                pairs.append((key, value))
                continue
            for name, fixed in shorthand[1].items():
                if fixed is not None:
                    pairs.append((name, fixed))
                elif value is not None:
                    pairs.append((name, value))
                elif name in ("code", "factor"):
                    continue  # `[mock:fail]`, `[mock:slow]`: the default
                else:
                    raise FaultRuleError(key, f"needs a value, as in [mock:{key}=...]")
    return _one_shot(_mapping(pairs), "prompt")
