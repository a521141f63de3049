"""Read an iCalendar file the way a pass does: split into records, normalize each."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from aggregator.crawl_result import RawRecord
from aggregator.kinds import normalize
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import EventDraft
from aggregator.sources import SourceConfig
from crawlers.extract.decode import decode_body
from crawlers.extract.ical import split_calendar

URL = "https://stadt.example/kalender.ics"


def read_calendar(
    body: bytes | str | Path, *, now: datetime, source: SourceConfig | None = None
) -> tuple[dict[str, list[EventDraft]], dict[str, str]]:
    """Drafts by record key, and the problem of every record that could not be read."""
    if isinstance(body, Path):
        body = body.read_bytes()
    text = body if isinstance(body, str) else decode_body(body)[0]
    source = source or SourceConfig(id="stadt", kind="ical", url=URL)
    records, _ = split_calendar(text, URL)
    drafts: dict[str, list[EventDraft]] = {}
    problems: dict[str, str] = {}
    for key, payload in records:
        raw = RawRecord(key, "ical", payload, URL, datetime(2026, 11, 25, tzinfo=UTC))
        try:
            drafts[key] = normalize(raw, Context(source, now))
        except RecordProblem as problem:
            problems[key] = str(problem)
    return drafts, problems
