"""Every real-world feed, HTML page and Integreat answer of the corpus yields events or a clear
problem; none crashes a reader or a pass."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.extract.feed import read_feed
from crawlers.extract.integreat import split_events
from crawlers.extract.jsonld import read_page
from crawlers.extract.records import Extracted, Unreadable
from tests.conftest import CORPUS, FAST_CRAWL, NOW, source
from tests.support.kinds import document, read_records
from tests.support.server import Reply
from workers.passes import run_pass

FEEDS = sorted((CORPUS / "feeds").iterdir())
PAGES = sorted((CORPUS / "html").glob("*.html"))
INTEGREAT = sorted((CORPUS / "json").glob("integreat-cms__*.json"))
NOT_FEEDS = {  # custom XML, no RSS or Atom
    "calagator__upcoming_v2_with_invalid_utc_dates.xml",
    "plucker__feed_html_entities.xml",
}
FIRST_DATE = re.compile(
    rb'(?:startDate"?\s*(?::|content=)\s*"|"start":\s*")(\d{4})-(\d{1,2})-(\d{1,2})'
)
URL = "https://quelle.example/liste/"


def test_the_corpus_is_there() -> None:
    assert (len(FEEDS), len(PAGES), len(INTEGREAT)) == (8, 12, 2)


def around_first_event(path: Path) -> datetime:
    """A clock a day after the file's first event, so its events fall in the window."""
    found = FIRST_DATE.search(path.read_bytes())
    if found is None:
        return NOW
    return datetime(*map(int, found.groups()), tzinfo=UTC) + timedelta(days=1)


def assert_accounted(records: list[Extracted], kind: str, now: datetime) -> None:
    """Every record gives drafts or a problem that says what is wrong; drafts are sane.
    A JobPosting gives no event (apprenticeships are not read from `jsonld` yet)."""
    drafts, problems = read_records(records, kind=kind, now=now)
    assert set(drafts) | set(problems) == {r.key for r in records}
    assert all(message.strip() for message in problems.values())
    for found in drafts.values():
        for draft in found:
            assert draft.title
            assert draft.all_day or draft.start.tzinfo is not None
    events = [d for found in drafts.values() for d in found]
    jobs = [r for r in records if '"JobPosting"' in r.payload]
    assert events or problems or jobs or not records, "records, but neither events nor problems"


@pytest.mark.parametrize("path", FEEDS, ids=[p.name for p in FEEDS])
def test_each_feed_yields_events_or_clear_problems(path: Path) -> None:
    try:
        records = read_feed(document(path.read_bytes(), URL)).records
    except Unreadable as refusal:
        assert path.name in NOT_FEEDS and "not an RSS or Atom feed" in str(refusal)
        return
    assert records
    assert_accounted(records, "feed", NOW)


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_each_page_yields_events_or_clear_problems(path: Path) -> None:
    page = read_page(document(path.read_bytes(), URL))
    records = page.records + [listed for listed in page.details.values() if listed]
    # a page without items names the links its items may be behind: the crawl tries them and
    # says so when none carries any (tests/test_kind_jsonld_municipal.py)
    assert records or page.problems or page.discovered
    assert all(link.startswith("https://quelle.example/") for link in page.discovered)
    for problem in page.problems:
        assert problem.where == URL and problem.message
    assert_accounted(records, "jsonld", around_first_event(path))


def test_job_posting_pages_yield_job_posting_records() -> None:
    for name in ("plucker__remoteok_job.html", "plucker__weworkremotely_job.html"):
        page = read_page(document((CORPUS / "html" / name).read_bytes(), URL))
        (record,) = page.records
        assert record.fmt == "json" and '"JobPosting"' in record.payload


@pytest.mark.parametrize("path", INTEGREAT, ids=[p.name for p in INTEGREAT])
def test_each_integreat_answer_yields_events(path: Path) -> None:
    found = split_events(document(path.read_bytes(), URL))
    assert found.records and not found.problems
    drafts, record_problems = read_records(
        found.records, kind="integreat", now=around_first_event(path)
    )
    assert not record_problems and all(drafts.values())


def test_a_pass_over_every_corpus_document_completes(sqlite_store, site, tmp_path) -> None:
    kinds = [("feed", p) for p in FEEDS] + [("jsonld", p) for p in PAGES]
    kinds += [("integreat", p) for p in INTEGREAT]
    sources = []
    for number, (kind, path) in enumerate(kinds):
        url = site.route(f"/{number}/{path.name}", Reply(path.read_bytes()))
        sources.append(source(f"corpus-{number}", kind, url, trusted=True))
    report = run_pass(sqlite_store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    failed = {kinds[int(s.source_id.split("-")[1])][1].name: s.error for s in report.summaries}
    failed = {name: error for name, error in failed.items() if error}
    assert set(failed) == NOT_FEEDS
    assert all("not an RSS or Atom feed" in error for error in failed.values())
    assert (tmp_path / "events.json").exists()


def test_job_postings_stay_out_of_the_events(sqlite_store, site, tmp_path) -> None:
    path = CORPUS / "html" / "plucker__remoteok_job.html"
    url = site.route("/job.html", Reply(path.read_bytes(), headers={"Content-Type": "text/html"}))
    config = source("jobs", "jsonld", url, trusted=True)
    report = run_pass(sqlite_store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.problems) == ("ok", 1, 0)
    assert json.loads((tmp_path / "events.json").read_text())["events"] == []
