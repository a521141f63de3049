"""The `ba-jobsuche` kind: Jobsuche answers read offer by offer, then a real spider paging over
real HTTP on 127.0.0.1, with the API key, a 403 and a 429."""

from __future__ import annotations

import json
from datetime import date

import pytest

from crawlers.crawl import CrawlJob, crawl_sources
from crawlers.extract.ba_jobsuche import read_offers_page
from crawlers.extract.records import Unreadable
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import document, only, read_records
from tests.support.server import FixtureServer, Reply

ANSWERS = FIXTURES / "ba"
JSON = "application/json"
JOBS = "/jobboerse/jobsuche-service/pc/v4/jobs"
QUERY = "angebotsart=4&wo=Heidenheim+an+der+Brenz&umkreis=25"
API = "https://rest.arbeitsagentur.de" + JOBS


def page_path(number: int) -> str:
    return f"{JOBS}?{QUERY}&page={number}&size=50"


def reply(name: str, **kwargs: object) -> Reply:
    return Reply.file(ANSWERS / name, JSON, **kwargs)


def jobsuche(site: FixtureServer):
    options = {"where": "Heidenheim an der Brenz", "radius_km": 25}
    return source("ba-heidenheim", "ba-jobsuche", site.url(JOBS), options=options)


def crawl(config):
    return crawl_sources([CrawlJob(config)], settings=FAST_CRAWL)[config.id]


def read(name: str):
    page = read_offers_page(document((ANSWERS / name).read_bytes(), API))
    return read_records(page.records, kind="ba-jobsuche", now=NOW)[0]


# --- one answer -------------------------------------------------------------------------------


def test_an_answer_gives_one_record_per_offer_keyed_by_refnr() -> None:
    page = read_offers_page(document((ANSWERS / "page-1.json").read_bytes(), API))
    assert [r.key for r in page.records] == [
        "10001-1002716922-S",
        "10001-1002721544-S",
        "10000-1198765432-S",
    ]
    first = page.records[0]
    assert first.fmt == "json"
    assert json.loads(first.payload)["arbeitgeber"] == "Elektro Hämmerle GmbH"
    assert first.url == "https://www.arbeitsagentur.de/jobsuche/jobdetail/10001-1002716922-S"
    assert page.pages == [f"{API}?page=2"]


def test_an_answer_past_the_end_has_no_stellenangebote() -> None:
    page = read_offers_page(document((ANSWERS / "past-end.json").read_bytes(), API))
    assert (page.records, page.pages) == ([], [])


def test_an_offer_without_refnr_is_a_problem_and_the_others_stay() -> None:
    text = json.dumps({"stellenangebote": [{"titel": "Ausbildung Koch"}, {"refnr": "1-2-S"}]})
    page = read_offers_page(document(text, API))
    assert [r.key for r in page.records] == ["1-2-S"]
    assert [p.message for p in page.problems] == ["offer 1 on this page has no refnr"]


@pytest.mark.parametrize("text", ["<html>Wartung</html>", "[1, 2]", '{"stellenangebote": 3}'])
def test_an_answer_that_is_no_jobsuche_page_is_refused(text: str) -> None:
    with pytest.raises(Unreadable):
        read_offers_page(document(text, API))


def test_an_offer_reads_into_an_apprenticeship() -> None:
    elektro = only(read("page-1.json"), "10001-1002716922-S")
    assert elektro.title == "Ausbildung zum Elektroniker für Energie- und Gebäudetechnik (m/w/d)"
    assert elektro.occupation == "Elektroniker/in - Energie- und Gebäudetechnik"
    assert elektro.company == "Elektro Hämmerle GmbH"
    assert elektro.start_date == date(2027, 9, 1)
    assert elektro.uid == "10001-1002716922-S"
    assert elektro.url == "https://www.arbeitsagentur.de/jobsuche/jobdetail/10001-1002716922-S"
    place = elektro.place
    assert (place.address, place.postcode, place.town) == (
        "Giengener Straße 80",
        "89522",  # the answer gives the postcode as a number
        "Heidenheim an der Brenz",
    )
    assert (place.lat, place.lon) == (48.6641, 10.1702)


