"""One event on the desk: its fields, conflicts, series dates, sources and history; approve,
reject (one date or the whole series), correct, cancel, settle conflicts, split it.

A save carries the version the form was loaded at: when the event changed since (a colleague,
or a source), the save is refused, the typed values stay in the form and the change is shown.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.categories import CATEGORIES
from aggregator.dates.timezones import local
from aggregator.events.corrections import GROUPS, corrected_columns
from aggregator.review import decisions
from aggregator.states import EventStatus, ReviewAction, ReviewState
from aggregator.store.models import Event
from web.context import AppContext
from web.desk.decisions import decide, pending_of_series, upcoming_of_series
from web.desk.guard import BadInput, Call, Page, guarded
from web.desk.history import changes_since, listing_history

PLACE_FIELDS = {
    "location_name": "name",
    "location_address": "address",
    "postcode": "postcode",
    "town": "town",
}
WEB = ("http", "https")
SERIES_ROWS = 100
BACK_TO = ("/desk/queue", "/desk/search", "/desk/duplicates", "/desk/log")
GROUP_NAMES = {
    "title": "Titel",
    "description": "Beschreibung",
    "start": "Beginn",
    "end": "Ende",
    "location": "Ort",
    "url": "Link",
    "categories": "Kategorien",
    "status": "Absage",
}


class Invalid(ValueError):
    """A correction staff cannot save as typed; the message tells them why, in German."""


def back_url(call: Call) -> str:
    """The list a decision returns to (with its filter and page): a desk list, else the queue."""
    back = call.field("back") or call.query("back")
    parts = urlsplit(back)
    if parts.scheme or parts.netloc or parts.path not in BACK_TO or "\\" in back:
        return "/desk/queue"
    return back


def routes(app: AppContext) -> list[Route]:
    def show(
        call: Call,
        *,
        status: int = 200,
        error: str | None = None,
        typed: dict[str, Any] | None = None,
        since: int | None = None,
    ) -> Response:
        with app.store.transaction() as session:
            event = call.listing(session, Event, call.path("event_id"))
            if event is None:
                return call.not_found("Diesen Eintrag gibt es nicht (mehr).")
            series = _series(session, event)
            pending = pending_of_series(session, event.series, now=call.now) if event.series else []
            return call.render(
                "event.html",
                status=status,
                error=error,
                event=event,
                links=sorted(event.links, key=lambda link: (not link.active, link.id)),
                series=series,
                series_pending=len(pending),
                history=listing_history(session, event),
                stale=changes_since(session, event, since) if since is not None else [],
                form=typed or form_values(event),
                version=event.version,
                categories=CATEGORIES,
                conflicts=decisions.conflicts_of(event),
                group_names=GROUP_NAMES,
                cancel_reason=decisions.cancel_reason(event),
                past=decisions.is_past(event, call.now),
                back=back_url(call),
                back_query=urlencode({"back": back_url(call)}),
            )

    def editable(call: Call, session: Session) -> Event | Response:
        """The page's event, or why it cannot be changed any more, as a page."""
        event = call.listing(session, Event, call.path("event_id"))
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
            whole = call.field("scope") == "series"
            with app.store.transaction() as session:
                event = editable(call, session)
                if isinstance(event, Response):
                    return event
                events = [event]
                if event.series and whole:
                    events += (
                        pending_of_series(session, event.series, now=call.now)
                        if action == ReviewAction.APPROVE
                        else upcoming_of_series(session, event.series, now=call.now)
                    )
                if action == ReviewAction.APPROVE and decisions.is_past(event, call.now):
                    return show(
                        call,
                        status=409,
                        error="Dieser Termin liegt in der Vergangenheit "
                        "und wird nicht mehr freigegeben.",
                    )
                published = [e for e in events if e.review_state == ReviewState.PUBLISHED]
                if action == ReviewAction.REJECT and published and not call.confirmed():
                    count = len({e.id for e in events})
                    return call.confirm(
                        title="Veröffentlichten Eintrag ablehnen?",
                        message=(
                            f"{len(published)} von {count} Terminen "
                            "sind veröffentlicht. Nach dem Ablehnen verschwinden sie aus den "
                            "Feeds; wer sie abonniert hat, sieht sie nicht mehr."
                        ),
                        button="Ja, ablehnen",
                        back=f"/desk/events/{event.id}",
                        facts=[("Titel", event.title), ("Grund", reason)],
                    )
                decide(session, events, action, actor=call.staff.name, reason=reason, now=call.now)
            notice = "approved" if action == ReviewAction.APPROVE else "rejected"
            return _to(back_url(call), notice)

        return handle

    def correct(call: Call) -> Response:
        typed = typed_values(call)
        try:
            with app.store.transaction() as session:
                event = editable(call, session)
                if isinstance(event, Response):
                    return event
                loaded = call.field("version")
                if loaded != str(event.version):
                    since = int(loaded) if loaded.isdigit() and len(loaded) < 10 else 0
                    return show(
                        call,
                        status=409,
                        error="Inzwischen wurde dieser Eintrag geändert (siehe unten). Ihre "
                        "Eingaben sind erhalten, aber noch nicht gespeichert: Bitte prüfen Sie "
                        "sie und speichern Sie erneut.",
                        typed=typed,
                        since=since,
                    )
                changes = corrections(event, typed)
                changed = (
                    decisions.correct(
                        session, event, actor=call.staff.name, fields=changes, now=call.now
                    )
                    if changes
                    else []
                )
                notice = _cancellation(session, event, call, typed) or (
                    "corrected" if changed else "unchanged"
                )
        except Invalid as problem:
            return show(call, status=400, error=str(problem), typed=typed)
        return _to(f"/desk/events/{call.path('event_id')}", notice, back=back_url(call))

    def settle(keep: bool) -> Page:
        def handle(call: Call) -> Response:
            group = call.path("group")
            if group not in GROUPS:
                raise BadInput("Dieses Feld gibt es nicht.")
            with app.store.transaction() as session:
                event = editable(call, session)
                if isinstance(event, Response):
                    return event
                settle_with = decisions.keep_ours if keep else decisions.take_theirs
                settle_with(session, event, group, actor=call.staff.name, now=call.now)
            return _to(f"/desk/events/{call.path('event_id')}", "kept" if keep else "taken")

        return handle

    def split(call: Call) -> Response:
        with app.store.transaction() as session:
            event = editable(call, session)
            if isinstance(event, Response):
                return event
            active = {link.id: link for link in event.links if link.active}
            chosen = [int(v) for v in call.fields("link_ids") if v.isdigit() and int(v) in active]
            if not chosen or len(chosen) == len(active):
                return _to(f"/desk/events/{event.id}", "split_none")
            if not call.confirmed():
                sources = sorted({active[i].record.source_id for i in chosen})
                return call.confirm(
                    title="Quellen abtrennen?",
                    message="Die gewählten Quellen bilden danach einen eigenen Eintrag. Er "
                    "wird veröffentlicht, wenn eine vertrauenswürdige Quelle ihn beschreibt, "
                    "sonst wartet er auf Prüfung.",
                    button="Ja, abtrennen",
                    back=f"/desk/events/{event.id}",
                    facts=[("Eintrag", event.title), ("Abtrennen", ", ".join(sources))],
                    danger=False,
                )
            new = decisions.split(session, event, chosen, actor=call.staff.name, now=call.now)
            new_id = new.id
        return _to(f"/desk/events/{new_id}", "split")

    event_url = "/desk/events/{event_id}"
    return [
        Route(event_url, guarded(app, show), methods=["GET"]),
        Route(
            f"{event_url}/approve", guarded(app, decision(ReviewAction.APPROVE)), methods=["POST"]
        ),
        Route(f"{event_url}/reject", guarded(app, decision(ReviewAction.REJECT)), methods=["POST"]),
        Route(f"{event_url}/edit", guarded(app, correct), methods=["POST"]),
        Route(f"{event_url}/split", guarded(app, split), methods=["POST"]),
        Route(
            f"{event_url}/conflicts/{{group}}/keep", guarded(app, settle(True)), methods=["POST"]
        ),
        Route(
            f"{event_url}/conflicts/{{group}}/take", guarded(app, settle(False)), methods=["POST"]
        ),
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
        cancelled=event.status == EventStatus.CANCELLED,
        cancel_reason=decisions.cancel_reason(event) or "",
    )
    return values


