"""What the hostile-input tests share: what a pass left on a source, what it published."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from aggregator.store import Store
from aggregator.store.models import CrawlRun, Source, SourceRecord
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.server import FixtureServer, Reply
from workers.passes import run_pass

HOSTILE = FIXTURES / "hostile"
ICS, RSS, HTML, JSON = (
    "text/calendar; charset=utf-8",
    "application/rss+xml; charset=utf-8",
    "text/html; charset=utf-8",
    "application/json",
)


def last_run(store: Store, source_id: str) -> CrawlRun:
    """The source's latest crawl run: status, error, and the crawl's problems as texts."""
    with store.transaction() as session:
        query = select(CrawlRun).where(CrawlRun.source_id == source_id)
        return session.scalars(query.order_by(CrawlRun.id.desc())).first()


def source_row(store: Store, source_id: str) -> Source:
    with store.transaction() as session:
        return session.get(Source, source_id)


def records(store: Store, source_id: str) -> dict[str, SourceRecord]:
    """The source's stored records by key (gone ones included), with their problems."""
    with store.transaction() as session:
        query = select(SourceRecord).where(SourceRecord.source_id == source_id)
        return {record.key: record for record in session.scalars(query)}


def record_problems(store: Store, source_id: str) -> dict[str, list[str]]:
    """The problems the normalizer noted on each record that has one, by record key."""
    return {key: r.problems for key, r in records(store, source_id).items() if r.problems}


def published(out: Path, feed: str = "events.json") -> dict[str, dict]:
    """The published listings of a feed file by title."""
    data = json.loads((out / feed).read_text())
    listings = data["events"] if "events" in data else data["apprenticeships"]
    return {listing["title"]: listing for listing in listings}


PENDING_CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Nachbarn//DE\r\nBEGIN:VEVENT\r\n"
    "UID:nachbarschaftsfest@nachbarn\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20261228T150000\r\n"
    "SUMMARY:Nachbarschaftsfest <script>alert(13)</script>\r\n"
    "LOCATION:Hof <b>Nr. 5</b>\\nX-INJECTED:location\r\n"
    "URL:javascript:alert(17)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
MARKUP_PAGE = (
    '<!DOCTYPE html><html><head><script type="application/ld+json">'
    '[{"@type": "Event", "@id": "<script>alert(16)<\\/script>", "name": "Orgelkonzert",'
    ' "startDate": "2026-12-27T17:00:00+01:00"},'
    ' {"@type": "Event", "@id": "<script>alert(16)<\\/script>", "name": "Orgelkonzert",'
    ' "startDate": "2026-12-27T17:00:00+01:00"},'
    ' {"@type": "Event", "@id": "#kaputt", "name": "Kaputt",'
    ' "startDate": "<script>alert(15)<\\/script>"}]'
    "</script></head><body></body></html>"
)
MARKUP_SOURCES = {  # source id → kind, trusted, body, content type, options
    "verein-wp": ("wp-events", True, (HOSTILE / "markup-wp.json").read_bytes(), JSON, {}),
    "verein-ical": ("ical", True, (HOSTILE / "markup.ics").read_bytes(), ICS, {}),
    "nachbarn": ("ical", False, PENDING_CALENDAR.encode(), ICS, {}),
    "kirche": ("jsonld", True, MARKUP_PAGE.encode(), HTML, {}),
    "kaputt": ("feed", True, b"<script>alert(14)</script>", RSS, {}),
    "hwk": (
        "lehrstellen-radar",
        False,
        (HOSTILE / "markup-radar.html").read_bytes(),
        HTML,
        {"postcode": "89518"},
    ),
}


def fill_with_markup(store: Store, site: FixtureServer, out: Path) -> None:
    """One pass over sources whose every field carries markup, script, line breaks that try to
    inject iCal properties, and javascript:/data: URLs; one source fails with markup in its
    error. "nachbarn" and "hwk" are not trusted: their listings wait in the desk's queue."""
    configs = []
    for source_id, (kind, trusted, body, content_type, options) in MARKUP_SOURCES.items():
        url = site.route(f"/{source_id}", Reply(body, headers={"Content-Type": content_type}))
        configs.append(source(source_id, kind, url, trusted=trusted, options=options))
    run_pass(store, configs, out, now=NOW, crawl_settings=FAST_CRAWL)
