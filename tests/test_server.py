"""`lotse serve`: the same feeds over HTTP, filters, and conditional requests."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.server import Reply
from web.server import create_app
from workers.passes import run_pass


@pytest.fixture
def client(store, site, tmp_path):
    url = site.route("/stadt.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", "text/calendar"))
    run_pass(
        store,
        [source("stadt", "ical", url, trusted=True)],
        tmp_path / "public",
        now=NOW,
        crawl_settings=FAST_CRAWL,
    )
    with TestClient(create_app(store, clock=lambda: NOW)) as client:
        client.out = tmp_path / "public"
        yield client


def test_served_feeds_equal_the_static_files(client) -> None:
    for path in ("events.ics", "events.json", "apprenticeships.json", "events/sprache.ics"):
        response = client.get(f"/{path}")
        assert response.status_code == 200
        assert response.content == (client.out / path).read_bytes(), path
    assert client.get("/events.ics").headers["content-type"] == "text/calendar; charset=utf-8"


def test_conditional_requests_get_304(client) -> None:
    first = client.get("/events.ics")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get("/events.ics", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/events.ics", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/events.ics", headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.head("/events.ics").headers["etag"] == etag


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("town=Königsbronn", {"Maimarkt"}),
        ("q=sommer", {"Sommerfest"}),
        ("from=2027-05-01&to=2027-06-30", {"Maimarkt", "Sommerfest"}),
        ("category=sprache&to=2026-12-31", {"Sprachcafé im Rathaus", "Mütterkurs Deutsch"}),
    ],
)
def test_filters(client, query: str, titles: set[str]) -> None:
    events = client.get(f"/events.json?{query}").json()["events"]
    assert {e["title"] for e in events} == titles


def test_a_bad_filter_is_a_clear_400(client) -> None:
    response = client.get("/events.json?from=03.12.2026")
    assert response.status_code == 400
    assert "from='03.12.2026' is not a date" in response.text
