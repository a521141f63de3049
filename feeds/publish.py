"""Render every published feed once per change and write the static files (docs/contract.md §4):
each feed, its ``-expanded.ics`` sibling, and a ``.gz`` beside each (for a web server's
gzip_static: the same bytes compressed, without a timestamp)."""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from aggregator.apprenticeships.queries import (
    ApprenticeshipFilter,
    apprenticeships_changed,
    open_apprenticeships,
)
from aggregator.apprenticeships.view import ApprenticeshipView
from aggregator.events.queries import events_changed, published_events
from aggregator.events.view import EventView
from aggregator.regions.active import using_region
from aggregator.regions.region import DEFAULT_REGION, region_by_slug
from feeds.catalog import Catalog, FeedSpec, matches, region_prefix
from feeds.ical import render_calendar
from feeds.integreat import render_integreat
from feeds.json_feed import render_apprenticeships, render_events


@dataclass(frozen=True)
class Feed:
    path: str  # relative, e.g. "events/sprache.ics"
    body: bytes

    @property
    def media_type(self) -> str:
        return "text/calendar" if self.path.endswith(".ics") else "application/json"


def render_feeds(session: Session, *, now: datetime) -> list[Feed]:
    """Every static feed, rendered from the store: the event feeds of the catalog, each from one
    reading of the events, and each region's apprenticeships.json."""
    events = published_events(session, now=now)
    generated_at = events_changed(session) or now
    catalog = Catalog.of(session)
    feeds = [
        Feed(spec.path, render_event_feed(spec, events_in(spec, events), generated_at))
        for spec in catalog.feeds.values()
    ]
    changed = apprenticeships_changed(session) or now
    for region in catalog.regions:
        where = ApprenticeshipFilter(region=region)
        items = open_apprenticeships(session, where)
        body = render_apprenticeship_feed(items, region=region, generated_at=changed)
        feeds.append(Feed(f"{region_prefix(region, catalog.regions[0])}apprenticeships.json", body))
    return feeds


def events_in(spec: FeedSpec, events: list[EventView]) -> list[EventView]:
    return [event for event in events if matches(event, spec.where)]


def render_event_feed(spec: FeedSpec, events: list[EventView], generated_at: datetime) -> bytes:
    """The bytes of one event feed in its profile (iCal, Integreat iCal, JSON), in its
    region's local time."""
    with using_region(region_by_slug(spec.where.region or DEFAULT_REGION)):
        if spec.profile == "json":
            return render_events(events, generated_at=generated_at)
        if spec.profile == "integreat":
            return render_integreat(
                events, name=spec.name, category=spec.where.category, expand=spec.expanded
            )
        return render_calendar(events, name=spec.name, expand=spec.expanded)


def render_apprenticeship_feed(
    items: list[ApprenticeshipView], *, region: str, generated_at: datetime
) -> bytes:
    """apprenticeships.json of a region, in its local time."""
    with using_region(region_by_slug(region)):
        return render_apprenticeships(items, generated_at=generated_at)


GZIP_LEVEL = 6


def gzipped(body: bytes) -> bytes:
    """gzip without a timestamp or name: the same bytes always compress to the same bytes."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def write_feeds(feeds: list[Feed], out: Path) -> list[str]:
    """Write each feed atomically, only where its bytes changed, and its ``.gz`` with it;
    returns the feeds' paths written."""
    written = []
    for feed in feeds:
        target = out / feed.path
        packed = target.with_name(target.name + ".gz")
        if target.exists() and packed.exists() and target.read_bytes() == feed.body:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        for path, body in ((packed, gzipped(feed.body)), (target, feed.body)):
            with _temporary_beside(path) as temporary:
                temporary.write_bytes(body)
                os.replace(temporary, path)
        written.append(feed.path)
    return written


@contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    """A temporary file in the target's folder (so os.replace is atomic), removed if left."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
