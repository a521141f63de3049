"""schema.org Events (JSON-LD objects, or microdata HTML read again) into event drafts.

``startDate``/``endDate`` as a date (all-day), a date-time with an offset, or one without (then
Europe/Berlin wall time). ``eventStatus`` EventCancelled and EventPostponed mean cancelled
(a postponed event does not happen at the time listed). ``location`` is a Place with a
PostalAddress or an address line, a plain text, or a VirtualLocation (online). Every Event
subtype is an event (aggregator/normalize/schema_org.py).

- An ``EventSeries`` with ``subEvent``s gives one draft per sub-event: its own fields, the
  series' where it has none. A ``Course`` gives one per ``hasCourseInstance``: the name,
  description and ``provider`` (as "Anbieter: …" in the description) from the course, the dates,
  place and status from the instance: its ``startDate``/``endDate``, or every time its
  ``courseSchedule`` names (aggregator/normalize/schedule.py). Their occurrences share the
  record's id (a series).
- Online: a ``VirtualLocation``, ``eventStatus`` EventMovedOnline or ``eventAttendanceMode``
  OnlineEventAttendanceMode make the place "Online" (the virtual location's name beside it);
  the virtual location's link is kept in the description ("Online: …"). A mixed event keeps
  its physical place and the link.

JobPosting items are kept as records but give no drafts here: apprenticeships are read by
their own kinds, and reading them from `jsonld` sources belongs with those.
"""

from __future__ import annotations

import html
import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from aggregator.crawl_result import RawRecord
from aggregator.dates.event_times import consistent_end, occurrence_key, overlaps, parse_when
from aggregator.kinds.spec import Kind, Option, between
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft
from aggregator.normalize.schedule import schedule_times
from aggregator.normalize.schema_org import (
    is_course,
    is_event,
    is_job_posting,
    item_url,
    microdata_items,
    parts_of,
    types_of,
)
from aggregator.places.locations import Place, parse_location
from aggregator.states import EventStatus, RecordType
from aggregator.text.plain import one_line, plain_text

NOT_HAPPENING = frozenset({"EventCancelled", "EventPostponed"})
ONLINE = "Online"
ONLINE_ONLY = frozenset({"EventMovedOnline", "OnlineEventAttendanceMode"})
COURSE_OWN = ("name", "description", "provider", "keywords", "url", "@id")  # not the instance's


def read_schema_item(record: RawRecord, context: Context) -> list[EventDraft]:
    item = _item(record)
    timed = [(part, start, end) for part in parts_of(item) for start, end in _times(part)]
    if timed:
        return _occurrences(item, timed, record, context)
    if is_course(item):
        raise RecordProblem("Course without a hasCourseInstance that names a startDate")
    if not is_event(item):
        return []  # a JobPosting: see the module docstring
    start = _when(item, "startDate")
    if start is None:
        raise RecordProblem("Event has no startDate")
    draft = _draft(item, start, _when(item, "endDate"), record)
    return [draft] if overlaps(draft.start, draft.end, context.window) else []


Timed = list[tuple[dict[str, Any], datetime | date, datetime | date | None]]


def _occurrences(
    whole: dict[str, Any], timed: Timed, record: RawRecord, context: Context
) -> list[EventDraft]:
    """One draft per time of each part of an EventSeries or Course, in the window, each start
    once. (A series whose parts name no time is read as one event.)"""
    uid = _own_id(whole, record.url) or item_url(whole, record.url)
    series = len(timed) > 1
    drafts: dict[str, EventDraft] = {}
    for part, start, end in timed:
        draft = _draft(_part_of(whole, part), start, end, record)
        key = occurrence_key(draft.start)
        if key not in drafts and overlaps(draft.start, draft.end, context.window):
            drafts[key] = replace(draft, occurrence=key, uid=uid, series=series)
    return list(drafts.values())


def _times(part: dict[str, Any]) -> list[tuple[datetime | date, datetime | date | None]]:
    """A part's start and end; a course instance's ``courseSchedule`` names all its times."""
    found = part.get("courseSchedule") or []
    schedules = [s for s in (found if isinstance(found, list) else [found]) if isinstance(s, dict)]
    defaults: dict[str, Any] = {
        name: part[name] for name in ("startDate", "endDate") if name in part
    }
    try:
        times = [time for s in schedules for time in schedule_times({**defaults, **s})]
    except ValueError as error:
        raise RecordProblem(f"courseSchedule: {error}") from error
    if times:
        return times
    start = _when(part, "startDate")
    return [] if start is None else [(start, _when(part, "endDate"))]


