"""Events of the toubiz API (Open-Data-Pool Baden-Württemberg) into occurrence drafts.

A record is one event (its UUID): ``name``, ``intro`` (HTML), ``canceled``, ``invisible``,
``trashed``, ``geocoordinates {latitude, longitude}``, ``category {name}``, ``location {name}``,
``license``, and every date spelled out in ``datesCache`` (``date``, ``startAt``, ``endAt``,
``active``, ``closed``). An inactive or closed date is no occurrence; an event with more than
one date is a series. ``canceled`` cancels every occurrence; an invisible or trashed event
describes no listing (its listings lose it as they lose a record gone from the source). The
licence travels with every draft: the feeds name it with the source (attribution).

Times (*uncertain* in the recorded shape): ``date`` is a day (or a date-time, whose local day
counts); ``startAt``/``endAt`` a wall clock time ("19:30" or "19:30:00") or a date-time. A date
without ``startAt``, or from 00:00 to 23:59, is all-day; an end before the start is the next day.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from aggregator.crawl_result import RawRecord
from aggregator.dates.event_times import occurrence_key, overlaps, parse_when
from aggregator.dates.german import localize
from aggregator.dates.timezones import local
from aggregator.kinds.spec import Kind, Option, between
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft
from aggregator.places.locations import Place
from aggregator.states import EventStatus, RecordType
from aggregator.text.plain import one_line, plain_text

MAX_DATES = 5000  # per record and window
CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
VARIABLE = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")
Span = tuple[datetime | date, datetime | date | None]


def read_toubiz_event(record: RawRecord, context: Context) -> list[EventDraft]:
    event = json.loads(record.payload)
    if not isinstance(event, dict):
        raise RecordProblem("not a toubiz event (no JSON object)")
    if event.get("invisible") or event.get("trashed"):
        return []
    dates = event.get("datesCache")
    if not isinstance(dates, list):
        raise RecordProblem("event has no 'datesCache' list of its dates")
    spans: dict[str, Span] = {}  # by occurrence: a date given twice is one occurrence
    for entry in dates:
        span = _span(entry) if _takes_place(entry) else None
        if span is not None and overlaps(span[0], span[1], context.window):
            spans.setdefault(occurrence_key(span[0]), span)
    if len(spans) > MAX_DATES:
        raise RecordProblem(f"more than {MAX_DATES} dates in the published window")
    series = len(dates) > 1
    return [_draft(event, span, series=series) for span in spans.values()]


Box = tuple[float, float, float, float]  # south, west, north, east, as a region's bbox


def parse_bbox(text: str) -> Box:
    """The box "south,west,north,east" (degrees, WGS 84); ValueError saying what is wrong."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError(f"needs four numbers 'south,west,north,east', not {len(parts)}")
    try:
        south, west, north, east = (float(part) for part in parts)
    except ValueError:
        raise ValueError("needs four numbers 'south,west,north,east'") from None
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise ValueError("needs south < north (-90 to 90) and west < east (-180 to 180)")
    return south, west, north, east


def check_bbox(text: str) -> str | None:
    try:
        parse_bbox(text)
    except ValueError as error:
        return str(error)
    return None


def check_variable(text: str) -> str | None:
    """The name of an environment variable, never the token: the value is not repeated."""
    if VARIABLE.match(text):
        return None
    return "must name an environment variable (A-Z, 0-9, _), never hold the token itself"


KIND = Kind(
    name="toubiz",
    record_type=RecordType.EVENT,
    summary=(
        "the toubiz event API (`…/api/v1/event`, Open-Data-Pool Baden-Württemberg) in a "
        "bounding box over the feed window, 100 a page; a Bearer token from the environment"
    ),
    spider="crawlers.spiders.toubiz.ToubizSpider",
    extractor="crawlers.extract.toubiz.read_events_page",
    normalizer=read_toubiz_event,
    options=(
        Option(
            "token_env",
            str,
            "the environment variable that holds the Bearer token, never the token itself",
            default="LOTSE_TOUBIZ_TOKEN",
            check=check_variable,
        ),
        Option(
            "bbox",
            str,
            "the area searched, 'south,west,north,east' in degrees; by default the region's bbox",
            check=check_bbox,
        ),
        Option("max_pages", int, "API pages read at most", default=100, check=between(1)),
    ),
    default_url="https://mein.toubiz.de/api/v1/event",
    claims="crawlers.extract.toubiz.claims",
)


def _takes_place(entry: Any) -> bool:
    """A date that is neither inactive nor closed."""
    if not isinstance(entry, dict):
        raise RecordProblem(f"a date in datesCache is no object: {entry!r}")
    return entry.get("active") is not False and not entry.get("closed")


def _span(entry: dict[str, Any]) -> Span:
    day = _day(entry.get("date"))
    begins, ends = _clock(entry, "startAt"), _clock(entry, "endAt")
    if begins is None or (begins == time(0) and ends is not None and ends >= time(23, 59)):
        return day, day
    start = localize(datetime.combine(day, begins))
    if ends is None or ends == begins:
        return start, None
    end_day = day if ends > begins else day + timedelta(days=1)  # until after midnight
    return start, localize(datetime.combine(end_day, ends))


def _day(value: Any) -> date:
    try:
        when = parse_when(str(value)) if value else None
    except ValueError as error:
        raise RecordProblem(f"date {error}") from error
    if when is None:
        raise RecordProblem("a date in datesCache has no 'date'")
    return local(when).date() if isinstance(when, datetime) else when


def _clock(entry: dict[str, Any], name: str) -> time | None:
    text = entry.get(name)
    if not text:
        return None
    match = CLOCK.match(str(text))
    if match:
        hour, minute, second = (int(part or 0) for part in match.groups())
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute, second)
        raise RecordProblem(f"{name} {text!r} is no time of day")
    try:
        when = parse_when(str(text))
    except ValueError as error:
        raise RecordProblem(f"{name} {error}") from error
    return local(when).time().replace(tzinfo=None) if isinstance(when, datetime) else None


def _draft(event: dict[str, Any], span: Span, *, series: bool) -> EventDraft:
    return EventDraft(
        title=one_line(_text(event.get("name"))) or "(ohne Titel)",
        start=span[0],
        end=span[1],
        occurrence=occurrence_key(span[0]) if series else "",
        description=plain_text(_text(event.get("intro"))),
        status=EventStatus.CANCELLED if event.get("canceled") else EventStatus.CONFIRMED,
        place=_place(event),
        uid=str(event.get("id")),
        series=series,
        categories=tuple(name for name in [_name(event.get("category"))] if name),
        license=one_line(_text(event.get("license"))) or None,
    )


def _place(event: dict[str, Any]) -> Place:
    point = event.get("geocoordinates")
    point = point if isinstance(point, dict) else {}
    return Place(
        name=_name(event.get("location")) or None,
        lat=point.get("latitude"),
        lon=point.get("longitude"),
    )


def _name(value: Any) -> str:
    return one_line(_text(value.get("name"))) if isinstance(value, dict) else ""


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
