"""Staff decisions on listings, kept across re-crawls; each writes a ReviewLog row.

- approve / reject: the review state; a pass never publishes a rejected listing again.
- correct: staff's values on top of the sources' until a source changes that field again
  (aggregator.events.corrections; the listing then goes back to review).
- merge: every link of one event moves to another; the other is retired (review state
  "merged", kept) and matching never picks it again. Links stay where they are across runs.
- split: links move to a new event; KeepApart rows stop matching from joining the sources of
  one part to the other again.
- suggestions: what matching was unsure about (MatchSuggestion), to merge or dismiss.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from aggregator.events.corrections import corrected_columns, correction
from aggregator.events.listings import EVENT_FIELDS, refresh_event, source_fields
from aggregator.identity import event_uid, listing_id
from aggregator.review_log import log_decision
from aggregator.states import LinkRule, ReviewAction, ReviewState, SuggestionState
from aggregator.store.models import Apprenticeship, Event, EventLink, KeepApart, MatchSuggestion


def approve(
    session: Session, listing: Event | Apprenticeship, *, actor: str, now: datetime
) -> None:
    """Publish a listing (an event or an apprenticeship)."""
    _check_not_merged(listing)
    before = listing.review_state
    listing.review_state = ReviewState.PUBLISHED
    log_decision(
        session,
        actor=actor,
        action=ReviewAction.APPROVE,
        target=listing,
        now=now,
        detail={"was": before},
    )


def reject(
    session: Session, listing: Event | Apprenticeship, *, actor: str, reason: str, now: datetime
) -> None:
    """Withdraw a listing for good: later runs keep it rejected."""
    _check_not_merged(listing)
    before = listing.review_state
    listing.review_state = ReviewState.REJECTED
    detail = {"was": before, "reason": reason}
    log_decision(
        session, actor=actor, action=ReviewAction.REJECT, target=listing, now=now, detail=detail
    )


def correct(
    session: Session, event: Event, *, actor: str, fields: dict[str, Any], now: datetime
) -> None:
    """Staff's values for title, description, start, end, location, url or categories (see
    aggregator.events.corrections.corrected_columns); they stay until a source changes that
    field."""
    _check_not_merged(event)
    columns = corrected_columns(fields)
    sources = source_fields(session, event) or {name: getattr(event, name) for name in EVENT_FIELDS}
    overrides = dict(event.overrides)
    for group, values in columns.items():
        overrides[group] = correction(values, sources)
    event.overrides = overrides
    refresh_event(session, event, now)
    detail = {"fields": {group: overrides[group]["value"] for group in columns}}
    log_decision(
        session, actor=actor, action=ReviewAction.CORRECT, target=event, now=now, detail=detail
    )


def merge(session: Session, primary: Event, other: Event, *, actor: str, now: datetime) -> Event:
    """Move every link of ``other`` to ``primary`` and retire ``other``; returns primary."""
    if primary.id == other.id:
        raise ValueError("an event cannot be merged into itself")
    _check_not_merged(primary)
    _check_not_merged(other)
    moved = [link.id for link in other.links]
    for link in list(other.links):
        link.event, link.rule, link.score = primary, LinkRule.STAFF_MERGE, None
    if primary.review_state == ReviewState.PENDING and other.review_state == ReviewState.PUBLISHED:
        primary.review_state = ReviewState.PUBLISHED
    other.review_state = ReviewState.MERGED
    _carry_over(session, primary, other, now)
    session.flush()
    refresh_event(session, primary, now)
    detail = {"other": other.id, "links": moved}
    log_decision(
        session, actor=actor, action=ReviewAction.MERGE, target=primary, now=now, detail=detail
    )
    return primary


def split(
    session: Session, event: Event, link_ids: list[int], *, actor: str, now: datetime
) -> Event:
    """Move the given links of an event to a new event, kept apart from it; returns the new."""
    _check_not_merged(event)
    wanted = set(link_ids)
    moving = [link for link in event.links if link.id in wanted]
    if not moving or len(moving) != len(wanted):
        raise ValueError(f"links {sorted(link_ids)} are not all links of event {event.id}")
    staying = [link for link in event.links if link not in moving]
    if not staying:
        raise ValueError("a split must leave at least one link with the event")
    new_id = listing_id("event-split", event.id, ",".join(map(str, sorted(link_ids))))
    new = Event(
        id=new_id,
        uid=event_uid(new_id),
        start_at=event.start_at,
        review_state=ReviewState.PENDING
        if event.review_state == ReviewState.REJECTED
        else event.review_state,
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    session.flush()  # the keep-apart rows below refer to it
    for link in moving:
        link.event, link.rule, link.score = new, LinkRule.STAFF_SPLIT, None
    _keep_apart(session, event, _sources_of(moving) - _sources_of(staying), now)
    _keep_apart(session, new, _sources_of(staying) - _sources_of(moving), now)
    session.flush()
    refresh_event(session, event, now)
    refresh_event(session, new, now)
    detail = {"links": sorted(link_ids), "into": new.id}
    log_decision(
        session, actor=actor, action=ReviewAction.SPLIT, target=event, now=now, detail=detail
    )
    return new


def dismiss_suggestion(session: Session, suggestion_id: int, *, actor: str, now: datetime) -> None:
    """Close a suggestion as "not the same event"; the pair is not suggested again."""
    suggestion = session.get(MatchSuggestion, suggestion_id)
    if suggestion is None:
        raise LookupError(f"no suggestion {suggestion_id}")
    if suggestion.state != SuggestionState.OPEN:
        raise ValueError(f"suggestion {suggestion_id} is already {suggestion.state}")
    suggestion.state, suggestion.decided_at = SuggestionState.DISMISSED, now
    detail = {"events": [suggestion.event_a_id, suggestion.event_b_id]}
    log_decision(
        session, actor=actor, action=ReviewAction.DISMISS, target=suggestion, now=now, detail=detail
    )


def open_suggestions(session: Session, *, limit: int = 100) -> list[MatchSuggestion]:
    """Open suggestions, most likely first (highest score, then oldest), events loaded."""
    query = (
        select(MatchSuggestion)
        .where(MatchSuggestion.state == SuggestionState.OPEN)
        .options(selectinload(MatchSuggestion.event_a), selectinload(MatchSuggestion.event_b))
        .order_by(MatchSuggestion.score.desc(), MatchSuggestion.created_at, MatchSuggestion.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _check_not_merged(listing: Event | Apprenticeship) -> None:
    if listing.review_state == ReviewState.MERGED:
        raise ValueError(f"{listing.id} was merged into another event: decide on that one")


def _sources_of(links: list[EventLink]) -> set[str]:
    return {link.record.source_id for link in links}


def _keep_apart(session: Session, event: Event, source_ids: set[str], now: datetime) -> None:
    known = set(session.scalars(select(KeepApart.source_id).where(KeepApart.event_id == event.id)))
    for source_id in sorted(source_ids - known):
        session.add(KeepApart(event_id=event.id, source_id=source_id, created_at=now))


def _carry_over(session: Session, primary: Event, other: Event, now: datetime) -> None:
    """Suggestions and keep-apart decisions about ``other`` now concern ``primary``; what kept
    the merged sources away from either is lifted (staff said they are one)."""
    linked = _sources_of(primary.links)
    pins = session.scalars(
        select(KeepApart).where(KeepApart.event_id.in_([primary.id, other.id]))
    ).all()
    carried = {pin.source_id for pin in pins if pin.event_id == other.id}
    for pin in pins:
        if pin.source_id in linked or pin.event_id == other.id:
            session.delete(pin)
    session.flush()
    _keep_apart(session, primary, carried - linked, now)
    involving = or_(
        MatchSuggestion.event_a_id.in_([primary.id, other.id]),
        MatchSuggestion.event_b_id.in_([primary.id, other.id]),
    )
    suggestions = session.scalars(select(MatchSuggestion).where(involving)).all()
    pairs = {frozenset((s.event_a_id, s.event_b_id)) for s in suggestions}
    for suggestion in suggestions:
        ids = {suggestion.event_a_id, suggestion.event_b_id}
        if other.id not in ids:
            continue
        if ids == {primary.id, other.id}:
            suggestion.state, suggestion.decided_at = ReviewState.MERGED, now
            continue
        moved = frozenset((primary.id, *(ids - {other.id})))
        if moved in pairs:
            if suggestion.state == SuggestionState.OPEN:
                suggestion.state, suggestion.decided_at = SuggestionState.DISMISSED, now
        elif suggestion.event_a_id == other.id:
            suggestion.event_a, pairs = primary, pairs | {moved}
        else:
            suggestion.event_b, pairs = primary, pairs | {moved}
