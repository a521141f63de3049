"""Reading published listings back, with the filters of the feeds (docs/contract.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from aggregator.dates.timezones import BERLIN
from aggregator.normalize.context import FUTURE_DAYS, PAST_DAYS
from aggregator.states import PostingStatus, ReviewState
from aggregator.store.models import (
    Apprenticeship,
    ApprenticeshipLink,
    Event,
    EventLink,
    Source,
    SourceRecord,
)

T = TypeVar("T")


@dataclass(frozen=True)
class ListingFilter:
    """What the feeds filter both kinds of listing by: town, source, a date range (inclusive)
    and words (``q``)."""

    town: str | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None


@dataclass(frozen=True)
class EventFilter(ListingFilter):
    """Events also by category; the dates bound the start."""

    category: str | None = None


@dataclass(frozen=True)
class ApprenticeshipFilter(ListingFilter):
    """Apprenticeships: the dates bound the start date; q looks in title, occupation, company."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list: the items on it and how many there are in all."""

    total: int
    items: list[T]


def published_events(
    session: Session, *, now: datetime, where: EventFilter = EventFilter()
) -> list[Event]:
    """Published events in the feed window (30 days back, 365 ahead), ordered by start."""
    return list(session.scalars(_events_query(now, where)))


def event_page(
    session: Session, *, now: datetime, where: EventFilter, offset: int, limit: int
) -> Page[Event]:
    """The events ``published_events`` gives, from ``offset`` on, at most ``limit``."""
    return _page(session, _events_query(now, where), offset, limit)


def _page(session: Session, query: Select[tuple[T]], offset: int, limit: int) -> Page[T]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return Page(total or 0, list(session.scalars(query.offset(offset).limit(limit))))


def _events_query(now: datetime, where: EventFilter) -> Select[tuple[Event]]:
    start = now - timedelta(days=PAST_DAYS)
    end = now + timedelta(days=FUTURE_DAYS)
    if where.date_from:
        start = max(start, datetime.combine(where.date_from, time(0), BERLIN))
    if where.date_to:
        end = min(end, datetime.combine(where.date_to + timedelta(days=1), time(0), BERLIN))
    query = (
        select(Event)
        .where(
            Event.review_state == ReviewState.PUBLISHED,
            Event.start_at >= start,
            Event.start_at < end,
        )
        .options(selectinload(Event.links).selectinload(EventLink.record))
        .order_by(Event.start_at, Event.id)
    )
    if where.category:
        # categories is a JSON list of slugs; its text holds each slug in double quotes
        query = query.where(cast(Event.categories, String).like(f'%"{where.category}"%'))
    if where.town:
        query = query.where(func.lower(Event.town) == where.town.lower())
    if where.source:
        query = query.where(Event.id.in_(_linked(EventLink.event_id, EventLink, where.source)))
    if where.q:
        query = query.where(_contains(where.q, Event.title, Event.description))
    return query


def _linked(
    listing_id: InstrumentedAttribute[str],
    link: type[EventLink] | type[ApprenticeshipLink],
    source: str,
) -> Select[tuple[str]]:
    """Ids of the listings with an active link to a record of ``source``."""
    return (
        select(listing_id)
        .join(SourceRecord, SourceRecord.id == link.record_id)
        .where(SourceRecord.source_id == source, link.active.is_(True))
    )


def _contains(text: str, *columns: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    pattern = f"%{text.lower()}%"
    return or_(*(func.lower(column).like(pattern) for column in columns))


def open_apprenticeships(
    session: Session, where: ApprenticeshipFilter = ApprenticeshipFilter()
) -> list[Apprenticeship]:
    """Open, published apprenticeships, by start date, occupation and id."""
    return list(session.scalars(_apprenticeships_query(where)))


def apprenticeship_page(
    session: Session, *, where: ApprenticeshipFilter, offset: int, limit: int
) -> Page[Apprenticeship]:
    """The apprenticeships ``open_apprenticeships`` gives, from ``offset`` on, at most ``limit``."""
    return _page(session, _apprenticeships_query(where), offset, limit)


def _apprenticeships_query(where: ApprenticeshipFilter) -> Select[tuple[Apprenticeship]]:
    query = (
        select(Apprenticeship)
        .where(
            Apprenticeship.status == PostingStatus.OPEN,
            Apprenticeship.review_state == ReviewState.PUBLISHED,
        )
        .options(selectinload(Apprenticeship.links).selectinload(ApprenticeshipLink.record))
        .order_by(Apprenticeship.start_date, Apprenticeship.occupation, Apprenticeship.id)
    )
    if where.town:
        query = query.where(func.lower(Apprenticeship.town) == where.town.lower())
    if where.source:
        linked = _linked(ApprenticeshipLink.apprenticeship_id, ApprenticeshipLink, where.source)
        query = query.where(Apprenticeship.id.in_(linked))
    if where.date_from:
        query = query.where(Apprenticeship.start_date >= where.date_from)
    if where.date_to:
        query = query.where(Apprenticeship.start_date <= where.date_to)
    if where.q:
        query = query.where(
            _contains(
                where.q, Apprenticeship.title, Apprenticeship.occupation, Apprenticeship.company
            )
        )
    return query


def event_towns(session: Session) -> list[str]:
    """The towns that published events name, sorted."""
    query = select(Event.town).where(
        Event.review_state == ReviewState.PUBLISHED, Event.town.is_not(None)
    )
    return sorted(set(session.scalars(query.distinct())))


def source_ids(session: Session) -> list[str]:
    """Every source in the store, in the order of the sources file."""
    return list(session.scalars(select(Source.id).order_by(Source.position, Source.id)))


def last_change(session: Session, *models: type[Event] | type[Apprenticeship]) -> datetime | None:
    """When a listing of the first of these kinds that has any last changed: its feeds'
    generated_at, stable while none changes (an apprenticeship's last_seen moving does not touch
    the event feeds; an empty apprenticeship feed takes the events' time, not the clock's)."""
    for model in models:
        latest = session.scalar(select(func.max(model.updated_at)))
        if latest is not None:
            return latest
    return None
