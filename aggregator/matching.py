"""Matching a new draft to a listing that another record already describes (DESIGN.md tiers)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aggregator.drafts import EventDraft
from aggregator.models import Event, SourceRecord
from aggregator.normalize import Context


def find_match(
    session: Session, context: Context, record: SourceRecord, draft: EventDraft
) -> tuple[Event, str, float | None] | None:
    """The listing this draft describes, with the rule and score that decided it; None if new."""
    return None
