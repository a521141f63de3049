"""Undoing a decision from the log: a reject (the listing returns to its state before), a merge
(the event merged away is revived, aggregator.review.decisions.unmerge) or a "kein Duplikat"
(the suggestion is open again). Each undo is logged and names the row it undid; a row is undone
once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.review.decisions import Refused, unmerge
from aggregator.review_log import log_decision
from aggregator.states import LogTarget, ReviewAction, ReviewState, SuggestionState
from aggregator.store.models import Apprenticeship, Event, MatchSuggestion, ReviewLog

UNDOABLE = frozenset({ReviewAction.REJECT, ReviewAction.MERGE, ReviewAction.DISMISS})


def undone_ids(session: Session, rows: list[ReviewLog]) -> set[int]:
    """Which of these rows were undone already."""
    targets = {row.target_id for row in rows if row.action in UNDOABLE}
    if not targets:
        return set()
    query = select(ReviewLog.detail).where(
        ReviewLog.action == ReviewAction.UNDO, ReviewLog.target_id.in_(sorted(targets))
    )
    return {int(detail["of"]) for detail in session.scalars(query) if "of" in detail}


def can_undo(row: ReviewLog, undone: set[int]) -> bool:
    return row.action in UNDOABLE and row.id not in undone


def undo(session: Session, row: ReviewLog, *, actor: str, now: datetime) -> ReviewLog:
    """Undo the decision of ``row``; raises Refused (German, for staff) when it cannot be."""
    if row.action not in UNDOABLE:
        raise Refused("Diese Entscheidung lässt sich nicht rückgängig machen.")
    if row.id in undone_ids(session, [row]):
        raise Refused("Diese Entscheidung ist schon rückgängig gemacht.")
    target: Event | Apprenticeship | MatchSuggestion
    if row.action == ReviewAction.REJECT:
        target = _unreject(session, row)
    elif row.action == ReviewAction.DISMISS:
        target = _undismiss(session, row)
    else:
        target = unmerge(session, row, now=now, actor=actor)
        for suggestion_id in row.detail.get("suggestions", []):
            suggestion = session.get(MatchSuggestion, suggestion_id)
            if suggestion is not None and suggestion.state == SuggestionState.MERGED:
                suggestion.state, suggestion.decided_at = SuggestionState.OPEN, None
        target = session.get(Event, row.target_id) or target
    return log_decision(
        session,
        actor=actor,
        action=ReviewAction.UNDO,
        target=target,
        now=now,
        detail={"of": row.id, "undid": row.action, **_named(row)},
    )


def _unreject(session: Session, row: ReviewLog) -> Event | Apprenticeship:
    listing: Event | Apprenticeship | None = (
        session.get(Apprenticeship, row.target_id)
        if row.target_type == LogTarget.APPRENTICESHIP
        else session.get(Event, row.target_id)
    )
    if listing is None or listing.review_state != ReviewState.REJECTED:
        raise Refused("Dieser Eintrag ist nicht mehr abgelehnt.")
    was = str(row.detail.get("was"))
    keep = was in (ReviewState.PUBLISHED, ReviewState.PENDING)
    listing.review_state = ReviewState(was) if keep else ReviewState.PENDING
    return listing


def _undismiss(session: Session, row: ReviewLog) -> MatchSuggestion:
    suggestion = session.get(MatchSuggestion, int(row.target_id))
    if suggestion is None or suggestion.state != SuggestionState.DISMISSED:
        raise Refused("Dieser Vorschlag ist nicht mehr als „kein Duplikat“ entschieden.")
    if ReviewState.MERGED in (suggestion.event_a.review_state, suggestion.event_b.review_state):
        raise Refused("Einer der beiden Einträge wurde inzwischen in einen anderen aufgenommen.")
    suggestion.state, suggestion.decided_at = SuggestionState.OPEN, None
    return suggestion


def _named(row: ReviewLog) -> dict[str, object]:
    """What the undone row named, so the undo row links to the same listings."""
    return {key: row.detail[key] for key in ("other", "events") if key in row.detail}
