"""What reading events and apprenticeships back shares: the feeds' filters, paging, the
sources a listing names, and when the listings last changed (docs/contract.md §4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from aggregator.store.models import (
    Apprenticeship,
    ApprenticeshipLink,
    Event,
    EventLink,
    SourceRecord,
)
from aggregator.urls import web_url

T = TypeVar("T")


@dataclass(frozen=True)
class ListingFilter:
    """What the feeds filter both kinds of listing by: town, source, region, a date range
    (inclusive) and words (``q``)."""

    town: str | None = None
    source: str | None = None
    region: str | None = None  # a region's slug: its listings only
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list: the items on it and how many there are in all."""

    total: int
    items: list[T]


@dataclass(frozen=True)
class SourceRef:
    """A source record merged into a listing: the source's id, the record's own URL and id,
    the source's kind (``integreat``, ``ical``, …), its name (the sources file's ``name``,
    else its id) and the licence the record is given under, where the source names one."""

    source: str
    url: str | None
    uid: str | None
    kind: str = ""
    name: str = ""
    license: str | None = None

    @property
    def label(self) -> str:
        """How feeds name the source: its name, else its id."""
        return self.name or self.source

    @property
    def credit(self) -> str:
        """The source as a feed's "Quelle:" line names it: with its licence, where it has one
        (the attribution a licence such as CC BY-SA asks for)."""
        return f"{self.label} (Lizenz: {self.license})" if self.license else self.label


def source_refs(links: Iterable[EventLink | ApprenticeshipLink]) -> tuple[SourceRef, ...]:
    """The active links' records, each once, in the order they were linked. URLs that are no
    http(s) URLs are left out whatever the store holds (normalization drops them already)."""
    refs: list[SourceRef] = []
    for link in sorted(links, key=lambda link: link.id or 0):
        if link.active:
            url = web_url(link.fields.get("url"))
            source = link.record.source
            name = (source.config or {}).get("name") if source is not None else None
            ref = SourceRef(
                link.record.source_id,
                url,
                link.fields.get("uid"),
                kind=source.kind if source is not None else "",
                name=name or link.record.source_id,
                license=link.fields.get("license"),
            )
            if ref not in refs:
                refs.append(ref)
    return tuple(refs)


def page_of(session: Session, query: Select[T], offset: int, limit: int) -> Page[T]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return Page(total or 0, list(session.scalars(query.offset(offset).limit(limit))))


def linked_to(
    listing_id: InstrumentedAttribute[str],
    link: type[EventLink] | type[ApprenticeshipLink],
    source: str,
) -> Select[str]:
    """Ids of the listings with an active link to a record of ``source``."""
    return (
        select(listing_id)
        .join(SourceRecord, SourceRecord.id == link.record_id)
        .where(SourceRecord.source_id == source, link.active.is_(True))
    )


def contains(text: str, *columns: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """Any of the columns holds the text, whatever the case."""
    pattern = f"%{text.lower()}%"
    return or_(*(func.lower(column).like(pattern) for column in columns))


def last_change(session: Session, *models: type[Event] | type[Apprenticeship]) -> datetime | None:
    """When a listing of the first of these kinds that has any last changed: its feeds'
    generated_at, stable while none changes (an apprenticeship's last_seen moving does not touch
    the event feeds; an empty apprenticeship feed takes the events' time, not the clock's)."""
    for model in models:
        latest = session.scalar(select(func.max(model.updated_at)))
        if latest is not None:
            return latest
    return None