def test_postcodes_as_strings_or_numbers_and_town_spellings() -> None:
    offers = read("page-2.json")
    verkauf = only(offers, "10001-1002730011-S")
    assert (verkauf.place.postcode, verkauf.place.town) == ("89537", "Giengen an der Brenz")
    assert (verkauf.place.lat, verkauf.place.lon) == (None, None)
    assert verkauf.occupation == "Verkäufer/in"  # no "beruf": from the title
    assert only(offers, "14513-1234567890-S").place.postcode == "89522"
    industrie = only(read("page-1.json"), "10000-1198765432-S")
    assert industrie.place.town == "Heidenheim an der Brenz"  # "Heidenheim"


def test_a_number_postcode_keeps_its_leading_zero() -> None:
    offer = {"refnr": "1-1-S", "titel": "Ausbildung Koch (m/w/d)", "arbeitsort": {"plz": 1067}}
    page = read_offers_page(document(json.dumps({"stellenangebote": [offer]}), API))
    koch = only(read_records(page.records, kind="ba-jobsuche", now=NOW)[0], "1-1-S")
    assert (koch.place.postcode, koch.occupation) == ("01067", "Koch/Köchin")


# --- the spider over HTTP ---------------------------------------------------------------------


def test_the_spider_pages_with_the_api_key_until_stellenangebote_is_absent(site) -> None:
    site.route(page_path(1), reply("page-1.json"))
    site.route(page_path(2), reply("page-2.json"))
    site.route(page_path(3), reply("past-end.json"))
    result = crawl(jobsuche(site))
    assert (result.status, result.complete, result.error) == ("ok", True, None)
    assert len(result.records) == 5 and result.pages == 3
    assert not site.hits(page_path(4))
    for number in (1, 2, 3):
        (hit,) = site.hits(page_path(number))
        headers = {name.lower(): value for name, value in hit.headers.items()}
        assert headers["x-api-key"] == "jobboerse-jobsuche"  # header names are case-blind
    record = next(r for r in result.records if r.key == "14513-1234567890-S")
    assert record.fmt == "json" and json.loads(record.payload)["arbeitsort"]["plz"] == 89522
    assert record.url == "https://www.arbeitsagentur.de/jobsuche/jobdetail/14513-1234567890-S"


def test_a_403_without_a_valid_key_fails_the_crawl_clearly(site) -> None:
    site.route(page_path(1), Reply(b'{"message":"Forbidden"}', status=403))
    result = crawl(jobsuche(site))
    assert (result.status, result.complete, result.records) == ("failed", False, [])
    assert result.error.startswith(f"{site.url(page_path(1))}: HTTP 403")
    assert "X-API-Key" in result.error and "jobboerse-jobsuche" in result.error


SCRAPY_RETRY = {
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": 550,
        "crawlers.middlewares.PoliteRetryMiddleware": None,
    }
}


@pytest.mark.parametrize("retry", ["polite", "scrapy"])
def test_a_429_is_retried_and_then_read(site, retry: str) -> None:
    busy = Reply(b"", status=429, headers={"Retry-After": "1"})
    site.route(page_path(1), busy, reply("page-1.json"))
    site.route(page_path(2), reply("past-end.json"))
    config = jobsuche(site)
    settings = {**FAST_CRAWL, **(SCRAPY_RETRY if retry == "scrapy" else {})}
    result = crawl_sources([CrawlJob(config)], settings=settings)[config.id]
    assert (result.status, result.complete, len(result.records)) == ("ok", True, 3)
    first, second = site.hits(page_path(1))
    if retry == "polite":
        assert second.at - first.at >= 0.9  # the retry waited as the server asked


def test_a_429_that_lasts_fails_the_page_with_a_hint(site) -> None:
    site.route(page_path(1), reply("page-1.json"))
    site.route(page_path(2), Reply(b"", status=429, headers={"Retry-After": "0"}))
    result = crawl(jobsuche(site))
    assert (result.status, result.complete, len(result.records)) == ("ok", False, 3)
    (problem,) = result.problems
    assert problem.message.startswith("HTTP 429")
    assert "tried again next pass" in problem.message
