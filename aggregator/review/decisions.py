"""Staff decisions on listings, kept across re-crawls; each writes a ReviewLog row.

- approve / reject: the review state; a pass never publishes a rejected listing again. A past
  event is not approved (nothing is gained, and the queue does not offer it).
- correct: staff's values on top of the sources' (aggregator.events.corrections); a field counts
  as corrected only when its normalized value differs from the listing's. When a source later
  changes a corrected field, the listing keeps its state and the staff value, and the conflict
  waits for staff: keep_ours or take_theirs.
- cancel / uncancel: staff mark an event cancelled (with a reason); it stays in the feeds as
  cancelled.
- merge: every link of one event moves to another; the other is retired (review state
  "merged", kept) and matching never picks it again. A published listing's UID survives: when
  the event that stays was not published and the other was, it takes the other's UID.
- split: links move to a new event, in the review state its own sources give it (a trusted one
  publishes, else it waits); KeepApart rows stop matching from joining them again. Splitting off
  exactly what a merge brought in revives the event merged away (its id, UID and state).
- suggestions: what matching was unsure about (MatchSuggestion), to merge or dismiss.
Undoing a reject, a merge or a dismissal: aggregator.review.undo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, or_, select
from sqlalchemy.orm import Session, selectinload

from aggregator.events.corrections import (
    corrected_columns,
    correction,
    encoded,
    same_values,
)
from aggregator.events.listings import EVENT_FIELDS, refresh_event, source_fields
from aggregator.identity import event_uid, listing_id
from aggregator.linking import sources_by_id
from aggregator.review_log import log_decision
from aggregator.states import (
    ChangeOrigin,
    EventStatus,
    LinkRule,
    ReviewAction,
    ReviewState,
    SuggestionState,
)
from aggregator.store.models import (
    Apprenticeship,
    Event,
    EventLink,
    KeepApart,
    MatchSuggestion,
    ReviewLog,
)

Listing = Event | Apprenticeship


class Refused(ValueError):
    """A decision that cannot be taken as asked; the message says why, in German, for staff."""


@dataclass(frozen=True)
class Conflict:
    """A corrected field a source changed since: what it said, what it says now, staff's value
    (each the group's values, JSON-ready)."""

    group: str
    was: dict[str, Any]
    theirs: dict[str, Any]
    ours: dict[str, Any]


def is_past(event: Event, now: datetime) -> bool:
    """Over: its end (else its start) lies before now."""
    return (event.end_at or event.start_at) < now


def approve(session: Session, listing: Listing, *, actor: str, now: datetime) -> None:
    """Publish a listing (an event or an apprenticeship)."""
    _check_not_merged(listing)
    if isinstance(listing, Event) and is_past(listing, now):
        raise Refused("Dieser Termin liegt in der Vergangenheit und wird nicht mehr freigegeben.")
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


def reject(session: Session, listing: Listing, *, actor: str, reason: str, now: datetime) -> None:
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
) -> list[str]:
    """Staff's values for title, description, start, end, location, url or categories (see
    aggregator.events.corrections.corrected_columns). A group whose normalized values are what
    the event shows already is no correction; one that says what the sources say ends the
    correction. Returns the groups changed (nothing logged when none)."""
    _check_not_merged(event)
    columns = corrected_columns(fields)
    sources = source_fields(session, event) or {name: getattr(event, name) for name in EVENT_FIELDS}
    overrides = dict(event.overrides)
    current = {name: getattr(event, name) for name in EVENT_FIELDS}
    changed = []
    for group, values in columns.items():
        if same_values(values, current):
            continue
        if same_values(values, sources):
            overrides.pop(group, None)
        else:
            overrides[group] = correction(values, sources)
        changed.append(group)
    if not changed:
        return []
    event.overrides = overrides
    refresh_event(session, event, now, actor=actor, origin=ChangeOrigin.STAFF)
    detail = {"fields": {group: encoded(columns[group]) for group in changed}}
    log_decision(
        session, actor=actor, action=ReviewAction.CORRECT, target=event, now=now, detail=detail
    )
    return changed


def cancel(session: Session, event: Event, *, actor: str, reason: str, now: datetime) -> None:
    """Mark an event cancelled by staff; it stays in the feeds, as cancelled."""
    _check_not_merged(event)
    if not reason.strip():
        raise Refused("Bitte einen Grund für die Absage angeben.")
    sources = source_fields(session, event) or {name: getattr(event, name) for name in EVENT_FIELDS}
    entry = correction({"status": EventStatus.CANCELLED}, sources)
    event.overrides = {**event.overrides, "status": {**entry, "reason": reason.strip()}}
    refresh_event(session, event, now, actor=actor, origin=ChangeOrigin.STAFF)
    log_decision(
        session,
        actor=actor,
        action=ReviewAction.CANCEL,
        target=event,
        now=now,
        detail={"reason": reason.strip()},
    )


