"""The apprenticeship pages: search by trade words, town, distance from a postcode and start
year over postings a real pass read from the Lehrstellen-Radar and the Jobsuche API; each entry
with what a newcomer needs to decide and a clear way to apply; a detail page with JobPosting."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape

import pytest

from tests.support.pages import german_visitor
from web.pages import job_search

ENTRY = re.compile(r'<li class="job">(.*?)</li>', re.S)


@dataclass(frozen=True)
class Entry:
    id: str
    occupation: str
    company: str
    place: str  # street, postcode and town
    distance: str | None
    start: str
    apply: str | None
    site: str | None


def entries(html: str) -> list[Entry]:
    found = []
    for text in ENTRY.findall(html):

        def first(pattern: str, text: str = text) -> str | None:
            match = re.search(pattern, text)
            return unescape(match[1]) if match else None

        company, place = re.findall(
            r'<p class="meta"><span lang="de" dir="auto">(.*?)</span>', text
        )
        found.append(
            Entry(
                id=first(r'href="/ausbildung/([^"]+)"'),
                occupation=first(r'dir="auto">(.*?)</a></h3>'),
                company=unescape(company),
                place=unescape(place),
                distance=first(r'<p class="meta distance">(.*?)</p>'),
                start=first(r'<p class="meta">(Beginn: .*?)</p>'),
                apply=first(r'<a class="button" href="([^"]+)"[^>]*>Bewerben</a>'),
                site=first(r'<span class="hint">auf (.*?)</span>'),
            )
        )
    return found


def count(html: str) -> str:
    return re.search(r'<h2 id="results">(.*?)</h2>', html)[1]


def km(entry: Entry) -> float:
    if entry.distance == "weniger als 1 km entfernt":
        return 0.0
    return float(entry.distance.removesuffix(" km entfernt").replace(",", "."))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with german_visitor(tmp_path_factory.mktemp("pages")) as client:
        yield client


def test_every_open_apprenticeship_earliest_start_first(client) -> None:
    page = client.get("/ausbildung").text
    assert count(page) == "23 Ausbildungsplätze"
    shown = entries(page)
    assert [e.start for e in shown[:2]] == ["Beginn: 1. August 2027"] * 2
    assert shown[-1].start == "Beginn: nicht angegeben"  # unknown start last
    assert all(e.distance is None for e in shown)  # no postcode, no distance
    assert len(page.encode()) < 50_000


def test_near_my_postcode_within_a_distance_nearest_first(client) -> None:
    page = client.get("/ausbildung?postcode=89551&km=10").text
    shown = entries(page)
    assert count(page) == "11 Ausbildungsplätze"
    assert [(e.occupation, e.place, e.distance) for e in shown[:2]] == [
        ("Bäcker/in", "89551 Königsbronn", "weniger als 1 km entfernt"),
        (
            "Fachverkäufer/in im Lebensmittelhandwerk - Bäckerei",
            "89551 Königsbronn",
            "weniger als 1 km entfernt",
        ),
    ]
    distances = [km(e) for e in shown]
    assert distances == sorted(distances) and max(distances) <= 10
    assert "Dachdecker/in" not in {e.occupation for e in shown}  # Niederstotzingen, far south
    wider = entries(client.get("/ausbildung?postcode=89551&km=20").text)
    assert {"Glaser/in", "Zimmerer/in"} <= {e.occupation for e in wider}  # Aalen, Gerstetten
    assert '<option value="10" selected>bis 10 km</option>' in page
    assert 'name="postcode" value="89551"' in page


def test_trade_words_town_and_start_year(client) -> None:
    schreiner = entries(client.get("/ausbildung?q=Schreiner").text)
    assert [(e.occupation, e.company) for e in schreiner] == [
        ("Tischler/in", "Schreinerei Beispiel GmbH")
    ]
    giengen = entries(client.get("/ausbildung?town=giengen-an-der-brenz").text)
    assert len(giengen) == 3
    assert all(e.place.endswith("89537 Giengen an der Brenz") for e in giengen)
    in_2027 = entries(client.get("/ausbildung?year=2027").text)
    assert len(in_2027) == 22 and all(e.start.endswith("2027") for e in in_2027)
    holz = entries(client.get("/ausbildung?q=holz&postcode=89522&km=50").text)
    assert [(e.occupation, e.distance) for e in holz] == [
        ("Tischler/in", "2 km entfernt"),
        ("Zimmerer/in", "11,8 km entfernt"),
    ]


def test_each_entry_links_to_applying_at_the_source(client) -> None:
    shown = {e.occupation: e for e in entries(client.get("/ausbildung?q=mechaniker").text)}
    industrie = shown["Industriemechaniker/in"]
    assert industrie.company == "Brenztal Maschinenbau AG"
    assert industrie.start == "Beginn: 1. September 2027"
    assert industrie.apply == "https://www.arbeitsagentur.de/jobsuche/jobdetail/10000-1198765432-S"
    assert industrie.site == "arbeitsagentur.de"
    radar = shown["Feinwerkmechaniker/in"]
    assert radar.apply.endswith("/5100,0,jpguestdetail.html?id=2755")


def test_an_unknown_postcode_is_explained_and_the_rest_still_found(client) -> None:
    page = client.get("/ausbildung?postcode=12345&km=10&q=tischler").text
    assert "Wir kennen die Postleitzahl 12345 nicht." in page
    assert [e.occupation for e in entries(page)] == ["Tischler/in"]
    assert entries(page)[0].distance is None


@pytest.mark.parametrize("query", ["km=7&postcode=89522", "year=soon", "page=x", "town=atlantis"])
def test_odd_form_values_never_break_the_page(client, query: str) -> None:
    answer = client.get(f"/ausbildung?{query}")
    assert answer.status_code == 200 and entries(answer.text)


def test_long_results_come_in_pages(client, monkeypatch) -> None:
    monkeypatch.setattr(job_search, "PER_PAGE", 10)
    first = client.get("/ausbildung?year=2027").text
    assert count(first) == "22 Ausbildungsplätze" and len(entries(first)) == 10
    assert "Vorherige Seite" not in first
    following = re.search(r'href="([^"]+)">Nächste Seite</a>', first)[1]
    assert unescape(following) == "/ausbildung?year=2027&page=2#results"
    last = client.get("/ausbildung?year=2027&page=3").text
    assert len(entries(last)) == 2 and "Nächste Seite" not in last
    assert 'href="/ausbildung?year=2027&amp;page=2#results">Vorherige Seite</a>' in last


def test_detail_page_with_job_posting(client) -> None:
    (tischler,) = entries(client.get("/ausbildung?q=tischler").text)
    page = client.get(f"/ausbildung/{tischler.id}").text
    assert '<span lang="de" dir="auto">Tischler/in</span></h1>' in page
    assert '<dd><span lang="de" dir="auto">Schreinerei Beispiel GmbH</span></dd>' in page
    assert "<dd>1. September 2027</dd>" in page
    assert (
        'href="https://www.openstreetmap.org/search?query=89518%20Heidenheim%20an%20der%20Brenz"'
        in page
    )
    assert f'<a class="button" href="{tischler.apply}"' in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page)[1])
    assert ld["@type"] == "JobPosting" and ld["title"] == "Tischler/in"
    assert ld["hiringOrganization"]["name"] == "Schreinerei Beispiel GmbH"
    assert ld["jobStartDate"] == "2027-09-01"
    assert ld["jobLocation"]["address"]["postalCode"] == "89518"


def test_an_unknown_apprenticeship_is_a_friendly_404(client) -> None:
    answer = client.get("/ausbildung/nope")
    assert answer.status_code == 404 and "Nicht gefunden" in answer.text
