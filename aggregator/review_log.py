"""The review log: one row per staff decision (and per listing sent back to review)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from aggregator.states import LogTarget
from aggregator.store.models import Apprenticeship, Event, MatchSuggestion, ReviewLog

SYSTEM_ACTOR = "lotse"  # the actor of what a pass decides on its own
TARGET_TYPES = {
    Event: LogTarget.EVENT,
    Apprenticeship: LogTarget.APPRENTICESHIP,
    MatchSuggestion: LogTarget.SUGGESTION,
}


def log_decision(
    session: Session,
    *,
    actor: str,
    action: str,
    target: Event | Apprenticeship | MatchSuggestion,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> ReviewLog:
    """Write who did what to which listing or suggestion, and when."""
    row = ReviewLog(
        at=now,
        actor=actor,
        action=action,
        target_type=TARGET_TYPES[type(target)],
        target_id=str(target.id),
        detail=detail or {},
    )
    session.add(row)
    return row
