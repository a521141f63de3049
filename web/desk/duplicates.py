"""Duplicates: the pairs matching was unsure about, side by side; merge, or say they differ."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.categories import CATEGORY_NAMES
from aggregator.review import decisions
from aggregator.states import SuggestionState
from aggregator.store.models import Event, MatchSuggestion
from web.context import AppContext
from web.desk.guard import Call, guarded
from web.desk.render import label, when

DESCRIPTION_SHOWN = 300
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


def compare(suggestion: MatchSuggestion) -> Pair:
    """The two events field by field, as staff read them."""
    a, b = suggestion.event_a, suggestion.event_b
    return Pair(suggestion, tuple(Line(caption, show(a), show(b)) for caption, show in COMPARED))


def routes(app: AppContext) -> list[Route]:
    def show(call: Call) -> Response:
        with app.store.transaction() as session:
            pairs = [compare(found) for found in decisions.open_suggestions(session)]
            return call.render("duplicates.html", pairs=pairs)

    def merge(call: Call) -> Response:
        with app.store.transaction() as session:
            suggestion = session.get(MatchSuggestion, _number(call.path("suggestion_id")))
            if suggestion is None or suggestion.state != SuggestionState.OPEN:
                return _to_list("decided")
            pair = {
                suggestion.event_a.id: suggestion.event_a,
                suggestion.event_b.id: suggestion.event_b,
            }
            primary_id = call.field("primary")
            if primary_id not in pair:
                return _to_list("primary_missing")
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
            decisions.dismiss_suggestion(
                session, suggestion.id, actor=call.staff.name, now=call.now
            )
        return _to_list("dismissed")

    pair_url = "/desk/duplicates/{suggestion_id}"
    return [
        Route("/desk/duplicates", guarded(app, show), methods=["GET"]),
        Route(f"{pair_url}/merge", guarded(app, merge), methods=["POST"]),
        Route(f"{pair_url}/dismiss", guarded(app, dismiss), methods=["POST"]),
    ]


def _number(text: str) -> int:
    return int(text) if text.isdigit() else -1


def _to_list(notice: str) -> Response:
    return RedirectResponse(f"/desk/duplicates?msg={notice}", status_code=303)
