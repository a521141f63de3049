"""Approving and rejecting pending events, singly, in bulk or a whole series at once.

The decisions themselves (state, log entry) are aggregator.review's; this module only chooses
which events a form's decision covers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from aggregator import review
from aggregator.models import Event
from aggregator.normalize import PAST_DAYS

APPROVE, REJECT = "approve", "reject"
PENDING = "pending"
RESULTS = {APPROVE: "published", REJECT: "rejected"}


def decide(
    session: Session, events: list[Event], action: str, *, actor: str, reason: str, now: datetime
) -> int:
    """Approve or reject each event not in that state already; returns how many were decided."""
    decided = 0
    for event in {event.id: event for event in events}.values():
        if event.review_state == RESULTS[action]:
            continue
        if action == APPROVE:
            review.approve(session, event, actor=actor, now=now)
        else:
            review.reject(session, event, actor=actor, reason=reason, now=now)
        decided += 1
    return decided


def pending(now: datetime) -> Select[tuple[Event]]:
    """Pending events still in the feed window (30 days back): what waits for a decision."""
    return select(Event).where(
        Event.review_state == PENDING, Event.start_at >= now - timedelta(days=PAST_DAYS)
    )


def pending_of_series(session: Session, series: str, *, now: datetime) -> list[Event]:
    return list(session.scalars(pending(now).where(Event.series == series)))
