"""What events and apprenticeships share on the way from records to listings: reading a
record's drafts, finding its links, sorting out which drafts are new, changed or gone, and
ranking the links of a listing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.crawl_result import RawRecord
from aggregator.kinds import normalize
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import ApprenticeshipDraft, EventDraft
from aggregator.store.models import ApprenticeshipLink, EventLink, Source, SourceRecord

D = TypeVar("D", EventDraft, ApprenticeshipDraft)
L = TypeVar("L", EventLink, ApprenticeshipLink)


@dataclass
class LinkPlan(Generic[L, D]):
    """A crawl's drafts against the links its records hold: new drafts to place, links whose
    fields were just updated, links whose draft is gone, and records that could not be read."""

    new: list[tuple[SourceRecord, D]] = field(default_factory=list)
    changed: list[L] = field(default_factory=list)
    vanished: list[L] = field(default_factory=list)
    problems: int = 0


def plan_links(
    records: list[SourceRecord],
    links: dict[int, list[L]],
    read: Callable[[SourceRecord], list[D] | None],
) -> LinkPlan[L, D]:
    """Compare each record's drafts (none for a gone record) with its links, by occurrence."""
    plan: LinkPlan[L, D] = LinkPlan()
    for record in records:
        drafts = [] if record.gone_at else read(record)
        if drafts is None:
            plan.problems += 1
            continue
        existing = {link.occurrence: link for link in links.get(record.id, [])}
        for draft in drafts:
            link = existing.pop(draft.occurrence, None)
            if link is None:
                plan.new.append((record, draft))
                continue
            fields = draft.to_fields()
            if link.fields != fields or not link.active:
                link.fields, link.active = fields, True
                plan.changed.append(link)
        plan.vanished.extend(existing.values())
    return plan


def read_drafts(record: SourceRecord, context: Context, kind: type[D]) -> list[D] | None:
    """The record's drafts of one kind; None when it cannot be read (noted on the record)."""
    raw = RawRecord(record.key, record.fmt, record.payload, record.url, record.fetched_at)
    try:
        drafts = normalize(raw, context)
    except RecordProblem as problem:
        record.problems = [str(problem)]
        return None
    record.problems = []
    return [draft for draft in drafts if isinstance(draft, kind)]


def links_by_record(
    session: Session, link_type: type[L], record_ids: list[int]
) -> dict[int, list[L]]:
    """The links of these records, by record id."""
    by_record: dict[int, list[L]] = {}
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        for link in session.scalars(select(link_type).where(link_type.record_id.in_(chunk))):
            by_record.setdefault(link.record_id, []).append(link)
    return by_record


def sources_by_id(session: Session, ids: Iterable[str]) -> dict[str, Source]:
    found = session.scalars(select(Source).where(Source.id.in_(set(ids))))
    return {source.id: source for source in found}


def rank_link(
    link: EventLink | ApprenticeshipLink, sources: dict[str, Source]
) -> tuple[int, int, int, int]:
    """Best first: trusted sources, then the sources file's order, then completeness."""
    source = sources[link.record.source_id]
    filled = sum(1 for value in link.fields.values() if value not in (None, "", [], {}))
    return (not source.trusted, source.position, -filled, link.id or 0)


def first_value(values: Iterable[Any]) -> Any:
    """The first value that is neither None nor empty text."""
    return next((value for value in values if value not in (None, "")), None)
