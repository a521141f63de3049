"""Duplicates: the pairs matching was unsure about, side by side; merge (after a confirmation),
or say they differ. Any two listings can be merged by hand: /desk/merge compares them first."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.categories import CATEGORY_NAMES
from aggregator.review import decisions
from aggregator.states import ReviewState, SuggestionState
from aggregator.store.models import Event, MatchSuggestion
from web.context import AppContext
from web.desk.guard import Call, guarded
from web.desk.render import label, when

DESCRIPTION_SHOWN = 300
LISTING_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
COMPARED: tuple[tuple[str, Callable[[Event], str]], ...] = (
    ("Titel", lambda e: e.title),
    ("Beginn", lambda e: when(e.start_date) if e.all_day else when(e.start_at)),
    ("Ende", lambda e: when(e.end_date) if e.all_day else when(e.end_at)),
    ("Ort", lambda e: e.location_name or ""),
    ("Adresse", lambda e: e.location_address or ""),
    ("Gemeinde", lambda e: " ".join(filter(None, (e.postcode, e.town)))),
    ("Kategorien", lambda e: ", ".join(CATEGORY_NAMES.get(c, c) for c in e.categories)),
    ("Link", lambda e: e.url or ""),
    ("Status", lambda e: label(e.status, "status")),
    ("Prüfung", lambda e: label(e.review_state, "review")),
    ("Quellen", lambda e: ", ".join(sorted({k.record.source_id for k in e.links if k.active}))),
    ("Beschreibung", lambda e: e.description[:DESCRIPTION_SHOWN]),
)


@dataclass(frozen=True)
class Line:
    caption: str
    a: str
    b: str

    @property
    def differs(self) -> bool:
        return self.a != self.b


@dataclass(frozen=True)
class Pair:
    suggestion: MatchSuggestion
    lines: tuple[Line, ...]


def lines(a: Event, b: Event) -> tuple[Line, ...]:
    """The two events field by field, as staff read them."""
    return tuple(Line(caption, show(a), show(b)) for caption, show in COMPARED)


def compare(suggestion: MatchSuggestion) -> Pair:
    return Pair(suggestion, lines(suggestion.event_a, suggestion.event_b))


def routes(app: AppContext) -> list[Route]:
    def show(call: Call) -> Response:
        with app.store.transaction() as session:
            pairs = [
                compare(found)
                for found in decisions.open_suggestions(session)
                if call.staff.may_work_on(found.event_a.region)
            ]
            return call.render("duplicates.html", pairs=pairs)

    def merge(call: Call) -> Response:
        with app.store.transaction() as session:
            suggestion = session.get(MatchSuggestion, _number(call.path("suggestion_id")))
            if suggestion is None or suggestion.state != SuggestionState.OPEN:
                return _to_list("decided")
            call.listing(session, Event, suggestion.event_a_id)  # the account's region?
            pair = {
                suggestion.event_a.id: suggestion.event_a,
                suggestion.event_b.id: suggestion.event_b,
            }
            primary_id = call.field("primary")
            if primary_id not in pair:
                return _to_list("primary_missing")
            other = next(event for event_id, event in pair.items() if event_id != primary_id)
            if not call.confirmed():
                return _confirm(call, pair[primary_id], other)
            merged = decisions.merge(
                session, pair[primary_id], other, actor=call.staff.name, now=call.now
            )
            merged_id = merged.id
        return RedirectResponse(f"/desk/events/{merged_id}?msg=merged", status_code=303)

    def by_hand(call: Call) -> Response:
        """Any two events side by side, to merge."""
        typed = [call.query("a"), call.query("b"), *call.request.query_params.getlist("pick")]
        found = [match.group(0) for text in typed if (match := LISTING_ID.search(text.lower()))]
        if len(found) != 2:
            return _to_search("pick_two")
        a_id, b_id = found
        with app.store.transaction() as session:
            a, b = call.listing(session, Event, a_id), call.listing(session, Event, b_id)
            if a is None or b is None or a.id == b.id:
                return _to_search("pick_two")
            merged = [e for e in (a, b) if e.review_state == ReviewState.MERGED]
            return call.render("merge.html", a=a, b=b, lines=lines(a, b), merged=merged)

    def merge_by_hand(call: Call) -> Response:
        with app.store.transaction() as session:
            pair = {
                event.id: event
                for event in (call.listing(session, Event, call.field(name)) for name in ("a", "b"))
                if event is not None
            }
            primary_id = call.field("primary")
            if len(pair) != 2 or primary_id not in pair:
                return _to_search("pick_two")
            other = next(event for event_id, event in pair.items() if event_id != primary_id)
            merged = decisions.merge(
                session, pair[primary_id], other, actor=call.staff.name, now=call.now
            )
            merged_id = merged.id
        return RedirectResponse(f"/desk/events/{merged_id}?msg=merged", status_code=303)

    def dismiss(call: Call) -> Response:
        with app.store.transaction() as session:
            suggestion = session.get(MatchSuggestion, _number(call.path("suggestion_id")))
            if suggestion is None or suggestion.state != SuggestionState.OPEN:
                return _to_list("decided")
            call.listing(session, Event, suggestion.event_a_id)  # the account's region?
            decisions.dismiss_suggestion(
                session, suggestion.id, actor=call.staff.name, now=call.now
            )
        return _to_list("dismissed")

    pair_url = "/desk/duplicates/{suggestion_id}"
    return [
        Route("/desk/duplicates", guarded(app, show), methods=["GET"]),
        Route(f"{pair_url}/merge", guarded(app, merge), methods=["POST"]),
        Route(f"{pair_url}/dismiss", guarded(app, dismiss), methods=["POST"]),
        Route("/desk/merge", guarded(app, by_hand), methods=["GET"]),
        Route("/desk/merge", guarded(app, merge_by_hand), methods=["POST"]),
    ]


def _confirm(call: Call, primary: Event, other: Event) -> Response:
    return call.confirm(
        title="Zusammenführen?",
        message="Beide Einträge werden einer; seine Angaben kommen aus allen Quellen. Der "
        "andere Eintrag verschwindet aus den Feeds (ist er veröffentlicht, behält der bleibende "
        "seine UID). Im Protokoll lässt sich das rückgängig machen.",
        button="Ja, zusammenführen",
        back="/desk/duplicates",
        facts=[("Bleibt", primary.title), ("Wird aufgenommen", other.title)],
        danger=False,
    )


def _number(text: str) -> int:
    return int(text) if text.isdigit() else -1


def _to_search(notice: str) -> Response:
    return RedirectResponse(f"/desk/search?msg={notice}", status_code=303)


def _to_list(notice: str) -> Response:
    return RedirectResponse(f"/desk/duplicates?msg={notice}", status_code=303)
