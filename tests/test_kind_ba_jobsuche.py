"""The `ba-jobsuche` kind: Jobsuche answers of v6 and v4 read offer by offer, an unknown shape
refused, the API's paging limits kept, then a real spider paging over real HTTP on 127.0.0.1
(the API key, a 400, 403, 404 and 429), and a source switched from v4 to v6 keeping its
apprenticeships. The answers are recorded-shape fixtures (tests/fixtures/ba/README.md)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from aggregator.kinds import KINDS
from aggregator.sources import parse_sources
from aggregator.store.models import Apprenticeship
from crawlers.crawl import CrawlJob, crawl_sources
from crawlers.extract.ba_jobsuche import read_offers_page
from crawlers.extract.document import Document
from crawlers.extract.records import Unreadable
from crawlers.spiders.ba_jobsuche import BaJobsucheSpider
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.kinds import document, only, read_records
from tests.support.server import FixtureServer, Reply
from workers.passes import run_pass

ANSWERS = FIXTURES / "ba"
JSON = "application/json"
JOBS = "/jobboerse/jobsuche-service/pc/v4/jobs"
JOBS_V6 = "/jobboerse/jobsuche-service/pc/v6/jobs"
QUERY = "angebotsart=4&wo=Heidenheim+an+der+Brenz&umkreis=25"
API = "https://rest.arbeitsagentur.de" + JOBS
API_V6 = KINDS["ba-jobsuche"].default_url


def page_path(number: int, jobs: str = JOBS) -> str:
    return f"{jobs}?{QUERY}&page={number}&size=100"


def reply(name: str, **kwargs: object) -> Reply:
    return Reply.file(ANSWERS / name, JSON, **kwargs)


def jobsuche(site: FixtureServer, jobs: str = JOBS):
    options = {"where": "Heidenheim an der Brenz", "radius_km": 25}
    return source("ba-heidenheim", "ba-jobsuche", site.url(jobs), trusted=True, options=options)


def crawl(config):
    return crawl_sources([CrawlJob(config)], settings=FAST_CRAWL)[config.id]


def read(name: str, api: str = API):
    page = read_offers_page(document((ANSWERS / name).read_bytes(), api))
    return read_records(page.records, kind="ba-jobsuche", now=NOW)[0]


def read_v6(name: str):
    return read(name, API_V6)


# --- one v6 answer ----------------------------------------------------------------------------


def test_a_source_without_url_asks_the_v6_endpoint_for_pages_of_100() -> None:
    entry = {"id": "ba", "kind": "ba-jobsuche", "where": "89518"}
    (config,) = parse_sources({"sources": [entry]}, label="sources.toml")
    assert BaJobsucheSpider(source=config.to_dict()).start_url() == (
        "https://rest.arbeitsagentur.de/jobboerse/jobsuche-service/pc/v6/jobs"
        "?angebotsart=4&wo=89518&umkreis=25&page=1&size=100"
    )


def test_a_v6_answer_gives_one_record_per_offer_keyed_by_referenznummer() -> None:
    page = read_offers_page(document((ANSWERS / "v6-page-1.json").read_bytes(), API_V6))
    assert [r.key for r in page.records] == [
        "10001-1002716922-S",
        "10001-1002721544-S",
        "10000-1198765432-S",
    ]
    first = page.records[0]
    assert first.fmt == "json"
    assert json.loads(first.payload)["firma"] == "Elektro Hämmerle GmbH"
    assert first.url == "https://www.arbeitsagentur.de/jobsuche/jobdetail/10001-1002716922-S"
    assert (page.problems, page.pages) == ([], [f"{API_V6}?page=2"])


def test_a_v6_answer_past_the_end_has_only_max_ergebnisse() -> None:
    past = f"{API_V6}?page=3&size=100"
    page = read_offers_page(document((ANSWERS / "v6-past-end.json").read_bytes(), past))
    assert (page.records, page.problems, page.pages) == ([], [], [])


def test_a_search_without_hits_has_max_ergebnisse_0() -> None:
    page = read_offers_page(document('{"maxErgebnisse": 0, "page": 1, "size": 100}', API_V6))
    assert (page.records, page.problems, page.pages) == ([], [], [])


def test_hits_without_an_offer_list_on_a_page_that_should_have_them_are_refused() -> None:
    """A renamed offer list beside a kept ``maxErgebnisse`` is no "0 offers"."""
    text = '{"treffer": [{"referenznummer": "1-1-S"}], "maxErgebnisse": 5}'
    with pytest.raises(Unreadable) as refused:
        read_offers_page(document(text, f"{API_V6}?page=1&size=100"))
    assert str(refused.value) == (
        "the answer says 5 offers were found but lists none on this page under "
        "'ergebnisliste' (v6) or 'stellenangebote' (v4)"
    )


def test_a_v6_offer_reads_into_an_apprenticeship() -> None:
    elektro = only(read_v6("v6-page-1.json"), "10001-1002716922-S")
    assert elektro.title == "Ausbildung zum Elektroniker für Energie- und Gebäudetechnik (m/w/d)"
    assert elektro.occupation == "Elektroniker/in - Energie- und Gebäudetechnik"
    assert elektro.company == "Elektro Hämmerle GmbH"
    assert elektro.start_date == date(2027, 9, 1)  # eintrittszeitraum.von
    assert elektro.uid == "10001-1002716922-S"
    assert elektro.url == "https://www.arbeitsagentur.de/jobsuche/jobdetail/10001-1002716922-S"


def test_the_first_of_several_stellenlokationen_is_the_place_and_all_stay_raw() -> None:
    page = read_offers_page(document((ANSWERS / "v6-page-1.json").read_bytes(), API_V6))
    elektro = only(read_records(page.records, kind="ba-jobsuche", now=NOW)[0], page.records[0].key)
    place = elektro.place
    assert (place.address, place.postcode, place.town) == (
        "Giengener Straße 80",  # strasse and hausnummer
        "89522",  # the answer gives the postcode as a number
        "Heidenheim an der Brenz",
    )
    assert (place.lat, place.lon) == (48.6641, 10.1702)  # breite, laenge
    kept = json.loads(page.records[0].payload)["stellenlokationen"]
    assert [where["adresse"]["ort"] for where in kept] == [
        "Heidenheim an der Brenz",
        "Giengen an der Brenz",
    ]


def test_an_externe_url_is_the_link_shown() -> None:
    partner = only(read_v6("v6-page-1.json"), "10000-1198765432-S")
    assert partner.url == (
        "https://karriere.brenztal-maschinenbau.example/ausbildung/industriemechaniker-2027"
    )
    assert partner.uid == "10000-1198765432-S"


def test_v6_postcodes_as_strings_or_numbers_and_an_offer_without_hauptberuf() -> None:
    offers = read_v6("v6-page-2.json")
    verkauf = only(offers, "10001-1002730011-S")
    assert (verkauf.place.postcode, verkauf.place.town) == ("89537", "Giengen an der Brenz")
    assert (verkauf.place.lat, verkauf.place.lon) == (None, None)
    assert verkauf.occupation == "Verkäufer/in"  # no "hauptberuf": from the title
    assert only(offers, "14513-1234567890-S").place.postcode == "89522"


def test_a_v6_offer_without_titel_or_beruf_names_the_v6_fields() -> None:
    offer = {"referenznummer": "1-1-S", "firma": "Bäckerei Beispiel"}
    page = read_offers_page(document(json.dumps({"ergebnisliste": [offer]}), API_V6))
    drafts, problems = read_records(page.records, kind="ba-jobsuche", now=NOW)
    assert (drafts, problems) == (
        {},
        {"1-1-S": "offer has neither 'stellenangebotsTitel' nor 'hauptberuf'"},
    )


# --- answers of unknown shape -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        '{"jobs": [], "total": 0}',
        '{"code": "EINGABEPARAMETER_FEHLERHAFT", "message": "size"}',
    ],
)
def test_an_answer_of_unknown_shape_is_refused_naming_what_was_expected(text: str) -> None:
    with pytest.raises(Unreadable) as refused:
        read_offers_page(document(text, API_V6))
    message = str(refused.value)
    assert message.startswith("not a Jobsuche answer of a known shape: expected 'ergebnisliste'")
    assert "'stellenangebote' (v4) or 'maxErgebnisse'" in message


def test_an_unknown_shape_names_the_keys_it_found() -> None:
    with pytest.raises(Unreadable, match=r"found 'jobs', 'total'$"):
        read_offers_page(document('{"jobs": [], "total": 0}', API_V6))


# --- the API's paging limits ------------------------------------------------------------------


def answer_at(page: int, size: int, hits: int) -> Document:
    offers = [{"referenznummer": f"1-{page}-S", "stellenangebotsTitel": "Ausbildung Koch"}]
    text = json.dumps({"ergebnisliste": offers, "maxErgebnisse": hits})
    return document(text, f"{API_V6}?page={page}&size={size}")


def test_paging_names_the_last_page_the_api_serves() -> None:
    assert read_offers_page(answer_at(99, 100, 12_000)).pages == [f"{API_V6}?page=100&size=100"]
    assert read_offers_page(answer_at(199, 50, 12_000)).pages == [f"{API_V6}?page=200&size=50"]


def test_paging_stops_at_page_times_size_10000_and_says_what_is_left() -> None:
    page = read_offers_page(answer_at(100, 100, 12_000))
    assert page.pages == []
    (problem,) = page.problems
    assert problem.partial  # the crawl is incomplete: nothing is marked gone
    assert problem.message == (
        "the search found 12000 offers; the API serves the first 10000 offers of a search only "
        "(page × size ≤ 10000): narrow 'where' or 'radius_km'"
    )


def test_a_search_that_ends_at_the_limit_is_complete() -> None:
    page = read_offers_page(answer_at(100, 100, 10_000))
    assert (page.pages, page.problems) == ([], [])


def test_a_max_pages_beyond_what_the_api_serves_stays_valid() -> None:
    """Sources files written before v6 keep working: the API's limit stops the paging."""
    check = KINDS["ba-jobsuche"].option("max_pages").check
    assert check is not None
    assert (check(100), check(150), check(0)) == (None, None, "must be 1 or more, not 0")


