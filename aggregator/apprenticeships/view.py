"""A read-only view of an open apprenticeship, as apprenticeships.json and the pages show it.

Like events (aggregator/events/view.py), a URL that is no http(s) URL is left out here again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from aggregator.listings import SourceRef, source_refs
from aggregator.store.models import Apprenticeship
from aggregator.urls import web_url


@dataclass(frozen=True)
class ApprenticeshipView:
    id: str
    title: str
    occupation: str
    company: str
    address: str | None
    postcode: str | None
    town: str | None
    lat: float | None
    lon: float | None
    start_date: date | None
    url: str | None
    status: str
    first_seen: datetime
    last_seen: datetime
    sources: tuple[SourceRef, ...]
    region: str  # its region's slug

    @classmethod
    def of(cls, item: Apprenticeship) -> ApprenticeshipView:
        return cls(
            id=item.id,
            title=item.title,
            occupation=item.occupation,
            company=item.company,
            address=item.address,
            postcode=item.postcode,
            town=item.town,
            lat=item.lat,
            lon=item.lon,
            start_date=item.start_date,
            url=web_url(item.url),
            status=item.status,
            first_seen=item.first_seen,
            last_seen=item.last_seen,
            sources=source_refs(item.links),
            region=item.region,
        )
