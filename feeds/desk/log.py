"""The review log page: who did what to which listing, and when; filterable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import Route

from aggregator.models import ReviewLog
from aggregator.timezones import BERLIN
from feeds.app_context import AppContext
from feeds.desk.guard import Call, guarded

PAGE_SIZE = 100


@dataclass(frozen=True)
class LogFilter:
    actor: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    offset: int = 0


def routes(app: AppContext) -> list[Route]:
    def show(call: Call) -> Response:
        where = LogFilter(
            actor=call.query("actor"),
            action=call.query("action"),
            date_from=_day(call.query("from")),
            date_to=_day(call.query("to")),
            offset=int(call.query("offset")) if call.query("offset").isdigit() else 0,
        )
        with app.store.transaction() as session:
            entries = log_entries(session, where)
            actors = _distinct(session, select(ReviewLog.actor))
            actions = _distinct(session, select(ReviewLog.action))
        return call.render(
            "log.html",
            entries=entries,
            where=where,
            actors=actors,
            actions=actions,
            page_size=PAGE_SIZE,
        )

    return [Route("/desk/log", guarded(app, show), methods=["GET"])]


def log_entries(session: Session, where: LogFilter) -> list[ReviewLog]:
    """One page of the log, newest first; dates are local days, both ends included."""
    query = select(ReviewLog)
    if where.actor:
        query = query.where(ReviewLog.actor == where.actor)
    if where.action:
        query = query.where(ReviewLog.action == where.action)
    if where.date_from:
        query = query.where(ReviewLog.at >= _midnight(where.date_from))
    if where.date_to:
        query = query.where(ReviewLog.at < _midnight(where.date_to + timedelta(days=1)))
    query = query.order_by(ReviewLog.at.desc(), ReviewLog.id.desc())
    return list(session.scalars(query.offset(where.offset).limit(PAGE_SIZE)))


def _distinct(session: Session, query: Select[tuple[str]]) -> list[str]:
    return sorted(set(session.scalars(query.distinct())))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), BERLIN)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
