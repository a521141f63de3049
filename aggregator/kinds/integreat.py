"""Integreat CMS API v3 events into occurrence drafts over the published window.

A record is one event (see crawlers/extract/integreat.py): an object — single, or combined with
its ``recurrence_rule`` — or the list of its occurrences in the expanded form. A combined rule
(``"DTSTART:20300101T120000\\nRRULE:FREQ=WEEKLY;…"``) writes DTSTART in UTC while the CMS means
local weekdays and times, so the RRULE is expanded from the event's own local start (DST-proof:
19:00 stays 19:00 in summer); an UNTIL with "Z" is read as local wall time (at worst an
occurrence late on the last day is kept). All-day events (00:00 to 23:59:59, ``all_day``) become
all-day drafts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
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
from aggregator.normalize.drafts import EventDraft
from aggregator.places.locations import Place
from aggregator.states import RecordType
from aggregator.text.plain import one_line, plain_text

MAX_OCCURRENCES = 5000
TOO_MANY = f"more than {MAX_OCCURRENCES} occurrences in the window"
RRULE_LINE = re.compile(r"^RRULE:.*$", re.IGNORECASE | re.MULTILINE)
Span = tuple[datetime | date, datetime | date | None]


def read_integreat(record: RawRecord, context: Context) -> list[EventDraft]:
    data = json.loads(record.payload)
    if isinstance(data, list):
        slots = [(item, _span(item)) for item in data]
        series = True
    elif data.get("recurrence_rule"):
        slots = [(data, span) for span in _expand(data, context)]
        series = True
    else:
        slots = [(data, _span(data))]
        series = False
    drafts = [
        _draft(item, span, series)
        for item, span in slots
        if overlaps(span[0], span[1], context.window)
    ]
    if len(drafts) > MAX_OCCURRENCES:
        raise RecordProblem(TOO_MANY)
    return drafts


KIND = Kind(
    name="integreat",
    record_type=RecordType.EVENT,
    summary="Integreat CMS API v3 events (`…/api/v3/{region}/{language}/events/`)",
    spider="crawlers.spiders.integreat.IntegreatSpider",
    extractor="crawlers.extract.integreat.split_events",
    claims="crawlers.extract.integreat.claims",
    normalizer=read_integreat,
)


def _draft(item: dict[str, Any], span: Span, series: bool) -> EventDraft:
    return EventDraft(
        title=one_line(item.get("title")) or "(ohne Titel)",
        start=span[0],
        end=span[1],
        occurrence=occurrence_key(span[0]) if series else "",
        description=plain_text(item.get("content")) or plain_text(item.get("excerpt")),
        place=_place(item.get("location")),
        url=item.get("url"),
        uid=None if item.get("id") is None else str(item["id"]),
        series=series,
    )


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


def _wall(moment: datetime) -> datetime:
    return local(moment).replace(tzinfo=None)


def _place(location: Any) -> Place:
    if not isinstance(location, dict):
        return Place()
    return Place(
        name=location.get("name"),
        address=location.get("address"),
        postcode=None if location.get("postcode") is None else str(location["postcode"]),
        town=location.get("town"),
        lat=location.get("latitude"),
        lon=location.get("longitude"),
    )
