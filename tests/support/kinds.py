"""Documents for the extractors, and their records read the way a pass does (normalize each),
without Scrapy or a store."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from aggregator.crawl_result import RawRecord
from aggregator.kinds import normalize
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft
from aggregator.sources import SourceConfig
from crawlers.extract.document import Document
from crawlers.extract.records import Extracted

FETCHED = datetime(2026, 11, 25, tzinfo=UTC)


def document(body: bytes | str, url: str, **options: Any) -> Document:
    """A fetched document as a spider hands it to an extractor (a text is sent as UTF-8)."""
    return Document(url, body.encode() if isinstance(body, str) else body, options=options)


def read_records(
    records: Iterable[Extracted], *, kind: str, now: datetime, source: SourceConfig | None = None
) -> tuple[dict[str, list[EventDraft]], dict[str, str]]:
    """Drafts by record key, and the problem of every record that could not be read."""
    source = source or SourceConfig(id=kind, kind=kind, url="https://quelle.example/")
    drafts: dict[str, list[EventDraft]] = {}
    problems: dict[str, str] = {}
    for record in records:
        raw = RawRecord(record.key, record.fmt, record.payload, record.url, FETCHED)
        try:
            drafts[record.key] = normalize(raw, Context(source, now))
        except RecordProblem as problem:
            problems[record.key] = str(problem)
    return drafts, problems


def only(drafts: dict[str, list[EventDraft]], key: str) -> EventDraft:
    (draft,) = drafts[key]
    return draft


def by_title(drafts: dict[str, list[EventDraft]]) -> dict[str, EventDraft]:
    """The single draft of each record, by title (for records that are one event each)."""
    return {d.title: d for found in drafts.values() for d in found}
