"""A read-only view of a published event, as every feed format and page shows it.

URLs that are no http(s) URLs (javascript:, data:) are left out here too, whatever the store
holds: normalization drops them already (aggregator.normalize), this is the second line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from aggregator.dates.timezones import local
from aggregator.listings import SourceRef, source_refs
from aggregator.store.models import Event
from aggregator.urls import web_url


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

    @classmethod
    def of(cls, event: Event) -> EventView:
        if event.all_day:
            start: datetime | date = event.start_date or local(event.start_at).date()
            end: datetime | date | None = event.end_date or start
        else:
            start = local(event.start_at)
            end = local(event.end_at) if event.end_at else None
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
        )
