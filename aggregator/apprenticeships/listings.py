"""From records to canonical apprenticeships, the counterpart of aggregator/events/listings.py.

Rules, in order:
- a draft keeps the listing its record is already linked to;
- else it joins the open listing another source gives for the same company, occupation and town
  (aggregator.apprenticeships.matching);
- else it founds a new listing, whose id derives from the record's key (stable across runs).
A listing's fields come from its active links, best source first (trusted before untrusted, then
the order of the sources file, then the most complete record): each field from the first link
that has it; the coordinates as a pair, from a source or else the postcode's centre.

Lifecycle: a listing is ``open`` while one of its records is still listed and ``closed`` (kept,
left out of apprenticeships.json) when none is. Records are only marked gone after a complete,
successful crawl (aggregator.ingest), so a failed or partial crawl closes nothing; a record that
is listed again reopens its listing. first_seen and last_seen span all its records. A listing is
published once an active link comes from a trusted source; otherwise it waits for review.
Staff corrections go on top as for events (aggregator.events.corrections): a source changing a
corrected field is a conflict for staff; a change of a field (not of first or last seen) raises
the listing's version and is noted in its history (aggregator.history).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from aggregator.apprenticeships.matching import MatchIndex
from aggregator.events.corrections import check_corrections
from aggregator.history import field_changes, record_change
from aggregator.identity import content_hash, listing_id
from aggregator.linking import (
    first_value,
    links_by_record,
    plan_links,
    rank_link,
    read_drafts,
    sources_by_id,
)
from aggregator.normalize.context import Context
from aggregator.normalize.drafts import ApprenticeshipDraft
from aggregator.places.locations import postcode_centroid
from aggregator.review_log import SYSTEM_ACTOR, log_decision
from aggregator.states import ChangeOrigin, LinkRule, PostingStatus, ReviewAction, ReviewState
from aggregator.store.models import Apprenticeship, ApprenticeshipLink, Source, SourceRecord

CHUNK = 500  # ids per IN (…) query
FIELDS = (
    "title",
    "occupation",
    "company",
    "address",
    "postcode",
    "town",
    "lat",
    "lon",
    "start_date",
    "url",
    "status",
    "first_seen",
    "last_seen",
)
SEEN = ("first_seen", "last_seen")


def reconcile_apprenticeships(
    session: Session, context: Context, records: list[SourceRecord]
) -> int:
    """Link every record's drafts to apprenticeships and refresh them; returns problems."""
    record_ids = [record.id for record in records if record.id is not None]
    links = links_by_record(session, ApprenticeshipLink, record_ids)
    items = _load(session, {link.apprenticeship_id for found in links.values() for link in found})
    plan = plan_links(records, links, lambda r: read_drafts(r, context, ApprenticeshipDraft))
    touched = dict(items)  # every listing of these records: its last_seen moves with them
    for link in plan.vanished:
        link.active = False
    index = MatchIndex(session, context.source.id, context.region)
    for record, draft in plan.new:
        item, rule = _place_draft(session, context, record, draft, index)
        link = ApprenticeshipLink(
            apprenticeship=item,
            record=record,
            occurrence=draft.occurrence,
            fields=draft.to_fields(),
            linked_at=context.now,
            rule=rule,
        )
        session.add(link)
        touched[item.id] = item
    session.flush()
    source_ids = {link.record.source_id for item in touched.values() for link in item.links}
    sources = sources_by_id(session, source_ids)
    for item in touched.values():
        refresh_apprenticeship(item, sources, context.now, actor=context.source.id)
    return plan.problems


def _load(session: Session, item_ids: set[str]) -> dict[str, Apprenticeship]:
    """These apprenticeships by id, with all their links and records, in a few queries."""
    ids = sorted(item_ids)
    items: dict[str, Apprenticeship] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = (
            select(Apprenticeship)
            .where(Apprenticeship.id.in_(chunk))
            .options(selectinload(Apprenticeship.links).selectinload(ApprenticeshipLink.record))
        )
        items.update((item.id, item) for item in session.scalars(query))
    return items