# --- one v4 answer ----------------------------------------------------------------------------


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
    past = f"{API}?page=3&size=100"
    page = read_offers_page(document((ANSWERS / "past-end.json").read_bytes(), past))
    assert (page.records, page.pages) == ([], [])


def test_an_offer_without_refnr_is_a_problem_and_the_others_stay() -> None:
    text = json.dumps({"stellenangebote": [{"titel": "Ausbildung Koch"}, {"refnr": "1-2-S"}]})
    page = read_offers_page(document(text, API))
    assert [r.key for r in page.records] == ["1-2-S"]
    assert [p.message for p in page.problems] == ["offer 1 on this page has no refnr"]
    v6 = json.dumps({"ergebnisliste": [{"stellenangebotsTitel": "Koch"}, {"referenznummer": "1"}]})
    page = read_offers_page(document(v6, API_V6))
    assert [r.key for r in page.records] == ["1"]
    assert [p.message for p in page.problems] == ["offer 1 on this page has no referenznummer"]


@pytest.mark.parametrize(
    "text", ["<html>Wartung</html>", "[1, 2]", '{"stellenangebote": 3}', '{"ergebnisliste": {}}']
)
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


def test_the_spider_pages_v6_with_the_api_key_until_ergebnisliste_is_absent(site) -> None:
    for number, name in enumerate(("v6-page-1.json", "v6-page-2.json", "v6-past-end.json"), 1):
        site.route(page_path(number, JOBS_V6), reply(name))
    result = crawl(jobsuche(site, JOBS_V6))
    assert (result.status, result.complete, result.error, result.problems) == ("ok", True, None, [])
    assert len(result.records) == 5 and result.pages == 3
    for number in (1, 2, 3):
        (hit,) = site.hits(page_path(number, JOBS_V6))
        headers = {name.lower(): value for name, value in hit.headers.items()}
        assert headers["x-api-key"] == "jobboerse-jobsuche"


