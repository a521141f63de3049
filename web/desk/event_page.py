"""One event on the desk: its fields and sources; approve, reject, correct, split it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Text, and_, cast, or_, select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.categories import CATEGORIES
from aggregator.dates.timezones import local
from aggregator.events.corrections import corrected_columns
from aggregator.review import decisions
from aggregator.states import ReviewAction, ReviewState
from aggregator.store.models import Event, ReviewLog
from web.context import AppContext
from web.desk.decisions import decide, pending_of_series
from web.desk.guard import Call, Page, guarded
from web.desk.log import Entry, describe

PLACE_FIELDS = {
    "location_name": "name",
    "location_address": "address",
    "postcode": "postcode",
    "town": "town",
}
WEB = ("http", "https")
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
                form=form_values(event),
                categories=CATEGORIES,
            )

    def editable(call: Call, session: Session) -> Event | Response:
        """The page's event, or why it cannot be changed any more, as a page."""
        event = session.get(Event, call.path("event_id"))
        if event is None:
            return call.not_found("Diesen Eintrag gibt es nicht (mehr).")
        if event.review_state == ReviewState.MERGED:
            return show(
                call, status=409, error="Dieser Eintrag wurde in einen anderen aufgenommen."
            )
        return event

    def decision(action: ReviewAction) -> Page:
        def handle(call: Call) -> Response:
            reason = call.field("reason")
            if action == ReviewAction.REJECT and not reason:
                return show(call, status=400, error="Bitte einen Grund für die Ablehnung angeben.")
            with app.store.transaction() as session:
                event = editable(call, session)
                if isinstance(event, Response):
                    return event
                events = [event]
                if event.series and call.field("whole_series"):
                    events += pending_of_series(session, event.series, now=call.now)
                decide(session, events, action, actor=call.staff.name, reason=reason, now=call.now)
            notice = "approved" if action == ReviewAction.APPROVE else "rejected"
            return RedirectResponse(f"/desk/queue?msg={notice}", status_code=303)

        return handle

    def correct(call: Call) -> Response:
        error: str | None = None
        with app.store.transaction() as session:
            event = editable(call, session)
            if isinstance(event, Response):
                return event
            try:
                changes = corrections(event, call)
            except Invalid as problem:
                changes, error = {}, str(problem)
            if changes:
                decisions.correct(
                    session, event, actor=call.staff.name, fields=changes, now=call.now
                )
        if error:
            return show(call, status=400, error=error)
        return _to_event(call.path("event_id"), "corrected")

    def split(call: Call) -> Response:
        with app.store.transaction() as session:
            event = editable(call, session)
            if isinstance(event, Response):
                return event
            active = {link.id for link in event.links if link.active}
            chosen = [int(v) for v in call.fields("link_ids") if v.isdigit() and int(v) in active]
            if not chosen or len(chosen) == len(active):
                return _to_event(event.id, "split_none")
            new = decisions.split(session, event, chosen, actor=call.staff.name, now=call.now)
            new_id = new.id
        return _to_event(new_id, "split")

    event_url = "/desk/events/{event_id}"
    return [
        Route(event_url, guarded(app, show), methods=["GET"]),
        Route(
            f"{event_url}/approve", guarded(app, decision(ReviewAction.APPROVE)), methods=["POST"]
        ),
        Route(f"{event_url}/reject", guarded(app, decision(ReviewAction.REJECT)), methods=["POST"]),
        Route(f"{event_url}/edit", guarded(app, correct), methods=["POST"]),
        Route(f"{event_url}/split", guarded(app, split), methods=["POST"]),
    ]


def form_values(event: Event) -> dict[str, Any]:
    """The edit form's fields as the page fills them in (local times, empty for none)."""
    if event.all_day:
        start = event.start_date.isoformat() if event.start_date else ""
        end = event.end_date.isoformat() if event.end_date else ""
    else:
        start = f"{local(event.start_at):%Y-%m-%dT%H:%M}"
        end = f"{local(event.end_at):%Y-%m-%dT%H:%M}" if event.end_at else ""
    values: dict[str, Any] = {name: getattr(event, name) or "" for name in PLACE_FIELDS}
    values.update(
        title=event.title,
        description=event.description,
        url=event.url or "",
        start=start,
        end=end,
        categories=list(event.categories),
    )
    return values


def corrections(event: Event, call: Call) -> dict[str, Any]:
    """What the edit form changed, in the groups aggregator.review.decisions.correct takes;
    checked."""
    shown = form_values(event)
    typed: dict[str, Any] = {name: call.field(name) for name in shown if name != "categories"}
    typed["categories"] = [slug for slug in CATEGORIES if slug in call.fields("categories")]
    changed = {name for name, value in typed.items() if value != shown[name]}
    if "title" in changed and not typed["title"]:
        raise Invalid("Der Titel darf nicht leer sein.")
    if "url" in changed and typed["url"] and urlsplit(typed["url"]).scheme not in WEB:
        raise Invalid("Der Link muss mit http:// oder https:// beginnen.")
    if not typed["start"]:
        raise Invalid("Der Beginn darf nicht leer sein.")
    if typed["end"] and typed["end"] <= typed["start"] and not event.all_day:
        raise Invalid("Das Ende muss nach dem Beginn liegen.")
    changes: dict[str, Any] = {
        name: typed[name] or None for name in ("title", "url", "start", "end") if name in changed
    }
    changes |= {name: typed[name] for name in ("description", "categories") if name in changed}
    if changed & set(PLACE_FIELDS):
        changes["location"] = {key: typed[name] or None for name, key in PLACE_FIELDS.items()}
    try:
        corrected_columns(changes)
    except ValueError as problem:
        raise Invalid(f"Nicht gespeichert: {problem}") from None
    return changes


def _history(session: Session, event_id: str) -> list[Entry]:
    """Every decision about the event: on it, or naming it (merged into or split from another)."""
    about = ReviewLog.target_type == "event", ReviewLog.target_id == event_id
    naming = cast(ReviewLog.detail, Text).like(f'%"{event_id}"%')
    query = (
        select(ReviewLog)
        .where(or_(and_(*about), naming))
        .order_by(ReviewLog.at.desc(), ReviewLog.id.desc())
        .limit(HISTORY_ROWS)
    )
    return describe(session, list(session.scalars(query)))


def _to_event(event_id: str, notice: str) -> Response:
    return RedirectResponse(f"/desk/events/{event_id}?msg={notice}", status_code=303)
