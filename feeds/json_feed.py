"""The JSON feeds of docs/contract.md §4: events.json (one entry per occurrence) and
apprenticeships.json."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from aggregator.apprenticeships.view import ApprenticeshipView
from aggregator.categories import CATEGORY_NAMES
from aggregator.dates.timezones import local
from aggregator.events.view import EventView


def event_entry(event: EventView) -> dict[str, Any]:
    return {
        "id": event.id,
        "uid": event.uid,
        "title": event.title,
        "description": event.description,
        "start": when_text(event.start),
        "end": when_text(event.end),
        "all_day": event.all_day,
        "timezone": event.timezone,
        "status": event.status,
        "categories": list(event.categories),
        "category_names": [CATEGORY_NAMES.get(slug, slug) for slug in event.categories],
        "location": {
            "name": event.location_name,
            "address": event.location_address,
            "postcode": event.postcode,
            "town": event.town,
            "lat": event.lat,
            "lon": event.lon,
        },
        "url": event.url,
        "series": event.series,
        "translations": {
            t.language: {"title": t.title, "description": t.description} for t in event.translations
        },
        "sources": [
            {
                "source": ref.source,
                "name": ref.label,
                "url": ref.url,
                "uid": ref.uid,
                "license": ref.license,
            }
            for ref in event.sources
        ],
        "updated_at": when_text(event.updated_at),
    }


def apprenticeship_entry(item: ApprenticeshipView) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "occupation": item.occupation,
        "company": item.company,
        "location": {
            "address": item.address,
            "postcode": item.postcode,
            "town": item.town,
            "lat": item.lat,
            "lon": item.lon,
        },
        "start_date": item.start_date.isoformat() if item.start_date else None,
        "url": item.url,
        "sources": [{"source": ref.source, "url": ref.url, "id": ref.uid} for ref in item.sources],
        "first_seen": when_text(item.first_seen),
        "last_seen": when_text(item.last_seen),
        "status": item.status,
    }


@dataclass(frozen=True)
class PageInfo:
    """Where a page of /api/… stands: its number, size, the total, the neighbours' URLs."""

    page: int
    per_page: int
    total: int
    next: str | None
    prev: str | None

    def fields(self) -> dict[str, Any]:
        pages = -(-self.total // self.per_page)
        return {**asdict(self), "pages": pages}


def render_page(
    key: str, entries: Iterable[dict[str, Any]], *, info: PageInfo, generated_at: datetime
) -> bytes:
    """One page of a listing: ``{"generated_at", "page", "per_page", "total", "pages", "next",
    "prev", key: [...]}``."""
    return _dump({"generated_at": when_text(generated_at), **info.fields(), key: list(entries)})


def render_events(events: Iterable[EventView], *, generated_at: datetime) -> bytes:
    body = {"generated_at": when_text(generated_at), "events": [event_entry(e) for e in events]}
    return _dump(body)


def render_apprenticeships(items: Iterable[ApprenticeshipView], *, generated_at: datetime) -> bytes:
    body = {
        "generated_at": when_text(generated_at),
        "apprenticeships": [apprenticeship_entry(item) for item in items],
    }
    return _dump(body)


def when_text(value: datetime | date | None) -> str | None:
    """ISO 8601: a local time with its UTC offset, or a date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return local(value).isoformat()
    return value.isoformat()


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, indent=1).encode() + b"\n"