def _part_of(whole: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """A part as an event of its own: a course's instance under the course's name and text, a
    series' sub-event with the series' fields where it has none."""
    own = {name: value for name, value in part.items() if value not in (None, "", [], {})}
    if is_course(whole):
        inherited = {name: whole[name] for name in COURSE_OWN if name in whole}
        text = whole.get("description") or own.get("description")
        return {**own, **inherited, "description": text}
    return {**whole, **own}


def _draft(
    item: dict[str, Any],
    start: datetime | date,
    end: datetime | date | None,
    record: RawRecord,
) -> EventDraft:
    own_url = item_url(item, record.url)
    online, place = _where(item)
    return EventDraft(
        title=one_line(text_of(item.get("name"))) or "(ohne Titel)",
        start=start,
        end=consistent_end(start, end),
        description=_description(item, online),
        status=_status(item.get("eventStatus")),
        place=place,
        url=own_url or record.url,
        uid=_own_id(item, record.url) or own_url,
        categories=tuple(_keywords(item.get("keywords"))),
    )


KIND = Kind(
    name="jsonld",
    record_type=RecordType.EVENT,
    summary=(
        "HTML pages with schema.org `Event` / `Course` / `JobPosting` as JSON-LD or microdata; "
        "follows listing pagination and detail links from `url` (on a listing of teasers "
        "without markup it finds the detail pages itself)"
    ),
    spider="crawlers.spiders.jsonld.JsonLdSpider",
    extractor="crawlers.extract.jsonld.read_page",
    claims="crawlers.extract.jsonld.claims",
    normalizer=read_schema_item,
    options=(
        Option("follow", str, "CSS selector of further links to follow to detail pages"),
        Option("max_pages", int, "listing pages read at most", default=20, check=between(1)),
        Option(
            "max_discovered",
            int,
            "new links of a teaser listing tried as detail pages per crawl at most, "
            "without `follow`",
            default=100,
            check=between(1),
        ),
    ),
)


def _item(record: RawRecord) -> dict[str, Any]:
    if record.fmt == "html":
        items = microdata_items(record.payload, record.url)
        found = [
            item for item in items if is_event(item) or is_course(item) or is_job_posting(item)
        ]
        if not found:
            raise RecordProblem("no schema.org Event, Course or JobPosting in the stored HTML")
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


def _description(item: dict[str, Any], online: str | None) -> str:
    """Plain text (HTML that arrives escaped, ``&lt;p&gt;`` as WordPress plugins write it, too),
    then the course's provider and the online link where the text does not name them."""
    text = text_of(item.get("description"))
    if text and "<" not in text and "&lt;" in text:
        text = html.unescape(text)
    lines = [plain_text(text)]
    provider = one_line(text_of(item.get("provider")))
    if provider and provider not in lines[0]:
        lines.append(f"Anbieter: {provider}")
    if online and online not in lines[0]:
        lines.append(f"{ONLINE}: {online}")
    return "\n\n".join(line for line in lines if line)


def _own_id(item: dict[str, Any], base: str | None) -> str | None:
    """The item's ``@id``, resolved against its page (``#event`` names a node of that page)."""
    own = text_of(item.get("@id"))
    return urljoin(base or "", own) if own else None


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


def _where(item: dict[str, Any]) -> tuple[str | None, Place]:
    """The online link (a virtual location's URL) and the place: "Online" for an event held
    online only (a VirtualLocation alone, moved online, online attendance), else the physical
    place."""
    found = item.get("location")
    locations = [entry for entry in (found if isinstance(found, list) else [found]) if entry]
    virtual = next((entry for entry in locations if _is_virtual(entry)), None)
    physical = [entry for entry in locations if not _is_virtual(entry)]
    link = _online_link(virtual)
    said = {*types_of({"@type": text_of(item.get("eventStatus")) or ""})}
    said |= types_of({"@type": text_of(item.get("eventAttendanceMode")) or ""})
    if (text_of(item.get("courseMode")) or "").lower() == "online":  # a CourseInstance's
        said.add("OnlineEventAttendanceMode")
    if (virtual is not None and not physical) or said & ONLINE_ONLY:
        return link, _online_place(virtual)
    return link, _place(physical[0] if physical else None)


def _is_virtual(location: Any) -> bool:
    return isinstance(location, dict) and "VirtualLocation" in types_of(location)


def _online_link(virtual: Any) -> str | None:
    link = text_of(virtual.get("url")) if isinstance(virtual, dict) else None
    return link if link and link.startswith(("https://", "http://")) else None


def _online_place(virtual: dict[str, Any] | None) -> Place:
    name = one_line(text_of(virtual.get("name"))) if virtual else ""
    if not name or name == ONLINE:
        return Place(name=ONLINE)
    return Place(name=name if ONLINE.lower() in name.lower() else f"{ONLINE} ({name})")


def _place(location: Any) -> Place:
    if isinstance(location, str):
        return parse_location(one_line(location) or None)
    if not isinstance(location, dict):
        return Place()
    name = one_line(text_of(location.get("name"))) or None
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
