"""The JSON side: paging through /api/events gives events.json, apprenticeships filter and page,
every answer matches the OpenAPI description, and the JSON-LD helpers read back as schema.org."""

from __future__ import annotations

from datetime import UTC, date, datetime

import extruct
import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from aggregator.events.queries import published_events
from aggregator.store import Store
from aggregator.store.models import Apprenticeship
from tests.conftest import NOW
from tests.support.feeds import County, client_fixture, county_fixture
from web.feed_routes import EVENT_FEED_PATHS
from web.openapi import openapi
from web.pages.jsonld import event_jsonld, job_posting_jsonld, script_tag
from web.server import create_app

county = county_fixture("json")


client = client_fixture()


def apprenticeship(number: int, town: str, start: date | None, **fields: object) -> Apprenticeship:
    seen = datetime(2026, 11, 1, 9, tzinfo=UTC)
    values = dict(
        id=f"a{number:02d}",
        title=f"Ausbildung {number} (m/w/d)",
        occupation=f"Beruf {number}",
        company=f"Betrieb {number}",
        town=town,
        postcode="89518",
        start_date=start,
        status="open",
        review_state="published",
        first_seen=seen,
        last_seen=seen,
        updated_at=seen,
    )
    values.update(fields)
    return Apprenticeship(**values)


@pytest.fixture
def jobs(sqlite_store: Store):
    with sqlite_store.transaction() as session:
        for number in range(7):
            town = "Königsbronn" if number % 2 else "Heidenheim an der Brenz"
            session.add(apprenticeship(number, town, date(2027, 9, 1 + number)))
        session.add(apprenticeship(7, "Giengen an der Brenz", None, occupation="Elektroniker/in"))
        session.add(apprenticeship(8, "Giengen an der Brenz", None, status="filled"))
        session.add(apprenticeship(9, "Giengen an der Brenz", None, review_state="pending"))
    with TestClient(create_app(sqlite_store, clock=lambda: NOW)) as client:
        yield client


def schema_validator(name: str) -> OAS31Validator:
    spec = openapi()
    return OAS31Validator({**spec["components"]["schemas"][name], "components": spec["components"]})


def test_the_openapi_description_is_valid_and_covers_every_feed(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    validate(served)
    assert served == openapi()
    paths = {*EVENT_FEED_PATHS, "/apprenticeships.json", "/api/events", "/api/apprenticeships"}
    assert paths <= set(served["paths"])


def test_paging_through_api_events_gives_events_json(county: County, client: TestClient) -> None:
    validator = schema_validator("EventPage")
    url, pages, seen = "/api/events?per_page=7", [], []
    while url:
        page = client.get(url).json()
        validator.validate(page)
        pages.append(page)
        seen += page["events"]
        url = page["next"]
    assert seen == county.events()
    assert [p["page"] for p in pages] == list(range(1, len(pages) + 1))
    assert pages[0]["total"] == len(seen) and pages[0]["pages"] == len(pages) > 3
    assert pages[0]["prev"] is None and pages[1]["prev"].endswith("page=1&per_page=7")
    assert client.get("/api/events?per_page=7&page=99").json()["events"] == []


def test_api_events_filters_like_the_feeds(county: County, client: TestClient) -> None:
    page = client.get("/api/events?town=giengen-an-der-brenz&category=familie&per_page=500").json()
    expected = [
        e
        for e in county.events()
        if e["location"]["town"] == "Giengen an der Brenz" and "familie" in e["categories"]
    ]
    assert page["events"] == expected and page["total"] == len(expected) > 0


def test_events_json_matches_its_schema(client: TestClient) -> None:
    schema_validator("EventsFeed").validate(client.get("/events.json").json())


def test_apprenticeships_filter_and_page(jobs: TestClient) -> None:
    everything = jobs.get("/apprenticeships.json").json()
    schema_validator("ApprenticeshipsFeed").validate(everything)
    ids = [item["id"] for item in everything["apprenticeships"]]
    assert set(ids) == {f"a{n:02d}" for n in range(8)}  # neither filled nor pending
    in_town = jobs.get("/apprenticeships.json?town=koenigsbronn").json()["apprenticeships"]
    assert [item["id"] for item in in_town] == ["a01", "a03", "a05"]
    found = jobs.get("/apprenticeships.json?q=elektroniker").json()["apprenticeships"]
    assert [item["id"] for item in found] == ["a07"]
    starting = jobs.get("/apprenticeships.json?from=2027-09-03&to=2027-09-04").json()
    assert [item["id"] for item in starting["apprenticeships"]] == ["a02", "a03"]
    validator, paged, url = (
        schema_validator("ApprenticeshipPage"),
        [],
        "/api/apprenticeships?per_page=3",
    )
    while url:
        page = jobs.get(url).json()
        validator.validate(page)
        paged += [item["id"] for item in page["apprenticeships"]]
        url = page["next"]
    assert paged == ids


def test_event_json_ld_reads_back_as_schema_org(county: County) -> None:
    with county.store.transaction() as session:
        views = published_events(session, now=NOW)
    winter = next(v for v in views if v.title.startswith("Sprachcafé:"))
    cancelled = next(v for v in views if v.status == "cancelled")
    day = next(v for v in views if v.title == "Frühlingsfest")
    html = (
        "<html><head>"
        + "".join(script_tag(event_jsonld(v)) for v in (winter, cancelled, day))
        + "</head><body></body></html>"
    )
    read = extruct.extract(html, syntaxes=["json-ld"])["json-ld"]
    assert read == [event_jsonld(v) for v in (winter, cancelled, day)]
    first = read[0]
    assert (first["@type"], first["name"]) == ("Event", winter.title)
    assert first["startDate"] == "2026-12-10T18:30:00+01:00"
    assert first["eventStatus"] == "https://schema.org/EventScheduled"
    assert first["location"]["address"]["addressLocality"] == "Heidenheim an der Brenz"
    assert first["location"]["geo"] == {
        "@type": "GeoCoordinates",
        "latitude": 48.676,
        "longitude": 10.152,
    }
    assert read[1]["eventStatus"] == "https://schema.org/EventCancelled"
    assert (read[2]["startDate"], read[2]["endDate"]) == ("2027-05-08", "2027-05-08")


def test_job_posting_json_ld_reads_back_and_cannot_break_out_of_its_script() -> None:
    item = apprenticeship(1, "Königsbronn", date(2027, 9, 1), title="Koch </script><b>x</b> & Co")
    tag = script_tag(job_posting_jsonld(item))
    assert "</script>" not in tag.removesuffix("</script>")
    (read,) = extruct.extract(f"<html><body>{tag}</body></html>", syntaxes=["json-ld"])["json-ld"]
    assert read == job_posting_jsonld(item)
    assert read["@type"] == "JobPosting" and read["title"] == "Koch </script><b>x</b> & Co"
    assert read["hiringOrganization"] == {"@type": "Organization", "name": "Betrieb 1"}
    assert read["jobLocation"]["address"]["postalCode"] == "89518"
    assert (read["datePosted"], read["jobStartDate"]) == ("2026-11-01", "2027-09-01")
