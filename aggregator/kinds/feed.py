"""RSS/Atom entries (as feedparser read them) into event drafts.

The event time comes from the RSS event module (``ev:startdate``, ``ev:enddate``, W3C-DTF) or,
where the feed has none, from the entry's title and text in German
(``aggregator.dates.german``). The publication date (``pubDate``, ``updated``) is never the
event time: an entry without a findable event time is a problem on its record.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from aggregator.crawl_result import RawRecord
from aggregator.dates.event_times import consistent_end, overlaps, parse_when
from aggregator.dates.german import parse_german_span
from aggregator.kinds.spec import Kind
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft
from aggregator.places.locations import parse_location
from aggregator.states import RecordType
from aggregator.text.plain import one_line, plain_text

NO_TIME = (
    "no event time: neither ev:startdate nor a date in the title or text "
    "(the publication date is not the event time)"
)


def read_feed_entry(record: RawRecord, context: Context) -> list[EventDraft]:
    entry = json.loads(record.payload)
    title = one_line(entry.get("title"))
    description = plain_text(_body(entry))
    start, end = _when(entry, f"{title}\n{description}", context)
    if not overlaps(start, end, context.window):
        return []
    return [
        EventDraft(
            title=title or "(ohne Titel)",
            start=start,
            end=end,
            description=description,
            place=parse_location(one_line(entry.get("ev_location")) or None),
            url=entry.get("link") or record.url,
            uid=entry.get("id") or None,
            categories=tuple(_categories(entry)),
        )
    ]


KIND = Kind(
    name="feed",
    record_type=RecordType.EVENT,
    summary=(
        "RSS 0.9x/1.0/2.0 or Atom; event times from the RSS event module (`ev:startdate`, "
        "`ev:enddate`, `ev:location`) or from the entry text"
    ),
    spider="crawlers.spiders.feed.FeedSpider",
    extractor="crawlers.extract.feed.read_feed",
    claims="crawlers.extract.feed.claims",
    normalizer=read_feed_entry,
)


def _body(entry: dict[str, Any]) -> str:
    """The entry's full content where it has one, else its summary."""
    contents = [c.get("value", "") for c in entry.get("content") or [] if isinstance(c, dict)]
    return next((text for text in contents if text.strip()), entry.get("summary") or "")


def _when(
    entry: dict[str, Any], text: str, context: Context
) -> tuple[datetime | date, datetime | date | None]:
    if entry.get("ev_startdate"):
        start = _w3c(entry, "ev_startdate")
        end = _w3c(entry, "ev_enddate") if entry.get("ev_enddate") else None
        return start, consistent_end(start, end)
    span = parse_german_span(text, now=context.now)
    if span is None:
        raise RecordProblem(NO_TIME)
    return span.start, span.end


def _w3c(entry: dict[str, Any], name: str) -> datetime | date:
    try:
        return parse_when(entry[name])
    except ValueError as error:
        raise RecordProblem(f"ev:{name[3:]} {error}") from error


def _categories(entry: dict[str, Any]) -> list[str]:
    terms = [tag.get("term") or "" for tag in entry.get("tags") or [] if isinstance(tag, dict)]
    return [term for term in [entry.get("ev_type") or "", *terms] if term.strip()]
