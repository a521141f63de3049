"""From records to canonical listings: link each draft, then rebuild the listings it touched.

Rules, in order:
- a draft keeps the listing its record (and occurrence) is already linked to;
- else matching may find a listing another record describes (aggregator.events.matching: the same
  canonical URL, or the same start, town and title); the link keeps the rule and score;
- else it founds a new listing, whose id derives from the record's key (stable across runs);
  an event matching only nearly is suggested to staff as a possible duplicate.
New drafts are placed after every vanished record let go of its listings, so a source that
re-keys its records finds them again; a draft loses a listing to a rival of its source that fits
it better (aggregator.events.matching.rank).
A new link from a trusted source publishes a pending listing no trusted source described yet.
A listing's fields come from its active links, best source first (trusted before untrusted, then
the order of the sources file, then the most complete record: its start from the best link, the
end from the first link with an end for that start, every other field from the first link that
has it, categories and licences from all); staff corrections
go on top (aggregator.events.corrections); a source changing a corrected field is a conflict for
staff, the listing keeps its state and the staff value. A field change raises SEQUENCE,
updated_at and the listing's version, and is noted in its history (aggregator.history). An
upcoming event whose every record vanished is cancelled and kept until past.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from aggregator.categories import CATEGORIES
from aggregator.dates.timezones import day_start_utc, to_utc
from aggregator.events.corrections import apply_corrections, check_corrections
from aggregator.events.matching import Verdict, candidate_key, find_candidates, find_match, suggest
from aggregator.history import field_changes, record_change
from aggregator.identity import content_hash, event_uid, listing_id, series_id
from aggregator.linking import (
    first_value,
    links_by_record,
    plan_links,
    rank_link,
    read_drafts,
    sources_by_id,
)
from aggregator.normalize.context import Context
from aggregator.normalize.drafts import ApprenticeshipDraft, EventDraft
from aggregator.review_log import SYSTEM_ACTOR, log_decision
from aggregator.states import ChangeOrigin, EventStatus, LinkRule, ReviewAction, ReviewState
from aggregator.store.models import ApprenticeshipLink, Event, EventLink, SourceRecord

D = TypeVar("D", EventDraft, ApprenticeshipDraft)
L = TypeVar("L", EventLink, ApprenticeshipLink)
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
    "licenses",
    "location_name",
    "location_address",
    "postcode",
    "town",
    "lat",
    "lon",
    "url",
    "series",
    "translations",
)


def reconcile_events(session: Session, context: Context, records: list[SourceRecord]) -> int:
    """Link every record's drafts to events and refresh the events touched; returns problems."""
    links = links_by_record(session, EventLink, [r.id for r in records if r.id is not None])
    plan = plan_links(records, links, lambda record: read_drafts(record, context, EventDraft))
    touched = {link.event.id: link.event for link in plan.changed}
    window_start = context.window[0]
    for link in plan.vanished:  # an occurrence that left the window behind is not cancelled
        if link.active and link.event.start_at >= window_start:
            link.active = False
            touched[link.event.id] = link.event
    for link in _link_new(session, context, plan.new):
        touched[link.event.id] = link.event
    session.flush()
    for event in touched.values():
        refresh_event(session, event, context.now, actor=context.source.id)
    return plan.problems


def _link_new(
    session: Session, context: Context, new: list[tuple[SourceRecord, EventDraft]]
) -> list[EventLink]:
    """Link the drafts no link holds yet, after every vanished record let go of its listings
    (so a source that re-keys its records finds them again). The source's other new drafts in
    the same minute are each draft's rivals: a listing goes to the draft that fits it best."""
    blocks: dict[Any, list[EventDraft]] = {}
    for _, draft in new:
        blocks.setdefault(candidate_key(draft), []).append(draft)
    created = []
    with session.no_autoflush:  # the candidates are loaded; a flush per draft costs O(n²)
        drafts = [draft for _, draft in new]
        candidates = find_candidates(session, context.source.id, drafts, region=context.region)
        for record, draft in new:
            key = candidate_key(draft)
            rivals = [rival for rival in blocks[key] if rival is not draft]
            event, rule, score = _place_draft(
                session, context, record, draft, rivals=rivals, candidates=candidates[key]
            )
            if context.source.trusted and event.review_state == ReviewState.PENDING:
                _publish_unless_vouched(session, event)
            link = EventLink(
                event=event,
                record=record,
                occurrence=draft.occurrence,
                fields=draft.to_fields(),
                linked_at=context.now,
                rule=rule,
                score=score,
            )
            session.add(link)
            created.append(link)
    return created


def _place_draft(
    session: Session,
    context: Context,
    record: SourceRecord,
    draft: EventDraft,
    *,
    rivals: list[EventDraft],
    candidates: list[Event],
) -> tuple[Event, str, float | None]:
    """The listing a new draft belongs to, with the rule and score that decided it."""
    suggestions: list[tuple[Event, Verdict]] = []
    match = find_match(
        session,
        context,
        record,
        draft,
        suggestions=suggestions,
        rivals=rivals,
        candidates=candidates,
    )
    if match is not None:
        return match
    event_id = listing_id("event", context.source.id, record.key, draft.occurrence)
    event = session.get(Event, event_id)
    if event is None:
        event = Event(
            id=event_id,
            uid=event_uid(event_id),
            start_at=_start_at(draft.to_fields()),
            region=context.region,
            review_state=ReviewState.PENDING,
            created_at=context.now,
            updated_at=context.now,
        )
        session.add(event)
    for candidate, verdict in suggestions:
        suggest(session, candidate, event, verdict, context.now)
    return event, LinkRule.RECORD, None


