"""Events of the evangelische-termine.de JSON export into occurrence drafts.

A record is one ``Veranstaltung`` (crawlers/extract/evangelische_termine.py). Times: ``START_RFC``
and ``END_RFC`` (ISO with offset), else ``START``/``END`` as local wall time ("2026-09-16
10:00:00"); an ``END`` on "0000-00-00" means the event has no end. ``allDay`` makes it all-day.
``MODE`` ``jeweils`` is a weekly series from START to the day of ``UNTIL``: each week at START's
time, ending at END's time of day; ``vonbis`` (or none) one event from START to END. Place from
the ``_place_*`` fields, text from ``SUBTITLE`` and the long (else short) description.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from aggregator.crawl_result import RawRecord
from aggregator.dates.event_times import (
    all_day_span,
    consistent_end,
    occurrence_key,
    overlaps,
    parse_when,
)
from aggregator.dates.german import localize
from aggregator.dates.timezones import local
from aggregator.kinds.spec import Kind, Option, between
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft
from aggregator.places.locations import Place
from aggregator.states import RecordType
from aggregator.text.plain import one_line, plain_text

NO_END = "0000-00-00"
WEEKLY = "jeweils"
TRUE = ("1", "true", "yes", "ja")
Span = tuple[datetime | date, datetime | date | None]


def read_et_event(record: RawRecord, context: Context) -> list[EventDraft]:
    event = json.loads(record.payload)
    if not isinstance(event, dict):
        raise RecordProblem("not a Veranstaltung (no JSON object)")
    first = _span(event)
    weekly = _text(event.get("MODE")).lower() == WEEKLY
    spans = _weeks(first, _until(event), context) if weekly else iter([first])
    return [
        _draft(event, span, record, series=weekly)
        for span in spans
        if overlaps(span[0], span[1], context.window)
    ]


KIND = Kind(
    name="evangelische-termine",
    record_type=RecordType.EVENT,
    summary=(
        "the evangelische-termine.de JSON export (`…/json`) of an organiser or a region, "
        "page after page; weekly series (`jeweils`) as series"
    ),
    spider="crawlers.spiders.evangelische_termine.EvangelischeTermineSpider",
    extractor="crawlers.extract.evangelische_termine.read_export_page",
    normalizer=read_et_event,
    options=(
        Option(
            "vid",
            str,
            "the organiser's id on the platform; this or region, as option or in the url",
        ),
        Option("region", str, "the region (deanery) to read instead of one organiser"),
        Option("items_per_page", int, "events per export page", default=100, check=between(1, 500)),
        Option("max_pages", int, "export pages read at most", default=50, check=between(1)),
    ),
    default_url="https://www.evangelische-termine.de/json",
    claims="crawlers.extract.evangelische_termine.claims",
)


def _span(event: dict[str, Any]) -> Span:
    """The first (or only) occurrence: START to END, all-day where ``allDay`` says so."""
    start = _moment(event, "START")
    if start is None:
        raise RecordProblem("event has no START")
    end = None if _text(event.get("END")).startswith(NO_END) else _moment(event, "END")
    if _text(event.get("allDay")).lower() in TRUE or not isinstance(start, datetime):
        return all_day_span(start, end)
    return start, consistent_end(start, end)


def _moment(event: dict[str, Any], name: str) -> datetime | date | None:
    """``<name>_RFC`` where it is given, else ``<name>`` (local wall time); None when absent."""
    for field in (f"{name}_RFC", name):
        text = _text(event.get(field))
        if text and not text.startswith(NO_END):
            try:
                return parse_when(text)
            except ValueError as error:
                raise RecordProblem(f"{field} {error}") from error
    return None


def _until(event: dict[str, Any]) -> date:
    text = _text(event.get("UNTIL"))
    try:
        when = parse_when(text)
    except ValueError as error:
        raise RecordProblem(f"MODE jeweils needs the series' last day in UNTIL: {error}") from error
    return local(when).date() if isinstance(when, datetime) else when


def _weeks(first: Span, until: date, context: Context) -> Iterator[Span]:
    """The weekly occurrences from the first up to ``until`` that may touch the window: each at
    the first one's wall clock time, ending at its end's time of day (or lasting its days)."""
    start, end = first
    day = local(start).date() if isinstance(start, datetime) else start
    skip = max(0, (local(context.window[0]).date() - day).days // 7 - 1)
    last = min(until, local(context.window[1]).date())
    for week in range(skip, max(0, (last - day).days // 7) + 1):
        yield _shifted(start, end, timedelta(weeks=week))


def _shifted(start: datetime | date, end: datetime | date | None, by: timedelta) -> Span:
    """One week's occurrence: all-day ones keep their days (if under a week), timed ones their
    wall clock time and the end's time of day."""
    if not isinstance(start, datetime):
        days = end - start if isinstance(end, date) else timedelta(0)
        return start + by, start + by + (days if days < timedelta(weeks=1) else timedelta(0))
    wall = local(start).replace(tzinfo=None) + by
    if not isinstance(end, datetime):
        return localize(wall), None
    ends = datetime.combine(wall.date(), local(end).time())
    return localize(wall), localize(ends) if ends > wall else None


def _draft(event: dict[str, Any], span: Span, record: RawRecord, *, series: bool) -> EventDraft:
    texts = [plain_text(_text(event.get("SUBTITLE")))]
    texts.append(
        plain_text(_text(event.get("_event_LONG_DESCRIPTION")))
        or plain_text(_text(event.get("_event_SHORT_DESCRIPTION")))
    )
    kind = one_line(_text(event.get("_event_EVENTTYPE")))
    return EventDraft(
        title=one_line(_text(event.get("_event_TITLE"))) or "(ohne Titel)",
        start=span[0],
        end=span[1],
        occurrence=occurrence_key(span[0]) if series else "",
        description="\n\n".join(text for text in texts if text),
        place=_place(event),
        url=record.url,
        uid=_text(event.get("ID")) or record.key,
        series=series,
        categories=(kind,) if kind and not kind.isdigit() else (),
    )


def _place(event: dict[str, Any]) -> Place:
    return Place(
        name=one_line(_text(event.get("_place_NAME"))) or None,
        address=_text(event.get("_place_STREET_NR")) or None,
        postcode=_text(event.get("_place_ZIP")) or None,
        town=_text(event.get("_place_CITY")) or None,
        lat=_coordinate(event.get("_place_GLAT")),
        lon=_coordinate(event.get("_place_GLONG")),
    )


def _coordinate(value: Any) -> float | None:
    try:
        return float(_text(value))
    except ValueError:
        return None


def _text(value: Any) -> str:
    """A field as text: the export writes numbers as strings or numbers."""
    if isinstance(value, bool) or value is None:
        return "1" if value is True else ""
    return str(value).strip() if isinstance(value, str | int | float) else ""
