"""A series as a series: the occurrences of one recurring event (events sharing ``series``, each
with its RECURRENCE-ID ``slot``) as one rule with its exceptions (RFC 5545 §3.8.5).

The rule is derived from the slots a feed holds, so a filtered feed that holds some of a
series' occurrences still expands to exactly those:

- the slots are read as local wall times (Europe/Berlin) or dates; a rule needs one time of day
  for all of them, none in the repeated or the skipped hour;
- each frequency that covers the slots is tried (YEARLY, MONTHLY on the nth weekday, MONTHLY on
  the day, WEEKLY with its weekdays, DAILY), its INTERVAL the greatest common divisor of the
  steps, from the first slot UNTIL the last; the one leaving the fewest dates out wins (ties:
  that order); those dates are EXDATEs. A rule that would leave out more dates than it keeps
  is no rule: the occurrences are then written one by one, each its own VEVENT. (Not as RDATEs:
  the clients disagree on them — libical reads an RDATE's TZID as UTC, ical.js leaves out the
  DTSTART of an event with RDATEs and no RRULE, sabre/vobject 2 ignores RDATE;
  tests/test_feeds_series.py shows it. ``plan(..., rdates=True)`` still writes them.)
- an occurrence at its slot whose texts, place, status and length are the series' most common
  ones is a plain instance; every other one (moved, changed, merged with another source's
  event, cancelled) is an override with its RECURRENCE-ID.

The Integreat CMS import takes only WEEKLY/MONTHLY-nth/YEARLY rules and ignores EXDATE and
RECURRENCE-ID: ``runs`` cuts a series into its unbroken runs of plain instances instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from math import gcd

from aggregator.dates.timezones import local, local_zone
from aggregator.events.view import EventView

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
Slot = datetime | date  # a naive local wall time, or a date


@dataclass(frozen=True)
class Rule:
    freq: str  # YEARLY, MONTHLY, WEEKLY, DAILY
    interval: int = 1
    byday: tuple[str, ...] = ()  # "TH", or "2TH" / "-1TH" for MONTHLY

    def text(self, until: str) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval > 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.byday:
            parts.append("BYDAY=" + ",".join(self.byday))
        parts.append(f"UNTIL={until}")
        return ";".join(parts)


@dataclass(frozen=True)
class Plan:
    """How one series is written: ``master`` carries the plain instances' fields (its start
    the first slot), the rule (or None: RDATEs), the slots it leaves out, the overrides."""

    master: EventView
    slots: tuple[Slot, ...]  # every slot present, sorted
    rule: Rule | None
    generated: tuple[Slot, ...]  # what the rule gives from the first slot to the last
    exdates: tuple[Slot, ...]
    rdates: tuple[Slot, ...]
    plain: tuple[EventView, ...]
    overrides: tuple[EventView, ...]


def wall(slot: datetime | date) -> Slot:
    """A slot as local wall time (a naive datetime) or a date."""
    if isinstance(slot, datetime):
        return local(slot).replace(tzinfo=None)
    return slot


def aware(slot: Slot) -> datetime | date:
    """A wall time back as an aware local datetime (a date stays a date)."""
    return slot.replace(tzinfo=local_zone()) if isinstance(slot, datetime) else slot


def unclear(value: datetime) -> bool:
    """A naive wall time in the repeated hour or the skipped one: its UTC offset depends on
    which of two readings a client takes."""
    if value.month not in (3, 10) or not 1 <= value.hour <= 3:  # the changes: March, October
        return False
    zone = local_zone()
    first, second = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    return first.utcoffset() != second.utcoffset()


def content(event: EventView) -> Hashable:
    """What an instance shows beside its start: every written field but the times."""
    length = None if event.end is None else (event.end - event.start)
    return (
        event.title,
        event.description,
        event.status,
        event.categories,
        event.location_name,
        event.location_address,
        event.postcode,
        event.town,
        event.lat,
        event.lon,
        event.url,
        event.sources,
        event.all_day,
        length,
    )


def at_slot(event: EventView) -> bool:
    """Whether the occurrence starts at its RECURRENCE-ID."""
    slot = event.slot
    if isinstance(slot, datetime):
        return isinstance(event.start, datetime) and event.start == slot
    return not isinstance(event.start, datetime) and event.start == slot


def plan(
    members: Sequence[EventView],
    *,
    allowed: Callable[[Rule], bool] = lambda rule: True,
    rdates: bool = False,
) -> Plan | None:
    """The series form of these occurrences, or None where they are better written one by one
    (a slot missing, doubled, of mixed kinds or in an unclear hour; no plain instance; no rule
    ``allowed`` fits and ``rdates`` is off)."""
    given = [member.slot for member in members if member.slot is not None]
    if len(given) != len(members):
        return None
    slots = sorted(wall(slot) for slot in given)
    if len(set(slots)) != len(slots) or len({type(slot) for slot in slots}) != 1:
        return None
    if any(isinstance(slot, datetime) and unclear(slot) for slot in slots):
        return None
    plain_candidates = [member for member in members if at_slot(member)]
    if not plain_candidates:
        return None
    counts = Counter(content(member) for member in plain_candidates)
    usual = max(counts, key=lambda key: counts[key])  # ties: the earliest (Counter keeps order)
    plain = tuple(member for member in plain_candidates if content(member) == usual)
    plain_ids = {member.id for member in plain}
    overrides = tuple(member for member in members if member.id not in plain_ids)
    found = best_rule(slots, allowed)
    if found is None and not rdates:
        return None
    rule, generated = found if found is not None else (None, list(slots))
    if any(isinstance(slot, datetime) and unclear(slot) for slot in generated):
        return None
    present = set(slots)
    template = plain[0]
    first = aware(slots[0])
    end = None if template.end is None else first + (template.end - template.start)
    master = _master(template, plain, first, end)
    return Plan(
        master=master,
        slots=tuple(slots),
        rule=rule,
        generated=tuple(generated),
        exdates=tuple(slot for slot in generated if slot not in present),
        rdates=tuple(slots[1:]) if rule is None else (),
        plain=plain,
        overrides=overrides,
    )


def _master(
    template: EventView,
    plain: Sequence[EventView],
    start: datetime | date,
    end: datetime | date | None,
) -> EventView:
    return replace(
        template,
        start=start,
        end=end,
        sequence=max(member.sequence for member in plain),
        created_at=min(member.created_at for member in plain),
        updated_at=max(member.updated_at for member in plain),
        slot=None,
    )


# --- rules -------------------------------------------------------------------------------------


def best_rule(
    slots: Sequence[Slot], allowed: Callable[[Rule], bool] = lambda rule: True
) -> tuple[Rule, list[Slot]] | None:
    """The rule that covers every slot and leaves the fewest dates out, with what it gives."""
    if len(slots) < 2:
        return None
    times = {slot.time() for slot in slots if isinstance(slot, datetime)}
    timed = bool(times)
    if len(times) > 1:
        return None
    at = next(iter(times)) if timed else None
    days = [slot.date() if isinstance(slot, datetime) else slot for slot in slots]
    best: tuple[int, int, Rule, list[date]] | None = None
    for order, (rule, generated) in enumerate(_candidates(days)):
        if rule is None or not allowed(rule) or not set(days) <= set(generated):
            continue
        left_out = len(generated) - len(days)
        if left_out > len(days):
            continue
        if best is None or (left_out, order) < best[:2]:
            best = (left_out, order, rule, generated)
    if best is None:
        return None
    generated = best[3]
    if at is not None:
        return best[2], [datetime.combine(day, at) for day in generated]
    return best[2], list(generated)


def _candidates(days: list[date]) -> list[tuple[Rule | None, list[date]]]:
    return [_yearly(days), _monthly_nth(days), _monthly_day(days), _weekly(days), _daily(days)]


def _step(values: list[int]) -> int:
    step = 0
    for value in values:
        step = gcd(step, value)
    return step or 1


def _yearly(days: list[date]) -> tuple[Rule | None, list[date]]:
    first, last = days[0], days[-1]
    if len({(day.month, day.day) for day in days}) != 1:
        return None, []
    step = _step([day.year - first.year for day in days])
    generated = []
    for year in range(first.year, last.year + 1, step):
        try:
            generated.append(first.replace(year=year))
        except ValueError:  # 29 February
            continue
    return Rule("YEARLY", step), generated


def _months(days: list[date]) -> tuple[int, list[int]]:
    first = days[0]
    indexes = [(day.year - first.year) * 12 + day.month - first.month for day in days]
    return _step(indexes), indexes


def _month(first: date, index: int) -> tuple[int, int]:
    months = first.year * 12 + first.month - 1 + index
    return months // 12, months % 12 + 1


def _monthly_day(days: list[date]) -> tuple[Rule | None, list[date]]:
    if len({day.day for day in days}) != 1:
        return None, []
    step, indexes = _months(days)
    generated = []
    for index in range(0, indexes[-1] + 1, step):
        year, month = _month(days[0], index)
        try:
            generated.append(date(year, month, days[0].day))
        except ValueError:  # no such day in that month: RFC 5545 skips it
            continue
    return Rule("MONTHLY", step), generated


def _nth(day: date) -> tuple[int, bool]:
    """Which weekday of its month the day is (1–5), and whether it is the month's last."""
    return (day.day - 1) // 7 + 1, (day + timedelta(days=7)).month != day.month