def test_the_spider_pages_v4_with_the_api_key_until_stellenangebote_is_absent(site) -> None:
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


def test_a_404_on_the_first_page_says_the_version_was_probably_withdrawn(site) -> None:
    site.route(page_path(1), Reply(b'{"message":"Not Found"}', status=404))
    result = crawl(jobsuche(site))
    assert (result.status, result.complete, result.records) == ("failed", False, [])
    assert result.error.startswith(f"{site.url(page_path(1))}: HTTP 404")
    assert "version v4 was probably withdrawn" in result.error


def test_a_400_names_the_api_limits(site) -> None:
    refused = b'{"code":"EINGABEPARAMETER_FEHLERHAFT","message":"page"}'
    site.route(page_path(1, JOBS_V6), Reply(refused, status=400))
    result = crawl(jobsuche(site, JOBS_V6))
    assert result.status == "failed"
    assert result.error.endswith(
        "HTTP 400 – the Jobsuche API refused the query (EINGABEPARAMETER_FEHLERHAFT): it takes "
        "size ≤ 100 and page × size ≤ 10000"
    )


def test_an_answer_of_unknown_shape_fails_the_crawl_instead_of_reading_no_offers(site) -> None:
    site.route(page_path(1, JOBS_V6), Reply(b'{"jobs": []}', headers={"Content-Type": JSON}))
    result = crawl(jobsuche(site, JOBS_V6))
    assert (result.status, result.complete, result.records) == ("failed", False, [])
    assert "not a Jobsuche answer of a known shape" in result.error


