"""A read-only view of a published event, as every feed format and page shows it.

URLs that are no http(s) URLs (javascript:, data:) are left out here too, whatever the store
holds: normalization drops them already (aggregator.normalize), this is the second line.

An event without an end has ``end`` None (a timed end at or before the start is no end); an
all-day event always has its last day. An occurrence of a series carries its ``slot``: the
RECURRENCE-ID its series record gave it (a UTC instant, or a date), from the occurrence key
of the link to that record. ``publishable`` says whether any feed may show the event."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime

from aggregator.dates.timezones import local
from aggregator.identity import series_id
from aggregator.listings import SourceRef, source_refs
from aggregator.normalize.drafts import Translation
from aggregator.regions.region import DEFAULT_REGION
from aggregator.store.models import Event, EventLink
from aggregator.urls import web_url

# what no feed can carry: control characters (TEXT values drop them) and blanks
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\s]+")


@dataclass(frozen=True)
class EventView:
    id: str
    uid: str
    title: str
    description: str
    start: datetime | date  # local aware datetime, or the first day
    end: datetime | date | None  # local aware datetime, or the last day (inclusive)
    all_day: bool
    timezone: str
    status: str
    categories: tuple[str, ...]
    location_name: str | None
    location_address: str | None
    postcode: str | None
    town: str | None
    lat: float | None
    lon: float | None
    url: str | None
    series: str | None
    sequence: int
    created_at: datetime
    updated_at: datetime
    sources: tuple[SourceRef, ...]
    slot: datetime | date | None = None  # the occurrence's RECURRENCE-ID in its series
    region: str = DEFAULT_REGION  # its region's slug
    translations: tuple[Translation, ...] = ()  # the title and description in other languages
    # the hash of every field, computed once: feeds cache each VEVENT by its view
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        values = tuple(getattr(self, f.name) for f in fields(self) if f.compare)
        object.__setattr__(self, "_hash", hash(values))

    def __hash__(self) -> int:
        return self._hash

    @property
    def publishable(self) -> bool:
        """Whether a feed may show the event (see ``unpublishable_reason``)."""
        return unpublishable_reason(self) is None

    def translation(self, language: str) -> Translation | None:
        """The title and description in ``language``, where a source translated them."""
        return next((t for t in self.translations if t.language == language), None)

    @property
    def source_kinds(self) -> frozenset[str]:
        return frozenset(ref.kind for ref in self.sources)

    @classmethod
    def of(cls, event: Event) -> EventView:
        if event.all_day:
            start: datetime | date = event.start_date or local(event.start_at).date()
            end: datetime | date | None = event.end_date or start
        else:
            start = local(event.start_at)
            end = local(event.end_at) if event.end_at and event.end_at > event.start_at else None
        return cls(
            id=event.id,
            uid=event.uid,
            title=event.title,
            description=event.description,
            start=start,
            end=end,
            all_day=event.all_day,
            timezone=event.timezone,
            status=event.status,
            categories=tuple(event.categories),
            location_name=event.location_name,
            location_address=event.location_address,
            postcode=event.postcode,
            town=event.town,
            lat=event.lat,
            lon=event.lon,
            url=web_url(event.url),
            series=event.series,
            sequence=event.sequence,
            created_at=event.created_at,
            updated_at=event.updated_at,
            sources=source_refs(event.links),
            slot=series_slot(event.series, event.links),
            region=event.region,
            translations=tuple(
                Translation(language, text["title"], text.get("description") or "")
                for language, text in (event.translations or {}).items()
            ),
        )


def unpublishable_reason(event: EventView) -> str | None:
    """Why no feed shows the event, or None: a title with nothing printable left (after
    control characters are removed) cannot be written as SUMMARY and names nothing."""
    if not UNPRINTABLE.sub("", event.title):
        return "no title left once control characters and blanks are removed"
    return None


def series_slot(series: str | None, links: Iterable[EventLink]) -> datetime | date | None:
    """The occurrence key of the active link to the series' own record, read as an instant
    ("20270107T173000Z") or a date ("20270107"); None outside a series or for a key that is
    neither."""
    if series is None:
        return None
    for link in links:
        record = link.record
        own = link.active and link.fields.get("series") and link.occurrence
        if own and series_id(record.source_id, record.key) == series:
            return parse_slot(link.occurrence)
    return None


def parse_slot(key: str) -> datetime | date | None:
    try:
        if len(key) == 8:
            return datetime.strptime(key, "%Y%m%d").date()
        return datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
