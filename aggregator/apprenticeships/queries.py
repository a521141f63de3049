"""Reading open, published apprenticeships back as views, with the feeds' filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from aggregator.apprenticeships.view import ApprenticeshipView
from aggregator.listings import ListingFilter, contains, last_change, linked_to
from aggregator.states import PostingStatus, ReviewState
from aggregator.store.models import Apprenticeship, ApprenticeshipLink, Event


@dataclass(frozen=True)
class ApprenticeshipFilter(ListingFilter):
    """Apprenticeships: the dates bound the start date; q looks in title, occupation, company."""


def open_apprenticeships(
    session: Session, where: ApprenticeshipFilter = ApprenticeshipFilter()
) -> list[ApprenticeshipView]:
    """Open, published apprenticeships, by start date, occupation and id."""
    return [ApprenticeshipView.of(item) for item in session.scalars(_query(where))]


def open_apprenticeship(session: Session, item_id: str) -> ApprenticeshipView | None:
    """One open, published apprenticeship, or None."""
    item = session.get(Apprenticeship, item_id)
    if (
        item is None
        or item.status != PostingStatus.OPEN
        or item.review_state != ReviewState.PUBLISHED
    ):
        return None
    return ApprenticeshipView.of(item)


def apprenticeships_changed(session: Session) -> datetime | None:
    """apprenticeships.json's generated_at: when an apprenticeship last changed, else when an
    event did (an empty feed keeps a stable time)."""
    return last_change(session, Apprenticeship, Event)


def _query(where: ApprenticeshipFilter) -> Select[Apprenticeship]:
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
    if where.region:
        query = query.where(Apprenticeship.region == where.region)
    if where.source:
        linked = linked_to(ApprenticeshipLink.apprenticeship_id, ApprenticeshipLink, where.source)
        query = query.where(Apprenticeship.id.in_(linked))
    if where.date_from:
        query = query.where(Apprenticeship.start_date >= where.date_from)
    if where.date_to:
        query = query.where(Apprenticeship.start_date <= where.date_to)
    if where.q:
        columns = (Apprenticeship.title, Apprenticeship.occupation, Apprenticeship.company)
        query = query.where(contains(where.q, *columns))
    return query
