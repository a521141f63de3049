"""The review log: one row per staff decision (and per conflict a source raised), per sign-in
and failed sign-in, per account change and per crawl started from the desk."""

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
    return log_entry(
        session,
        actor=actor,
        action=action,
        target_type=TARGET_TYPES[type(target)],
        target_id=str(target.id),
        now=now,
        detail=detail,
    )


def log_entry(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> ReviewLog:
    """Write who did what to what (a listing, an account, a source), and when."""
    row = ReviewLog(
        at=now,
        actor=actor[:100],
        action=action,
        target_type=target_type,
        target_id=target_id[:100],
        detail=detail or {},
    )
    session.add(row)
    return row
