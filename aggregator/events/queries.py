"""Reading published events back as views, with the filters of the feeds (docs/contract.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session, selectinload

from aggregator.dates.timezones import local_midnight
from aggregator.events.view import EventView
from aggregator.listings import ListingFilter, Page, contains, last_change, linked_to, page_of
from aggregator.normalize.context import FUTURE_DAYS, PAST_DAYS
from aggregator.served_regions import source_region
from aggregator.states import ReviewState
from aggregator.store.models import Event, EventLink, Source, SourceRecord


@dataclass(frozen=True)
class EventFilter(ListingFilter):
    """Events also by category; the dates bound the start."""

    category: str | None = None


def published_events(
    session: Session, *, now: datetime, where: EventFilter = EventFilter()
) -> list[EventView]:
    """Published events in the feed window (30 days back, 365 ahead), ordered by start; only
    those a feed can show (``EventView.publishable``)."""
    views = (EventView.of(event) for event in session.scalars(_events_query(now, where)))
    return [view for view in views if view.publishable]


def event_page(
    session: Session, *, now: datetime, where: EventFilter, offset: int, limit: int
) -> Page[EventView]:
    """The events ``published_events`` gives, from ``offset`` on, at most ``limit``."""
    found = page_of(session, _events_query(now, where), offset, limit)
    views = [EventView.of(event) for event in found.items]
    return Page(found.total, [view for view in views if view.publishable])


def published_event(session: Session, event_id: str) -> EventView | None:
    """One published event, or None."""
    event = session.get(Event, event_id)
    if event is None or event.review_state != ReviewState.PUBLISHED:
        return None
    view = EventView.of(event)
    return view if view.publishable else None


def events_changed(session: Session) -> datetime | None:
    """When an event last changed: the event feeds' generated_at."""
    return last_change(session, Event)


def _events_query(now: datetime, where: EventFilter) -> Select[Event]:
    start = now - timedelta(days=PAST_DAYS)
    end = now + timedelta(days=FUTURE_DAYS)
    if where.date_from:
        start = max(start, local_midnight(where.date_from))
    if where.date_to:
        end = min(end, local_midnight(where.date_to + timedelta(days=1)))
    query = (
        select(Event)
        .where(
            Event.review_state == ReviewState.PUBLISHED,
            Event.start_at >= start,
            Event.start_at < end,
            func.trim(Event.title) != "",  # the rest of EventView.publishable is read in Python
        )
        .options(
            selectinload(Event.links)
            .selectinload(EventLink.record)
            .selectinload(SourceRecord.source)
        )
        .order_by(Event.start_at, Event.id)
    )
    if where.category:
        # categories is a JSON list of slugs; its text holds each slug in double quotes
        query = query.where(cast(Event.categories, String).like(f'%"{where.category}"%'))
    if where.town:
        query = query.where(func.lower(Event.town) == where.town.lower())
    if where.region:
        query = query.where(Event.region == where.region)
    if where.source:
        query = query.where(Event.id.in_(linked_to(EventLink.event_id, EventLink, where.source)))
    if where.q:
        query = query.where(contains(where.q, Event.title, Event.description))
    return query


def event_towns(session: Session, region: str) -> list[str]:
    """The towns that published events of a region name, sorted."""
    query = select(Event.town).where(
        Event.review_state == ReviewState.PUBLISHED,
        Event.town.is_not(None),
        Event.region == region,
    )
    return sorted(set(session.scalars(query.distinct())))


def source_ids(session: Session, region: str) -> list[str]:
    """Every source of a region in the store, in the order of the sources file."""
    return [
        source.id
        for source in session.scalars(select(Source).order_by(Source.position, Source.id))
        if source_region(source).slug == region
    ]
