"""Polite, dependable crawling: Retry-After, backoff, robots.txt, size cap, timeouts, throttling.

One pass over a polite_pass of misbehaving servers (one real HTTP server on 127.0.0.1, also reached
as "localhost" for a second host) shows each behaviour, and that one source's failure leaves
the others alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from aggregator.store import Store
from crawlers.crawl import CrawlJob, crawl_sources
from crawlers.middlewares import backoff_seconds, retry_after_seconds
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.server import FixtureServer, Reply
from workers.passes import PassReport, run_pass

RSS = (FIXTURES / "feed" / "stadtbibliothek.xml").read_bytes()
INTEGREAT = (FIXTURES / "integreat" / "events.json").read_bytes()
ICS = (FIXTURES / "ical" / "stadt.ics").read_bytes()
WP = FIXTURES / "wp_events"
CAP = 200_000
SETTINGS = {
    **FAST_CRAWL,
    "DOWNLOAD_MAXSIZE": CAP,
    "DOWNLOAD_TIMEOUT": 1.5,
    "RETRY_BACKOFF_BASE": 0.5,
}


def xml(body: bytes, **kwargs: object) -> Reply:
    return Reply(body, headers={"Content-Type": "application/rss+xml"}, **kwargs)


def busy(retry_after: str) -> Reply:
    return Reply(b"Too Many Requests", status=429, headers={"Retry-After": retry_after})


def wp_pages(site: FixtureServer, host: str) -> str:
    """A two-page wp-events source whose first page answers slowly."""
    site_url = site.url("").replace("127.0.0.1", host)

    def page(name: str) -> bytes:
        return (WP / name).read_bytes().replace(b"https://verein.example", site_url.encode())

    api = "/wp-json/tribe/events/v1/events"
    site.route(f"{api}?page=2&per_page=2", Reply(page("page2.json")))
    site.route(api, Reply(page("page1.json"), delay=0.5))
    return site_url + api


@pytest.fixture(scope="module")
def polite_pass(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PassReport, FixtureServer]]:
    with FixtureServer().running() as site:
        site.route("/robots.txt", Reply(b"User-agent: *\nDisallow: /privat/\n"))
        sources = [
            source("geduldig", "feed", site.route("/geduldig.xml", busy("2"), xml(RSS))),
            source("ungeduldig", "feed", site.route("/ungeduldig.xml", busy("3600"))),
            source(
                "wackelig",
                "integreat",
                site.route("/wackelig/", Reply(b"", status=503), Reply(INTEGREAT)),
            ),
            source("riesig", "feed", site.route("/riesig.xml", xml(RSS + b" " * CAP))),
            source("langsam", "ical", site.route("/langsam.ics", Reply(ICS, delay=4))),
            source("gesperrt", "feed", site.route("/privat/feed.xml", xml(RSS))),
            source("verein", "wp-events", wp_pages(site, "localhost"), options={"per_page": 2}),
        ]
        out = tmp_path_factory.mktemp("polite_pass")
        store = Store(f"sqlite:///{out / 'lotse.db'}")
        report = run_pass(store, sources, out, now=NOW, crawl_settings=SETTINGS)
        store.dispose()
        yield report, site


def summary(polite_pass, source_id: str):
    return next(s for s in polite_pass[0].summaries if s.source_id == source_id)


def arrivals(site: FixtureServer, path: str) -> list[float]:
    return [hit.at for hit in site.hits(path)]


# --- Retry-After and backoff ------------------------------------------------------------------


def test_429_with_retry_after_waits_then_the_page_arrives(polite_pass) -> None:
    first, second = arrivals(polite_pass[1], "/geduldig.xml")
    assert second - first >= 1.9  # Retry-After: 2
    found = summary(polite_pass, "geduldig")
    assert (found.status, found.items) == ("ok", 5)


def test_the_wait_does_not_block_other_hosts(polite_pass) -> None:
    first, second = arrivals(polite_pass[1], "/geduldig.xml")
    (page2,) = arrivals(polite_pass[1], "/wp-json/tribe/events/v1/events?page=2&per_page=2")
    assert first < page2 < second  # asked for while the other source was waiting
    assert summary(polite_pass, "verein").items == 3


def test_a_retry_after_beyond_the_cap_is_not_waited_for(polite_pass) -> None:
    assert len(arrivals(polite_pass[1], "/ungeduldig.xml")) == 1
    found = summary(polite_pass, "ungeduldig")
    assert found.status == "failed"
    assert "3600 s (Retry-After)" in found.error and "120 s" in found.error


def test_5xx_is_retried_after_a_backoff(polite_pass) -> None:
    first, second = arrivals(
        polite_pass[1], "/wackelig/?combine_recurring=True"
    )  # integreat asks so
    assert second - first >= 0.45
    found = summary(polite_pass, "wackelig")
    assert (found.status, found.items) == ("ok", 3)


def test_retry_after_in_seconds() -> None:
    assert retry_after_seconds("120", date=None, now=NOW) == 120.0


def test_retry_after_as_http_date_counts_from_the_responses_date() -> None:
    wait = retry_after_seconds(
        "Wed, 25 Nov 2026 08:01:30 GMT", date="Wed, 25 Nov 2026 08:00:00 GMT", now=NOW
    )
    assert wait == 90.0


def test_retry_after_as_http_date_without_date_header_counts_from_now() -> None:
    later = datetime(2026, 11, 25, 8, 0, 45, tzinfo=UTC)
    assert retry_after_seconds("Wed, 25 Nov 2026 08:01:00 GMT", date=None, now=later) == 15.0


def test_unreadable_retry_after_falls_back_to_backoff() -> None:
    assert retry_after_seconds("bald", date=None, now=NOW) is None
    assert [backoff_seconds(n, base=1.0, cap=60.0) for n in (1, 2, 3, 8)] == [1, 2, 4, 60]


# --- Refusals and failures --------------------------------------------------------------------


def test_robots_txt_is_obeyed(polite_pass) -> None:
    assert not polite_pass[1].hits("/privat/feed.xml")
    found = summary(polite_pass, "gesperrt")
    assert found.status == "failed" and "robots.txt" in found.error


def test_a_response_over_the_size_cap_fails_naming_size_and_cap(polite_pass) -> None:
    found = summary(polite_pass, "riesig")
    assert found.status == "failed"
    assert f"{len(RSS) + CAP:,} bytes, over the cap of {CAP:,} bytes" in found.error


def test_a_server_too_slow_times_out(polite_pass) -> None:
    found = summary(polite_pass, "langsam")
    assert found.status == "failed" and "took longer than 1.5 seconds" in found.error
    assert len(polite_pass[1].hits("/langsam.ics")) == 2  # tried again once


def test_the_failing_sources_leave_the_others_alone(polite_pass) -> None:
    statuses = {s.source_id: s.status for s in polite_pass[0].summaries}
    assert statuses == {
        "geduldig": "ok",
        "ungeduldig": "failed",
        "wackelig": "ok",
        "riesig": "failed",
        "langsam": "failed",
        "gesperrt": "failed",
        "verein": "ok",
    }


def test_a_streamed_response_over_the_cap_is_stopped(site: FixtureServer) -> None:
    url = site.route("/strom.xml", xml(RSS + b" " * CAP, content_length=False))
    (result,) = crawl_sources([CrawlJob(source("strom", "feed", url))], settings=SETTINGS).values()
    assert result.status == "failed"
    assert f"stopped at the cap of {CAP:,} bytes" in result.error


# --- Throttling -------------------------------------------------------------------------------


def test_pages_of_one_host_are_spaced_by_the_download_delay(site: FixtureServer) -> None:
    url = wp_pages(site, "127.0.0.1")
    settings = {**FAST_CRAWL, "DOWNLOAD_DELAY": 0.6, "RANDOMIZE_DOWNLOAD_DELAY": False}
    config = source("verein", "wp-events", url, options={"per_page": 2})
    (result,) = crawl_sources([CrawlJob(config)], settings=settings).values()
    assert len(result.records) == 3
    hits = [hit.at for hit in site.requests if hit.path.startswith("/wp-json/")]
    assert hits[1] - hits[0] >= 0.55
