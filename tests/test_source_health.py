"""Source health: a crawl that yields nothing (first or not), or half as many items as last time
or fewer, raises an alarm in the summary and on the source, and marks nothing gone; a reader that
raises fails the crawl with a message, for every kind (here ``ical``)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from scrapy.http import Request, TextResponse

from aggregator.health import ALARM_SHARE, alarm
from aggregator.kinds import KINDS
from aggregator.notify import digest
from aggregator.store.models import Source
from crawlers.extract.document import Document
from crawlers.extract.records import Extraction
from crawlers.spiders import spider_for
from crawlers.spiders.ical import IcalSpider
from lotse.summary import summary_table
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.server import Reply
from workers.passes import run_pass
from workers.steps import ingest_result, register_sources

RSS = (FIXTURES / "feed" / "stadtbibliothek.xml").read_bytes()
XML = {"Content-Type": "application/rss+xml"}
ITEM = re.compile(rb"\s*<item>.*?</item>", re.DOTALL)


def keep_items(count: int) -> bytes:
    """The fixture feed with only its first ``count`` entries."""
    items = ITEM.findall(RSS)
    return ITEM.sub(b"", RSS).replace(b"</channel>", b"".join(items[:count]) + b"</channel>")


def second_pass(store, site, tmp_path, entries: int, first: int = 5):
    """A pass over the feed's first ``first`` entries (all 5), then one over its first
    ``entries`` entries six hours on."""
    url = site.route("/feed.xml", Reply(keep_items(first), headers=XML))
    sources = [source("stabi", "feed", url, trusted=True)]
    run_pass(store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    site.route("/feed.xml", Reply(keep_items(entries), headers=XML))
    later = NOW + timedelta(hours=6)
    return run_pass(store, sources, tmp_path, now=later, crawl_settings=FAST_CRAWL)


def test_a_source_yielding_under_half_raises_the_alarm_in_the_summary(store, site, tmp_path):
    report = second_pass(store, site, tmp_path, entries=2)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.gone) == ("ok", 2, 0)
    assert "! stabi: yielded 2 items, 50% or less of last time's 5" in summary_table(
        report.summaries
    )
    events = json.loads((tmp_path / "events.json").read_text())["events"]
    assert len(events) == 4  # nothing was marked gone on the word of a source in trouble


def test_a_source_yielding_exactly_half_raises_the_alarm(sqlite_store, site, tmp_path):
    report = second_pass(sqlite_store, site, tmp_path, entries=2, first=4)
    (summary,) = report.summaries
    assert (summary.items, summary.gone) == (2, 0)
    assert summary.alarm == "yielded 2 items, 50% or less of last time's 4"
    assert health(sqlite_store, "stabi") == ("alarm", summary.alarm)
    assert mailed_alarms(sqlite_store) == [
        "stabi: Alarm: deutlich weniger Einträge (25.11.2026, 15:00)"
    ]


def test_one_more_than_half_raises_no_alarm(sqlite_store, site, tmp_path):
    report = second_pass(sqlite_store, site, tmp_path, entries=3, first=4)
    (summary,) = report.summaries
    assert (summary.alarm, summary.gone) == (None, 1)


def test_the_threshold_is_the_one_named_setting() -> None:
    assert ALARM_SHARE == 0.5
    assert alarm(5, 10, []) is not None and alarm(6, 10, []) is None
    assert alarm(50, 100, []) is not None and alarm(51, 100, []) is None


def test_a_source_yielding_nothing_raises_the_alarm(sqlite_store, site, tmp_path):
    report = second_pass(sqlite_store, site, tmp_path, entries=0)
    assert "! stabi: yielded nothing (last time 5)" in summary_table(report.summaries)
    assert report.summaries[0].gone == 0


def test_a_first_crawl_yielding_nothing_is_an_alarm_with_its_problems(sqlite_store, site, tmp_path):
    """Not a green "ok": the Jobsuche answer's offers all lack their id, so none is read."""
    offers = [{"stellenangebotsTitel": "Ausbildung Koch"}, {"stellenangebotsTitel": "Bäcker"}]
    answer = json.dumps({"ergebnisliste": offers, "maxErgebnisse": 2}).encode()
    url = site.route("/pc/v6/jobs?angebotsart=4&wo=89518&umkreis=25&page=1&size=100", Reply(answer))
    options = {"where": "89518"}
    jobs = source("ba", "ba-jobsuche", site.url("/pc/v6/jobs"), options=options)
    report = run_pass(sqlite_store, [jobs], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.error) == ("ok", 0, None)
    assert summary.alarm == (
        "yielded nothing, as did every crawl before; the crawl said: "
        f"{url}: offer 1 on this page has no referenznummer | "
        f"{url}: offer 2 on this page has no referenznummer"
    )
    assert health(sqlite_store, "ba") == ("alarm", summary.alarm)
    table = summary_table(report.summaries).splitlines()
    assert table[2].split() == ["ba", "alarm", "0", "0", "0", "0", "2"]  # never "ok"
    assert table[3] == f"! ba: {summary.alarm}"


