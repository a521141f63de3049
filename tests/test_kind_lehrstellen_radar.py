"""The `lehrstellen-radar` kind: result pages read field by field, then a real spider paging
over real HTTP on 127.0.0.1."""

from __future__ import annotations

import re
from datetime import date

import pytest

from crawlers.crawl import CrawlJob, crawl_sources
from crawlers.extract.lehrstellen_radar import read_result_page
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import document, only, read_records
from tests.support.server import FixtureServer, Reply

PAGES = FIXTURES / "lehrstellen_radar"
HTML = "text/html; charset=utf-8"
SITE = "https://www.lehrstellen-radar.de/5100,90,lsrlist.html?search-plz=89518&page=1"
LIST = "/5100,90,lsrlist.html"
QUERY = "search-fromsearchform=1&search-ls=1&search-pr=1&search-plz=89518&search-radius=25"


def page_path(number: int) -> str:
    return f"{LIST}?{QUERY}&page={number}"


def reply(name: str) -> Reply:
    return Reply.file(PAGES / name, HTML)


def without_pager(name: str) -> Reply:
    body = re.sub(rb'<ul class="pagination">.*?</ul>', b"", (PAGES / name).read_bytes(), flags=re.S)
    return Reply(body, headers={"Content-Type": HTML})


def radar(site: FixtureServer, **options: object):
    options = {"postcode": "89518", **options}
    return source("hwk-ulm", "lehrstellen-radar", site.url(LIST), options=options)


def crawl(config):
    return crawl_sources([CrawlJob(config)], settings=FAST_CRAWL)[config.id]


@pytest.fixture(scope="module")
def first_page():
    return read_result_page(document((PAGES / "page-1.html").read_bytes(), SITE))


@pytest.fixture(scope="module")
def drafts(first_page):
    found, problems = read_records(first_page.records, kind="lehrstellen-radar", now=NOW)
    assert problems == {}
    return found


# --- one result page --------------------------------------------------------------------------


def test_a_result_page_gives_one_record_per_result_and_the_next_page(first_page) -> None:
    assert len(first_page.records) == 15
    assert first_page.pages == [SITE.replace("page=1", "page=2")]  # the pager goes to 2
    assert first_page.problems == []
    tischler = first_page.records[0]
    assert (tischler.key, tischler.fmt) == ("91_2579", "html")
    assert tischler.url == "https://www.lehrstellen-radar.de/5100,0,jpguestdetail.html?id=2579"


def test_a_record_is_the_anchor_and_its_detail_block_verbatim(first_page) -> None:
    payload = first_page.records[1].payload
    assert payload.startswith('<a class="list-group-item" href="#" data-resultid="91_2601"')
    assert '<div id="detail_91_2601" class="collapse lsrdetail">' in payload
    assert "Freie Plätze" in payload  # a label nobody reads is kept with the record
    assert "detail_91_2579" not in payload and "pagination" not in payload


def test_a_result_reads_as_label_value_pairs(drafts) -> None:
    tischler = only(drafts, "91_2579")
    assert tischler.title == "Tischler/in"
    assert tischler.occupation == "Tischler/in"
    assert tischler.company == "Schreinerei Beispiel GmbH"
    assert tischler.start_date == date(2027, 9, 1)
    assert (tischler.place.postcode, tischler.place.town) == ("89518", "Heidenheim an der Brenz")
    assert tischler.uid == "2579"
    assert tischler.url == "https://www.lehrstellen-radar.de/5100,0,jpguestdetail.html?id=2579"


def test_a_specialty_becomes_part_of_the_occupation(drafts) -> None:
    elektro = only(drafts, "91_2601")
    assert elektro.occupation == "Elektroniker/in - Energie- und Gebäudetechnik"
    assert elektro.company == "Elektro Hämmerle GmbH & Co. KG"
    assert only(drafts, "91_2579").occupation == "Tischler/in"  # "Fachrichtung: –" is none


def test_town_spellings_become_the_official_name(drafts) -> None:
    assert only(drafts, "91_2610").place.town == "Giengen an der Brenz"
    assert only(drafts, "91_2644").place.town == "Steinheim am Albuch"
    assert only(drafts, "91_2663").occupation == "Zimmerer/in"


def test_inline_labels_and_a_start_without_a_day() -> None:
    page_2 = SITE.replace("page=1", "page=2")
    page = read_result_page(document((PAGES / "page-2.html").read_bytes(), page_2))
    found, _ = read_records(page.records, kind="lehrstellen-radar", now=NOW)
    lackierer = only(found, "91_2768")
    assert lackierer.start_date is None  # "nach Vereinbarung"
    assert lackierer.company == "Lackiererei Seitz"
    assert page.pages == []  # the pager ends at page 2
    assert only(found, "92_1187").place.town == "Aalen"


def test_a_page_past_the_end_has_no_results() -> None:
    empty = read_result_page(document((PAGES / "empty.html").read_bytes(), SITE))
    assert (empty.records, empty.problems) == ([], [])


# --- the spider over HTTP ---------------------------------------------------------------------


def test_the_spider_reads_every_page_and_stops_at_the_last_pager_link(site) -> None:
    site.route(page_path(1), reply("page-1.html"))
    site.route(page_path(2), reply("page-2.html"))
    site.route(page_path(3), reply("empty.html"))
    result = crawl(radar(site, radius_km=25))
    assert (result.status, result.complete, result.error) == ("ok", True, None)
    assert len(result.records) == 19 and result.pages == 2
    assert not site.hits(page_path(3))
    record = next(r for r in result.records if r.key == "91_2768")
    assert record.fmt == "html" and 'data-resultid="91_2768"' in record.payload
    assert record.url == site.url("/5100,0,jpguestdetail.html?id=2768")


def test_without_a_pager_the_spider_stops_at_the_first_empty_page(site) -> None:
    site.route(page_path(1), without_pager("page-1.html"))
    site.route(page_path(2), without_pager("page-2.html"))
    site.route(page_path(3), reply("empty.html"))
    result = crawl(radar(site))  # radius_km defaults to 25
    assert (result.status, result.complete) == ("ok", True)
    assert len(result.records) == 19 and result.pages == 3
    assert not site.hits(page_path(4))


def test_a_site_that_ignores_the_page_parameter_is_read_once(site) -> None:
    site.route(LIST, without_pager("page-1.html"))  # every page answers with the same list
    result = crawl(radar(site))
    assert (result.status, result.complete, len(result.records)) == ("ok", True, 15)
    assert len(site.hits(page_path(2))) == 1 and not site.hits(page_path(3))


def test_a_failing_later_page_makes_the_crawl_incomplete(site) -> None:
    site.route(page_path(1), reply("page-1.html"))
    site.route(page_path(2), Reply(b"Wartungsarbeiten", status=503))
    result = crawl(radar(site))
    assert result.status == "ok" and result.complete is False
    assert len(result.records) == 15
    assert [str(problem) for problem in result.problems] == [f"{site.url(page_path(2))}: HTTP 503"]


def test_a_failing_first_page_fails_the_crawl(site) -> None:
    site.route(page_path(1), Reply(b"Not Found", status=404))
    result = crawl(radar(site))
    assert (result.status, result.complete) == ("failed", False)
    assert result.error == f"{site.url(page_path(1))}: HTTP 404"
