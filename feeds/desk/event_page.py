"""One event on the desk: its fields and sources; approve, reject, correct, split it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator import review
from aggregator.categories import CATEGORIES
from aggregator.models import Event, ReviewLog
from feeds.app_context import AppContext
from feeds.desk.decisions import APPROVE, REJECT, decide, pending_of_series
from feeds.desk.guard import Call, guarded

TEXT_FIELDS = {
    "title": "Titel",
    "location_name": "Ort (Name)",
    "location_address": "Adresse",
    "postcode": "PLZ",
    "town": "Gemeinde",
    "url": "Link",
}
STATUSES = ("confirmed", "cancelled")
HISTORY_ROWS = 50


class Invalid(ValueError):
    """A correction staff cannot save as typed; the message tells them why, in German."""


def routes(app: AppContext) -> list[Route]:
    def show(call: Call, *, status: int = 200, error: str | None = None) -> Response:
        with app.store.transaction() as session:
            event = session.get(Event, call.path("event_id"))
            if event is None:
                return call.not_found("Diesen Eintrag gibt es nicht (mehr).")
            series = pending_of_series(session, event.series, now=call.now) if event.series else []
            return call.render(
                "event.html",
                status=status,
                error=error,
                event=event,
                links=sorted(event.links, key=lambda link: (not link.active, link.id)),
                series_pending=len(series),
                history=_history(session, event.id),
                text_fields=TEXT_FIELDS,
                categories=CATEGORIES,
            )

    def decision(action: str):  # noqa: ANN202 - a page function
        def handle(call: Call) -> Response:
            reason = call.field("reason")
            if action == REJECT and not reason:
                return show(call, status=400, error="Bitte einen Grund für die Ablehnung angeben.")
            with app.store.transaction() as session:
                event = session.get(Event, call.path("event_id"))
                if event is None:
                    return call.not_found("Diesen Eintrag gibt es nicht (mehr).")
                events = [event]
                if event.series and call.field("whole_series"):
                    events += pending_of_series(session, event.series, now=call.now)
                decide(session, events, action, actor=call.staff.name, reason=reason, now=call.now)
            notice = "approved" if action == APPROVE else "rejected"
            return RedirectResponse(f"/desk/queue?msg={notice}", status_code=303)

        return handle

    def correct(call: Call) -> Response:
        with app.store.transaction() as session:
            event = session.get(Event, call.path("event_id"))
            if event is None:
                return call.not_found("Diesen Eintrag gibt es nicht (mehr).")
            try:
                changes = corrections(event, call)
            except Invalid as problem:
                changes, error = {}, str(problem)
            else:
                error = None
            if changes:
                review.correct(session, event, actor=call.staff.name, fields=changes, now=call.now)
        if error:
            return show(call, status=400, error=error)
        return _to_event(call.path("event_id"), "corrected")

    def split(call: Call) -> Response:
        with app.store.transaction() as session:
            event = session.get(Event, call.path("event_id"))
            if event is None:
                return call.not_found("Diesen Eintrag gibt es nicht (mehr).")
            active = {link.id for link in event.links if link.active}
            chosen = [int(v) for v in call.fields("link_ids") if v.isdigit() and int(v) in active]
            if not chosen or len(chosen) == len(active):
                return _to_event(event.id, "split_none")
            new = review.split(session, event, chosen, actor=call.staff.name, now=call.now)
            new_id = new.id
        return _to_event(new_id, "split")

    event_url = "/desk/events/{event_id}"
    return [
        Route(event_url, guarded(app, show), methods=["GET"]),
        Route(f"{event_url}/approve", guarded(app, decision(APPROVE)), methods=["POST"]),
        Route(f"{event_url}/reject", guarded(app, decision(REJECT)), methods=["POST"]),
        Route(f"{event_url}/edit", guarded(app, correct), methods=["POST"]),
        Route(f"{event_url}/split", guarded(app, split), methods=["POST"]),
    ]


def corrections(event: Event, call: Call) -> dict[str, Any]:
    """The fields the edit form changed, checked; empty optional fields become None."""
    typed: dict[str, Any] = {name: call.field(name) or None for name in TEXT_FIELDS}
    typed["description"] = call.field("description")
    typed["status"] = call.field("status")
    typed["categories"] = [slug for slug in CATEGORIES if slug in call.fields("categories")]
    if not typed["title"]:
        raise Invalid("Der Titel darf nicht leer sein.")
    if typed["url"] and urlsplit(typed["url"]).scheme not in ("http", "https"):
        raise Invalid("Der Link muss mit http:// oder https:// beginnen.")
    if typed["status"] not in STATUSES:
        raise Invalid("Unbekannter Status.")
    return {name: value for name, value in typed.items() if value != getattr(event, name)}


def _history(session: Session, event_id: str) -> list[ReviewLog]:
    query = (
        select(ReviewLog)
        .where(ReviewLog.target_type == "event", ReviewLog.target_id == event_id)
        .order_by(ReviewLog.at.desc(), ReviewLog.id.desc())
        .limit(HISTORY_ROWS)
    )
    return list(session.scalars(query))


def _to_event(event_id: str, notice: str) -> Response:
    return RedirectResponse(f"/desk/events/{event_id}?msg={notice}", status_code=303)
