"""Where a listing is: its place on one line and an OpenStreetMap link (no embedded map)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aggregator.apprenticeships.view import ApprenticeshipView
from aggregator.events.view import EventView
from feeds.ical import location_line

OSM = "https://www.openstreetmap.org/"


def map_url(lat: float | None, lon: float | None, place: str) -> str | None:
    """OpenStreetMap at the coordinates, else a search for the place; None without either."""
    if lat is not None and lon is not None:
        lat_text, lon_text = f"{lat:.5f}", f"{lon:.5f}"
        query = urlencode({"mlat": lat_text, "mlon": lon_text})
        return f"{OSM}?{query}#map=17/{lat_text}/{lon_text}"
    return f"{OSM}search?query={quote(place)}" if place else None


def event_map(event: EventView) -> str | None:
    """The event's place on the map: its coordinates where the source gave them."""
    return map_url(event.lat, event.lon, location_line(event))


def job_place(item: ApprenticeshipView) -> str:
    """Street, postcode and town on one line."""
    town = " ".join(part for part in (item.postcode, item.town) if part)
    return ", ".join(part for part in (item.address, town) if part)


def job_map(item: ApprenticeshipView) -> str | None:
    """A search for the posting's address: its coordinates are often only its postcode's
    centre, which a map pin would show as if it were the company."""
    return map_url(None, None, job_place(item))
