"""Each listing's history of its fields: every change by a source's crawl or by staff, with the
old and the new value of each field; the listing's ``version`` counts them.

Staff decisions that change no field (approve, reject, merge, …) are in the review log
(aggregator/review_log.py); a listing's page shows both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.review_log import TARGET_TYPES
from aggregator.store.models import Apprenticeship, Event, ListingChange

Listing = Event | Apprenticeship


def json_value(value: Any) -> Any:
    """A field's value as the history keeps it (dates and times as ISO text)."""
    return value.isoformat() if isinstance(value, date | datetime) else value


def field_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], names: Iterable[str]
) -> dict[str, list[Any]]:
    """``{name: [old, new]}`` for each of ``names`` whose value differs, JSON-ready."""
    found = {}
    for name in names:
        old, new = json_value(before.get(name)), json_value(after.get(name))
        if old != new:
            found[name] = [old, new]
    return found


def record_change(
    session: Session,
    listing: Listing,
    *,
    origin: str,
    actor: str,
    changes: dict[str, list[Any]],
    now: datetime,
) -> ListingChange:
    """Raise the listing's version and note who changed what (``changes`` empty: founded)."""
    listing.version = (listing.version or 0) + 1
    row = ListingChange(
        at=now,
        listing_type=TARGET_TYPES[type(listing)],
        listing_id=listing.id,
        version=listing.version,
        origin=origin,
        actor=actor[:100],
        changes=changes,
    )
    session.add(row)
    return row


def changes_of(
    session: Session, listing: Listing, *, since_version: int = 0, limit: int = 200
) -> list[ListingChange]:
    """The listing's changes after ``since_version``, newest first."""
    query = (
        select(ListingChange)
        .where(
            ListingChange.listing_type == TARGET_TYPES[type(listing)],
            ListingChange.listing_id == listing.id,
            ListingChange.version > since_version,
        )
        .order_by(ListingChange.version.desc(), ListingChange.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
