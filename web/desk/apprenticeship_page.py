"""One apprenticeship on the desk: its fields, conflicts, sources and history; approve, reject,
correct (refused from a stale form, as for events), settle conflicts."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.apprenticeships import corrections
from aggregator.review import decisions
from aggregator.states import ReviewAction, ReviewState
from aggregator.store.models import Apprenticeship
from web.context import AppContext
from web.desk.decisions import decide
from web.desk.event_page import back_url
from web.desk.guard import BadInput, Call, Page, guarded
from web.desk.history import changes_since, listing_history

TEXT_FIELDS = ("title", "occupation", "company", "address", "postcode", "town", "url")
GROUP_NAMES = {
    "title": "Titel",
    "occupation": "Beruf",
    "company": "Betrieb",
    "location": "Adresse",
    "start_date": "Beginn der Ausbildung",
    "url": "Link",
}
PLACE = {"address": "address", "postcode": "postcode", "town": "town"}


class Invalid(ValueError):
    """A correction that cannot be saved as typed (German)."""


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
            item = call.listing(session, Apprenticeship, call.path("item_id"))
            if item is None:
                return call.not_found("Diesen Ausbildungsplatz gibt es nicht (mehr).")
            return call.render(
                "apprenticeship.html",
                status=status,
                error=error,
                item=item,
                links=sorted(item.links, key=lambda link: (not link.active, link.id)),
                history=listing_history(session, item),
                stale=changes_since(session, item, since) if since is not None else [],
                form=typed or form_values(item),
                version=item.version,
                conflicts=decisions.conflicts_of(item),
                group_names=GROUP_NAMES,
                back=back_url(call),
            )

    def found(call: Call, session: Session) -> Apprenticeship | Response:
        item = call.listing(session, Apprenticeship, call.path("item_id"))
        if item is None:
            return call.not_found("Diesen Ausbildungsplatz gibt es nicht (mehr).")
        return item

    def decision(action: ReviewAction) -> Page:
        def handle(call: Call) -> Response:
            reason = call.field("reason")
            if action == ReviewAction.REJECT and not reason:
                return show(call, status=400, error="Bitte einen Grund für die Ablehnung angeben.")
            with app.store.transaction() as session:
                item = found(call, session)
                if isinstance(item, Response):
                    return item
                if (
                    action == ReviewAction.REJECT
                    and item.review_state == ReviewState.PUBLISHED
                    and not call.confirmed()
                ):
                    return call.confirm(
                        title="Veröffentlichten Ausbildungsplatz ablehnen?",
                        message="Er verschwindet aus apprenticeships.json und den Seiten.",
                        button="Ja, ablehnen",
                        back=f"/desk/apprenticeships/{item.id}",
                        facts=[("Titel", item.title), ("Grund", reason)],
                    )
                decide(session, [item], action, actor=call.staff.name, reason=reason, now=call.now)
            notice = "approved" if action == ReviewAction.APPROVE else "rejected"
            back = back_url(call)
            if back == "/desk/queue":
                back = "/desk/queue?kind=apprenticeships"
            joiner = "&" if "?" in back else "?"
            return RedirectResponse(f"{back}{joiner}msg={notice}", status_code=303)

        return handle

    def correct(call: Call) -> Response:
        typed = typed_values(call)
        try:
            with app.store.transaction() as session:
                item = found(call, session)
                if isinstance(item, Response):
                    return item
                loaded = call.field("version")
                if loaded != str(item.version):
                    return show(
                        call,
                        status=409,
                        error="Inzwischen wurde dieser Ausbildungsplatz geändert (siehe unten). "
                        "Ihre Eingaben sind erhalten, aber noch nicht gespeichert: Bitte prüfen "
                        "Sie sie und speichern Sie erneut.",
                        typed=typed,
                        since=int(loaded) if loaded.isdigit() and len(loaded) < 10 else 0,
                    )
                changed = corrections.correct(
                    session,
                    item,
                    actor=call.staff.name,
                    fields=changes_of(item, typed),
                    now=call.now,
                )
        except Invalid as problem:
            return show(call, status=400, error=str(problem), typed=typed)
        notice = "corrected" if changed else "unchanged"
        url = f"/desk/apprenticeships/{call.path('item_id')}?msg={notice}"
        return RedirectResponse(url, status_code=303)

    def settle(keep: bool) -> Page:
        def handle(call: Call) -> Response:
            group = call.path("group")
            if group not in corrections.GROUPS:
                raise BadInput("Dieses Feld gibt es nicht.")
            with app.store.transaction() as session:
                item = found(call, session)
                if isinstance(item, Response):
                    return item
                if group not in {c.group for c in decisions.conflicts_of(item)}:
                    raise decisions.Refused("Hier gibt es keinen offenen Konflikt mehr.")
                corrections.settle(
                    session, item, group, keep=keep, actor=call.staff.name, now=call.now
                )
            notice = "kept" if keep else "taken"
            url = f"/desk/apprenticeships/{call.path('item_id')}?msg={notice}"
            return RedirectResponse(url, status_code=303)

        return handle

    url = "/desk/apprenticeships/{item_id}"
    return [
        Route(url, guarded(app, show), methods=["GET"]),
        Route(f"{url}/approve", guarded(app, decision(ReviewAction.APPROVE)), methods=["POST"]),
        Route(f"{url}/reject", guarded(app, decision(ReviewAction.REJECT)), methods=["POST"]),
        Route(f"{url}/edit", guarded(app, correct), methods=["POST"]),
        Route(f"{url}/conflicts/{{group}}/keep", guarded(app, settle(True)), methods=["POST"]),
        Route(f"{url}/conflicts/{{group}}/take", guarded(app, settle(False)), methods=["POST"]),
    ]


def form_values(item: Apprenticeship) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(item, name) or "" for name in TEXT_FIELDS}
    values["start_date"] = item.start_date.isoformat() if item.start_date else ""
    return values


def typed_values(call: Call) -> dict[str, Any]:
    return {name: call.field(name) for name in (*TEXT_FIELDS, "start_date")}


def changes_of(item: Apprenticeship, typed: dict[str, Any]) -> dict[str, Any]:
    """What the form changed, in the groups aggregator.apprenticeships.corrections takes."""
    shown = form_values(item)
    changed = {name for name in shown if typed[name] != shown[name]}
    if "title" in changed and not typed["title"]:
        raise Invalid("Der Titel darf nicht leer sein.")
    if "url" in changed and typed["url"] and urlsplit(typed["url"]).scheme not in ("http", "https"):
        raise Invalid("Der Link muss mit http:// oder https:// beginnen.")
    changes: dict[str, Any] = {
        name: typed[name] for name in ("title", "occupation", "company", "url") if name in changed
    }
    if "start_date" in changed:
        changes["start_date"] = typed["start_date"] or None
    if changed & set(PLACE):
        changes["location"] = {key: typed[name] or None for name, key in PLACE.items()}
    try:
        corrections.corrected_columns(changes)
    except ValueError:
        raise Invalid("Nicht gespeichert: Eine Angabe ist ungültig.") from None
    return changes
