"""Pending apprenticeships from untrusted sources: the queue's second tab."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from aggregator.listings import contains
from aggregator.states import PostingStatus, ReviewState
from aggregator.store.models import Apprenticeship, ApprenticeshipLink, SourceRecord


@dataclass(frozen=True)
class ApprenticeshipRow:
    item: Apprenticeship
    sources: tuple[str, ...]


def pending_apprenticeships(
    session: Session,
    *,
    source: str = "",
    town: str = "",
    q: str = "",
    sort: str = "arrival",
    regions: tuple[str, ...] = (),
) -> list[ApprenticeshipRow]:
    """Open apprenticeships waiting for review, newest first (``sort`` start: the earliest
    start of training first); of ``regions`` only, where given."""
    query = _pending(regions).options(
        selectinload(Apprenticeship.links).selectinload(ApprenticeshipLink.record)
    )
    if source:
        linked = (
            select(ApprenticeshipLink.apprenticeship_id)
            .join(SourceRecord, SourceRecord.id == ApprenticeshipLink.record_id)
            .where(SourceRecord.source_id == source, ApprenticeshipLink.active.is_(True))
        )
        query = query.where(Apprenticeship.id.in_(linked))
    if town:
        query = query.where(Apprenticeship.town == town)
    if q:
        query = query.where(
            contains(q, Apprenticeship.title, Apprenticeship.company, Apprenticeship.occupation)
        )
    if sort == "start":
        query = query.order_by(
            Apprenticeship.start_date.is_(None), Apprenticeship.start_date, Apprenticeship.title
        )
    else:
        query = query.order_by(Apprenticeship.first_seen.desc(), Apprenticeship.title)
    return [
        ApprenticeshipRow(item, tuple(sorted({k.record.source_id for k in item.links if k.active})))
        for item in session.scalars(query)
    ]


def pending_apprenticeships_count(session: Session, regions: tuple[str, ...] = ()) -> int:
    count = _pending(regions).with_only_columns(func.count(Apprenticeship.id))
    return int(session.scalar(count) or 0)


def apprenticeship_choices(
    session: Session, regions: tuple[str, ...] = ()
) -> tuple[list[str], list[str]]:
    """The sources and towns that pending apprenticeships come from: what the filters offer."""
    waiting = _pending(regions).with_only_columns(Apprenticeship.id)
    sources = session.scalars(
        select(SourceRecord.source_id)
        .join(ApprenticeshipLink, ApprenticeshipLink.record_id == SourceRecord.id)
        .where(ApprenticeshipLink.apprenticeship_id.in_(waiting))
        .distinct()
    )
    towns = session.scalars(
        _pending(regions)
        .with_only_columns(Apprenticeship.town)
        .where(Apprenticeship.town.is_not(None))
        .distinct()
    )
    return sorted(sources), sorted(town for town in towns if town)


def _pending(regions: tuple[str, ...] = ()) -> Select[Apprenticeship]:
    query = select(Apprenticeship).where(
        Apprenticeship.review_state == ReviewState.PENDING,
        Apprenticeship.status == PostingStatus.OPEN,
    )
    return query.where(Apprenticeship.region.in_(regions)) if regions else query