def uncancel(session: Session, event: Event, *, actor: str, now: datetime) -> None:
    """Take back a cancellation staff made (one its sources say stays theirs)."""
    _check_not_merged(event)
    overrides = dict(event.overrides)
    overrides.pop("status", None)
    event.overrides = overrides
    refresh_event(session, event, now, actor=actor, origin=ChangeOrigin.STAFF)
    log_decision(session, actor=actor, action=ReviewAction.UNCANCEL, target=event, now=now)


def cancel_reason(event: Event) -> str | None:
    """Why staff marked the event cancelled; None when they did not."""
    entry = event.overrides.get("status")
    if entry is None or entry["value"].get("status") != EventStatus.CANCELLED:
        return None
    return str(entry.get("reason") or "")


def conflicts_of(event: Event | Apprenticeship) -> list[Conflict]:
    """The corrections a source changed since, in the order of the fields."""
    return [
        Conflict(group, entry["base"], entry["theirs"], entry["value"])
        for group, entry in event.overrides.items()
        if "theirs" in entry
    ]


def keep_ours(session: Session, event: Event, group: str, *, actor: str, now: datetime) -> None:
    """Settle a conflict for staff's value: it stands until the source changes the field again."""
    entry = _conflict(event, group)
    event.overrides = {
        **event.overrides,
        group: {"value": entry["value"], "base": entry["theirs"]},
    }
    detail = {"fields": [group], "theirs": entry["theirs"]}
    log_decision(
        session, actor=actor, action=ReviewAction.KEEP_OURS, target=event, now=now, detail=detail
    )


def take_theirs(session: Session, event: Event, group: str, *, actor: str, now: datetime) -> None:
    """Settle a conflict for the source's value: the correction ends."""
    entry = _conflict(event, group)
    overrides = dict(event.overrides)
    del overrides[group]
    event.overrides = overrides
    refresh_event(session, event, now, actor=actor, origin=ChangeOrigin.STAFF)
    detail = {"fields": [group], "ours": entry["value"]}
    log_decision(
        session, actor=actor, action=ReviewAction.TAKE_THEIRS, target=event, now=now, detail=detail
    )


def with_conflicts() -> ColumnElement[bool]:
    """The condition: an event has a correction a source changed since."""
    return cast(Event.overrides, Text).like('%"theirs"%')


def merge(session: Session, primary: Event, other: Event, *, actor: str, now: datetime) -> Event:
    """Move every link of ``other`` to ``primary`` and retire ``other``; returns primary."""
    if primary.id == other.id:
        raise ValueError("an event cannot be merged into itself")
    _check_not_merged(primary)
    _check_not_merged(other)
    if primary.region != other.region:
        raise Refused("Veranstaltungen aus zwei Regionen lassen sich nicht zusammenführen.")
    moved = [link.id for link in other.links]
    was, other_was = primary.review_state, other.review_state
    for link in list(other.links):
        link.event, link.rule, link.score = primary, LinkRule.STAFF_MERGE, None
    if primary.review_state == ReviewState.PENDING and other.review_state == ReviewState.PUBLISHED:
        primary.review_state = ReviewState.PUBLISHED
    takes_uid = other_was == ReviewState.PUBLISHED and was != ReviewState.PUBLISHED
    if takes_uid:
        _swap_uids(session, primary, other)
    other.review_state = ReviewState.MERGED
    closed, moved_over, pins = _carry_over(session, primary, other, now)
    session.flush()
    refresh_event(session, primary, now, actor=actor, origin=ChangeOrigin.STAFF)
    if takes_uid:  # subscribers know the UID at the other's SEQUENCE: go beyond it
        primary.sequence = max(primary.sequence, other.sequence + 1)
    detail = {
        "other": other.id,
        "links": moved,
        "was": was,
        "other_was": other_was,
        "uid_taken": takes_uid,
        "suggestions": closed,
        "moved_suggestions": moved_over,
        "keep_apart": pins,  # [event id, source id] of each keep-apart before the merge
    }
    log_decision(
        session, actor=actor, action=ReviewAction.MERGE, target=primary, now=now, detail=detail
    )
    return primary


