"""`lotse serve` as subscribing apps meet it: every static feed served byte for byte, 304 on
conditional requests, CORS, cache headers, no gzip, no content negotiation, query filters that
equal the path feeds, the /feeds index with webcal links, rendering once per change."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

import icalendar
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from aggregator.store.models import Event
from tests.conftest import NOW
from tests.support.feeds import County, client_fixture, county_fixture, published_county
from web.server import create_app

KINDS = [
    "/events.ics",
    "/events.json",
    "/events/sprache.ics",
    "/events/town/koenigsbronn.ics",
    "/events/source/stadt.ics",
    "/integreat/familie.ics",
    "/apprenticeships.json",
    "/api/events",
    "/openapi.json",
]


IDENTITY = {"Accept-Encoding": "identity"}
county = county_fixture("server")


client = client_fixture()


def calendar_name(body: bytes) -> str:
    return str(icalendar.Calendar.from_ical(body)["X-WR-CALNAME"])


def test_every_static_feed_is_served_byte_for_byte(county: County, client: TestClient) -> None:
    files = county.feed_files()
    assert len(files) > 25
    for path, body in files.items():
        response = client.get(f"/{path}")
        assert response.status_code == 200, path
        assert response.content == body, path


def test_calendars_go_out_as_text_calendar_whatever_the_request_accepts(
    county: County, client: TestClient
) -> None:
    body = (county.out / "events.ics").read_bytes()
    bare = client.build_request("GET", "/events.ics")
    del bare.headers["accept"]  # Google Calendar sends no Accept header
    del bare.headers["accept-encoding"]
    plain = [
        client.send(bare),
        client.get("/events.ics", headers={"Accept": "application/json", **IDENTITY}),
        client.get("/events.ics", headers={"Accept-Encoding": "gzip;q=0, deflate"}),
        client.get("/events.ics", headers={"Accept-Encoding": "*"}),
    ]
    packed = [client.get("/events.ics", headers={"Accept-Encoding": "gzip, deflate, br"})]
    for response in plain + packed:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert response.content == body  # httpx decodes gzip
        assert response.headers["vary"] == "Accept-Encoding"
        assert "no-transform" in response.headers["cache-control"]
        assert "max-age=" in response.headers["cache-control"]
    # some Outlook versions fail on gzip: only a client that names gzip gets it
    assert all("content-encoding" not in response.headers for response in plain)
    assert packed[0].headers["content-encoding"] == "gzip"
    assert packed[0].headers["etag"] == plain[0].headers["etag"][:-1] + '-gz"'


def test_gzip_is_compressed_once_per_rendering_and_304s_per_representation(
    county: County, client: TestClient
) -> None:
    import gzip

    raw = client.get("/events.ics", headers=IDENTITY)
    packed = client.get("/events.ics", headers={"Accept-Encoding": "gzip"})
    rendered = next(iter(client.app.state.context.cache._entries.values()))[1]
    assert gzip.decompress(rendered.gzip_body) == rendered.body
    assert (
        rendered.gzip_body
        is next(iter(client.app.state.context.cache._entries.values()))[1].gzip_body
    )
    gz = {"Accept-Encoding": "gzip"}
    assert (
        client.get(
            "/events.ics", headers={**gz, "If-None-Match": packed.headers["etag"]}
        ).status_code
        == 304
    )
    assert (
        client.get("/events.ics", headers={**gz, "If-None-Match": raw.headers["etag"]}).status_code
        == 200
    )
    again = client.get("/events.ics", headers={**IDENTITY, "If-None-Match": raw.headers["etag"]})
    assert (again.status_code, again.headers["vary"]) == (304, "Accept-Encoding")
    for path, body in county.feed_files().items():
        assert gzip.decompress((county.out / f"{path}.gz").read_bytes()) == body, path


@pytest.mark.parametrize("path", KINDS)
def test_conditional_requests_get_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert client.get(path, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    earlier = parsedate_to_datetime(modified) - timedelta(seconds=1)
    since = earlier.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get(path, headers={"If-Modified-Since": since}).status_code == 200
    head = client.head(path)
    assert (head.status_code, head.headers["etag"], head.content) == (200, etag, b"")


@pytest.mark.parametrize("path", KINDS)
def test_apps_in_browsers_may_read_every_feed(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Origin": "https://app.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    preflight = client.options(
        path,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("category=sprache", "events/sprache.ics"),
        ("town=koenigsbronn", "events/town/koenigsbronn.ics"),
        ("town=Königsbronn", "events/town/koenigsbronn.ics"),
        ("source=clients", "events/source/clients.ics"),
    ],
)
def test_a_filter_gives_the_same_calendar_as_its_path(
    county: County, client: TestClient, query: str, path: str
) -> None:
    assert client.get(f"/events.ics?{query}").content == (county.out / path).read_bytes()


def test_filters_combine_with_path_feeds_and_name_the_calendar(client: TestClient) -> None:
    response = client.get("/events/town/koenigsbronn.ics?category=alltag-freizeit&q=fest")
    assert calendar_name(response.content) == "Königsbronn – Alltag & Freizeit – „fest“"
    titles = {
        str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    }
    assert titles == {"Frühlingsfest"}
    dated = client.get("/integreat/sprache.ics?from=2027-01-01&to=2027-01-31")
    assert calendar_name(dated.content) == (
        "Landkreis Heidenheim – Sprache – ab 01.01.2027 – bis 31.01.2027 – für Integreat"
    )
    assert b"SUMMARY:Offener Deutsch-Treff" in dated.content


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/events/town/atlantis.ics", 404, "no feed"),
        ("/events/source/nobody.ics", 404, "no feed"),
        ("/events/kochen.ics", 404, "no feed"),
        ("/integreat/kochen.ics", 404, "no feed"),
        ("/events.ics?category=kochen", 400, "unknown category 'kochen'"),
        ("/events.json?to=31.12.2026", 400, "to='31.12.2026' is not a date"),
        ("/api/events?per_page=0", 400, "per_page=0 must be between 1 and 500"),
        ("/api/events?page=zwei", 400, "page='zwei' is not a whole number"),
    ],
)
def test_unknown_feeds_and_bad_filters_are_clear(client, path: str, status: int, says: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert says in response.text


def test_the_feed_index_links_every_feed_over_https_and_webcal(
    county: County, client: TestClient
) -> None:
    page = client.get("/feeds", headers={"Host": "feeds.example"})
    assert page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text
    for path in county.feed_files():
        if path.endswith(".ics") and not path.endswith("-expanded.ics"):
            assert f'href="webcal://feeds.example/{path}"' in page.text, path
            assert f'href="http://feeds.example/{path}"' in page.text, path
    assert "Königsbronn – Veranstaltungen" in page.text
    assert 'href="http://feeds.example/events.json"' in page.text


def test_feeds_render_once_per_change(tmp_path) -> None:
    clock = [NOW]
    with (
        published_county(tmp_path) as county,
        TestClient(create_app(county.store, clock=lambda: clock[0])) as client,
    ):
        cache = client.app.state.context.cache
        first = client.get("/events.ics")
        for _ in range(5):
            assert client.get("/events.ics").content == first.content
            client.get("/events.ics", headers={"If-None-Match": first.headers["etag"]})
        assert cache.renders == 1
        client.get("/events/sprache.ics")
        client.get("/events/sprache.ics")
        assert cache.renders == 2

        clock[0] = NOW + timedelta(hours=2)  # staff correct a title
        with county.store.transaction() as session:
            event = session.scalars(select(Event).where(Event.title == "Frühlingsfest")).one()
            event.title, event.updated_at, event.sequence = "Frühlingsfest am Markt", clock[0], 1
        changed = client.get("/events.ics")
        assert cache.renders == 3
        assert "SUMMARY:Frühlingsfest am Markt".encode() in changed.content
        assert changed.headers["etag"] != first.headers["etag"]
        modified = parsedate_to_datetime(changed.headers["last-modified"])
        assert modified == clock[0]
        old = client.get("/events.ics", headers={"If-None-Match": first.headers["etag"]})
        assert old.status_code == 200

        clock[0] = NOW + timedelta(days=1)  # the window moves; nothing leaves it
        next_day = client.get(
            "/events.ics", headers={"If-Modified-Since": changed.headers["last-modified"]}
        )
        assert cache.renders == 4
        assert next_day.status_code == 304
        assert next_day.headers["etag"] == changed.headers["etag"]
        assert next_day.headers["last-modified"] == changed.headers["last-modified"]


def test_healthz_and_feeds_live_side_by_side(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"ok": True}
    assert re.fullmatch(
        r'"[0-9a-f]{32}"', client.get("/events.ics", headers=IDENTITY).headers["etag"]
    )
    assert re.fullmatch(r'"[0-9a-f]{32}-gz"', client.get("/events.ics").headers["etag"])


def test_a_matching_conditional_request_costs_no_database_round_trip(county: County) -> None:
    """With the version kept in memory (`lotse serve`: LOTSE_VERSION_TTL), a 304 reads nothing
    from the store; a request that may write (a POST) makes the next one read it anew."""
    from sqlalchemy import event

    statements: list[str] = []
    app = create_app(county.store, clock=lambda: NOW, version_ttl=60)
    with TestClient(app) as client:
        first = client.get("/events.ics")

        def count(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        event.listen(county.store.engine, "before_cursor_execute", count)
        try:
            again = client.get("/events.ics", headers={"If-None-Match": first.headers["etag"]})
            assert (again.status_code, statements) == (304, [])
            client.post("/desk/login", data={"name": "x", "password": "y"})
            statements.clear()
            client.get("/events.ics", headers={"If-None-Match": first.headers["etag"]})
            assert statements  # the version read again
        finally:
            event.remove(county.store.engine, "before_cursor_execute", count)
