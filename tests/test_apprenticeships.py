"""Canonical apprenticeships: names folded, the same posting on both sources is one listing, and
postings close and reopen with their sources — through real passes on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from aggregator.apprenticeships.matching import company_key, same_occupation
from aggregator.crawl_result import CrawlResult
from aggregator.occupations import occupation_name
from aggregator.sources import load_sources
from aggregator.store import Store
from aggregator.store.models import Apprenticeship
from lotse.demo import DEMO, host_map, serve_site
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.apprenticeships import (
    ingest,
    jobs_result,
    jobs_source,
    radar_result,
    radar_source,
)
from tests.support.server import FixtureServer, Reply
from workers.passes import run_pass
from workers.steps import publish

RADAR = "/5100,90,lsrlist.html"
RADAR_QUERY = "search-fromsearchform=1&search-ls=1&search-pr=1&search-plz=89518&search-radius=25"
JOBS = "/pc/v4/jobs"
JOBS_QUERY = "angebotsart=4&wo=89518&umkreis=25"
HTML, JSON = "text/html; charset=utf-8", "application/json"
ELEKTRO_BA = "https://www.arbeitsagentur.de/jobsuche/jobdetail/10001-1002716922-S"


# --- golden names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Ausbildung zum Elektroniker (m/w/d)", "Elektroniker/in"),
        ("Ausbildung zur Elektronikerin", "Elektroniker/in"),
        ("Elektroniker/in", "Elektroniker/in"),
        ("Elektronikerin", "Elektroniker/in"),
        ("Elektroniker*in (w/m/d)", "Elektroniker/in"),
        ("ElektronikerIn", "Elektroniker/in"),
        ("Auszubildende/r Elektroniker", "Elektroniker/in"),
        (
            "Auszubildender zum Elektroniker für Betriebstechnik",
            "Elektroniker/in für Betriebstechnik",
        ),
        ("Kauffrau/-mann für Büromanagement", "Kaufmann/-frau für Büromanagement"),
        ("Kaufmann/-frau für Büromanagement", "Kaufmann/-frau für Büromanagement"),
        ("Kaufleute für Büromanagement", "Kaufmann/-frau für Büromanagement"),
        (
            "Ausbildung zur Kauffrau für Büromanagement (m/w/d) 2027",
            "Kaufmann/-frau für Büromanagement",
        ),
        ("Ausbildung Tischler (m/w/d)", "Tischler/in"),
        ("Ausbildung als Kfz-Mechatroniker (m/w/d) ab 01.09.2027", "Kfz-Mechatroniker/in"),
        ("Medizinische Fachangestellte (m/w/d)", "Medizinische/r Fachangestellte/r"),
        ("Zahnmedizinischer Fachangestellter", "Zahnmedizinische/r Fachangestellte/r"),
        ("Technischer Systemplaner", "Technische/r Systemplaner/in"),
        ("Malerin und Lackiererin", "Maler/in und Lackierer/in"),
        ("Köchin", "Koch/Köchin"),
        ("Zimmerer/Zimmerin", "Zimmerer/in"),
        ("Pflegefachfrau", "Pflegefachmann/-frau"),
        ("Verkäufer (m/w/d) – Ausbildung 2027", "Verkäufer/in"),
        ("Fachkraft für Lagerlogistik", "Fachkraft für Lagerlogistik"),
        (
            "Elektroniker/in, Fachrichtung Energie- und Gebäudetechnik",
            "Elektroniker/in - Energie- und Gebäudetechnik",
        ),
        (
            "Fachverkäufer im Lebensmittelhandwerk - Bäckerei",
            "Fachverkäufer/in im Lebensmittelhandwerk - Bäckerei",
        ),
        ("Land- und Baumaschinenmechatroniker", "Land- und Baumaschinenmechatroniker/in"),
    ],
)
def test_occupation_names_fold_to_the_bundesagentur_form(written: str, name: str) -> None:
    assert occupation_name(written) == name


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Schreinerei Beispiel GmbH", "Schreinerei Beispiel"),
        ("Müller GmbH & Co. KG", "MUELLER GmbH & Co KG"),
        ("Müller KG", "Müller GmbH"),
        ("Bäckerei Schön e.K.", "Baeckerei Schoen"),
        ("Bäckerei Schön e. K.", "bäckerei schön"),
        ("Elektro Maier UG (haftungsbeschränkt)", "Elektro-Maier UG"),
        ("Autohaus Weber OHG", "Autohaus Weber oHG"),
        ("Stadtwerke Heidenheim AG", "Stadtwerke Heidenheim"),
        ("Friseursalon Haarscharf Inh. Petra Klein", "Friseursalon Haarscharf"),
        ("Holzbau Kraus GmbH&Co.KG", "Holzbau Kraus"),
        ("Kraus UG (haftungsbeschränkt) & Co. KG", "Kraus"),
        ("Kliniken Landkreis Heidenheim gGmbH", "Kliniken Landkreis Heidenheim"),
    ],
)
def test_company_spellings_share_a_key(one: str, other: str) -> None:
    assert company_key(one) == company_key(other) != ""


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Autohaus Mag", "Autohaus M"),  # "ag" inside a name is no legal form
        ("Elektro Maier GmbH", "Elektro Meier GmbH"),
        ("Bäckerei Schön", "Konditorei Schön"),
    ],
)
def test_different_companies_keep_different_keys(one: str, other: str) -> None:
    assert company_key(one) != company_key(other)


def test_occupations_compare_by_name_and_a_missing_specialty() -> None:
    assert same_occupation("Elektroniker/in", "Elektroniker für Energie- und Gebäudetechnik")
    assert same_occupation("Kaufmann für Büromanagement", "Kaufmann/-frau - Büromanagement")
    assert same_occupation("Kfz-Mechatroniker", "Kraftfahrzeugmechatroniker/in")
    assert not same_occupation("Elektroniker/in", "Kaufmann/-frau für Büromanagement")
    assert not same_occupation("Mechatroniker/in", "Kfz-Mechatroniker/in")
    assert not same_occupation("Kaufmann im Einzelhandel", "Kaufmann für Büromanagement")


# --- passes over both sources -----------------------------------------------------------------


def radar_path(page: int) -> str:
    return f"{RADAR}?{RADAR_QUERY}&page={page}"


def jobs_path(page: int) -> str:
    return f"{JOBS}?{JOBS_QUERY}&page={page}&size=100"


def html(name: str) -> Reply:
    return Reply.file(FIXTURES / "lehrstellen_radar" / name, HTML)


def answer(name: str) -> Reply:
    return Reply.file(FIXTURES / "ba" / name, JSON)


def without_offer(name: str, refnr: str) -> Reply:
    data = json.loads((FIXTURES / "ba" / name).read_text())
    data["stellenangebote"] = [o for o in data["stellenangebote"] if o["refnr"] != refnr]
    return Reply(json.dumps(data).encode(), headers={"Content-Type": JSON})


@pytest.fixture
def radar(site: FixtureServer):
    site.route(radar_path(1), html("page-1.html"))
    site.route(radar_path(2), html("page-2.html"))
    options = {"postcode": "89518", "radius_km": 25}
    return source("hwk-ulm", "lehrstellen-radar", site.url(RADAR), trusted=True, options=options)


@pytest.fixture
def jobsuche(site: FixtureServer):
    site.route(jobs_path(1), answer("page-1.json"))
    site.route(jobs_path(2), answer("page-2.json"))
    site.route(jobs_path(3), answer("past-end.json"))
    options = {"where": "89518", "radius_km": 25}
    return source("ba-heidenheim", "ba-jobsuche", site.url(JOBS), trusted=True, options=options)


def run(store: Store, sources, out: Path, now: datetime = NOW, crawl_settings=None):
    return run_pass(
        store, sources, out, now=now, crawl_settings={**FAST_CRAWL, **(crawl_settings or {})}
    )


def published(out: Path) -> list[dict]:
    return json.loads((out / "apprenticeships.json").read_text())["apprenticeships"]


def by_source_id(items: list[dict]) -> dict[str, dict]:
    return {ref["id"]: item for item in items for ref in item["sources"]}


def test_a_posting_on_both_sources_is_one_apprenticeship_with_both(
    store, site, radar, jobsuche, tmp_path
) -> None:
    report = run(store, [radar, jobsuche], tmp_path)
    assert [(s.source_id, s.status, s.items) for s in report.summaries] == [
        ("hwk-ulm", "ok", 19),
        ("ba-heidenheim", "ok", 5),
    ]
    items = published(tmp_path)
    assert len(items) == 19 + 5 - 1
    elektro = by_source_id(items)["2601"]
    assert elektro["sources"] == [
        {"source": "hwk-ulm", "url": site.url("/5100,0,jpguestdetail.html?id=2601"), "id": "2601"},
        {"source": "ba-heidenheim", "url": ELEKTRO_BA, "id": "10001-1002716922-S"},
    ]
    assert elektro["occupation"] == "Elektroniker/in - Energie- und Gebäudetechnik"
    assert elektro["company"] == "Elektro Hämmerle GmbH & Co. KG"  # the first source's spelling
    assert elektro["location"] == {
        "address": "Giengener Straße 80",  # only the Bundesagentur names the street
        "postcode": "89522",
        "town": "Heidenheim an der Brenz",
        "lat": 48.6641,
        "lon": 10.1702,
    }
    assert (elektro["start_date"], elektro["status"]) == ("2027-09-01", "open")
    assert elektro["url"] == site.url("/5100,0,jpguestdetail.html?id=2601")
    office = by_source_id(items)["10001-1002721544-S"]  # another occupation, same company
    assert office["id"] != elektro["id"]
    assert office["occupation"] == "Kaufmann/-frau - Büromanagement"
    assert [ref["source"] for ref in office["sources"]] == ["ba-heidenheim"]


def test_apprenticeships_json_names_company_town_postcode_and_start(
    store, radar, jobsuche, tmp_path
) -> None:
    run(store, [radar, jobsuche], tmp_path)
    items = by_source_id(published(tmp_path))
    friseur = items["2622"]
    assert (friseur["title"], friseur["occupation"]) == ("Friseur/in", "Friseur/in")
    assert friseur["company"] == "Friseursalon Haarscharf Inh. Petra Klein"
    assert (friseur["location"]["postcode"], friseur["location"]["town"]) == (
        "89542",
        "Herbrechtingen",
    )
    assert (friseur["location"]["lat"], friseur["location"]["lon"]) == (48.621, 10.172)  # centroid
    assert friseur["start_date"] == "2027-08-01"
    assert (friseur["first_seen"], friseur["last_seen"]) == (
        "2026-11-25T09:00:00+01:00",
        "2026-11-25T09:00:00+01:00",
    )
    verkauf = items["10001-1002730011-S"]
    assert verkauf["title"] == "Verkäufer (m/w/d) – Ausbildung 2027"
    assert verkauf["location"]["town"] == "Giengen an der Brenz"
    assert verkauf["company"] == "Modehaus Brenzpark GmbH"
    assert verkauf["start_date"] == "2027-08-01"
    assert items["2768"]["start_date"] is None  # "nach Vereinbarung"


def test_a_posting_closes_when_unlisted_and_reopens_when_back(store, site, jobsuche, tmp_path):
    gone = "10000-1198765432-S"
    run(store, [jobsuche], tmp_path)
    before = by_source_id(published(tmp_path))[gone]

    site.route(jobs_path(1), without_offer("page-1.json", gone))
    report = run(store, [jobsuche], tmp_path, NOW + timedelta(days=1))
    assert (report.summaries[0].items, report.summaries[0].gone) == (4, 1)
    assert gone not in by_source_id(published(tmp_path))
    with store.transaction() as session:
        kept = session.get(Apprenticeship, before["id"])
        assert (kept.status, kept.occupation) == ("closed", "Industriemechaniker/in")

    site.route(jobs_path(1), answer("page-1.json"))
    run(store, [jobsuche], tmp_path, NOW + timedelta(days=2))
    after = by_source_id(published(tmp_path))[gone]
    assert (after["id"], after["status"]) == (before["id"], "open")
    assert after["first_seen"] == before["first_seen"] == "2026-11-25T09:00:00+01:00"
    assert after["last_seen"] == "2026-11-27T09:00:00+01:00"


def test_a_failed_or_partial_crawl_closes_nothing(store, site, radar, tmp_path) -> None:
    run(store, [radar], tmp_path)
    assert len(published(tmp_path)) == 19
    site.route(radar_path(2), Reply(b"Wartungsarbeiten", status=503))
    partial = run(store, [radar], tmp_path, NOW + timedelta(days=1))
    assert (partial.summaries[0].status, partial.summaries[0].gone) == ("ok", 0)
    assert len(published(tmp_path)) == 19
    site.route(radar_path(1), Reply(b"", status=500))
    failed = run(store, [radar], tmp_path, NOW + timedelta(days=2))
    assert failed.summaries[0].status == "failed"
    assert len(published(tmp_path)) == 19
    with store.transaction() as session:
        assert {item.status for item in session.scalars(select(Apprenticeship))} == {"open"}


# --- store level: ranking and review ----------------------------------------------------------


def test_an_untrusted_source_waits_for_review_until_a_trusted_one_agrees(store, tmp_path):
    doubtful, trusted = jobs_source("ba-doubtful", trusted=False), jobs_source("ba-trusted")
    ingest(store, [doubtful, trusted], jobs_result("ba-doubtful", "page-1.json"))
    publish(store, tmp_path, now=NOW)
    assert published(tmp_path) == []
    ingest(store, [doubtful, trusted], jobs_result("ba-trusted", "page-2.json"))
    publish(store, tmp_path, now=NOW)
    assert {item["occupation"] for item in published(tmp_path)} == {
        "Verkäufer/in",
        "Pflegefachmann/-frau",
    }


def test_a_trusted_source_gives_the_fields_before_an_earlier_untrusted_one(store) -> None:
    radar, jobs = radar_source("hwk", trusted=False), jobs_source("ba")
    elektro = next(r for r in radar_result("hwk", "page-1.html").records if r.key == "91_2601")
    ingest(
        store,
        [radar, jobs],
        CrawlResult("hwk", records=[elektro]),
        jobs_result("ba", "page-1.json"),
    )
    with store.transaction() as session:
        (both,) = [item for item in session.scalars(select(Apprenticeship)) if len(item.links) == 2]
        assert both.company == "Elektro Hämmerle GmbH"  # the trusted Bundesagentur's spelling
        assert both.title.startswith("Ausbildung zum Elektroniker")
        assert both.start_date == date(2027, 9, 1)
        assert both.review_state == "published"


def test_the_demo_lists_both_sources_from_static_files(store, tmp_path) -> None:
    """The demo's files answer every page alike (its server ignores query strings)."""
    site = serve_site(DEMO / "site")
    try:
        configs = [
            config
            for config in load_sources(DEMO / "sources.toml")
            if config.record_type == "apprenticeship"
        ]
        report = run(store, configs, tmp_path, crawl_settings={"LOTSE_HOST_MAP": host_map(site)})
    finally:
        site.shutdown()
        site.server_close()
    assert [(s.source_id, s.status, s.items, s.problems) for s in report.summaries] == [
        ("hwk-ulm", "ok", 8, 0),
        ("ba-jobsuche", "ok", 5, 0),
    ]
    items = published(tmp_path)
    assert len(items) == 8 + 5 - 1
    (both,) = [item for item in items if len(item["sources"]) == 2]
    assert (both["occupation"], both["location"]["town"]) == (
        "Elektroniker/in - Energie- und Gebäudetechnik",
        "Heidenheim an der Brenz",
    )