def test_a_first_crawl_of_an_empty_calendar_is_an_alarm(sqlite_store, site, tmp_path):
    empty = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Stadt//DE\r\nEND:VCALENDAR\r\n"
    url = site.route("/leer.ics", Reply(empty, headers={"Content-Type": "text/calendar"}))
    config = source("leer", "ical", url)
    report = run_pass(sqlite_store, [config], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    assert report.summaries[0].alarm == "yielded nothing, as did every crawl before"
    assert health(sqlite_store, "leer") == ("alarm", "yielded nothing, as did every crawl before")
    assert mailed_alarms(sqlite_store) == ["leer: Alarm: keine Einträge (25.11.2026, 09:00)"]


def test_a_steady_source_raises_no_alarm(sqlite_store, site, tmp_path):
    report = second_pass(sqlite_store, site, tmp_path, entries=4)
    (summary,) = report.summaries
    assert (summary.alarm, summary.gone) == (None, 1)
    assert "!" not in summary_table(report.summaries)


def broken_reader(document: Document) -> Extraction:
    raise KeyError("VEVENT")


def test_an_ical_reader_that_raises_fails_the_crawl_with_a_message(sqlite_store):
    """The ical kind takes the common refusal path: not "ok, complete, 0 records"."""
    url = "https://vhs.example/kurse.ics"
    config = source("vhs", "ical", url)
    register_sources(sqlite_store, [config])
    spider = IcalSpider(source=config.to_dict())
    spider.extract = broken_reader
    body = (FIXTURES / "ical" / "stadt.ics").read_bytes()
    response = TextResponse(url, body=body, request=Request(url, meta={"first": True}))
    assert list(spider.parse_start(response)) == []
    summary = ingest_result(sqlite_store, spider.result, pass_id="p1", now=NOW)
    assert (summary.status, summary.items) == ("failed", 0)
    assert summary.error == f"{url}: cannot read it: KeyError: 'VEVENT'"
    assert health(sqlite_store, "vhs") == ("failing", summary.error)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_fails_its_first_page_when_its_reader_raises(kind: str) -> None:
    """One refusal path for all: the crawl fails with the reader's error, no kind says ok."""
    required = {o.name: "89518" for o in KINDS[kind].options if o.required}
    config = source("quelle", kind, "https://quelle.example/daten", options=required)
    spider = spider_for(kind)(source=config.to_dict())
    spider.extract = broken_reader
    url = spider.start_url()
    response = TextResponse(url, body=b"{}", request=Request(url, meta={"first": True}))
    assert list(spider.parse_start(response)) == []
    assert (spider.result.status, spider.result.complete) == ("failed", False)
    assert spider.result.error == f"{url}: cannot read it: KeyError: 'VEVENT'"


def mailed_alarms(store) -> list[str]:
    """The alarms the daily staff e-mail names (aggregator/notify.py)."""
    with store.transaction() as session:
        return digest(session, now=NOW + timedelta(days=1), since=NOW - timedelta(days=1)).alarms


def health(store, source_id: str) -> tuple[str, str | None]:
    with store.transaction() as session:
        found = session.get(Source, source_id)
        return found.status, found.last_error
