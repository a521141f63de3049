"""iCalendar events (RFC 5545) into occurrence drafts over the published window.

Handles VTIMEZONE/TZID, UTC and floating times (floating means Europe/Berlin, RFC 5545 §3.3.5),
Google's X-WR-TIMEZONE (the ``x-wr-timezone`` package), Outlook's Windows zone names (icalendar
maps them), DATE values (all-day, DTEND exclusive, §3.6.1), and RRULE/RDATE/EXDATE with
RECURRENCE-ID overrides (``recurring-ical-events``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import icalendar
import recurring_ical_events
import x_wr_timezone

from aggregator.crawl_result import RawRecord
from aggregator.dates.event_times import overlaps
from aggregator.dates.recurrence import effort_problem
from aggregator.dates.timezones import local_midnight, local_zone, to_utc
from aggregator.kinds.spec import Kind
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft
from aggregator.places.locations import Place, parse_location
from aggregator.states import EventStatus, RecordType
from aggregator.text.plain import one_line, plain_text

VTIMEZONE_BLOCK = re.compile(r"BEGIN:VTIMEZONE.*?END:VTIMEZONE\r?\n", re.DOTALL | re.IGNORECASE)
EMPTY_RRULE = re.compile(r"^RRULE:\s*\r?\n", re.MULTILINE | re.IGNORECASE)
MAX_OCCURRENCES = 5000  # per record and window: a daily series for a year fits with room to spare


def read_ical(record: RawRecord, context: Context) -> list[EventDraft]:
    calendar = parse_calendar(record.payload)
    components = calendar.walk("VEVENT")
    start, end = context.window
    for component in components:
        if "DTSTART" not in component:
            raise RecordProblem("VEVENT has no DTSTART")
        if isinstance(component["DTSTART"], list):
            raise RecordProblem("VEVENT has more than one DTSTART")
        _check_effort(component, end)
    series = any("RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c for c in components)
    day = timedelta(days=1)  # all-day occurrences are compared by date: look a day wider
    occurrences = recurring_ical_events.of(calendar).between(start - day, end + day)
    drafts = sorted(
        (_draft(occurrence, record, series, context) for occurrence in occurrences),
        key=lambda draft: (_begins(draft), draft.occurrence),
    )
    drafts = [draft for draft in drafts if overlaps(draft.start, draft.end, context.window)]
    if len(drafts) > MAX_OCCURRENCES:
        raise RecordProblem(
            f"more than {MAX_OCCURRENCES} occurrences in the published window (an RRULE "
            "that repeats too often); none of them was taken"
        )
    return drafts


KIND = Kind(
    name="ical",
    record_type=RecordType.EVENT,
    summary=(
        "an iCalendar file (any client's export, RRULE/EXDATE/RECURRENCE-ID, VTIMEZONE or "
        "X-WR-TIMEZONE)"
    ),
    spider="crawlers.spiders.ical.IcalSpider",
    extractor="crawlers.extract.ical.split_calendar",
    claims="crawlers.extract.ical.claims",
    normalizer=read_ical,
)


def _check_effort(component: icalendar.cal.Component, until: datetime) -> None:
    """Refuse a record whose RRULE would take too long to expand (aggregator.dates.recurrence)."""
    rules = component.get("RRULE") or []
    for rule in rules if isinstance(rules, list) else [rules]:
        problem = effort_problem(rule.to_ical().decode(), _dt(component["DTSTART"]), until)
        if problem:
            raise RecordProblem(f"{problem}; none of its occurrences was taken")


def _begins(draft: EventDraft) -> datetime:
    if isinstance(draft.start, datetime):
        return draft.start
    return local_midnight(draft.start)


def parse_calendar(payload: str) -> icalendar.Calendar:
    """Parse leniently: a broken VTIMEZONE is dropped (TZIDs then resolve by name)."""
    payload = EMPTY_RRULE.sub("", payload)
    try:
        calendar = icalendar.Calendar.from_ical(payload)
    except Exception as first_error:  # icalendar raises many types on bad input
        try:
            calendar = icalendar.Calendar.from_ical(VTIMEZONE_BLOCK.sub("", payload))
        except Exception:
            raise RecordProblem(f"not valid iCalendar: {first_error}") from first_error
    try:
        return x_wr_timezone.to_standard(calendar)
    except Exception as error:
        raise RecordProblem(f"bad X-WR-TIMEZONE: {error}") from error


def _draft(
    component: icalendar.Event, record: RawRecord, series: bool, context: Context
) -> EventDraft:
    start = _value(component.get("DTSTART"))
    end = _end(component, start)
    if isinstance(start, datetime):
        start = _aware(start)
        end = _aware(end) if isinstance(end, datetime) else None
        if end is not None and end <= start:
            end = None  # DTEND not after DTSTART: keep the start, drop the impossible end
    else:
        end = _last_day(start, end)
    status = (
        EventStatus.CANCELLED
        if str(component.get("STATUS", "")).upper() == "CANCELLED"
        else EventStatus.CONFIRMED
    )
    return EventDraft(
        title=one_line(str(component.get("SUMMARY", ""))) or "(ohne Titel)",
        start=start,
        end=end,
        occurrence=_occurrence_key(component) if series else "",
        description=plain_text(str(component.get("DESCRIPTION", ""))),
        status=status,
        place=_place(component),
        url=_url(component, record, context.source.homepage),
        uid=str(component.get("UID", "")) or None,
        series=series,
        categories=tuple(_categories(component)),
    )


def _dt(prop: object) -> Any:
    """A date-time property's value (icalendar types each property's value differently)."""
    return getattr(prop, "dt", None)


def _value(prop: object) -> datetime | date:
    value = getattr(prop, "dt", prop)
    if isinstance(value, tuple | list):  # a PERIOD or a list: its start
        value = value[0]
    if not isinstance(value, date):
        raise RecordProblem(f"DTSTART {value!r} is not a date or date-time")
    return value


def _end(component: icalendar.Event, start: datetime | date) -> datetime | date | None:
    if "DTEND" in component:
        end = _dt(component["DTEND"])
        if isinstance(start, datetime) and not isinstance(end, datetime):
            return None
        return end
    if "DURATION" in component:
        duration = _dt(component["DURATION"])
        return start + duration if isinstance(duration, timedelta) else None
    return None


def _aware(value: datetime) -> datetime:
    """Floating times mean Europe/Berlin (a gap shifts forward, a fold takes the first)."""
    return value.replace(tzinfo=local_zone()) if value.tzinfo is None else value


def _last_day(start: date, end: datetime | date | None) -> date:
    """All-day DTEND is exclusive (RFC 5545 §3.6.1); our end is the last day, inclusive."""
    if isinstance(end, datetime):
        end = end.date()
    if end is None or end <= start:
        return start
    return end - timedelta(days=1)


def _occurrence_key(component: icalendar.Event) -> str:
    recurrence_id = component.get("RECURRENCE-ID")
    value = _dt(recurrence_id) if recurrence_id is not None else _dt(component["DTSTART"])
    if isinstance(value, datetime):
        return to_utc(_aware(value)).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def _place(component: icalendar.Event) -> Place:
    place = parse_location(one_line(str(component.get("LOCATION", ""))) or None)
    geo = component.get("GEO")
    if geo is not None:
        return Place(
            place.name, place.address, place.postcode, place.town, geo.latitude, geo.longitude
        )
    return place


def _url(component: icalendar.Event, record: RawRecord, homepage: str | None) -> str | None:
    """The event's own page (URL, relative ones resolved); else the source's public calendar
    page where the sources file names one; never the calendar file itself."""
    url = str(component.get("URL", "")).strip()
    if not url:
        return homepage
    return urljoin(record.url or "", url)


def _categories(component: icalendar.Event) -> list[str]:
    values = component.get("CATEGORIES")
    if values is None:
        return []
    values = values if isinstance(values, list) else [values]
    words = []
    for value in values:
        cats = getattr(value, "cats", None)
        words += [str(c) for c in cats] if cats is not None else str(value).split(",")
    return [word.strip() for word in words if word.strip()]
