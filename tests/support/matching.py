"""Event sources straight into a store for the matching tests: calendars written here, split
into records and ingested as a pass does (workers.steps.ingest_result), without spiders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from aggregator.crawl_result import CrawlResult, RawRecord
from aggregator.ingest import SourceSummary
from aggregator.sources import SourceConfig
from aggregator.store import Store
from aggregator.store.models import Event, EventLink
from crawlers.extract.ical import split_calendar
from feeds.publish import render_feeds
from tests.conftest import NOW
from tests.support.kinds import document
from workers.steps import ingest_result, register_sources

HEIDENHEIM = "Heidenheim an der Brenz"
RATHAUS = "Rathaus, Grabenstraße 15, 89522 Heidenheim"
VHS = "Volkshochschule, Karlstraße 12, 89518 Heidenheim"
BIB = "Stadtbibliothek, Marienstraße 3, 89518 Heidenheim"


@dataclass(frozen=True)
class Item:
    """One VEVENT: start and end as "YYYY-MM-DD HH:MM" (Europe/Berlin) or "YYYY-MM-DD"."""

    uid: str
    title: str
    start: str
    end: str | None = None
    location: str | None = None
    url: str | None = None

    def ical(self) -> str:
        lines = ["BEGIN:VEVENT", f"UID:{self.uid}", "DTSTAMP:20261101T000000Z"]
        lines.append(_when("DTSTART", self.start))
        if self.end:
            lines.append(_when("DTEND", self.end))
        lines.append(f"SUMMARY:{_escape(self.title)}")
        if self.location:
            lines.append(f"LOCATION:{_escape(self.location)}")
        if self.url:
            lines.append(f"URL:{self.url}")
        return "\r\n".join([*lines, "END:VEVENT"])


def _when(name: str, value: str) -> str:
    if len(value) == 10:
        end_shift = 1 if name == "DTEND" else 0  # DTEND of a DATE is exclusive
        day = datetime.fromisoformat(value) + timedelta(days=end_shift)
        return f"{name};VALUE=DATE:{day:%Y%m%d}"
    return f"{name};TZID=Europe/Berlin:{datetime.fromisoformat(value):%Y%m%dT%H%M%S}"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


def ical_source(source_id: str, *, trusted: bool = True, town: str | None = HEIDENHEIM):
    return SourceConfig(
        id=source_id,
        kind="ical",
        url=f"https://{source_id}.example/kalender.ics",
        trusted=trusted,
        town=town,
    )


def register(store: Store, *configs: SourceConfig) -> None:
    """The sources file, in this order (earlier sources rank first)."""
    register_sources(store, list(configs))


def crawl(store: Store, source_id: str, *items: Item, now: datetime = NOW) -> SourceSummary:
    """One complete crawl of an iCal source that lists exactly these items."""
    return crawl_calendar(store, source_id, [item.ical() for item in items], now=now)


def crawl_calendar(
    store: Store, source_id: str, vevents: list[str], *, now: datetime = NOW
) -> SourceSummary:
    """One complete crawl of an iCal source whose calendar holds these VEVENTs (as text)."""
    body = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Lotse tests//DE",
            *vevents,
            "END:VCALENDAR",
            "",
        ]
    )
    url = f"https://{source_id}.example/kalender.ics"
    records = split_calendar(document(body, url)).records
    raw = [RawRecord(r.key, r.fmt, r.payload, r.url, now) for r in records]
    result = CrawlResult(source_id, records=raw)
    return ingest_result(store, result, pass_id=f"{source_id}@{now.isoformat()}", now=now)


def all_events(session: Session) -> list[Event]:
    """Every event in the store (published or not), by start, then title."""
    query = (
        select(Event)
        .options(selectinload(Event.links).selectinload(EventLink.record))
        .order_by(Event.start_at, Event.title, Event.id)
    )
    return list(session.scalars(query))


def sources_of(event: Event) -> set[str]:
    """The sources whose records are linked (actively) to an event."""
    return {link.record.source_id for link in event.links if link.active}


def published_bytes(store: Store, now: datetime = NOW) -> dict[str, bytes]:
    """Every event feed file a publish would write, by path (apprenticeships.json aside)."""
    with store.transaction() as session:
        feeds = render_feeds(session, now=now)
        return {feed.path: feed.body for feed in feeds if feed.path != "apprenticeships.json"}
