"""The queue: pending listings from untrusted sources, newest first, filterable; bulk decisions.

Events and apprenticeships have a tab each. The occurrences of one recurring event wait as one
row: a decision on the row is a decision on every pending occurrence of that series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import Select, Text, cast, select
from sqlalchemy.orm import Session, selectinload
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.categories import CATEGORIES
from aggregator.states import ReviewAction, ReviewState
from aggregator.store.models import Apprenticeship, Event, EventLink, SourceRecord
from web.context import AppContext
from web.desk.apprenticeship_queue import (
    ApprenticeshipRow,
    apprenticeship_choices,
    pending_apprenticeships,
)
from web.desk.decisions import decide, pending, pending_of_series
from web.desk.guard import Call, guarded

PAGE_ROWS = 50
QUEUE_URL = "/desk/queue"
APPRENTICESHIPS = "apprenticeships"  # the tab's `kind`; events have none


@dataclass(frozen=True)
class QueueFilter:
    kind: str = ""
    source: str = ""
    category: str = ""
    town: str = ""

    def query(self) -> str:
        return urlencode({k: v for k, v in vars(self).items() if v})


@dataclass(frozen=True)
class QueueRow:
    """One thing to decide: a single event, or the pending occurrences of one series."""

    event: Event  # the earliest pending occurrence
    occurrences: int
    sources: tuple[str, ...]


def routes(app: AppContext) -> list[Route]:
    def show(call: Call) -> Response:
        kind = APPRENTICESHIPS if call.query("kind") == APPRENTICESHIPS else ""
        category = call.query("category") if call.query("category") in CATEGORIES else ""
        where = QueueFilter(kind, call.query("source"), category, call.query("town"))
        offset = int(call.query("offset")) if call.query("offset").isdigit() else 0
        with app.store.transaction() as session:
            rows: list[QueueRow] | list[ApprenticeshipRow]
            if kind == APPRENTICESHIPS:
                rows = pending_apprenticeships(session, source=where.source, town=where.town)
                source_ids, towns = apprenticeship_choices(session)
            else:
                rows = pending_rows(session, where, now=call.now)
                source_ids, towns = queue_choices(session, now=call.now)
        return call.render(
            "queue.html",
            rows=rows[offset : offset + PAGE_ROWS],
            total=len(rows),
            where=where,
            offset=offset,
            page_size=PAGE_ROWS,
            source_ids=source_ids,
            towns=towns,
            categories=CATEGORIES,
        )

    def bulk(call: Call) -> Response:
        back = call.field("back") if call.field("back").startswith(QUEUE_URL) else QUEUE_URL
        reason = call.field("reason")
        if call.field("action") not in (ReviewAction.APPROVE, ReviewAction.REJECT):
            return _back(back, "none_selected")
        action = ReviewAction(call.field("action"))
        if action == ReviewAction.REJECT and not reason:
            return _back(back, "reason_missing")
        ids = call.fields("ids")
        with app.store.transaction() as session:
            events: list[Event | Apprenticeship | None] = (
                [session.get(Apprenticeship, listing_id) for listing_id in ids]
                if call.field("kind") == APPRENTICESHIPS
                else [session.get(Event, listing_id) for listing_id in ids]
            )
            for series in call.fields("series"):
                events += pending_of_series(session, series, now=call.now)
            chosen = [
                event for event in events if event and event.review_state == ReviewState.PENDING
            ]
            decided = decide(
                session, chosen, action, actor=call.staff.name, reason=reason, now=call.now
            )
        return _back(back, "bulk" if decided else "none_selected")

    return [
        Route(QUEUE_URL, guarded(app, show), methods=["GET"]),
        Route(QUEUE_URL, guarded(app, bulk), methods=["POST"]),
    ]


def pending_rows(session: Session, where: QueueFilter, *, now: datetime) -> list[QueueRow]:
    """Pending events still in the feed window, newest arrival first, a series as one row."""
    query = pending(now).options(selectinload(Event.links).selectinload(EventLink.record))
    if where.source:
        query = query.where(Event.id.in_(_linked_to(where.source)))
    if where.category:
        query = query.where(cast(Event.categories, Text).like(f'%"{where.category}"%'))
    if where.town:
        query = query.where(Event.town == where.town)
    query = query.order_by(Event.created_at.desc(), Event.start_at, Event.id)
    groups: dict[str, list[Event]] = {}
    for event in session.scalars(query):
        groups.setdefault(event.series or event.id, []).append(event)
    return [_row(events) for events in groups.values()]


def queue_choices(session: Session, *, now: datetime) -> tuple[list[str], list[str]]:
    """The sources and towns that pending events come from: what the filters offer."""
    waiting = pending(now).with_only_columns(Event.id)
    sources = session.scalars(
        select(SourceRecord.source_id)
        .join(EventLink, EventLink.record_id == SourceRecord.id)
        .where(EventLink.event_id.in_(waiting))
        .distinct()
    )
    towns = session.scalars(
        pending(now).with_only_columns(Event.town).where(Event.town.is_not(None)).distinct()
    )
    return sorted(sources), sorted(town for town in towns if town)


def _linked_to(source_id: str) -> Select[str]:
    return (
        select(EventLink.event_id)
        .join(SourceRecord, SourceRecord.id == EventLink.record_id)
        .where(SourceRecord.source_id == source_id, EventLink.active.is_(True))
    )


def _row(events: list[Event]) -> QueueRow:
    first = min(events, key=lambda event: event.start_at)
    sources = sorted({link.record.source_id for link in first.links if link.active})
    return QueueRow(first, len(events), tuple(sources))


def _back(url: str, notice: str) -> Response:
    joiner = "&" if "?" in url else "?"
    return RedirectResponse(f"{url}{joiner}msg={notice}", status_code=303)