def _place_draft(
    session: Session,
    context: Context,
    record: SourceRecord,
    draft: ApprenticeshipDraft,
    index: MatchIndex,
) -> tuple[Apprenticeship, str]:
    """The listing a new draft belongs to, and the rule that decided it."""
    match = index.take(draft)
    if match is not None:
        return match, LinkRule.COMPANY_OCCUPATION_TOWN
    item_id = listing_id("apprenticeship", context.source.id, record.key, draft.occurrence)
    item = session.get(Apprenticeship, item_id)
    if item is None:
        item = Apprenticeship(
            id=item_id,
            status=PostingStatus.OPEN,
            region=context.region,
            review_state=ReviewState.PENDING,
            first_seen=record.first_seen,
            last_seen=record.last_seen,
            updated_at=context.now,
        )
        session.add(item)
    return item, LinkRule.RECORD


def refresh_apprenticeship(
    item: Apprenticeship,
    sources: dict[str, Source],
    now: datetime,
    *,
    actor: str = SYSTEM_ACTOR,
    origin: str = ChangeOrigin.SOURCE,
) -> None:
    """Rebuild an apprenticeship's fields from its links (``sources`` holds their sources) and
    staff corrections; open while one link is active, published once an active one comes from a
    trusted source. A change of its fields is noted as ``actor``'s."""
    active = [link for link in item.links if link.active]
    if active:
        fields = _canonical(sorted(active, key=lambda link: rank_link(link, sources)))
        fields["status"] = PostingStatus.OPEN
        if item.overrides:
            fields, standing, conflicts = check_corrections(fields, item.overrides)
            if standing != item.overrides:
                item.overrides = standing
            if conflicts:
                _log_conflict(item, conflicts, actor, now)
    else:
        fields = {name: getattr(item, name) for name in FIELDS}
        fields["status"] = PostingStatus.CLOSED
    fields["first_seen"] = min(link.record.first_seen for link in item.links)
    fields["last_seen"] = max(link.record.last_seen for link in item.links)
    digest = content_hash(fields)
    if digest != item.fields_hash:
        before = {name: getattr(item, name) for name in FIELDS}
        founded = not item.fields_hash
        for name in FIELDS:
            setattr(item, name, fields[name])
        item.fields_hash, item.updated_at = digest, now
        named = [name for name in FIELDS if name not in SEEN]
        changes = field_changes(before, fields, named)
        session = object_session(item)
        if session is not None and (founded or changes):
            changes = {} if founded else changes
            record_change(session, item, origin=origin, actor=actor, changes=changes, now=now)
    if item.review_state == ReviewState.PENDING and any(
        sources[link.record.source_id].trusted for link in active
    ):
        item.review_state = ReviewState.PUBLISHED


def source_fields(item: Apprenticeship, sources: dict[str, Source]) -> dict[str, Any] | None:
    """The fields the active links give (without corrections); None without any."""
    active = [link for link in item.links if link.active]
    if not active:
        return None
    return _canonical(sorted(active, key=lambda link: rank_link(link, sources)))


def _log_conflict(item: Apprenticeship, groups: list[str], source: str, now: datetime) -> None:
    session = object_session(item)
    if session is not None:
        log_decision(
            session,
            actor=SYSTEM_ACTOR,
            action=ReviewAction.CONFLICT,
            target=item,
            now=now,
            detail={"fields": groups, "source": source},
        )


def _canonical(links: list[ApprenticeshipLink]) -> dict[str, Any]:
    """Every field from the first link that has it; coordinates as a pair, else the centroid."""

    def first(name: str) -> Any:
        return first_value(link.fields.get(name) for link in links)

    def place(name: str) -> Any:
        return first_value(link.fields["place"].get(name) for link in links)

    postcode = place("postcode")
    points = (
        (link.fields["place"]["lat"], link.fields["place"]["lon"])
        for link in links
        if link.fields["place"].get("lat") is not None
        and link.fields["place"].get("lon") is not None
    )
    point = next(points, None) or (postcode_centroid(postcode) if postcode else None)
    start = first("start_date")
    return {
        "title": first("title") or "",
        "occupation": first("occupation") or "",
        "company": first("company") or "",
        "address": place("address"),
        "postcode": postcode,
        "town": place("town"),
        "lat": point[0] if point else None,
        "lon": point[1] if point else None,
        "start_date": date.fromisoformat(start) if start else None,
        "url": first("url"),
    }
