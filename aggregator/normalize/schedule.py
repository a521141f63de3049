"""A schema.org ``Schedule`` (a CourseInstance's ``courseSchedule``) into the times it names.

``startDate`` with ``startTime`` (local wall time; without a time the days are all-day) is the
first time; ``repeatFrequency`` (an ISO duration such as ``P1W``, ``P2W``, ``P1D``, ``P1M``, or
a word: Daily, Weekly, Monthly, Yearly) with ``byDay`` repeats it ``repeatCount`` times or up to
``endDate`` (the last day); ``exceptDate``s are left out. A timed occurrence ends after
``duration`` or at ``endTime`` on its day. At most MAX_TIMES, from the first.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any, Literal

from dateutil.rrule import DAILY, FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, YEARLY, rrule

from aggregator.dates.event_times import parse_when
from aggregator.dates.german import localize

MAX_TIMES = 400
Frequency = Literal[0, 1, 2, 3, 4, 5, 6]  # dateutil's YEARLY … SECONDLY
FREQUENCIES: dict[str, Frequency] = {"D": DAILY, "W": WEEKLY, "M": MONTHLY, "Y": YEARLY}
WORDS = {"daily": "D", "weekly": "W", "monthly": "M", "yearly": "Y", "annually": "Y"}
DAYS = {
    "monday": MO,
    "tuesday": TU,
    "wednesday": WE,
    "thursday": TH,
    "friday": FR,
    "saturday": SA,
    "sunday": SU,
}
EVERY = re.compile(r"^P(\d+)([DWMY])$", re.IGNORECASE)
DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$", re.IGNORECASE)
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?")

When = datetime | date


def schedule_times(schedule: dict[str, Any]) -> list[tuple[When, When | None]]:
    """The (start, end) of every occurrence the schedule names; raises ValueError for a date or
    time that cannot be read. Empty without a ``startDate``."""
    first = _first(schedule)
    if first is None:
        return []
    rule = _rule(schedule, first)
    starts = [first] if rule is None else [_typed(step, first) for step in islice(rule, MAX_TIMES)]
    left_out = {_day(parse_when(str(text))) for text in _listed(schedule.get("exceptDate"))}
    return [(start, _end(start, schedule)) for start in starts if _day(start) not in left_out]


def _first(schedule: dict[str, Any]) -> When | None:
    text = schedule.get("startDate")
    if not isinstance(text, str) or not text.strip():
        return None
    first = parse_when(text)
    clock = _clock(schedule.get("startTime"))
    if clock is not None and not isinstance(first, datetime):
        return localize(datetime.combine(first, clock))
    return first


def _rule(schedule: dict[str, Any], first: When) -> rrule | None:
    """The repetition, None where the schedule names none (then it is one occurrence)."""
    every = _every(schedule.get("repeatFrequency"))
    if every is None:
        return None
    frequency, interval = every
    named = map(_day_name, _listed(schedule.get("byDay")))
    days = [DAYS[name] for name in named if name in DAYS] or None
    last = schedule.get("endDate")
    until = _day(parse_when(last)) if isinstance(last, str) and last.strip() else None
    count = str(schedule.get("repeatCount") or "").strip()
    wall = first.replace(tzinfo=None) if isinstance(first, datetime) else _midnight(first)
    if count.isdigit():  # a count and an end: the count (dateutil takes only one)
        return rrule(frequency, dtstart=wall, interval=interval, byweekday=days, count=int(count))
    end = datetime.combine(until, time.max) if until else None
    return rrule(frequency, dtstart=wall, interval=interval, byweekday=days, until=end)


def _every(value: Any) -> tuple[Frequency, int] | None:
    text = str(value or "").strip()
    word = WORDS.get(_day_name(text))
    found = EVERY.match(f"P1{word}" if word else text)
    if found is None:
        return None
    return FREQUENCIES[found[2].upper()], max(1, int(found[1]))


def _end(start: When, schedule: dict[str, Any]) -> When | None:
    if not isinstance(start, datetime):
        return None
    clock = _clock(schedule.get("endTime"))
    if clock is not None:
        end = localize(datetime.combine(start.date(), clock))
        return end if end > start else None
    found = DURATION.match(str(schedule.get("duration") or "").strip())
    if found is None or not any(found.groups()):
        return None
    days, hours, minutes = (int(part or 0) for part in found.groups())
    return localize(start.replace(tzinfo=None) + timedelta(days=days, hours=hours, minutes=minutes))


def _typed(step: datetime, first: When) -> When:
    """An rrule step in the first time's form: a local date-time, or a date."""
    return localize(step) if isinstance(first, datetime) else step.date()


def _clock(value: Any) -> time | None:
    found = CLOCK.match(str(value or "").strip())
    if found is None:
        return None
    return time(int(found[1]), int(found[2]), int(found[3] or 0))


def _day(value: When) -> date:
    return value.date() if isinstance(value, datetime) else value


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _day_name(value: Any) -> str:
    """``https://schema.org/Monday`` → ``monday``."""
    return str(value).rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].strip().lower()


def _listed(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]
