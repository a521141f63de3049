"""A listing's history as its page shows it: every change of its fields (by a source or by
staff, old → new) and every decision about it, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, and_, cast, or_, select
from sqlalchemy.orm import Session

from aggregator.history import changes_of
from aggregator.review.undo import can_undo, undone_ids
from aggregator.review_log import TARGET_TYPES
from aggregator.states import ChangeOrigin, ReviewAction
from aggregator.store.models import Apprenticeship, Event, ReviewLog
from web.desk.log import Entry, describe
from web.desk.render import display_value, label

ROWS = 100


@dataclass(frozen=True)
class Change:
    field: str  # German
    old: str
    new: str


@dataclass(frozen=True)
class Step:
    """One line of the history: a change of fields (``changes``) or a decision (``entry``)."""

    at: datetime
    who: str
    origin: str  # a ChangeOrigin, or "" for a decision
    changes: tuple[Change, ...] = ()
    founded: bool = False
    entry: Entry | None = None
    undoable: bool = False


def listing_history(session: Session, listing: Event | Apprenticeship) -> list[Step]:
    steps = [
        Step(
            row.at,
            row.actor,
            row.origin,
            tuple(
                Change(label(name, "field"), display_value(old), display_value(new))
                for name, (old, new) in row.changes.items()
            ),
            founded=not row.changes,
        )
        for row in changes_of(session, listing, limit=ROWS)
    ]
    rows = _decisions(session, listing)
    undone = undone_ids(session, rows)
    steps += [
        Step(entry.row.at, entry.row.actor, "", entry=entry, undoable=can_undo(entry.row, undone))
        for entry in describe(session, rows)
        if entry.row.action != ReviewAction.CORRECT  # its values are in the change
    ]
    return sorted(steps, key=lambda step: step.at, reverse=True)[:ROWS]


def changes_since(session: Session, listing: Event | Apprenticeship, version: int) -> list[Step]:
    """What changed after the version a form was loaded at (a stale save shows it)."""
    return [
        step
        for step in listing_history(session, listing)
        if step.entry is None and step.origin in set(ChangeOrigin)
    ][: max(listing.version - version, 0)]


def _decisions(session: Session, listing: Event | Apprenticeship) -> list[ReviewLog]:
    """Every decision about the listing: on it, or naming it (merged into or split from)."""
    about = ReviewLog.target_type == TARGET_TYPES[type(listing)], ReviewLog.target_id == listing.id
    naming = cast(ReviewLog.detail, Text).like(f'%"{listing.id}"%')
    query = (
        select(ReviewLog)
        .where(or_(and_(*about), naming))
        .order_by(ReviewLog.at.desc(), ReviewLog.id.desc())
        .limit(ROWS)
    )
    return list(session.scalars(query))