def test_an_unknown_shape_on_a_later_page_makes_the_crawl_incomplete(site) -> None:
    site.route(page_path(1, JOBS_V6), reply("v6-page-1.json"))
    site.route(page_path(2, JOBS_V6), Reply(b"{}", headers={"Content-Type": JSON}))
    result = crawl(jobsuche(site, JOBS_V6))
    assert (result.status, result.complete, len(result.records)) == ("ok", False, 3)
    (problem,) = result.problems
    assert problem.message.startswith("not a Jobsuche answer of a known shape")


# --- from v4 to v6 ----------------------------------------------------------------------------


def test_apprenticeships_keep_their_ids_when_the_source_moves_from_v4_to_v6(
    store, site, tmp_path
) -> None:
    for number, name in enumerate(("page-1.json", "page-2.json", "past-end.json"), 1):
        site.route(page_path(number), reply(name))
    for number, name in enumerate(("v6-page-1.json", "v6-page-2.json", "v6-past-end.json"), 1):
        site.route(page_path(number, JOBS_V6), reply(name))
    run_pass(store, [jobsuche(site)], tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    before = ids_by_refnr(tmp_path)
    later = NOW + timedelta(hours=12)
    report = run_pass(
        store, [jobsuche(site, JOBS_V6)], tmp_path, now=later, crawl_settings=FAST_CRAWL
    )
    (summary,) = report.summaries
    assert (summary.status, summary.items, summary.new, summary.gone) == ("ok", 5, 0, 0)
    assert summary.alarm is None
    assert ids_by_refnr(tmp_path) == before and len(before) == 5
    with store.transaction() as session:
        assert {posting.status for posting in session.scalars(select(Apprenticeship))} == {"open"}


def ids_by_refnr(out) -> dict[str, str]:
    items = json.loads((out / "apprenticeships.json").read_text())["apprenticeships"]
    return {ref["id"]: item["id"] for item in items for ref in item["sources"]}
