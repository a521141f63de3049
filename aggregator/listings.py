"""From records to canonical listings: link each draft, then rebuild the listings it touched.

Rules, in order:
- a draft keeps the listing its record (and occurrence) is already linked to;
- else matching may find a listing another record describes (aggregator.matching);
- else it founds a new listing, whose id derives from the record's key (stable across runs).
A listing's fields come from its active links, best source first (trusted before untrusted, then
the order of the sources file, then the most complete record); staff corrections go on top.
A field change raises SEQUENCE and updated_at. An upcoming event whose every record vanished
is cancelled and kept until past.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.categories import CATEGORIES
from aggregator.crawl_result import RawRecord
from aggregator.drafts import CANCELLED, EventDraft
from aggregator.identity import content_hash, event_uid, listing_id, series_id
from aggregator.matching import find_match
from aggregator.models import Event, EventLink, Source, SourceRecord
from aggregator.normalize import Context, RecordProblem, normalize
from aggregator.timezones import day_start_utc, to_utc

PUBLISHED, PENDING, REJECTED = "published", "pending", "rejected"
EVENT_FIELDS = (
    "title",
    "description",
    "start_at",
    "end_at",
    "all_day",
    "start_date",
    "end_date",
    "status",
    "categories",
    "location_name",
    "location_address",
    "postcode",
    "town",
    "lat",
    "lon",
    "url",
    "series",
)


def reconcile(session: Session, context: Context, records: list[SourceRecord]) -> int:
    """Link every record's drafts to listings and refresh those listings; returns problems."""
    if context.source.record_type != "event":
        from aggregator.apprenticeships import reconcile_apprenticeships

        return reconcile_apprenticeships(session, context, records)
    problems = 0
    links = _links_by_record(session, [r.id for r in records if r.id is not None])
    touched: dict[str, Event] = {}
    window_start = context.window[0]
    for record in records:
        drafts = [] if record.gone_at else _read(record, context)
        if drafts is None:
            problems += 1
            continue
        existing = {link.occurrence: link for link in links.get(record.id, [])}
        for draft in drafts:
            link = existing.pop(draft.occurrence, None)
            fields = draft.to_fields()
            if link is None:
                event = _place_draft(session, context, record, draft)
                link = EventLink(
                    event=event, record=record, occurrence=draft.occurrence, linked_at=context.now
                )
                link.rule, link.score = getattr(event, "_match", ("record", None))
                session.add(link)
            elif link.fields == fields and link.active:
                continue
            link.fields, link.active = fields, True
            touched[link.event.id] = link.event
        for link in existing.values():
            if link.active and link.event.start_at >= window_start:
                link.active = False
                touched[link.event.id] = link.event
    session.flush()
    for event in touched.values():
        refresh_event(session, event, context.now)
    return problems


def _read(record: SourceRecord, context: Context) -> list[EventDraft] | None:
    raw = RawRecord(record.key, record.fmt, record.payload, record.url, record.fetched_at)
    try:
        drafts = normalize(raw, context)
    except RecordProblem as problem:
        record.problems = [str(problem)]
        return None
    record.problems = []
    return [draft for draft in drafts if isinstance(draft, EventDraft)]


def _links_by_record(session: Session, record_ids: list[int]) -> dict[int, list[EventLink]]:
    by_record: dict[int, list[EventLink]] = {}
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        for link in session.scalars(select(EventLink).where(EventLink.record_id.in_(chunk))):
            by_record.setdefault(link.record_id, []).append(link)
    return by_record


def _place_draft(
    session: Session, context: Context, record: SourceRecord, draft: EventDraft
) -> Event:
    match = find_match(session, context, record, draft)
    if match is not None:
        event, rule, score = match
        event._match = (rule, score)  # type: ignore[attr-defined]
        return event
    event_id = listing_id("event", context.source.id, record.key, draft.occurrence)
    event = session.get(Event, event_id)
    if event is None:
        event = Event(
            id=event_id,
            uid=event_uid(event_id),
            start_at=_start_at(draft.to_fields()),
            review_state=PENDING,
            created_at=context.now,
            updated_at=context.now,
        )
        session.add(event)
    return event


def refresh_event(session: Session, event: Event, now: datetime) -> None:
    """Rebuild an event's fields from its links; raise SEQUENCE when they changed."""
    links = [link for link in event.links if link.active]
    sources = _sources(session, {link.record.source_id for link in event.links})
    if links:
        ordered = sorted(links, key=lambda link: _rank(link, sources))
        fields = _canonical(ordered)
        fields.update(_allowed_overrides(event.overrides))
    else:
        fields = {name: getattr(event, name) for name in EVENT_FIELDS}
        if to_utc(event.start_at) >= now:
            fields["status"] = CANCELLED
    digest = content_hash(fields)
    if digest == event.fields_hash:
        return
    if event.fields_hash:
        event.sequence += 1
    for name in EVENT_FIELDS:
        setattr(event, name, fields[name])
    event.fields_hash, event.updated_at = digest, now
    if event.review_state == PENDING and any(sources[s].trusted for s in _source_ids(links)):
        event.review_state = PUBLISHED


def _sources(session: Session, ids: Iterable[str]) -> dict[str, Source]:
    return {source_id: session.get(Source, source_id) for source_id in ids}


def _source_ids(links: list[EventLink]) -> set[str]:
    return {link.record.source_id for link in links}


def _rank(link: EventLink, sources: dict[str, Source]) -> tuple[int, int, int, int]:
    source = sources[link.record.source_id]
    filled = sum(1 for value in link.fields.values() if value not in (None, "", [], {}))
    return (not source.trusted, source.position, -filled, link.id or 0)


def _canonical(links: list[EventLink]) -> dict[str, Any]:
    """The best link's start and end; every other field from the first link that has it."""
    primary = links[0]
    fields: dict[str, Any] = {
        "start_at": _start_at(primary.fields),
        "end_at": _end_at(primary.fields),
        "all_day": primary.fields["all_day"],
        "start_date": _date(primary.fields["start"]) if primary.fields["all_day"] else None,
        "end_date": _date(primary.fields["end"]) if primary.fields["all_day"] else None,
        "status": primary.fields["status"],
        "series": (
            series_id(primary.record.source_id, primary.record.key)
            if primary.fields["series"]
            else None
        ),
        "categories": sorted(
            {c for link in links for c in link.fields["categories"]},
            key=_category_order,
        ),
    }
    place_keys = {
        "location_name": "name",
        "location_address": "address",
        "postcode": "postcode",
        "town": "town",
        "lat": "lat",
        "lon": "lon",
    }
    for name, key in place_keys.items():
        fields[name] = _first(link.fields["place"].get(key) for link in links)
    for name in ("title", "description", "url"):
        fields[name] = _first(link.fields.get(name) for link in links) or (
            "" if name != "url" else None
        )
    return fields


def _allowed_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in overrides.items() if name in EVENT_FIELDS}


def _first(values: Iterable[Any]) -> Any:
    return next((value for value in values if value not in (None, "")), None)


def _category_order(slug: str) -> int:
    return CATEGORIES.index(slug) if slug in CATEGORIES else len(CATEGORIES)


def _start_at(fields: dict[str, Any]) -> datetime:
    if fields["all_day"]:
        return day_start_utc(_date(fields["start"]))
    return to_utc(datetime.fromisoformat(fields["start"]))


def _end_at(fields: dict[str, Any]) -> datetime | None:
    if fields["end"] is None:
        return None
    if fields["all_day"]:
        return day_start_utc(_date(fields["end"]) + timedelta(days=1))
    return to_utc(datetime.fromisoformat(fields["end"]))


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
