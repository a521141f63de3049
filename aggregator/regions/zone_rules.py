"""A time zone's present rules as yearly rules: the offsets and, where the zone has summer
time, the month, weekday and wall time of each change ("last Sunday of March, 02:00").

This is what a VTIMEZONE with RRULEs says (RFC 5545 §3.6.5, written by feeds/vtimezone.py), and
what calendar clients read most reliably. A zone whose changes follow no yearly rule over the
years Lotse publishes cannot be written so; `lotse regions check` refuses it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

FIRST_YEAR, LAST_YEAR = 2025, 2030  # the rules must hold over the years the feeds cover
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class NoYearlyRule(ValueError):
    """A zone whose changes differ from year to year (or happen more than twice a year)."""


@dataclass(frozen=True)
class Change:
    """One yearly change of offset, in the wall time before it."""

    name: str  # the abbreviation after the change, e.g. "CEST"
    offset_from: timedelta
    offset_to: timedelta
    month: int
    weekday: int  # 0 = Monday
    ordinal: int  # 1..4: the n-th such weekday of the month; -1: the last
    wall: datetime  # the first change on or after 1970 in the old offset (the VTIMEZONE DTSTART)


@dataclass(frozen=True)
class ZoneRules:
    tzid: str
    standard: Change | None  # None: no summer time
    daylight: Change | None
    offset: timedelta  # the offset all year round, without summer time
    name: str  # its abbreviation, e.g. "CET"


@cache
def zone_rules(tzid: str) -> ZoneRules:
    """The yearly rules of an IANA zone; NoYearlyRule when its changes follow none."""
    zone = ZoneInfo(tzid)
    years = [_changes(zone, year) for year in range(FIRST_YEAR, LAST_YEAR + 1)]
    if not years[0]:
        if any(years):
            raise NoYearlyRule(f"{tzid} changes its offset in some years only")
        noon = datetime(FIRST_YEAR, 1, 1, 12, tzinfo=zone)
        return ZoneRules(tzid, None, None, noon.utcoffset() or timedelta(), noon.tzname() or "")
    if len(years[0]) != 2:
        raise NoYearlyRule(f"{tzid} changes its offset {len(years[0])} times a year")
    rules = [_as_rule(change) for change in years[0]]
    for year, changes in zip(range(FIRST_YEAR, LAST_YEAR + 1), years, strict=True):
        if [_as_rule(change) for change in changes] != rules:
            raise NoYearlyRule(f"{tzid} follows other rules in {year} than in {FIRST_YEAR}")
    first = [_first_change(zone, change) for change in years[0]]
    daylight, standard = sorted(first, key=lambda change: -change.offset_to)
    return ZoneRules(tzid, standard, daylight, standard.offset_to, standard.name)


def _changes(zone: ZoneInfo, year: int) -> list[Change]:
    """The changes of offset in a year, found hour by hour and then to the minute."""
    changes = []
    hour = datetime(year, 1, 1, tzinfo=UTC)
    before = hour.astimezone(zone).utcoffset()
    while hour.year == year:
        after = (hour + timedelta(hours=1)).astimezone(zone).utcoffset()
        if after != before:
            changes.append(_change_at(zone, hour))
        hour, before = hour + timedelta(hours=1), after
    return changes


def _change_at(zone: ZoneInfo, hour: datetime) -> Change:
    instant = hour
    while (instant + timedelta(minutes=1)).astimezone(zone).utcoffset() == hour.astimezone(
        zone
    ).utcoffset():
        instant += timedelta(minutes=1)
    instant += timedelta(minutes=1)  # the first minute in the new offset
    old, new = hour.astimezone(zone), instant.astimezone(zone)
    offset_from, offset_to = old.utcoffset() or timedelta(), new.utcoffset() or timedelta()
    wall = (instant + offset_from).replace(tzinfo=None)
    day = wall.date()
    last = calendar.monthrange(day.year, day.month)[1]
    ordinal = -1 if day.day + 7 > last else (day.day - 1) // 7 + 1
    return Change(
        new.tzname() or "", offset_from, offset_to, day.month, day.weekday(), ordinal, wall
    )


def _as_rule(change: Change) -> tuple[object, ...]:
    return (
        change.offset_from,
        change.offset_to,
        change.month,
        change.weekday,
        change.ordinal,
        change.wall.time(),
    )


def _first_change(zone: ZoneInfo, change: Change) -> Change:
    """The change as the rule's first occurrence in 1970 (the DTSTART clients expand from)."""
    day = _nth_weekday(1970, change.month, change.weekday, change.ordinal)
    return Change(
        change.name,
        change.offset_from,
        change.offset_to,
        change.month,
        change.weekday,
        change.ordinal,
        datetime.combine(day, change.wall.time()),
    )


def _nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date:
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    return days[-1] if ordinal == -1 else days[ordinal - 1]
