"""Integreat CMS API v3 events into occurrence drafts over the published window.

A record is one event (see crawlers/extract/integreat.py): an object — single, or combined with
its ``recurrence_rule`` — or the list of its occurrences in the expanded form. A combined rule
(``"DTSTART:20300101T120000\\nRRULE:FREQ=WEEKLY;…"``) writes DTSTART in UTC while the CMS means
local weekdays and times, so the RRULE is expanded from the event's own local start (DST-proof:
19:00 stays 19:00 in summer); an UNTIL with "Z" is read as local wall time (at worst an
occurrence late on the last day is kept). All-day events (00:00 to 23:59:59, ``all_day``) become
all-day drafts. A multi-day event held on weekdays only (``only_weekdays``) is a series of its
Mondays to Fridays, each at the event's times. An online event (``meeting_url``) has its place
called "Online" where the CMS names none, and its link at the end of the description; a
``location`` whose fields are all null is no place.

A record stored with its translations (``{"record": …, "translations": {language: [items]}}``,
see crawlers/extract/integreat.py) gives every draft the translated title and description, and
the languages that could not be read this time (``"unread"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import rrulestr

from aggregator.crawl_result import RawRecord
from aggregator.dates.event_times import (
    all_day_span,
    consistent_end,
    occurrence_key,
    overlaps,
    parse_when,
)
from aggregator.dates.german import localize
from aggregator.dates.recurrence import UTC_UNTIL, effort_problem
from aggregator.dates.timezones import local
from aggregator.kinds.spec import Kind
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft, Translation
from aggregator.places.locations import Place
from aggregator.states import RecordType
from aggregator.text.plain import one_line, plain_text
from aggregator.urls import web_url

MAX_OCCURRENCES = 5000
TOO_MANY = f"more than {MAX_OCCURRENCES} occurrences in the window"
RRULE_LINE = re.compile(r"^RRULE:.*$", re.IGNORECASE | re.MULTILINE)
Span = tuple[datetime | date, datetime | date | None]
PLACE_KEYS = ("name", "address", "postcode", "town", "latitude", "longitude")


def read_integreat(record: RawRecord, context: Context) -> list[EventDraft]:
    data, translations, unread = _unwrapped(json.loads(record.payload))
    if isinstance(data, list):
        slots = [(item, span) for item in data for span in _days(item, _span(item))]
        series = True
    elif data.get("recurrence_rule"):
        slots = [(data, day) for span in _expand(data, context) for day in _days(data, span)]
        series = True
    else:
        slots = [(data, span) for span in _days(data, _span(data))]
        series = len(slots) > 1
    drafts = [
        replace(_draft(item, span, series), translations=translations, translations_unread=unread)
        for item, span in slots
        if overlaps(span[0], span[1], context.window)
    ]
    if len(drafts) > MAX_OCCURRENCES:
        raise RecordProblem(TOO_MANY)
    return drafts


KIND = Kind(
    name="integreat",
    record_type=RecordType.EVENT,
    summary=(
        "Integreat CMS API v3 events (`…/api/v3/{region}/{language}/events/`), asked for in the"
        " combined form (`combine_recurring`, added to the URL), with each event's translations"
        " into the pages' languages"
    ),
    spider="crawlers.spiders.integreat.IntegreatSpider",
    extractor="crawlers.extract.integreat.split_events",
    claims="crawlers.extract.integreat.claims",
    normalizer=read_integreat,
)


def _unwrapped(data: Any) -> tuple[Any, tuple[Translation, ...], tuple[str, ...]]:
    """The event as the CMS gave it, its translations where they were stored with it, and the
    languages whose translation could not be read this time."""
    if not (isinstance(data, dict) and "record" in data and "translations" in data):
        return data, (), ()
    translations = []
    for language, items in (data["translations"] or {}).items():
        item = items[0] if isinstance(items, list) and items else items
        title = one_line(item.get("title")) if isinstance(item, dict) else ""
        if title:
            translations.append(Translation(language, title, _description(item)))
    unread = data.get("unread")
    return data["record"], tuple(translations), tuple(unread if isinstance(unread, list) else ())


def _draft(item: dict[str, Any], span: Span, series: bool) -> EventDraft:
    meeting = web_url(item.get("meeting_url"))
    description = _description(item)
    if meeting:
        description = f"{description}\n\nOnline: {meeting}".strip()
    return EventDraft(
        title=one_line(item.get("title")) or "(ohne Titel)",
        start=span[0],
        end=span[1],
        occurrence=occurrence_key(span[0]) if series else "",
        description=description,
        place=_place(item.get("location"), online=meeting is not None),
        url=item.get("url"),
        uid=None if item.get("id") is None else str(item["id"]),
        series=series,
    )


def _description(item: dict[str, Any]) -> str:
    return plain_text(item.get("content")) or plain_text(item.get("excerpt"))


def _event(item: dict[str, Any]) -> dict[str, Any]:
    event = item.get("event")
    if not isinstance(event, dict) or not event.get("start"):
        raise RecordProblem("item has no event start")
    return event


def _span(item: dict[str, Any]) -> Span:
    """Start and end of one item; all-day when the CMS flags it so."""
    event = _event(item)
    try:
        start = parse_when(event["start"])
        end = parse_when(event["end"]) if event.get("end") else None
    except ValueError as error:
        raise RecordProblem(f"event time {error}") from error
    if event.get("all_day") or not isinstance(start, datetime):
        return all_day_span(start, end)
    return start, consistent_end(start, end)


def _expand(item: dict[str, Any], context: Context) -> Iterator[Span]:
    """The occurrences of a combined item's rule that fall into the window."""
    first, last = _span(item)
    rule_line = RRULE_LINE.search(item["recurrence_rule"])
    if rule_line is None:
        raise RecordProblem(f"recurrence_rule without RRULE: {item['recurrence_rule']!r}")
    all_day = not isinstance(first, datetime)
    if isinstance(first, datetime):
        anchor = _wall(first)
        length = _wall(last) - anchor if isinstance(last, datetime) else timedelta(0)
    else:
        anchor = datetime.combine(first, datetime.min.time())
        length = (last or first) - first
    effort = effort_problem(rule_line[0].partition(":")[2], anchor, _wall(context.window[1]))
    if effort:
        raise RecordProblem(effort)
    try:
        rule = rrulestr(UTC_UNTIL.sub(r"\1", rule_line[0]), dtstart=anchor)
    except (ValueError, TypeError) as error:
        raise RecordProblem(f"unreadable recurrence_rule: {error}") from error
    begin = _wall(context.window[0]) - timedelta(days=1)  # a long event begun earlier still runs
    for number, wall in enumerate(rule.between(begin, _wall(context.window[1]), inc=True)):
        if number >= MAX_OCCURRENCES:
            raise RecordProblem(TOO_MANY)
        if all_day:
            yield wall.date(), wall.date() + length
        else:
            yield localize(wall), None if last is None else localize(wall + length)


