"""Approving and rejecting listings, singly, in bulk or a whole series at once.

The decisions themselves (state, log entry) are aggregator.review.decisions's; this module only
chooses which events a form's decision covers. What waits for a decision is upcoming: a past
event is not offered for approval.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from aggregator.review import decisions
from aggregator.states import ReviewAction, ReviewState
from aggregator.store.models import Apprenticeship, Event

RESULTS = {ReviewAction.APPROVE: ReviewState.PUBLISHED, ReviewAction.REJECT: ReviewState.REJECTED}


def decide(
    session: Session,
    listings: Sequence[Event | Apprenticeship],
    action: ReviewAction,
    *,
    actor: str,
    reason: str,
    now: datetime,
) -> int:
    """Approve or reject each listing not in that state already (past events are not
    approved); returns how many were decided."""
    decided = 0
    for listing in {listing.id: listing for listing in listings}.values():
        if listing.review_state in (RESULTS[action], ReviewState.MERGED):
            continue
        if action == ReviewAction.APPROVE:
            if isinstance(listing, Event) and decisions.is_past(listing, now):
                continue
            decisions.approve(session, listing, actor=actor, now=now)
        else:
            decisions.reject(session, listing, actor=actor, reason=reason, now=now)
        decided += 1
    return decided


def upcoming(now: datetime) -> Select[Event]:
    """Events not over yet (their end, else their start, after now)."""
    return select(Event).where(
        or_(Event.end_at > now, Event.end_at.is_(None) & (Event.start_at >= now))
    )


def pending(now: datetime) -> Select[Event]:
    """Pending events not over yet: what waits for a decision."""
    return upcoming(now).where(Event.review_state == ReviewState.PENDING)


def pending_of_series(session: Session, series: str | None, *, now: datetime) -> list[Event]:
    if not series:
        return []
    return list(session.scalars(pending(now).where(Event.series == series)))


def upcoming_of_series(session: Session, series: str, *, now: datetime) -> list[Event]:
    """The series' dates not over yet that are pending or published (what a reject covers)."""
    states = (ReviewState.PENDING, ReviewState.PUBLISHED)
    query = upcoming(now).where(Event.series == series, Event.review_state.in_(states))
    return list(session.scalars(query))