def _monthly_nth(days: list[date]) -> tuple[Rule | None, list[date]]:
    if len({day.weekday() for day in days}) != 1:
        return None, []
    numbers = {_nth(day)[0] for day in days}
    if len(numbers) == 1 and next(iter(numbers)) <= 4:
        nth = next(iter(numbers))
    elif all(_nth(day)[1] for day in days):
        nth = -1
    else:
        return None, []
    weekday = days[0].weekday()
    step, indexes = _months(days)
    generated = []
    for index in range(0, indexes[-1] + 1, step):
        year, month = _month(days[0], index)
        generated.append(_nth_weekday(year, month, weekday, nth))
    return Rule("MONTHLY", step, (f"{nth}{WEEKDAYS[weekday]}",)), generated


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _weekly(days: list[date]) -> tuple[Rule | None, list[date]]:
    monday = days[0] - timedelta(days=days[0].weekday())
    weeks = [(day - monday).days // 7 for day in days]
    step = _step(weeks)
    weekdays = sorted({day.weekday() for day in days})
    generated = []
    for week in range(0, weeks[-1] + 1, step):
        for weekday in weekdays:
            day = monday + timedelta(days=7 * week + weekday)
            if days[0] <= day <= days[-1]:
                generated.append(day)
    return Rule("WEEKLY", step, tuple(WEEKDAYS[w] for w in weekdays)), generated


def _daily(days: list[date]) -> tuple[Rule | None, list[date]]:
    step = _step([(day - days[0]).days for day in days])
    count = (days[-1] - days[0]).days // step + 1
    return Rule("DAILY", step), [days[0] + timedelta(days=step * n) for n in range(count)]


# --- the Integreat CMS's subset ------------------------------------------------------------------


def cms_rule(rule: Rule) -> bool:
    """The rules the CMS import takes: WEEKLY on plain weekdays, MONTHLY on one nth weekday,
    YEARLY (docs/sources.md)."""
    if rule.freq == "WEEKLY":
        return bool(rule.byday) and all(day in WEEKDAYS for day in rule.byday)
    if rule.freq == "MONTHLY":
        return len(rule.byday) == 1 and rule.byday[0] not in WEEKDAYS
    return rule.freq == "YEARLY"


@dataclass(frozen=True)
class Run:
    """Consecutive plain instances of a series: one event with the rule for the CMS."""

    first: EventView
    slots: tuple[Slot, ...]


def runs(series: Plan) -> list[Run]:
    """The series' unbroken runs of plain instances in the order of its rule: a slot the rule
    gives that is left out or overridden ends a run."""
    plain = {wall(member.slot): member for member in series.plain if member.slot is not None}
    found: list[Run] = []
    current: list[Slot] = []
    for slot in series.generated:
        if slot in plain:
            current.append(slot)
            continue
        if current:
            found.append(Run(plain[current[0]], tuple(current)))
        current = []
    if current:
        found.append(Run(plain[current[0]], tuple(current)))
    return found


def utc_text(slot: Slot) -> str:
    """A wall time as a UTC date-time (``…Z``), or a date as ``YYYYMMDD``."""
    if isinstance(slot, datetime):
        return slot.replace(tzinfo=local_zone()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return slot.strftime("%Y%m%d")


def day_end_utc(slot: Slot) -> str:
    """The end of a slot's local day in UTC (a date stays a date): an UNTIL that reads as the
    last day wherever it is cut to a date."""
    if isinstance(slot, datetime):
        return utc_text(datetime.combine(slot.date(), time(23, 59, 59)))
    return slot.strftime("%Y%m%d")
