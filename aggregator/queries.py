"""Reading published listings back, with the filters of the feeds (CONTRACT.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from aggregator.models import Apprenticeship, ApprenticeshipLink, Event, EventLink, SourceRecord
from aggregator.normalize import FUTURE_DAYS, PAST_DAYS
from aggregator.timezones import BERLIN

PUBLISHED = "published"


@dataclass(frozen=True)
class EventFilter:
    category: str | None = None
    town: str | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None


def published_events(
    session: Session, *, now: datetime, where: EventFilter = EventFilter()
) -> list[Event]:
    """Published events in the feed window (30 days back, 365 ahead), ordered by start."""
    start = now - timedelta(days=PAST_DAYS)
    end = now + timedelta(days=FUTURE_DAYS)
    if where.date_from:
        start = max(start, datetime.combine(where.date_from, time(0), BERLIN))
    if where.date_to:
        end = min(end, datetime.combine(where.date_to + timedelta(days=1), time(0), BERLIN))
    query = (
        select(Event)
        .where(Event.review_state == PUBLISHED, Event.start_at >= start, Event.start_at < end)
        .options(selectinload(Event.links).selectinload(EventLink.record))
        .order_by(Event.start_at, Event.id)
    )
    events = list(session.scalars(_filtered(query, where)))
    if where.category:
        events = [event for event in events if where.category in event.categories]
    return events


def _filtered(query: Select[tuple[Event]], where: EventFilter) -> Select[tuple[Event]]:
    if where.town:
        query = query.where(func.lower(Event.town) == where.town.lower())
    if where.source:
        linked = (
            select(EventLink.event_id)
            .join(SourceRecord, SourceRecord.id == EventLink.record_id)
            .where(SourceRecord.source_id == where.source, EventLink.active.is_(True))
        )
        query = query.where(Event.id.in_(linked))
    if where.q:
        pattern = f"%{where.q.lower()}%"
        query = query.where(
            or_(func.lower(Event.title).like(pattern), func.lower(Event.description).like(pattern))
        )
    return query


def open_apprenticeships(session: Session) -> list[Apprenticeship]:
    query = (
        select(Apprenticeship)
        .where(Apprenticeship.status == "open", Apprenticeship.review_state == PUBLISHED)
        .options(selectinload(Apprenticeship.links).selectinload(ApprenticeshipLink.record))
        .order_by(Apprenticeship.start_date, Apprenticeship.occupation, Apprenticeship.id)
    )
    return list(session.scalars(query))


def last_change(session: Session) -> datetime | None:
    """When any listing last changed: the feeds' generated_at, stable while nothing changes."""
    latest = [
        session.scalar(select(func.max(Event.updated_at))),
        session.scalar(select(func.max(Apprenticeship.updated_at))),
    ]
    known = [value for value in latest if value is not None]
    return max(known) if known else None