def typed_values(call: Call) -> dict[str, Any]:
    """The edit form as typed, in the shape of ``form_values``."""
    typed: dict[str, Any] = {name: call.field(name) for name in (*PLACE_FIELDS, "title", "url")}
    typed.update(
        start=call.field("start"),
        end=call.field("end"),
        description=call.text("description").strip(),
        categories=[slug for slug in CATEGORIES if slug in call.fields("categories")],
        cancelled=call.field("cancelled") == "1",
        cancel_reason=call.field("cancel_reason"),
    )
    return typed


def corrections(event: Event, typed: dict[str, Any]) -> dict[str, Any]:
    """What the edit form changed, in the groups aggregator.review.decisions.correct takes;
    checked. (A group whose normalized value is unchanged is dropped there.)"""
    shown = form_values(event)
    editable = [name for name in shown if name not in ("cancelled", "cancel_reason")]
    changed = {name for name in editable if typed[name] != shown[name]}
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
        raise Invalid(f"Nicht gespeichert: {_german(problem)}") from None
    return changes


def _cancellation(session: Session, event: Event, call: Call, typed: dict[str, Any]) -> str:
    """Mark cancelled or take the cancellation back, as the form's box says; the notice."""
    is_cancelled = event.status == EventStatus.CANCELLED
    if typed["cancelled"] and not is_cancelled:
        if not typed["cancel_reason"]:
            raise Invalid("Bitte einen Grund für die Absage angeben.")
        decisions.cancel(
            session, event, actor=call.staff.name, reason=typed["cancel_reason"], now=call.now
        )
        return "cancelled"
    if not typed["cancelled"] and is_cancelled:
        decisions.uncancel(session, event, actor=call.staff.name, now=call.now)
        return "uncancelled"
    return ""


def _series(session: Session, event: Event) -> list[Event]:
    if not event.series:
        return []
    query = (
        select(Event)
        .where(Event.series == event.series, Event.review_state != ReviewState.MERGED)
        .order_by(Event.start_at, Event.id)
        .limit(SERIES_ROWS)
    )
    return list(session.scalars(query))


def _german(problem: ValueError) -> str:
    text = str(problem)
    if "start and end must both" in text:
        return "Beginn und Ende müssen beide Tage (ganztägig) oder beide Uhrzeiten sein."
    if "end must come after" in text:
        return "Das Ende muss nach dem Beginn liegen."
    if "not a date" in text or "Invalid isoformat" in text:
        return "Ein Datum oder eine Uhrzeit ist unlesbar."
    return "Eine Angabe ist ungültig."


def _to(url: str, notice: str, *, back: str | None = None) -> Response:
    joiner = "&" if "?" in url else "?"
    target = f"{url}{joiner}msg={notice}"
    if back and back != "/desk/queue":
        target += "&" + urlencode({"back": back})
    return RedirectResponse(target, status_code=303)
