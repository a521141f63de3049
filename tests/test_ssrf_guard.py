"""Crawls reach only public hosts, unless a source is allowed its own private host."""

from __future__ import annotations

import pytest

from aggregator.sources import SourceConfig
from crawlers.crawl import CrawlJob, crawl_sources
from crawlers.guard import refusal
from tests.conftest import FAST_CRAWL, FIXTURES, source
from tests.support.server import Reply

PUBLIC = {"kalender.example.org": ["93.184.215.14"], "evil.example.org": ["10.1.2.3"]}


def fake_dns(host: str) -> list[str]:
    return PUBLIC[host]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/x.ics", "loopback, private or link-local"),
        ("http://[::1]/x.ics", "loopback, private or link-local"),
        ("http://192.168.1.10/x.ics", "loopback, private or link-local"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://evil.example.org/x.ics", "host evil.example.org is 10.1.2.3"),
        ("file:///etc/passwd", "only http and https"),
        ("ftp://kalender.example.org/x.ics", "only http and https"),
    ],
)
def test_refused_destinations(url: str, reason: str) -> None:
    assert reason in refusal(url, own_host=None, resolver=fake_dns)


def test_public_hosts_pass() -> None:
    assert refusal("https://kalender.example.org/x.ics", own_host=None, resolver=fake_dns) is None


def test_allow_private_allows_the_sources_own_host_only() -> None:
    assert refusal("http://127.0.0.1:8000/a.ics", own_host="127.0.0.1", resolver=fake_dns) is None
    assert refusal("http://192.168.1.10/", own_host="127.0.0.1", resolver=fake_dns)


def test_a_redirect_to_a_metadata_address_is_refused(site) -> None:
    metadata = "http://169.254.169.254/latest/meta-data/"
    url = site.route("/moved.ics", Reply(status=302, headers={"Location": metadata}))
    good = site.route("/good.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", "text/calendar"))
    results = crawl_sources(
        [CrawlJob(source("moved", "ical", url)), CrawlJob(source("good", "ical", good))],
        settings=FAST_CRAWL,
    )
    assert results["moved"].status == "failed"
    assert "refused" in results["moved"].error and "169.254.169.254" in results["moved"].error
    assert results["good"].status == "ok" and len(results["good"].records) == 8


def test_a_source_without_allow_private_cannot_reach_loopback(site) -> None:
    url = site.route("/a.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", "text/calendar"))
    job = CrawlJob(SourceConfig(id="local", kind="ical", url=url))
    result = crawl_sources([job], settings=FAST_CRAWL)["local"]
    assert result.status == "failed"
    assert "loopback, private or link-local" in result.error
    assert site.hits("/a.ics") == []  # refused before any byte went out
