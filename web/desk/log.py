"""The log page: who did what to which listing, account or source, and when; filterable; a
reject, a merge or a "kein Duplikat" can be undone from here (aggregator.review.undo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.dates.timezones import local_midnight
from aggregator.review.undo import can_undo, undo, undone_ids
from aggregator.store.models import Apprenticeship, Event, ReviewLog
from web.context import AppContext
from web.desk.guard import Call, guarded
from web.desk.render import display_value, label, when

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
    undoable: bool = False


def routes(app: AppContext) -> list[Route]:
    def show(call: Call) -> Response:
        where = LogFilter(
            actor=call.query("actor"),
            action=call.query("action"),
            date_from=call.day("from"),
            date_to=call.day("to"),
            offset=call.offset(),
        )
        with app.store.transaction() as session:
            rows = log_entries(session, where)
            undone = undone_ids(session, rows)
            entries = [
                Entry(entry.row, entry.title, entry.facts, can_undo(entry.row, undone))
                for entry in describe(session, rows)
            ]
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

    def undo_row(call: Call) -> Response:
        number = call.path("row_id")
        with app.store.transaction() as session:
            row = session.get(ReviewLog, int(number)) if number.isdigit() else None
            if row is None:
                return call.not_found("Diesen Protokolleintrag gibt es nicht.")
            undo(session, row, actor=call.staff.name, now=call.now)
            target = row.target_id if row.target_type == "event" else None
        if target:
            return RedirectResponse(f"/desk/events/{target}?msg=undone", status_code=303)
        return RedirectResponse("/desk/log?msg=undone", status_code=303)

    return [
        Route("/desk/log", guarded(app, show), methods=["GET"]),
        Route("/desk/log/{row_id}/undo", guarded(app, undo_row), methods=["POST"]),
    ]


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
        if key in HIDDEN:
            continue
        if key == "reason":
            found.append(Fact("Grund", _german_reason(str(value))))
        elif key in ("was", "other_was"):
            caption = "vorher" if key == "was" else "vorher (aufgenommener Eintrag)"
            found.append(Fact(caption, label(str(value), "review")))
        elif key in ("other", "into"):
            caption = "aufgenommen" if key == "other" else "neuer Eintrag"
            if key == "into" and detail.get("revived"):
                caption = "wieder eigenständig"
            found.append(Fact(caption, titles.get(value, str(value)[:8]), value))
        elif key == "events":
            found += [Fact("Eintrag", titles.get(v, str(v)[:8]), v) for v in value]
        elif key == "links":
            found.append(Fact("Quellen-Verknüpfungen", str(len(value))))
        elif key == "fields":
            names = value if isinstance(value, list) else list(value)
            found.append(Fact("Felder", ", ".join(label(name, "field") for name in names)))
        elif key == "source":
            found.append(Fact("Quelle", str(value)))
        elif key == "address":
            found.append(Fact("Adresse", str(value) or "unbekannt"))
        elif key == "until":
            found.append(Fact("gesperrt bis", when(datetime.fromisoformat(str(value)))))
        elif key in ("theirs", "ours"):
            caption = "Wert der Quelle" if key == "theirs" else "unser Wert"
            found.append(Fact(caption, display_value(value)))
        elif key == "via":
            found.append(Fact("über", str(value)))
        elif key == "sessions":
            found.append(Fact("Sitzungen", str(value)))
        elif key == "daily":
            found.append(Fact("tägliche E-Mail", str(value)))
        elif key == "started":
            found.append(Fact("Abruf", str(value)))
        elif key == "undid":
            found.append(Fact("rückgängig", label(str(value), "action")))
        elif key == "role":
            found.append(Fact("Rolle", label(str(value), "role")))
        elif key == "uid_taken" and value:
            found.append(Fact("UID", "die des veröffentlichten Eintrags behalten"))
        elif key not in ("uid_taken", "revived"):
            found.append(Fact(key, str(value)))
    return found


HIDDEN = frozenset({"of", "suggestions", "moved_suggestions", "key"})


def _german_reason(text: str) -> str:
    """Reasons Lotse itself wrote in older rows, in German."""
    return {
        "a source changed a corrected field": "Eine Quelle hat ein korrigiertes Feld geändert"
    }.get(text, text)


def _distinct(session: Session, query: Select[str]) -> list[str]:
    return sorted(set(session.scalars(query.distinct())))


def _midnight(day: date) -> datetime:
    return local_midnight(day)
