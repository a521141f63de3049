"""Approving and rejecting pending listings, singly, in bulk or a whole series at once.

The decisions themselves (state, log entry) are aggregator.review.decisions's; this module only
chooses which events a form's decision covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from aggregator.normalize.context import PAST_DAYS
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
    """Approve or reject each listing not in that state already; returns how many were decided."""
    decided = 0
    for listing in {listing.id: listing for listing in listings}.values():
        if listing.review_state == RESULTS[action]:
            continue
        if action == ReviewAction.APPROVE:
            decisions.approve(session, listing, actor=actor, now=now)
        else:
            decisions.reject(session, listing, actor=actor, reason=reason, now=now)
        decided += 1
    return decided


def pending(now: datetime) -> Select[Event]:
    """Pending events still in the feed window (30 days back): what waits for a decision."""
    return select(Event).where(
        Event.review_state == ReviewState.PENDING, Event.start_at >= now - timedelta(days=PAST_DAYS)
    )


def pending_of_series(session: Session, series: str, *, now: datetime) -> list[Event]:
    return list(session.scalars(pending(now).where(Event.series == series)))
