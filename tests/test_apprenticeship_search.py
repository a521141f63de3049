"""Searching apprenticeships as a newcomer: trade words, town, kilometres from a postcode, start
year, sorted by distance or start — in the store and over GET /api/apprenticeships."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aggregator.apprenticeships.queries import ApprenticeshipFilter
from aggregator.apprenticeships.search import (
    ApprenticeshipSearch,
    SearchError,
    search_apprenticeships,
)
from aggregator.places.locations import distance_km, postcode_centroid
from tests.conftest import NOW
from tests.support.apprenticeships import (
    ingest,
    jobs_result,
    jobs_source,
    radar_result,
    radar_source,
)
from web.server import create_app

GIENGEN, HEIDENHEIM = "89537", "89518"


@pytest.fixture
def postings(store):
    """Both fixture sources ingested: 19 postings of the Handwerkskammer, 5 of the
    Bundesagentur, one of them on both."""
    ingest(
        store,
        [radar_source(), jobs_source()],
        radar_result("hwk-ulm", "page-1.html", "page-2.html"),
        jobs_result("ba-heidenheim", "page-1.json", "page-2.json"),
    )
    return store


@pytest.fixture
def api(postings):
    with TestClient(create_app(postings, clock=lambda: NOW)) as client:
        yield client


def search(store, **asked: object) -> list[tuple[str, float | None]]:
    where = ApprenticeshipFilter(q=asked.pop("q", None), town=asked.pop("town", None))
    with store.transaction() as session:
        hits = search_apprenticeships(session, ApprenticeshipSearch(where=where, **asked))
        return [(hit.item.occupation, hit.distance_km) for hit in hits]


def occupations(found: list[tuple[str, float | None]]) -> list[str]:
    return [occupation for occupation, _ in found]


def test_within_km_of_a_postcode_nearest_first(postings) -> None:
    found = search(postings, postcode=GIENGEN, km=6)
    assert occupations(found) == [
        "Verkäufer/in",  # 89537 without coordinates: the postcode's centre; starts in August
        "Kraftfahrzeugmechatroniker/in - Personenkraftwagentechnik",  # 89537, September
        "Fahrzeuglackierer/in",  # 89537, starts "nach Vereinbarung": last among equals
        "Land- und Baumaschinenmechatroniker/in",  # Hermaringen
        "Friseur/in",  # Herbrechtingen, August
        "Feinwerkmechaniker/in",  # Herbrechtingen, September
    ]
    distances = [distance for _, distance in found]
    assert distances[:3] == [0.0, 0.0, 0.0]
    hermaringen = distance_km(postcode_centroid(GIENGEN), postcode_centroid("89568"))
    assert distances[3] == pytest.approx(hermaringen) and 3 < hermaringen < 3.5
    assert 5 < distances[-1] < 6 and distances == sorted(distances)
    assert "Maler/in und Lackierer/in - Gestaltung und Instandhaltung" in occupations(
        search(postings, postcode=GIENGEN, km=9)  # Nattheim, 8.4 km away
    )


def test_source_coordinates_count_over_the_postcode_centre(postings) -> None:
    found = dict(search(postings, postcode=HEIDENHEIM, q="Industriemechaniker"))
    from_source = distance_km(postcode_centroid(HEIDENHEIM), (48.6702, 10.1458))
    assert found == {"Industriemechaniker/in": pytest.approx(from_source)}
    assert found["Industriemechaniker/in"] != pytest.approx(
        distance_km(postcode_centroid(HEIDENHEIM), postcode_centroid("89522"))
    )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Schreiner", ["Tischler/in"]),  # the southern German name of the trade
        ("Kauffrau", ["Kaufmann/-frau - Büromanagement"]),
        ("Elektronikerin", ["Elektroniker/in - Energie- und Gebäudetechnik"]),
        ("holz", ["Tischler/in", "Zimmerer/in"]),
        ("Bäckerei Schön", ["Bäcker/in", "Fachverkäufer/in im Lebensmittelhandwerk - Bäckerei"]),
        ("Hämmerle", ["Elektroniker/in - Energie- und Gebäudetechnik",
                      "Kaufmann/-frau - Büromanagement"]),
        ("Astronaut", []),
    ],
)  # fmt: skip
def test_occupation_and_trade_words(postings, words: str, expected: list[str]) -> None:
    assert sorted(occupations(search(postings, q=words))) == expected


def test_town_by_any_spelling_and_start_year(postings) -> None:
    in_giengen = occupations(search(postings, town="Giengen a.d. Brenz"))
    assert len(in_giengen) == 3 and "Verkäufer/in" in in_giengen
    assert occupations(search(postings, town="giengen-an-der-brenz")) == in_giengen
    assert len(search(postings, year=2027)) == 23 - 1  # one starts "nach Vereinbarung"
    assert search(postings, year=2028) == []


def test_sorted_by_start_date(postings) -> None:
    found = occupations(search(postings, sort="start", town="Heidenheim an der Brenz"))
    assert found[-1] == "Pflegefachmann/-frau"  # the only one starting in October


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"postcode": "12345"}, "no centre known for postcode 12345"),
        ({"km": 10.0}, "km needs a postcode"),
        ({"sort": "distance"}, "sort=distance needs a postcode"),
    ],
)
def test_a_search_that_cannot_be_answered_says_why(postings, asked, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        search(postings, **asked)


# --- over HTTP --------------------------------------------------------------------------------


def test_the_api_gives_each_apprenticeship_with_its_distance(api) -> None:
    page = api.get(f"/api/apprenticeships?postcode={GIENGEN}&km=6&per_page=2").json()
    assert (page["total"], page["pages"], page["page"], page["prev"]) == (6, 3, 1, None)
    first, second = page["apprenticeships"]
    assert (first["occupation"], first["distance_km"]) == ("Verkäufer/in", 0.0)
    assert first["company"] == "Modehaus Brenzpark GmbH"
    assert first["location"]["town"] == "Giengen an der Brenz"
    assert [ref["source"] for ref in first["sources"]] == ["ba-heidenheim"]
    assert second["distance_km"] == 0.0
    middle = api.get(page["next"]).json()
    assert [item["distance_km"] for item in middle["apprenticeships"]] == [0.0, 3.2]
    last = api.get(middle["next"]).json()
    assert [item["distance_km"] for item in last["apprenticeships"]] == [5.3, 5.3]
    assert last["next"] is None


def test_the_api_searches_words_town_and_year(api) -> None:
    found = api.get("/api/apprenticeships?q=Schreiner&town=Heidenheim&year=2027").json()
    assert [item["occupation"] for item in found["apprenticeships"]] == ["Tischler/in"]
    assert found["apprenticeships"][0]["distance_km"] is None  # no postcode asked about
    by_start = api.get("/api/apprenticeships?sort=start&per_page=500").json()["apprenticeships"]
    starts = [item["start_date"] for item in by_start]
    assert starts[-1] is None and starts[:-1] == sorted(starts[:-1])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("postcode=8951", "postcode='8951' is not a German postcode"),
        ("postcode=12345", "no centre known for postcode 12345"),
        ("km=5", "km needs a postcode"),
        ("postcode=89518&km=weit", "km='weit' is not a number"),
        ("year=nächstes", "year='nächstes' is not a year"),
        ("sort=nearest", "sort='nearest' must be one of: distance, start"),
    ],
)
def test_the_api_answers_a_bad_search_with_400_and_the_reason(api, query, message) -> None:
    response = api.get(f"/api/apprenticeships?{query}")
    assert response.status_code == 400
    assert message in response.text
