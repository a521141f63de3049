"""The Events Calendar (WordPress) REST events into event drafts.

Times: the ``utc_start_date``/``utc_end_date`` fields where present (they hold the instant
whatever the site's zone), else ``start_date``/``end_date`` as wall time in the event's
``timezone`` (an IANA name; anything else, such as WordPress's "UTC+1", means Europe/Berlin).
``all_day`` events (00:00 to 23:59:59) become all-day drafts. ``venue`` is an object, or an
empty list when the event has none.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aggregator.crawl_result import RawRecord
from aggregator.dates.event_times import all_day_span, consistent_end, overlaps
from aggregator.dates.german import localize
from aggregator.dates.timezones import local_zone
from aggregator.kinds.spec import Kind, Option, between
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft
from aggregator.places.locations import Place
from aggregator.states import RecordType
from aggregator.text.plain import one_line, plain_text

WP_FORMAT = "%Y-%m-%d %H:%M:%S"


def read_wp_event(record: RawRecord, context: Context) -> list[EventDraft]:
    event = json.loads(record.payload)
    start, end = _times(event)
    if not overlaps(start, end, context.window):
        return []
    return [
        EventDraft(
            title=one_line(event.get("title")) or "(ohne Titel)",
            start=start,
            end=end,
            description=plain_text(event.get("description")) or plain_text(event.get("excerpt")),
            place=_place(event.get("venue")),
            url=event.get("url") or record.url,
            uid=str(event.get("id")),
            categories=tuple(_terms(event, "categories") + _terms(event, "tags")),
        )
    ]


KIND = Kind(
    name="wp-events",
    record_type=RecordType.EVENT,
    summary=(
        'WordPress "The Events Calendar" REST API (`…/wp-json/tribe/events/v1/events`), '
        "page after page"
    ),
    spider="crawlers.spiders.wp_events.WpEventsSpider",
    extractor="crawlers.extract.wp_events.read_events_page",
    claims="crawlers.extract.wp_events.claims",
    normalizer=read_wp_event,
    options=(
        Option(
            "per_page",
            int,
            "events per API page, up to 50 unless the site allows more",
            default=50,
            check=between(1, 100),
        ),
        Option("max_pages", int, "API pages read at most", default=100, check=between(1)),
    ),
)


def _times(event: dict[str, Any]) -> tuple[datetime | date, datetime | date | None]:
    if event.get("all_day"):  # the days as the site shows them, in its own zone
        first = _wall(event, "start_date")
        if first is None:
            raise RecordProblem("event has no start_date")
        return all_day_span(first, _wall(event, "end_date"))
    start = _moment(event, "start_date")
    if start is None:
        raise RecordProblem("event has no start_date")
    return start, consistent_end(start, _moment(event, "end_date"))


def _moment(event: dict[str, Any], name: str) -> datetime | None:
    """``utc_<name>`` as UTC, else ``<name>`` in the event's zone; None when absent."""
    utc = _wall(event, f"utc_{name}")
    if utc is not None:
        return utc.replace(tzinfo=UTC)
    wall = _wall(event, name)
    return None if wall is None else localize(wall, _zone(event))


def _wall(event: dict[str, Any], field: str) -> datetime | None:
    text = event.get(field)
    if not text:
        return None
    try:
        return datetime.strptime(str(text).strip(), WP_FORMAT)
    except ValueError as error:
        raise RecordProblem(
            f"{field} {text!r} is no 'YYYY-MM-DD HH:MM:SS' date ({error})"
        ) from error


def _zone(event: dict[str, Any]) -> ZoneInfo:
    name = event.get("timezone")
    try:
        return ZoneInfo(name) if isinstance(name, str) and "/" in name else local_zone()
    except (ZoneInfoNotFoundError, ValueError):
        return local_zone()


def _place(venue: Any) -> Place:
    if not isinstance(venue, dict):
        return Place()
    return Place(
        name=one_line(venue.get("venue")) or None,
        address=venue.get("address"),
        postcode=venue.get("zip"),
        town=venue.get("city"),
        lat=venue.get("geo_lat"),
        lon=venue.get("geo_lng"),
    )


def _terms(event: dict[str, Any], name: str) -> list[str]:
    return [
        one_line(term.get("name"))
        for term in event.get(name) or []
        if isinstance(term, dict) and term.get("name")
    ]
