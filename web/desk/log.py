"""The review log page: who did what to which listing, and when; filterable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import Route

from aggregator.dates.timezones import BERLIN
from aggregator.store.models import Apprenticeship, Event, ReviewLog
from web.context import AppContext
from web.desk.guard import Call, guarded
from web.desk.render import label

PAGE_SIZE = 100


@dataclass(frozen=True)
class LogFilter:
    actor: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    offset: int = 0


@dataclass(frozen=True)
class Fact:
    """One detail of a log entry as staff read it; `event_id` makes it a link to that event."""

    caption: str
    text: str
    event_id: str | None = None


@dataclass(frozen=True)
class Entry:
    row: ReviewLog
    title: str | None  # the listing's title, when the entry is about a listing
    facts: tuple[Fact, ...]


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
            entries = describe(session, log_entries(session, where))
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


def describe(session: Session, rows: list[ReviewLog]) -> list[Entry]:
    """Log rows as staff read them: with the titles of the listings they name."""
    titles = listing_titles(session, rows)
    return [Entry(row, titles.get(row.target_id), tuple(facts(row.detail, titles))) for row in rows]


def listing_titles(session: Session, rows: list[ReviewLog]) -> dict[str, str]:
    """The titles of every listing these entries name, as target or in their details."""
    named: set[object] = {
        row.target_id for row in rows if row.target_type in ("event", "apprenticeship")
    }
    for row in rows:
        named |= {row.detail.get("other"), row.detail.get("into"), *row.detail.get("events", [])}
    ids = {listing_id for listing_id in named if isinstance(listing_id, str)}
    titles = {}
    for model in (Event, Apprenticeship):
        query = select(model.id, model.title).where(model.id.in_(sorted(ids)))
        titles.update({listing_id: title for listing_id, title in session.execute(query)})
    return titles


def facts(detail: dict[str, Any], titles: dict[str, str]) -> list[Fact]:
    """A log entry's details in German: the reason, the former state, the events involved."""
    found = []
    for key, value in detail.items():
        if key == "reason":
            found.append(Fact("Grund", str(value)))
        elif key == "was":
            found.append(Fact("vorher", label(str(value), "review")))
        elif key in ("other", "into"):
            caption = "aufgenommen" if key == "other" else "neuer Eintrag"
            found.append(Fact(caption, titles.get(value, str(value)[:8]), value))
        elif key == "events":
            found += [Fact("Eintrag", titles.get(v, str(v)[:8]), v) for v in value]
        elif key == "links":
            found.append(Fact("Quellen-Verknüpfungen", str(len(value))))
        elif key == "fields":
            found.append(Fact("geändert", ", ".join(label(name, "field") for name in value)))
        else:
            found.append(Fact(key, str(value)))
    return found


def _distinct(session: Session, query: Select[str]) -> list[str]:
    return sorted(set(session.scalars(query.distinct())))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), BERLIN)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
