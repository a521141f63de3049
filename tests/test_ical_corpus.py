"""Every real-world calendar of the corpus yields events or a clear problem; none crashes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.extract.records import Unreadable
from tests.conftest import CORPUS, FAST_CRAWL, NOW, source
from tests.support.ical import read_calendar
from tests.support.server import Reply
from workers.passes import run_pass

CALENDARS = sorted((CORPUS / "ics").glob("*.ics"))
FIRST_START = re.compile(rb"DTSTART[^\r\n]*:(\d{8})")
NOT_CALENDARS = {"PlaceCal__family-action-org-uk-bad.ics"}  # an HTML login page
EMPTY = {"integreat-cms__empty_calendar.ics", "icalendar__bom_calendar.ics"}


def test_the_corpus_is_there() -> None:
    assert len(CALENDARS) == 85


def around_first_event(path: Path) -> datetime:
    """A clock set just before the file's first event, so its events fall in the window."""
    body = re.sub(rb"\r?\n[ \t]", b"", path.read_bytes())  # unfold (RFC 5545 §3.1)
    match = FIRST_START.search(body, body.find(b"BEGIN:VEVENT") + 1)
    if not match:
        return NOW
    return datetime.strptime(match[1].decode(), "%Y%m%d").replace(tzinfo=UTC) + timedelta(days=1)


@pytest.mark.parametrize("path", CALENDARS, ids=[p.name for p in CALENDARS])
def test_each_calendar_yields_events_or_clear_problems(path: Path) -> None:
    if path.name in NOT_CALENDARS:
        with pytest.raises(Unreadable, match="the server sent an HTML page"):
            read_calendar(path, now=NOW)
        return
    drafts, problems = read_calendar(path, now=around_first_event(path))
    events = [d for ds in drafts.values() for d in ds]
    if path.name in EMPTY:
        assert not events
        return
    assert events or problems, "neither events nor a recorded problem"
    for key, problem in problems.items():
        assert problem and key, "a problem names its record and says what is wrong"
    for event in events:
        assert event.title
        assert event.all_day or event.start.tzinfo is not None


def test_a_pass_over_the_whole_corpus_completes(sqlite_store, site, tmp_path) -> None:
    sources = []
    for number, path in enumerate(CALENDARS):
        url = site.route(
            f"/{number}.ics", Reply(path.read_bytes(), headers={"Content-Type": "text/calendar"})
        )
        sources.append(source(f"corpus-{number}", "ical", url, trusted=True))
    report = run_pass(
        sqlite_store, sources, tmp_path / "public", now=NOW, crawl_settings=FAST_CRAWL
    )
    statuses = {s.source_id: s.status for s in report.summaries}
    failed = {CALENDARS[int(i.split("-")[1])].name for i, s in statuses.items() if s == "failed"}
    assert failed == NOT_CALENDARS
    errors = [s.error for s in report.summaries if s.status == "failed"]
    assert all("HTML page" in error for error in errors)
    assert (tmp_path / "public" / "events.ics").exists()
