"""The mock's ordered rule list: the first rule that matches and fires wins, counted and
drawn from the seeded source, thread-safe."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from .keys import MAX_RULES, FaultRuleError
from .parse import parse_rule, rule_from_mapping
from .rule import FaultCall, FaultRule


class FaultRules:
    """The mock's ordered rules: thread-safe, counted, drawn from the seeded source.

    `configured` rules (from settings: `--fault`, a config file, a pytest marker) are the
    ones `restore()` brings back, with fresh counters, when the mock is reset.
    """

    def __init__(self, draw: Callable[[], float], configured: Iterable[FaultRule] = ()) -> None:
        self._draw = draw
        self._configured = tuple(configured)
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next = 1
        self.restore()

    def add(self, **keys: Any) -> FaultRule:
        """Install a rule from keys, `mock.faults.add(route="create", minimax_error=1002)`."""
        return self.add_rule(rule_from_mapping(keys))

    def add_rule(self, rule: FaultRule | str | Mapping[str, Any]) -> FaultRule:
        """Install a rule (or its text, or its keys) last; the installed copy is returned."""
        if isinstance(rule, str):
            rule = parse_rule(rule)
        elif not isinstance(rule, FaultRule):
            rule = rule_from_mapping(rule)
        with self._lock:
            if len(self._rules) >= MAX_RULES:
                raise FaultRuleError(
                    "rule", f"{MAX_RULES} rules are installed, the most there may be"
                )
            taken = {r.id for r in self._rules}
            rule_id = rule.id
            if rule_id is None:
                while f"f{self._next}" in taken:
                    self._next += 1
                rule_id = f"f{self._next}"
                self._next += 1
            elif rule_id in taken or rule_id in ("header", "prompt", "rpm"):
                raise FaultRuleError("id", f"{rule_id!r} is taken")
            installed = dataclasses.replace(rule, id=rule_id)
            self._rules.append(installed)
        return installed

    def get(self, rule_id: str) -> FaultRule | None:
        with self._lock:
            return next((r for r in self._rules if r.id == rule_id), None)

    def remove(self, rule_id: str) -> FaultRule:
        """Drop one rule by id; KeyError when there is none."""
        with self._lock:
            for i, rule in enumerate(self._rules):
                if rule.id == rule_id:
                    return self._rules.pop(i)
        raise KeyError(rule_id)

    def clear(self) -> int:
        """Drop every rule, configured ones included; how many there were."""
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
            return count

    def restore(self) -> None:
        """Back to the configured rules, renumbered from f1, counters at zero."""
        with self._lock:
            self._rules.clear()
            self._next = 1
        for rule in self._configured:
            self.add_rule(rule)

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        with self._lock:
            return tuple(self._rules)

    def __iter__(self) -> Iterator[FaultRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self._rules)

    def decide(self, call: FaultCall, one_shot: Sequence[FaultRule] = ()) -> FaultRule | None:
        """The rule that fires on `call`, if any, counting as it goes.

        One-request rules (the header's, then the prompt's) come first, then the installed
        rules in order; the first that matches and fires wins, and the rules after it never
        see the call. So rules form a queue: `times=2` then `times=1` answers the first two
        calls by the first rule and the third by the second, as ordered responses do in
        respx or pytest-httpx. A rule counts every call that reaches it and matches, even
        when it then does not fire (a skipped `after`, a lost draw); `nth` counts those.
        """
        for rule in one_shot:
            if rule.matches(call) and self._fires(rule):
                rule._counts.matched += 1
                rule._counts.hits += 1
                return rule
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(call):
                    continue
                counts = rule._counts
                counts.matched += 1
                if rule.due(counts.matched) and self._fires(rule):
                    counts.hits += 1
                    return rule
        return None

    def _fires(self, rule: FaultRule) -> bool:
        return rule.probability is None or self._draw() < rule.probability

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rules]
