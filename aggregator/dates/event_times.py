"""Event times as structured sources write them (ISO 8601, W3C-DTF, schema.org), read leniently.

- A date alone ("2027-03-13") is an all-day event; a date-time with an offset keeps its instant;
  a date-time without one is Europe/Berlin wall time (DST gaps and folds as ``localize`` rules).
- Single-digit months and days ("2027-3-7") and a space for the "T" are accepted; anything else
  is a ValueError that names the text.
- All-day ends are the last day, inclusive: a source's "00:00 to 23:59:59" is one day, and an
  end at midnight belongs to the day before.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from aggregator.dates.german import localize
from aggregator.dates.timezones import day_start_utc, local, to_utc

WHEN = re.compile(
    r"^\s*(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?)?\s*$",
    re.IGNORECASE,
)


def parse_when(text: str) -> datetime | date:
    """A date, or an aware date-time; raises ValueError for text that is neither."""
    match = WHEN.match(text or "")
    if match is None:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time")
    try:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
        if match["hour"] is None:
            return day
        clock = time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
    except ValueError as error:
        raise ValueError(f"{text!r} is no real date or time ({error})") from error
    wall = datetime.combine(day, clock)
    if match["offset"] is None:
        return localize(wall)
    return wall.replace(tzinfo=_offset(match["offset"]))


def _offset(text: str) -> timezone:
    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return timezone(sign * timedelta(minutes=minutes))


def consistent_end(start: datetime | date, end: datetime | date | None) -> datetime | date | None:
    """An end that fits its start: a timed end of an all-day start becomes its day (midnight
    meaning the day before); a date end of a timed start, or an end not after the start (RFC 5545
    §3.8.2.2: DTEND is later than DTSTART), is dropped: the event has no end."""
    if end is None:
        return None
    if isinstance(start, datetime):
        return end if isinstance(end, datetime) and end > start else None
    if isinstance(end, datetime):
        end = last_day(end)
    return end if end >= start else start


def last_day(end: datetime) -> date:
    """The last day an event ending at ``end`` covers: midnight ends the day before."""
    wall = local(end)
    return wall.date() - timedelta(days=1) if wall.time() == time(0) else wall.date()


def all_day_span(start: datetime | date, end: datetime | date | None) -> tuple[date, date]:
    """The days from ``start`` to ``end`` (inclusive) for a source that flags an event all-day."""
    first = local(start).date() if isinstance(start, datetime) else start
    if end is None:
        return first, first
    final = last_day(end) if isinstance(end, datetime) else end
    return first, max(first, final)


def occurrence_key(start: datetime | date) -> str:
    """The key of one occurrence in a series: its start in UTC, or its date (like iCal)."""
    if isinstance(start, datetime):
        return to_utc(start).strftime("%Y%m%dT%H%M%SZ")
    return start.strftime("%Y%m%d")


def overlaps(
    start: datetime | date, end: datetime | date | None, window: tuple[datetime, datetime]
) -> bool:
    """Whether an event from ``start`` to ``end`` touches the published window."""
    last = start if end is None else end
    after = to_utc(last) if isinstance(last, datetime) else day_start_utc(last + timedelta(days=1))
    begins = to_utc(start) if isinstance(start, datetime) else day_start_utc(start)
    return after >= window[0] and begins < window[1]
