"""Finding any listing — published, pending, rejected, merged — by words, date range, source,
town and state; two events picked here can be compared and merged (/desk/merge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from starlette.responses import Response
from starlette.routing import Route

from aggregator.dates.timezones import local_midnight
from aggregator.listings import contains, linked_to
from aggregator.states import ReviewState
from aggregator.store.models import Apprenticeship, ApprenticeshipLink, Event, EventLink, Source
from web.context import AppContext
from web.desk.guard import Call, guarded

PAGE_ROWS = 50
SEARCH_URL = "/desk/search"
KINDS = {"events": "Veranstaltungen", "apprenticeships": "Ausbildungsplätze"}


@dataclass(frozen=True)
class SearchFilter:
    kind: str = "events"
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    source: str = ""
    town: str = ""
    state: str = ""
    offset: int = 0

    def query(self, **changed: Any) -> str:
        values = {**vars(self), **changed}
        named = {
            "kind": values["kind"],
            "q": values["q"],
            "from": values["date_from"] or "",
            "to": values["date_to"] or "",
            "source": values["source"],
            "town": values["town"],
            "state": values["state"],
            "offset": values["offset"] or "",
        }
        return urlencode({name: value for name, value in named.items() if value})

    def url(self, **changed: Any) -> str:
        return f"{SEARCH_URL}?{self.query(**changed)}"


def routes(app: AppContext) -> list[Route]:
    def show(call: Call) -> Response:
        where = SearchFilter(
            kind=call.query("kind") if call.query("kind") in KINDS else "events",
            q=call.query("q")[:200],
            date_from=call.day("from"),
            date_to=call.day("to"),
            source=call.query("source")[:100],
            town=call.query("town")[:100],
            state=call.query("state") if call.query("state") in set(ReviewState) else "",
            offset=call.offset(),
        )
        with app.store.transaction() as session:
            model = Apprenticeship if where.kind == "apprenticeships" else Event
            query = listings(where)
            total = session.scalar(
                select(func.count()).select_from(query.order_by(None).subquery())
            )
            rows = list(session.scalars(query.offset(where.offset).limit(PAGE_ROWS)))
            sources = list(session.scalars(select(Source.id).order_by(Source.position)))
            towns = sorted(town for town in session.scalars(select(model.town).distinct()) if town)
        return call.render(
            "search.html",
            where=where,
            rows=rows,
            total=total or 0,
            page_size=PAGE_ROWS,
            kinds=KINDS,
            states=list(ReviewState),
            sources=sources,
            towns=towns,
            back_query=urlencode({"back": where.url()}),
        )

    return [Route(SEARCH_URL, guarded(app, show), methods=["GET"])]


def listings(where: SearchFilter) -> Select[Any]:
    """The listings of one kind the filter finds, in any state: events by start (upcoming and
    past), apprenticeships newest first."""
    if where.kind == "apprenticeships":
        jobs = select(Apprenticeship).options(
            selectinload(Apprenticeship.links).selectinload(ApprenticeshipLink.record)
        )
        if where.q:
            jobs = jobs.where(
                contains(
                    where.q, Apprenticeship.title, Apprenticeship.company, Apprenticeship.occupation
                )
            )
        if where.date_from:
            jobs = jobs.where(Apprenticeship.start_date >= where.date_from)
        if where.date_to:
            jobs = jobs.where(Apprenticeship.start_date <= where.date_to)
        if where.source:
            jobs = jobs.where(
                Apprenticeship.id.in_(
                    linked_to(
                        ApprenticeshipLink.apprenticeship_id, ApprenticeshipLink, where.source
                    )
                )
            )
        if where.town:
            jobs = jobs.where(Apprenticeship.town == where.town)
        if where.state:
            jobs = jobs.where(Apprenticeship.review_state == where.state)
        return jobs.order_by(Apprenticeship.first_seen.desc(), Apprenticeship.id)
    events = select(Event).options(selectinload(Event.links).selectinload(EventLink.record))
    if where.q:
        events = events.where(contains(where.q, Event.title, Event.description))
    if where.date_from:
        events = events.where(Event.start_at >= _midnight(where.date_from))
    if where.date_to:
        events = events.where(Event.start_at < _midnight(where.date_to + timedelta(days=1)))
    if where.source:
        events = events.where(Event.id.in_(linked_to(EventLink.event_id, EventLink, where.source)))
    if where.town:
        events = events.where(Event.town == where.town)
    if where.state:
        events = events.where(Event.review_state == where.state)
    return events.order_by(Event.start_at, Event.id)


def _midnight(day: date) -> datetime:
    return local_midnight(day)