def split(
    session: Session, event: Event, link_ids: list[int], *, actor: str, now: datetime
) -> Event:
    """Move the given links of an event to an event of their own, kept apart from it; returns
    that event (the one merged away, revived, when the links are exactly what it brought)."""
    _check_not_merged(event)
    wanted = set(link_ids)
    moving = [link for link in event.links if link.id in wanted]
    if not moving or len(moving) != len(wanted):
        raise ValueError(f"links {sorted(link_ids)} are not all links of event {event.id}")
    staying = [link for link in event.links if link not in moving]
    if not staying:
        raise ValueError("a split must leave at least one link with the event")
    merged = merge_bringing(session, event, wanted)
    if merged is not None:
        new = unmerge(session, merged, now=now, actor=actor)
        _keep_apart(session, event, _sources_of(moving) - _sources_of(staying), now)
        _keep_apart(session, new, _sources_of(staying) - _sources_of(moving), now)
        _close_pair(session, event, new, now)
        detail = {"links": sorted(link_ids), "into": new.id, "revived": True}
        log_decision(
            session, actor=actor, action=ReviewAction.SPLIT, target=event, now=now, detail=detail
        )
        return new
    new_id = listing_id("event-split", event.id, ",".join(map(str, sorted(link_ids))))
    if session.get(Event, new_id) is not None:
        new_id = listing_id("event-split", event.id, f"{sorted(link_ids)}@{now.isoformat()}")
    new = Event(
        id=new_id,
        uid=event_uid(new_id),
        start_at=event.start_at,
        review_state=_own_state(session, event, moving),
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
    refresh_event(session, event, now, actor=actor, origin=ChangeOrigin.STAFF)
    refresh_event(session, new, now, actor=actor, origin=ChangeOrigin.STAFF)
    detail = {"links": sorted(link_ids), "into": new.id}
    log_decision(
        session, actor=actor, action=ReviewAction.SPLIT, target=event, now=now, detail=detail
    )
    return new


def merge_bringing(session: Session, event: Event, link_ids: set[int]) -> ReviewLog | None:
    """The merge into ``event`` that brought exactly these links, its other event still
    retired (so it can be revived)."""
    query = (
        select(ReviewLog)
        .where(
            ReviewLog.action == ReviewAction.MERGE,
            ReviewLog.target_type == "event",
            ReviewLog.target_id == event.id,
        )
        .order_by(ReviewLog.id.desc())
    )
    for row in session.scalars(query):
        if set(row.detail.get("links", [])) == link_ids:
            other = session.get(Event, row.detail.get("other"))
            if other is not None and other.review_state == ReviewState.MERGED:
                return row
    return None


def unmerge(session: Session, row: ReviewLog, *, now: datetime, actor: str) -> Event:
    """Revive the event a merge retired: the links it brought go back to it, it and the event it
    was merged into return to their states before the merge (where the merge set them), and
    each its UID. Returns the revived event; logs nothing (the caller does)."""
    primary = session.get(Event, row.target_id)
    other = session.get(Event, row.detail.get("other"))
    if primary is None or other is None or other.review_state != ReviewState.MERGED:
        raise Refused("Diese Zusammenführung ist schon aufgehoben.")
    if primary.review_state == ReviewState.MERGED:
        raise Refused(
            "Der Eintrag wurde später in einen weiteren aufgenommen; "
            "heben Sie zuerst diese spätere Zusammenführung auf."
        )
    brought = set(row.detail.get("links", []))
    moving = [link for link in primary.links if link.id in brought]
    if not moving or len(moving) == len(primary.links):
        raise Refused(
            "Die Quellen dieser Zusammenführung gehören nicht mehr so zum Eintrag; "
            "trennen Sie sie von Hand ab."
        )
    for link in moving:
        link.event, link.rule, link.score = other, LinkRule.STAFF_SPLIT, None
    other.review_state = row.detail.get("other_was") or ReviewState.PENDING
    if other.review_state == ReviewState.MERGED:
        other.review_state = ReviewState.PENDING
    merge_published = row.detail.get("was") != ReviewState.PUBLISHED
    if merge_published and primary.review_state == ReviewState.PUBLISHED:
        primary.review_state = row.detail.get("was") or ReviewState.PENDING
    if row.detail.get("uid_taken"):
        _swap_uids(session, primary, other)
        other.sequence = max(other.sequence, primary.sequence) + 1
    _restore_keep_apart(session, primary, other, row.detail.get("keep_apart"), now)
    for suggestion_id in row.detail.get("moved_suggestions", []):
        suggestion = session.get(MatchSuggestion, suggestion_id)
        if suggestion is not None and suggestion.event_a_id == primary.id:
            suggestion.event_a = other
        elif suggestion is not None and suggestion.event_b_id == primary.id:
            suggestion.event_b = other
    session.flush()
    refresh_event(session, primary, now, actor=actor, origin=ChangeOrigin.STAFF)
    refresh_event(session, other, now, actor=actor, origin=ChangeOrigin.STAFF)
    return other


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


def _check_not_merged(listing: Listing) -> None:
    if listing.review_state == ReviewState.MERGED:
        raise ValueError(f"{listing.id} was merged into another event: decide on that one")


def _conflict(event: Event, group: str) -> Mapping[str, Any]:
    _check_not_merged(event)
    entry = event.overrides.get(group)
    if entry is None or "theirs" not in entry:
        raise Refused("Hier gibt es keinen offenen Konflikt mehr.")
    return dict(entry)


def _own_state(session: Session, event: Event, links: list[EventLink]) -> str:
    """The review state links give an event of their own: published when a trusted source
    describes it, else waiting (a rejected event's parts wait for a fresh look)."""
    if event.review_state == ReviewState.REJECTED:
        return ReviewState.PENDING
    sources = sources_by_id(session, _sources_of(links))
    trusted = any(source.trusted for source in sources.values())
    return ReviewState.PUBLISHED if trusted else ReviewState.PENDING


def _swap_uids(session: Session, one: Event, other: Event) -> None:
    """Exchange two events' UIDs (unique: through a placeholder)."""
    first, second = one.uid, other.uid
    other.uid = f"swap-{other.id}"
    session.flush()
    one.uid = second
    session.flush()
    other.uid = first
    session.flush()


def _sources_of(links: list[EventLink]) -> set[str]:
    return {link.record.source_id for link in links}


def _keep_apart(session: Session, event: Event, source_ids: set[str], now: datetime) -> None:
    known = set(session.scalars(select(KeepApart.source_id).where(KeepApart.event_id == event.id)))
    for source_id in sorted(source_ids - known):
        session.add(KeepApart(event_id=event.id, source_id=source_id, created_at=now))


def _close_pair(session: Session, one: Event, other: Event, now: datetime) -> None:
    """Staff split the two: a suggestion that they are one is settled as not."""
    pair = [one.id, other.id]
    for suggestion in session.scalars(
        select(MatchSuggestion).where(
            MatchSuggestion.event_a_id.in_(pair), MatchSuggestion.event_b_id.in_(pair)
        )
    ):
        suggestion.state, suggestion.decided_at = SuggestionState.DISMISSED, now


def _restore_keep_apart(
    session: Session, primary: Event, other: Event, before: Any, now: datetime
) -> None:
    """The keep-apart decisions of the two events as they were before their merge (a merge
    logged before they were kept in its detail leaves them as they are)."""
    if not isinstance(before, list):
        return
    pair = [primary.id, other.id]
    for pin in session.scalars(select(KeepApart).where(KeepApart.event_id.in_(pair))):
        session.delete(pin)
    session.flush()
    for event_id, source_id in before:
        if event_id in pair:
            session.add(KeepApart(event_id=event_id, source_id=source_id, created_at=now))


def _carry_over(
    session: Session, primary: Event, other: Event, now: datetime
) -> tuple[list[int], list[int], list[list[str]]]:
    """Suggestions and keep-apart decisions about ``other`` now concern ``primary``; what kept
    the merged sources away from either is lifted (staff said they are one). Returns the
    suggestions of the pair itself, now settled as merged, those moved to ``primary``, and the
    pair's keep-apart decisions before (for an undo)."""
    linked = _sources_of(primary.links)
    pins = session.scalars(
        select(KeepApart).where(KeepApart.event_id.in_([primary.id, other.id]))
    ).all()
    before = sorted([pin.event_id, pin.source_id] for pin in pins)
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
    closed, moved_over = [], []
    for suggestion in suggestions:
        ids = {suggestion.event_a_id, suggestion.event_b_id}
        if other.id not in ids:
            continue
        if ids == {primary.id, other.id}:
            if suggestion.state == SuggestionState.OPEN:
                closed.append(suggestion.id)
            suggestion.state, suggestion.decided_at = SuggestionState.MERGED, now
            continue
        moved = frozenset((primary.id, *(ids - {other.id})))
        if moved in pairs:
            if suggestion.state == SuggestionState.OPEN:
                suggestion.state, suggestion.decided_at = SuggestionState.DISMISSED, now
        elif suggestion.event_a_id == other.id:
            suggestion.event_a, pairs = primary, pairs | {moved}
            moved_over.append(suggestion.id)
        else:
            suggestion.event_b, pairs = primary, pairs | {moved}
            moved_over.append(suggestion.id)
    return closed, moved_over, before
