"""What a failing test's report shows of the mock: each request it saw, and the fault rules.

pytest prints a report's sections under the failure (as it does captured output), so the
journal reaches the reader without a test having asserted on it.
"""

from __future__ import annotations

from ..control import MiniMaxControl

__all__ = ["describe", "section_title"]

#: Requests listed per fixture; the oldest past it are counted, not shown.
MAX_LISTED = 50


def section_title(fixture: str) -> str:
    return f"mockminimax: {fixture} requests"


def describe(control: MiniMaxControl) -> str:
    """The journal, one line per request, then the fault rules with their counters."""
    log = control.requests
    journal = control.mock.journal
    elapsed = control.now - control.settings.start_time
    tasks = len(control.mock.store)
    lines = [
        f"{_count(len(log), 'request')} to {control.base_url} ({_count(tasks, 'task')}; "
        f"clock {control.settings.clock}, {elapsed:g} s after the start)"
    ]
    hidden = len(log) - MAX_LISTED
    dropped = journal.dropped + max(0, hidden)
    if dropped:
        lines.append(f"  ({dropped} older requests not shown)")
    faults = list(control.faults)
    rules = {r.id: r for r in faults}
    for record in log[-MAX_LISTED:]:
        line = f"  {record.summary}"
        rule = rules.get(record.fault or "")
        if rule is not None:
            line += f" ({rule.to_text(with_id=False)})"
        lines.append(line)
    if not log:
        lines.append("  (no requests)")
    if faults:
        lines.append("fault rules:")
        lines.extend(f"  {rule!r}" for rule in faults)
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