def _days(item: dict[str, Any], span: Span) -> list[Span]:
    """An event held on weekdays only (``only_weekdays``) as its Mondays to Fridays, each at the
    event's times (all day where it is all-day); any other event as the one span it is."""
    first, last = span
    if not _event(item).get("only_weekdays") or last is None:
        return [span]
    if isinstance(first, datetime) and isinstance(last, datetime):
        start, end = local(first).time(), local(last).time()
        return [
            (_at(day, start), _at(day, end) if end > start else None)
            for day in _weekdays(_day(first), _day(last))
        ]
    return [(day, day) for day in _weekdays(_day(first), _day(last))]


def _at(day: date, clock: time) -> datetime:
    return localize(datetime.combine(day, clock))


def _weekdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def _day(value: datetime | date) -> date:
    return local(value).date() if isinstance(value, datetime) else value


def _wall(moment: datetime) -> datetime:
    return local(moment).replace(tzinfo=None)


def _place(location: Any, *, online: bool) -> Place:
    """The CMS's location; "Online" for an online event the CMS gives no place for."""
    if not isinstance(location, dict) or all(location.get(key) is None for key in PLACE_KEYS):
        return Place(name="Online") if online else Place()
    return Place(
        name=location.get("name"),
        address=location.get("address"),
        postcode=None if location.get("postcode") is None else str(location["postcode"]),
        town=location.get("town"),
        lat=location.get("latitude"),
        lon=location.get("longitude"),
    )