def _publish_unless_vouched(session: Session, event: Event) -> None:
    """Publish a pending event a trusted source now describes, unless one did already (then it
    waits for staff on purpose: a correction its source overrode)."""
    sources = sources_by_id(session, _source_ids([link for link in event.links if link.active]))
    if not any(source.trusted for source in sources.values()):
        event.review_state = ReviewState.PUBLISHED


def refresh_event(
    session: Session,
    event: Event,
    now: datetime,
    *,
    actor: str = SYSTEM_ACTOR,
    origin: str = ChangeOrigin.SOURCE,
) -> None:
    """Rebuild an event's fields from its links and corrections; when they changed, raise
    SEQUENCE and the version and note the change in the history as ``actor``'s (a source's id,
    or staff's name with ``origin`` staff). A source changing a corrected field is logged as a
    conflict; the event keeps its review state and the staff value."""
    fields = source_fields(session, event)
    if fields is None:
        fields = apply_corrections(
            {name: getattr(event, name) for name in EVENT_FIELDS}, event.overrides
        )
        if to_utc(event.start_at) >= now:
            fields["status"] = EventStatus.CANCELLED
    else:
        fields, standing, conflicts = check_corrections(fields, event.overrides)
        if standing != event.overrides:
            event.overrides = standing
        if conflicts:
            _log_conflict(session, event, conflicts, actor, now)
    digest = content_hash(fields)
    if digest == event.fields_hash:
        return
    before = {name: getattr(event, name) for name in EVENT_FIELDS}
    founded = not event.fields_hash
    if not founded:
        event.sequence += 1
    for name in EVENT_FIELDS:
        setattr(event, name, fields[name])
    event.fields_hash, event.updated_at = digest, now
    changes = {} if founded else field_changes(before, fields, EVENT_FIELDS)
    record_change(session, event, origin=origin, actor=actor, changes=changes, now=now)


def source_fields(session: Session, event: Event) -> dict[str, Any] | None:
    """The fields an event's active links give it (without corrections); None without any."""
    links = [link for link in event.links if link.active]
    if not links:
        return None
    sources = sources_by_id(session, _source_ids(links))
    ranked = sorted(links, key=lambda link: rank_link(link, sources))
    return _canonical(ranked, kept=event.translations or {})


def _log_conflict(
    session: Session, event: Event, groups: list[str], source: str, now: datetime
) -> None:
    """A source changed what staff corrected: staff decide whose value stands."""
    log_decision(
        session,
        actor=SYSTEM_ACTOR,
        action=ReviewAction.CONFLICT,
        target=event,
        now=now,
        detail={"fields": groups, "source": source},
    )


def _source_ids(links: list[EventLink]) -> set[str]:
    return {link.record.source_id for link in links}


def _canonical(links: list[EventLink], *, kept: dict[str, Any]) -> dict[str, Any]:
    """The best link's start; the end from the first link that has one for that start; every
    other field from the first link that has it; translations also from ``kept`` (the
    listing's own) where a link could not read its language this time."""
    primary = links[0]
    ending = next((link for link in links if _ends(link, primary)), primary)
    fields: dict[str, Any] = {
        "start_at": _start_at(primary.fields),
        "end_at": _end_at(ending.fields),
        "all_day": primary.fields["all_day"],
        "start_date": _date(primary.fields["start"]) if primary.fields["all_day"] else None,
        "end_date": _date(ending.fields["end"]) if primary.fields["all_day"] else None,
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
        "licenses": sorted({link.fields["license"] for link in links if "license" in link.fields}),
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
        fields[name] = first_value(link.fields["place"].get(key) for link in links)
    for name in ("title", "description", "url"):
        fields[name] = first_value(link.fields.get(name) for link in links) or (
            "" if name != "url" else None
        )
    fields["translations"] = _translations(links, kept)
    return fields


def _translations(links: list[EventLink], kept: dict[str, Any]) -> dict[str, Any]:
    """Each language's title and description from the best link translating into it (or that
    could not read it this time: then the one ``kept`` stands)."""
    found: dict[str, Any] = {}
    for link in links:
        for translation in link.fields.get("translations") or ():
            text = {"title": translation["title"], "description": translation["description"]}
            found.setdefault(translation["language"], text)
        for language in link.fields.get("translations_unread") or ():
            if language in kept:
                found.setdefault(language, kept[language])
    return dict(sorted(found.items()))


def _ends(link: EventLink, primary: EventLink) -> bool:
    """Whether a link gives an end for the primary link's start (a timed event "ending" at its
    start has no end to speak of)."""
    start, end, all_day = (link.fields[name] for name in ("start", "end", "all_day"))
    same_start = (start, all_day) == (primary.fields["start"], primary.fields["all_day"])
    return same_start and end is not None and (all_day or end != start)


def _category_order(slug: str) -> int:
    return CATEGORIES.index(slug) if slug in CATEGORIES else len(CATEGORIES)


def _start_at(fields: dict[str, Any]) -> datetime:
    if fields["all_day"]:
        return day_start_utc(date.fromisoformat(fields["start"]))
    return to_utc(datetime.fromisoformat(fields["start"]))


def _end_at(fields: dict[str, Any]) -> datetime | None:
    if fields["end"] is None:
        return None
    if fields["all_day"]:
        return day_start_utc(date.fromisoformat(fields["end"]) + timedelta(days=1))
    return to_utc(datetime.fromisoformat(fields["end"]))


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
