"""The queue: what waits for staff, filterable, searchable, sorted by start or arrival; bulk
decisions.

Tabs (each with its count): pending events, pending apprenticeships, and conflicts (events whose
correction a source changed since). The occurrences of one recurring event wait as one row: a
decision on the row is a decision on every pending occurrence of that series. Past events are
not offered. A decision returns to the same filter and page; a bulk reject asks first.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.orm import Session, selectinload
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.categories import CATEGORIES
from aggregator.listings import contains
from aggregator.review.decisions import with_conflicts
from aggregator.states import ReviewAction, ReviewState
from aggregator.store.models import Apprenticeship, Event, EventLink, SourceRecord
from web.context import AppContext
from web.desk.apprenticeship_queue import (
    ApprenticeshipRow,
    apprenticeship_choices,
    pending_apprenticeships,
    pending_apprenticeships_count,
)
from web.desk.decisions import decide, pending, pending_of_series
from web.desk.guard import Call, guarded

PAGE_ROWS = 50
S = TypeVar("S", bound=Select[Any])
QUEUE_URL = "/desk/queue"
APPRENTICESHIPS = "apprenticeships"  # the tab's `kind`; events have none
CONFLICTS = "conflicts"
SORTS = {"arrival": "Eingang, neueste zuerst", "start": "Beginn, früheste zuerst"}


@dataclass(frozen=True)
class QueueFilter:
    kind: str = ""
    source: str = ""
    category: str = ""
    town: str = ""
    q: str = ""
    sort: str = "arrival"
    offset: int = 0
    regions: tuple[str, ...] = ()  # the account's regions (not in the URL); () every region

    def query(self, **changed: object) -> str:
        """The filter as a query string (the default sort and offset 0 left out)."""
        values = vars(replace(self, **changed))  # type: ignore[arg-type]
        kept = {
            name: value
            for name, value in values.items()
            if value and name != "regions" and not (name == "sort" and value == "arrival")
        }
        return urlencode(kept)

    def url(self, **changed: object) -> str:
        query = self.query(**changed)
        return f"{QUEUE_URL}?{query}" if query else QUEUE_URL

    @property
    def narrowed(self) -> bool:
        return bool(self.source or self.category or self.town or self.q)


@dataclass(frozen=True)
class QueueRow:
    """One thing to decide: a single event, or the pending occurrences of one series."""

    event: Event  # the earliest pending occurrence
    occurrences: int
    sources: tuple[str, ...]
    conflicts: int = 0


def read_filter(values: dict[str, str]) -> QueueFilter:
    kind = values.get("kind", "")
    category = values.get("category", "")
    offset = values.get("offset", "")
    return QueueFilter(
        kind=kind if kind in (APPRENTICESHIPS, CONFLICTS) else "",
        source=values.get("source", "").strip()[:100],
        category=category if category in CATEGORIES else "",
        town=values.get("town", "").strip()[:100],
        q=values.get("q", "").strip()[:200],
        sort=values.get("sort", "") if values.get("sort", "") in SORTS else "arrival",
        offset=int(offset) if offset.isdigit() and len(offset) < 8 else 0,
    )


def routes(app: AppContext) -> list[Route]:
    def show(call: Call) -> Response:
        call.offset()  # refuses what is no page
        where = read_filter({name: call.query(name) for name in _names()})
        where = replace(where, regions=call.staff.regions)
        with app.store.transaction() as session:
            rows: list[QueueRow] | list[ApprenticeshipRow]
            if where.kind == APPRENTICESHIPS:
                rows = pending_apprenticeships(
                    session,
                    source=where.source,
                    town=where.town,
                    q=where.q,
                    sort=where.sort,
                    regions=where.regions,
                )
                source_ids, towns = apprenticeship_choices(session, where.regions)
            elif where.kind == CONFLICTS:
                rows = conflict_rows(session, where)
                source_ids, towns = queue_choices(session, now=call.now, regions=where.regions)
            else:
                rows = pending_rows(session, where, now=call.now)
                source_ids, towns = queue_choices(session, now=call.now, regions=where.regions)
            counts = tab_counts(session, now=call.now, regions=where.regions)
        offset = where.offset if where.offset < len(rows) else 0
        where = replace(where, offset=offset)
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
            counts=counts,
            sorts=SORTS,
            checked=call.query("checked") == "1",
            back_query=urlencode({"back": where.url()}),
        )

    def bulk(call: Call) -> Response:
        back = call.field("back")
        if urlsplit(back).path != QUEUE_URL or urlsplit(back).netloc:
            back = QUEUE_URL
        where = read_filter(dict(parse_qsl(urlsplit(back).query)))
        where = replace(where, regions=call.staff.regions)
        reason = call.field("reason")
        if call.field("action") not in (ReviewAction.APPROVE, ReviewAction.REJECT):
            return _back(back, "none_selected")
        action = ReviewAction(call.field("action"))
        if action == ReviewAction.REJECT and not reason:
            return _back(back, "reason_missing")
        jobs = where.kind == APPRENTICESHIPS or call.field("kind") == APPRENTICESHIPS
        with app.store.transaction() as session:
            chosen = _chosen(session, call, where, jobs)
            if action == ReviewAction.REJECT and chosen and not call.confirmed():
                titles = sorted({listing.title or "(ohne Titel)" for listing in chosen})
                shown = ", ".join(titles[:8]) + (" …" if len(titles) > 8 else "")
                return call.confirm(
                    title=f"{len(chosen)} {'Eintrag' if len(chosen) == 1 else 'Einträge'} "
                    "ablehnen?",
                    message="Abgelehnte Einträge erscheinen nicht in den Feeds, auch nicht nach "
                    "dem nächsten Abruf. Im Protokoll lässt sich das rückgängig machen.",
                    button="Ja, ablehnen",
                    back=back,
                    facts=[("Grund", reason), ("Einträge", shown)],
                )
            decided = decide(
                session, chosen, action, actor=call.staff.name, reason=reason, now=call.now
            )
        return _back(back, "bulk" if decided else "none_selected")

    return [
        Route(QUEUE_URL, guarded(app, show), methods=["GET"]),
        Route(QUEUE_URL, guarded(app, bulk), methods=["POST"]),
    ]


def _names() -> list[str]:
    return [field.name for field in fields(QueueFilter) if field.name != "regions"]


def _chosen(
    session: Session, call: Call, where: QueueFilter, jobs: bool
) -> list[Event | Apprenticeship]:
    """What a bulk form covers: the rows ticked, or (``everything``) every row of the filter."""
    listings: list[Event | Apprenticeship | None] = []
    if call.field("everything") == "1":
        if jobs:
            listings += [
                row.item
                for row in pending_apprenticeships(
                    session, source=where.source, town=where.town, q=where.q, regions=where.regions
                )
            ]
        else:
            for row in pending_rows(session, where, now=call.now):
                listings.append(row.event)
                if row.occurrences > 1 and row.event.series:
                    listings += pending_of_series(session, row.event.series, now=call.now)
    elif jobs:
        listings += [
            call.listing(session, Apprenticeship, listing_id) for listing_id in call.fields("ids")
        ]
    else:
        listings += [call.listing(session, Event, listing_id) for listing_id in call.fields("ids")]
        for series in call.fields("series"):
            listings += pending_of_series(session, series, now=call.now)
    unique = {listing.id: listing for listing in listings if listing is not None}
    return [listing for listing in unique.values() if listing.review_state == ReviewState.PENDING]


def _filtered(query: S, where: QueueFilter) -> S:
    """A query of events narrowed to the filter."""
    if where.regions:
        query = query.where(Event.region.in_(where.regions))
    if where.source:
        query = query.where(Event.id.in_(_linked_to(where.source)))
    if where.category:
        query = query.where(cast(Event.categories, Text).like(f'%"{where.category}"%'))
    if where.town:
        query = query.where(Event.town == where.town)
    if where.q:
        query = query.where(contains(where.q, Event.title, Event.description))
    return query


def pending_rows(session: Session, where: QueueFilter, *, now: datetime) -> list[QueueRow]:
    """Pending events not over yet, newest arrival (or earliest start) first, a series as one
    row."""
    query = _filtered(pending(now), where).options(
        selectinload(Event.links).selectinload(EventLink.record)
    )
    if where.sort == "start":
        query = query.order_by(Event.start_at, Event.id)
    else:
        query = query.order_by(Event.created_at.desc(), Event.start_at, Event.id)
    groups: dict[str, list[Event]] = {}
    for event in session.scalars(query):
        groups.setdefault(event.series or event.id, []).append(event)
    return [_row(events) for events in groups.values()]


def conflict_rows(session: Session, where: QueueFilter) -> list[QueueRow]:
    """Events whose correction a source changed since, latest change first."""
    query = _filtered(
        select(Event).where(with_conflicts(), Event.review_state != ReviewState.MERGED), where
    ).options(selectinload(Event.links).selectinload(EventLink.record))
    order = (Event.start_at, Event.id) if where.sort == "start" else (Event.updated_at.desc(),)
    rows = []
    for event in session.scalars(query.order_by(*order)):
        conflicts = sum(1 for entry in event.overrides.values() if "theirs" in entry)
        sources = tuple(sorted({link.record.source_id for link in event.links if link.active}))
        rows.append(QueueRow(event, 1, sources, conflicts))
    return rows


def tab_counts(session: Session, *, now: datetime, regions: tuple[str, ...] = ()) -> dict[str, int]:
    """How many rows each tab has (a series counts once), of ``regions`` where given."""
    only = QueueFilter(regions=regions)
    waiting = _filtered(pending(now), only).subquery()
    events = session.scalar(
        select(func.count(func.distinct(func.coalesce(waiting.c.series, waiting.c.id))))
    )
    conflicted = select(func.count(Event.id)).where(
        with_conflicts(), Event.review_state != "merged"
    )
    conflicts = session.scalar(_filtered(conflicted, only))
    return {
        "": int(events or 0),
        APPRENTICESHIPS: pending_apprenticeships_count(session, regions),
        CONFLICTS: int(conflicts or 0),
    }


def queue_choices(
    session: Session, *, now: datetime, regions: tuple[str, ...] = ()
) -> tuple[list[str], list[str]]:
    """The sources and towns that pending events (of ``regions``) come from: what the filters
    offer."""
    waiting = _filtered(pending(now), QueueFilter(regions=regions)).with_only_columns(Event.id)
    sources = session.scalars(
        select(SourceRecord.source_id)
        .join(EventLink, EventLink.record_id == SourceRecord.id)
        .where(EventLink.event_id.in_(waiting))
        .distinct()
    )
    towns = session.scalars(
        _filtered(pending(now), QueueFilter(regions=regions))
        .with_only_columns(Event.town)
        .where(Event.town.is_not(None))
        .distinct()
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
