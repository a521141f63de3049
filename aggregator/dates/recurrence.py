"""Recurrence rules (RFC 5545 RRULE) checked for the effort their expansion takes.

dateutil walks a rule from its first occurrence, one at a time, whatever window is asked for:
a series begun in 1900 that repeats hourly, or one that repeats every second, keeps a pass busy
for hours. Before a rule is expanded, ``effort_problem`` says whether it may be: a rule that
repeats by the second is refused (no event series does, and dateutil can spin on one for
hours), and so is one with more than MAX_STEPS occurrences from its start to the window's end.

Not bounded here: a rule whose parts can never meet (BYMONTH=2;BYMONTHDAY=30) makes dateutil
scan to the year 9999 before it knows — seconds per rule, not hours.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from dateutil.rrule import rrulestr

MAX_STEPS = 100_000  # a quarter of a second of dateutil's walking
SECONDLY = re.compile(r"\bFREQ\s*=\s*SECONDLY\b", re.IGNORECASE)
UTC_UNTIL = re.compile(r"(UNTIL=\d{8}T\d{6})Z", re.IGNORECASE)


def effort_problem(rule: str, start: datetime | date, until: datetime) -> str | None:
    """Why the RRULE value ``rule`` is not expanded from ``start`` up to ``until``, or None.

    Times are compared as wall clock times (a few hours either way do not matter here); a rule
    dateutil cannot read is left to the reader, which says what is wrong with it.
    """
    if SECONDLY.search(rule):
        return f"RRULE {rule} repeats every second: no event series does"
    if _steps(rule, _wall(start), _wall(until)) > MAX_STEPS:
        return (
            f"RRULE {rule} repeats more than {MAX_STEPS:,} times between its start "
            f"({start:%Y-%m-%d}) and {until:%Y-%m-%d}: too many to expand"
        )
    return None


def _steps(rule: str, start: datetime, until: datetime) -> int:
    """The rule's occurrences from ``start`` up to ``until``, counted to at most MAX_STEPS + 1."""
    steps = 0
    try:
        for when in rrulestr(UTC_UNTIL.sub(r"\1", rule), dtstart=start):
            if when > until or steps > MAX_STEPS:
                break
            steps += 1
    except (ValueError, TypeError, OverflowError):
        return 0
    return steps


def _wall(moment: datetime | date) -> datetime:
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=None)
    return datetime.combine(moment, time(0))
