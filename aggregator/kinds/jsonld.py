"""schema.org Events (JSON-LD objects, or microdata HTML read again) into event drafts.

``startDate``/``endDate`` as a date (all-day), a date-time with an offset, or one without (then
Europe/Berlin wall time). ``eventStatus`` EventCancelled and EventPostponed mean cancelled
(a postponed event does not happen at the time listed). ``location`` is a Place with a
PostalAddress or an address line, a plain text, or a VirtualLocation (online).

JobPosting items are kept as records but give no drafts here: apprenticeships are read by
their own kinds, and reading them from `jsonld` sources belongs with those.
"""

from __future__ import annotations

import html
import json
from datetime import date, datetime
from typing import Any

from aggregator.crawl_result import RawRecord
from aggregator.dates.event_times import consistent_end, overlaps, parse_when
from aggregator.kinds.spec import Kind, Option, between
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft
from aggregator.normalize.schema_org import (
    is_event,
    is_job_posting,
    item_url,
    microdata_items,
    types_of,
)
from aggregator.places.locations import Place, parse_location
from aggregator.states import EventStatus, RecordType
from aggregator.text.plain import one_line, plain_text

NOT_HAPPENING = frozenset({"EventCancelled", "EventPostponed"})


def read_schema_item(record: RawRecord, context: Context) -> list[EventDraft]:
    item = _item(record)
    if not is_event(item):
        return []  # a JobPosting: see the module docstring
    start = _when(item, "startDate")
    if start is None:
        raise RecordProblem("Event has no startDate")
    end = consistent_end(start, _when(item, "endDate"))
    if not overlaps(start, end, context.window):
        return []
    own_url = item_url(item, record.url)
    return [
        EventDraft(
            title=one_line(text_of(item.get("name"))) or "(ohne Titel)",
            start=start,
            end=end,
            description=_description(text_of(item.get("description"))),
            status=_status(item.get("eventStatus")),
            place=_place(item.get("location")),
            url=own_url or record.url,
            uid=text_of(item.get("@id")) or own_url,
            categories=tuple(_keywords(item.get("keywords"))),
        )
    ]


KIND = Kind(
    name="jsonld",
    record_type=RecordType.EVENT,
    summary=(
        "HTML pages with schema.org `Event` / `JobPosting` as JSON-LD or microdata; follows "
        "listing pagination and detail links from `url`"
    ),
    spider="crawlers.spiders.jsonld.JsonLdSpider",
    extractor="crawlers.extract.jsonld.read_page",
    claims="crawlers.extract.jsonld.claims",
    normalizer=read_schema_item,
    options=(
        Option("follow", str, "CSS selector of further links to follow to detail pages"),
        Option("max_pages", int, "listing pages read at most", default=20, check=between(1)),
    ),
)


def _item(record: RawRecord) -> dict[str, Any]:
    if record.fmt == "html":
        items = microdata_items(record.payload, record.url)
        found = [item for item in items if is_event(item) or is_job_posting(item)]
        if not found:
            raise RecordProblem("no schema.org Event or JobPosting in the stored HTML")
        return found[0]
    item = json.loads(record.payload)
    if not isinstance(item, dict):
        raise RecordProblem("the stored JSON-LD item is not an object")
    return item


def text_of(value: Any) -> str | None:
    """The first text in a schema.org value: a string, a list's first one, a node's name."""
    if isinstance(value, list):
        return next((text for text in map(text_of, value) if text), None)
    if isinstance(value, dict):
        return text_of(value.get("@value") or value.get("name") or value.get("@id"))
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _description(text: str | None) -> str:
    """Plain text; HTML that arrives escaped (``&lt;p&gt;``, as WordPress plugins write it) too."""
    if text and "<" not in text and "&lt;" in text:
        text = html.unescape(text)
    return plain_text(text)


def _when(item: dict[str, Any], name: str) -> datetime | date | None:
    text = text_of(item.get(name))
    if text is None:
        return None
    try:
        return parse_when(text)
    except ValueError as error:
        raise RecordProblem(f"{name} {error}") from error


def _status(value: Any) -> str:
    said = text_of(value) or ""
    return (
        EventStatus.CANCELLED
        if types_of({"@type": said}) & NOT_HAPPENING
        else EventStatus.CONFIRMED
    )


def _place(location: Any) -> Place:
    if isinstance(location, list):
        location = next((entry for entry in location if entry), None)
    if isinstance(location, str):
        return parse_location(one_line(location) or None)
    if not isinstance(location, dict):
        return Place()
    name = one_line(text_of(location.get("name"))) or None
    if "VirtualLocation" in types_of(location):
        return Place(name=name or "Online")
    address = location.get("address")
    geo = found if isinstance(found := location.get("geo"), dict) else {}
    if isinstance(address, dict):
        return Place(
            name=name,
            address=one_line(text_of(address.get("streetAddress"))) or None,
            postcode=text_of(address.get("postalCode")),
            town=one_line(text_of(address.get("addressLocality"))) or None,
            lat=geo.get("latitude"),
            lon=geo.get("longitude"),
        )
    written = parse_location(one_line(text_of(address)) or None)
    return Place(
        name=name or written.name,
        address=written.address,
        postcode=written.postcode,
        town=written.town,
        lat=geo.get("latitude"),
        lon=geo.get("longitude"),
    )


def _keywords(value: Any) -> list[str]:
    words = value if isinstance(value, list) else str(value or "").split(",")
    return [word for word in (text_of(w) for w in words) if word]
