"""Source health: a source that suddenly yields far fewer items raises an alarm in the summary."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from lotse.summary import summary_table
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.server import Reply
from workers.passes import run_pass

RSS = (FIXTURES / "feed" / "stadtbibliothek.xml").read_bytes()
XML = {"Content-Type": "application/rss+xml"}
ITEM = re.compile(rb"\s*<item>.*?</item>", re.DOTALL)


def keep_items(count: int) -> bytes:
    """The fixture feed with only its first ``count`` entries."""
    items = ITEM.findall(RSS)
    return ITEM.sub(b"", RSS).replace(b"</channel>", b"".join(items[:count]) + b"</channel>")


def second_pass(store, site, tmp_path, entries: int):
    """A pass over the whole feed, then one over its first ``entries`` entries six hours on."""
    url = site.route("/feed.xml", Reply(RSS, headers=XML))
    sources = [source("stabi", "feed", url, trusted=True)]
    run_pass(store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    site.route("/feed.xml", Reply(keep_items(entries), headers=XML))
    later = NOW + timedelta(hours=6)
    return run_pass(store, sources, tmp_path, now=later, crawl_settings=FAST_CRAWL)


def test_a_source_yielding_under_half_raises_the_alarm_in_the_summary(store, site, tmp_path):
    report = second_pass(store, site, tmp_path, entries=2)
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.gone) == ("ok", 2, 0)
    assert "! stabi: yielded 2 items, under half of last time's 5" in summary_table(
        report.summaries
    )
    events = json.loads((tmp_path / "events.json").read_text())["events"]
    assert len(events) == 4  # nothing was marked gone on the word of a source in trouble


def test_a_source_yielding_nothing_raises_the_alarm(sqlite_store, site, tmp_path):
    report = second_pass(sqlite_store, site, tmp_path, entries=0)
    assert "! stabi: yielded no items (last time 5)" in summary_table(report.summaries)


def test_a_steady_source_raises_no_alarm(sqlite_store, site, tmp_path):
    report = second_pass(sqlite_store, site, tmp_path, entries=4)
    (summary,) = report.summaries
    assert (summary.alarm, summary.gone) == (None, 1)
    assert "!" not in summary_table(report.summaries)
