"""What the hostile-input tests share: what a pass left on a source, what it published."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from aggregator.models import CrawlRun, Source, SourceRecord
from aggregator.store import Store
from tests.conftest import FIXTURES

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
