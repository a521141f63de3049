"""Normalizers turn one raw record into drafts; one module per source kind, found by registry.

A normalizer is ``def read(record, context) -> list[Draft]`` registered with ``@normalizer(kind)``.
It raises RecordProblem for a record it cannot read; the record is kept with that problem.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from aggregator.categories import categorize
from aggregator.crawl_result import RawRecord
from aggregator.normalize.drafts import ApprenticeshipDraft, EventDraft
from aggregator.places.locations import normalize_place
from aggregator.sources import SourceConfig
from aggregator.states import EventStatus
from aggregator.text.cancellation import strip_cancellation
from aggregator.urls import web_url

Draft = EventDraft | ApprenticeshipDraft
Reader = Callable[[RawRecord, "Context"], list[Draft]]
PAST_DAYS, FUTURE_DAYS = 30, 365


class RecordProblem(Exception):
    """A record that cannot be read; the message says what is wrong with it."""


@dataclass(frozen=True)
class Context:
    source: SourceConfig
    now: datetime

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The published window: 30 days back, 365 days ahead (docs/contract.md §4)."""
        return self.now - timedelta(days=PAST_DAYS), self.now + timedelta(days=FUTURE_DAYS)


_READERS: dict[str, Reader] = {}


def normalizer(kind: str) -> Callable[[Reader], Reader]:
    def register(reader: Reader) -> Reader:
        _READERS[kind] = reader
        return reader

    return register


def readers() -> dict[str, Reader]:
    if not _READERS:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
    return _READERS


def normalize(record: RawRecord, context: Context) -> list[Draft]:
    """Drafts from one record, with places, categories and cancellations made uniform."""
    reader = readers().get(context.source.kind)
    if reader is None:
        raise RecordProblem(f"no normalizer for source kind '{context.source.kind}'")
    try:
        drafts = reader(record, context)
    except RecordProblem:
        raise
    except Exception as error:  # a reader bug or an input nobody foresaw: keep the record
        raise RecordProblem(f"cannot read record: {type(error).__name__}: {error}") from error
    return [_finish(draft, context.source) for draft in drafts]


def _finish(draft: Draft, source: SourceConfig) -> Draft:
    """The draft with its place normalized, an event's categories and cancellation read from
    its text, and a URL that is no http(s) URL (javascript:, data:) dropped."""
    place = normalize_place(
        name=draft.place.name,
        address=draft.place.address,
        postcode=draft.place.postcode,
        town=draft.place.town,
        lat=draft.place.lat,
        lon=draft.place.lon,
        default_town=source.town,
    )
    if isinstance(draft, ApprenticeshipDraft):
        return replace(draft, place=place, url=web_url(draft.url))
    title, cancelled = strip_cancellation(draft.title)
    categories = categorize(
        title=title,
        description=draft.description,
        source_categories=source.categories,
        record_categories=draft.categories,
    )
    return replace(
        draft,
        title=title,
        place=place,
        url=web_url(draft.url),
        categories=tuple(categories),
        status=EventStatus.CANCELLED if cancelled else draft.status,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)
