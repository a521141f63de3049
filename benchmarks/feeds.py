"""Feeds: render 10k events with our iCal writer vs icalendar, serve cached bytes vs 304.

Both measurements use the same 10,000 generated events, stored in a SQLite store: the rendering
reads them back as the feeds do; the serving goes through the ASGI app (Starlette's TestClient,
in process, no network), so it measures the app's own work per request.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
from sqlalchemy import insert
from starlette.testclient import TestClient

from aggregator.categories import CATEGORIES
from aggregator.dates.timezones import day_start_utc
from aggregator.events.queries import published_events
from aggregator.events.view import EventView
from aggregator.identity import event_uid, listing_id
from aggregator.store import Store
from aggregator.store.models import Event
from feeds.catalog import COUNTY
from feeds.ical import location_line, render_calendar
from feeds.vtimezone import BERLIN_VTIMEZONE
from web.server import create_app

EVENTS = 10_000
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
REQUESTS = 300
TOWNS = ("Heidenheim an der Brenz", "Giengen an der Brenz", "Königsbronn", "Nattheim")


def event_rows(count: int) -> list[dict[str, object]]:
    """Events across the window: every 7th all-day, every 50th cancelled, umlauts, emoji and
    descriptions long enough to fold, as real feeds have them."""
    rows = []
    for number in range(count):
        event_id = listing_id("event", "bench", f"record-{number}")
        start = NOW - timedelta(days=20) + timedelta(minutes=53 * number)
        all_day = number % 7 == 0
        day = start.date()
        rows.append(
            {
                "id": event_id,
                "uid": event_uid(event_id),
                "title": f"Sprachcafé Nr. {number}: Deutsch üben, plaudern; Kaffee ☕",
                "description": "Wir üben Deutsch im Gespräch, in kleinen Gruppen; für alle "
                "Niveaus.\nBitte mitbringen: gute Laune 😀 und – wer mag – etwas zum Naschen.",
                "start_at": day_start_utc(day) if all_day else start,
                "end_at": day_start_utc(day + timedelta(days=1))
                if all_day
                else start + timedelta(hours=2),
                "all_day": all_day,
                "start_date": day if all_day else None,
                "end_date": day if all_day else None,
                "status": "cancelled" if number % 50 == 0 else "confirmed",
                "categories": [CATEGORIES[number % len(CATEGORIES)]],
                "location_name": "Volkshochschule",
                "location_address": "Karlstraße 12",
                "postcode": "89518",
                "town": TOWNS[number % len(TOWNS)],
                "lat": 48.6766,
                "lon": 10.1526,
                "url": f"https://vhs.example/kurse/{number}",
                "review_state": "published",
                "sequence": number % 3,
                "created_at": NOW - timedelta(days=40),
                "updated_at": NOW - timedelta(days=number % 30),
            }
        )
    return rows


def icalendar_baseline(events: list[EventView], name: str) -> bytes:
    """The same calendar built with icalendar's objects and written with ``to_ical()``."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Lotse//Lotse Events 0.1//DE")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(hours=3), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT3H")
    calendar.add_component(icalendar.Timezone.from_ical("\r\n".join(BERLIN_VTIMEZONE)))
    for view in events:
        event = icalendar.Event()
        event.add("uid", view.uid)
        event.add("dtstamp", view.updated_at)
        event.add("created", view.created_at)
        event.add("last-modified", view.updated_at)
        event.add("sequence", view.sequence)
        event.add("dtstart", view.start)
        end = view.end
        if view.all_day and isinstance(end, date):
            end = end + timedelta(days=1)
        if end is not None:
            event.add("dtend", end)
        event.add("summary", view.title)
        event.add("status", view.status.upper())
        event.add("description", view.description)
        event.add("location", location_line(view))
        if view.lat is not None and view.lon is not None:
            event.add("geo", (view.lat, view.lon))
        event.add("categories", list(view.categories))
        if view.url:
            event.add("url", view.url)
        calendar.add_component(event)
    return calendar.to_ical()


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The fastest of ``runs`` timings, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        with store.transaction() as session:
            session.execute(insert(Event), event_rows(EVENTS))
        with store.transaction() as session:
            views = published_events(session, now=NOW)
        _rendering(views)
        _serving(store, len(views))
        store.dispose()


def _rendering(views: list[EventView]) -> None:
    name = f"{COUNTY} – Veranstaltungen"
    ours = best_of(3, lambda: render_calendar(views, name=name))
    baseline = best_of(2, lambda: icalendar_baseline(views, name))
    size = len(render_calendar(views, name=name))
    print(f"   render events.ics, {len(views):,} events ({size / 1e6:.1f} MB):")
    print(
        f"     icalendar Calendar.to_ical()  {baseline:7.3f} s  {len(views) / baseline:9,.0f} ev/s"
    )
    print(f"     our writer                    {ours:7.3f} s  {len(views) / ours:9,.0f} ev/s")
    verdict = "meets" if baseline / ours >= 5 else "MISSES"
    print(f"     ratio {baseline / ours:.1f}× faster ({verdict} the 5× target)")


def _serving(store: Store, count: int) -> None:
    with TestClient(create_app(store, clock=lambda: NOW)) as client:
        started = time.perf_counter()
        first = client.get("/events.ics")
        cold = time.perf_counter() - started
        etag = first.headers["etag"]
        cached = best_of(3, lambda: [client.get("/events.ics") for _ in range(REQUESTS)])
        unchanged = best_of(
            3,
            lambda: [
                client.get("/events.ics", headers={"If-None-Match": etag}) for _ in range(REQUESTS)
            ],
        )
        renders = client.app.state.context.cache.renders
    megabytes = len(first.content) / 1e6
    print(f"   serve /events.ics through the ASGI app ({count:,} events, {megabytes:.1f} MB):")
    print(f"     first request (query + render)  {cold * 1000:8.1f} ms")
    for label, seconds in (("cached 200", cached), ("304 Not Modified", unchanged)):
        per_request = seconds / REQUESTS * 1000
        print(f"     {label:<31} {per_request:8.2f} ms/request  {REQUESTS / seconds:7,.0f} req/s")
    print(f"     ratio 304 vs cached 200: {cached / unchanged:.1f}× faster; renders: {renders}")
