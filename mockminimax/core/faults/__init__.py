"""Fault rules: one flat rule language for Python, the CLI, config files, the control API,
the `X-Mock-Fault` header and `[mock:...]` prompt directives.

A rule is a set of keys (`KEYS` is the one list of them; the README's rule table is
generated from it): what calls it matches, when it fires, and the one action it takes,
with an optional delay. Rules are ordered, the first that matches and fires wins (later
rules never see that call), and each counts the calls that reached it and matched
(`matched`) and the times it fired (`hits`). Probability draws come from the mock's one
seeded source, so one seed and the same requests give the same faults.

Split by role: `keys` (the vocabulary), `rule` (one rule), `parse` (the text syntax, the
header and prompt directives), `rules` (the ordered list), `connection` (in-process
connection faults). Everything public is re-exported here.
"""

from __future__ import annotations

from .connection import ConnectionFault, to_httpx_error
from .keys import (
    ACTIONS,
    CALLBACK_KINDS,
    CALLBACK_ROUTES,
    CONNECTION_KINDS,
    KEYS,
    MAX_DELAY,
    MAX_RULES,
    MAX_TEXT_VALUE,
    ROUTES,
    SAFE_CONTENT_TYPES,
    SURFACES,
    TASK_KINDS,
    FaultRuleError,
    Key,
)
from .parse import (
    DIRECTIVES,
    directive_rule,
    header_rule,
    parse_rule,
    parse_rules,
    rule_from_mapping,
)
from .rule import FaultCall, FaultRule
from .rules import FaultRules

__all__ = [
    "ACTIONS",
    "CALLBACK_KINDS",
    "CALLBACK_ROUTES",
    "CONNECTION_KINDS",
    "DIRECTIVES",
    "KEYS",
    "MAX_DELAY",
    "MAX_RULES",
    "MAX_TEXT_VALUE",
    "ROUTES",
    "SAFE_CONTENT_TYPES",
    "SURFACES",
    "TASK_KINDS",
    "ConnectionFault",
    "FaultCall",
    "FaultRule",
    "FaultRuleError",
    "FaultRules",
    "Key",
    "directive_rule",
    "header_rule",
    "parse_rule",
    "parse_rules",
    "rule_from_mapping",
    "to_httpx_error",
]
