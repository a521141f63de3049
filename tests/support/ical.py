"""Read an iCalendar file the way a pass does: split into records, normalize each."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from aggregator.normalize.drafts import EventDraft
from aggregator.sources import SourceConfig
from crawlers.extract.ical import split_calendar
from tests.support.kinds import document, read_records

URL = "https://stadt.example/kalender.ics"


def read_calendar(
    body: bytes | str | Path, *, now: datetime, source: SourceConfig | None = None
) -> tuple[dict[str, list[EventDraft]], dict[str, str]]:
    """Drafts by record key, and the problem of every record that could not be read."""
    if isinstance(body, Path):
        body = body.read_bytes()
    source = source or SourceConfig(id="stadt", kind="ical", url=URL)
    records = split_calendar(document(body, URL)).records
    return read_records(records, kind="ical", now=now, source=source)
