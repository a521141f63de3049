"""schema.org JSON-LD for listing pages: ``Event`` and ``JobPosting`` (https://schema.org),
and the ``<script type="application/ld+json">`` that carries it safely inside HTML."""

from __future__ import annotations

import json
from typing import Any

from aggregator.apprenticeships.view import ApprenticeshipView
from aggregator.dates.timezones import local
from aggregator.events.view import EventView
from aggregator.states import EventStatus
from aggregator.urls import web_url
from feeds.json_feed import when_text

SCHEMA = "https://schema.org"
JsonLd = dict[str, Any]


def event_jsonld(event: EventView) -> JsonLd:
    """An ``Event``: times in local time with offset (dates for all-day events), status,
    the place with its address and coordinates."""
    status = "EventCancelled" if event.status == EventStatus.CANCELLED else "EventScheduled"
    place = _place(
        event.location_name or event.location_address or event.town,
        event.location_address,
        event.postcode,
        event.town,
        event.lat,
        event.lon,
    )
    return _pruned(
        {
            "@context": SCHEMA,
            "@type": "Event",
            "identifier": event.uid,
            "name": event.title,
            "description": event.description,
            "startDate": when_text(event.start),
            "endDate": when_text(event.end),
            "eventStatus": f"{SCHEMA}/{status}",
            "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
            "location": place,
            "keywords": ", ".join(event.categories),
            "url": event.url,
        }
    )


def job_posting_jsonld(item: ApprenticeshipView) -> JsonLd:
    """A ``JobPosting`` for an apprenticeship: who trains, where, from when."""
    description = " ".join(
        part
        for part in (
            f"{item.title}.",
            f"Ausbildungsbetrieb: {item.company}." if item.company else "",
            f"Beginn: {item.start_date:%d.%m.%Y}." if item.start_date else "",
        )
        if part
    )
    return _pruned(
        {
            "@context": SCHEMA,
            "@type": "JobPosting",
            "identifier": {"@type": "PropertyValue", "name": "Lotse", "value": item.id},
            "title": item.title,
            "description": description,
            "occupationalCategory": item.occupation,
            "datePosted": local(item.first_seen).date().isoformat(),
            "jobStartDate": item.start_date.isoformat() if item.start_date else None,
            "hiringOrganization": {"@type": "Organization", "name": item.company}
            if item.company
            else None,
            "jobLocation": _place(None, item.address, item.postcode, item.town, item.lat, item.lon),
            "url": web_url(item.url),
        }
    )


def script_tag(data: JsonLd | list[JsonLd]) -> str:
    """The JSON-LD as a script element; "<", ">" and "&" written as JSON escapes, so no text
    in a listing can close the element (HTML §4.12.1.3)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'


def _place(
    name: str | None,
    street: str | None,
    postcode: str | None,
    town: str | None,
    lat: float | None,
    lon: float | None,
) -> JsonLd | None:
    address = _pruned(
        {
            "@type": "PostalAddress",
            "streetAddress": street,
            "postalCode": postcode,
            "addressLocality": town,
            "addressCountry": "DE",
        }
    )
    geo = (
        {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}
        if lat is not None and lon is not None
        else None
    )
    if not (name or street or postcode or town or geo):
        return None
    return _pruned({"@type": "Place", "name": name, "address": address, "geo": geo})


def _pruned(data: JsonLd) -> JsonLd:
    return {key: value for key, value in data.items() if value not in (None, "")}
