"""`lotse sources try URL`: each kind of URL someone may paste, served on 127.0.0.1, comes out
as its kind with its first items and a valid entry, or as a clear "nothing readable".

Each trial runs once per module (a real crawl per candidate: the kind's own spider, extractor
and normalizer); the tests then look at one thing each. Fixtures: the kinds' own (recorded
shapes, see their READMEs) and tests/fixtures/try/ (README there).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from aggregator.source_trial import Trial
from aggregator.sources import load_sources
from aggregator.sources_edit import Destination, entry_toml
from crawlers.extract.calendar_links import calendar_links
from crawlers.extract.document import Document
from crawlers.fetch import Fetcher
from crawlers.try_source import claims_of, try_url
from lotse.cli import main
from lotse.sources_try import try_command
from tests.conftest import FAST_CRAWL, FIXTURES, NOW
from tests.support.server import FixtureServer, Reply

HTML, JSON = "text/html; charset=utf-8", "application/json"
INTEGREAT = "/api/v3/landkreisheidenheim/de/events/"
WP_API = "/wp-json/tribe/events/v1/events"
RADAR = "/5100,90,lsrlist.html"
JOBS = "/jobboerse/jobsuche-service/pc/v4/jobs"
LISTING = "/,Lde/startseite/veranstaltungen.html"
NOTHING = b"<!DOCTYPE html><html lang='de'><body><h1>Willkommen</h1><p>Hallo.</p></body></html>"


def serve(site: FixtureServer) -> None:
    """Every document of the trials below, at the paths their sites use."""
    site.route("/vhs.ics", Reply.file(FIXTURES / "county" / "vhs.ics", "text/calendar"))
    feed = FIXTURES / "feed" / "stadtbibliothek.xml"
    site.route("/veranstaltungen.rss", Reply.file(feed, "application/rss+xml"))
    site.route("/", Reply.file(FIXTURES / "try" / "rathaus.html", HTML))
    calendar = FIXTURES / "county" / "vhs.ics"
    site.route("/,Lde/veranstaltungen/export", Reply.file(calendar, "text/calendar"))
    site.route("/verein/", Reply.file(FIXTURES / "try" / "wordpress.html", HTML))
    site.route("/verein" + WP_API, Reply.file(FIXTURES / "county" / "wp.json", JSON))
    pages = FIXTURES / "wp_events"
    for name, path in (("page1.json", WP_API), ("page2.json", f"{WP_API}?page=2&per_page=2")):
        body = (pages / name).read_bytes().replace(b"https://verein.example", site.url("").encode())
        site.route(path, Reply(body, headers={"Content-Type": JSON}))
    events = FIXTURES / "integreat" / "events.json"
    site.route(INTEGREAT, Reply.file(events, JSON))
    site.route("/veranstaltungen", Reply.file(FIXTURES / "jsonld" / "veranstaltungen.html", HTML))
    site.route("/willkommen", Reply(NOTHING, headers={"Content-Type": HTML}))
    radar = FIXTURES / "lehrstellen_radar" / "page-1.html"
    site.route(RADAR, Reply.file(radar, HTML))
    site.route(JOBS, Reply.file(FIXTURES / "ba" / "page-1.json", JSON))
    serve_municipal(site)


def serve_municipal(site: FixtureServer) -> None:
    """A municipal calendar (tests/fixtures/municipal, its README): a listing of teasers
    without markup and a pager, detail pages with schema.org; the iCal file it links is gone."""
    pages = FIXTURES / "municipal"
    for number in (1, 2, 3):
        name = "veranstaltungen.html" if number == 1 else f"veranstaltungen-seite-{number}.html"
        query = "" if number == 1 else f"?page={number}"
        site.route(f"{LISTING}{query}", Reply.file(pages / name, HTML))
    details = ("neujahrskonzert", "jedermann", "sprachcafe-online", "vortrag-integration")
    for name in (*details, "deutschkurs-a1", "lesesommer", "stadtfest"):
        site.route(
            f"/,Lde/startseite/veranstaltungen/{name}.html",
            Reply.file(pages / f"{name}.html", HTML),
        )
    site.route("/,Lde/startseite/kultur.html", Reply.file(pages / "kultur.html", HTML))


TRIALS = {
    "ical": "/vhs.ics",
    "rss": "/veranstaltungen.rss",
    "home page": "/",
    "wordpress site": "/verein/",
    "wp api": WP_API + "?page=1",
    "integreat": INTEGREAT,
    "jsonld": "/veranstaltungen",
    "listing": LISTING,
    "nothing": "/willkommen",
    "radar": RADAR + "?search-fromsearchform=1&search-plz=89518&search-radius=10",
    "jobs": JOBS + "?angebotsart=4&wo=Heidenheim&umkreis=15",
}


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureServer]:
    with FixtureServer().running() as server:
        serve(server)
        yield server


@pytest.fixture(scope="module")
def trials(site: FixtureServer) -> dict[str, Trial]:
    """Each URL of TRIALS tried once, as `lotse sources try --allow-private` tries it."""
    return {name: trial(site.url(path)) for name, path in TRIALS.items()}


def trial(url: str, **kwargs: object) -> Trial:
    fetcher = Fetcher(own_host="127.0.0.1", pause=0)
    return try_url(
        url, now=NOW, allow_private=True, crawl_settings=FAST_CRAWL, fetcher=fetcher, **kwargs
    )


def titles(found: Trial) -> list[str]:
    return [item.title for item in found.first]


# --- which kind claims a document ---------------------------------------------------------------

CLAIMED = [
    ("county/vhs.ics", "https://vhs.example/kalender.ics", "ical"),
    ("ical/clients.ics", "https://kirche.example/termine", "ical"),
    ("feed/stadtbibliothek.xml", "https://bibliothek.example/rss", "feed"),
    ("feed/vereine.atom", "https://vereine.example/atom", "feed"),
    ("jsonld/veranstaltungen.html", "https://stadt.example/veranstaltungen", "jsonld"),
    ("integreat/events.json", "https://cms.example/api/v3/lk/de/events/", "integreat"),
    ("integreat/events_combined.json", "https://cms.example/neu", "integreat"),
    ("wp_events/page1.json", "https://verein.example/wp-json/tribe/events/v1/events", "wp-events"),
    ("lehrstellen_radar/page-1.html", "https://radar.example/liste", "lehrstellen-radar"),
    ("ba/page-1.json", "https://jobs.example/antwort", "ba-jobsuche"),
    ("toubiz/page-1.json", "https://daten.example/events", "toubiz"),
    (
        "evangelische_termine/page-1.json",
        "https://termine.example/json?vid=7",
        "evangelische-termine",
    ),
]


@pytest.mark.parametrize(("fixture", "url", "kind"), CLAIMED, ids=[c[0] for c in CLAIMED])
def test_exactly_its_own_kind_claims_a_document(fixture: str, url: str, kind: str) -> None:
    sure, guesses = claims_of(Document(url, (FIXTURES / fixture).read_bytes()))
    assert [candidate.kind.name for candidate in sure] == [kind]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (
            "https://rest.arbeitsagentur.de/jobboerse/jobsuche-service/pc/v6/jobs?wo=x",
            "ba-jobsuche",
        ),
        ("https://www.lehrstellen-radar.de/5100,90,lsrlist.html", "lehrstellen-radar"),
        ("https://mein.toubiz.de/api/v1/event?pagination[page]=1", "toubiz"),
    ],
)
def test_an_api_answering_403_is_claimed_by_its_address(url: str, kind: str) -> None:
    """The Jobsuche answers 403 without its key header, toubiz 401 without its token: their
    addresses alone say what they are."""
    sure, _ = claims_of(Document(url, b'{"code": 403, "message": "Access denied"}'))
    assert [candidate.kind.name for candidate in sure] == [kind]


def test_a_check_that_fails_on_a_document_leaves_the_other_kinds_asked(monkeypatch) -> None:
    def broken(document: Document) -> None:
        raise RecursionError("a page nested too deep")

    monkeypatch.setattr("crawlers.extract.ical.claims", broken)
    body = (FIXTURES / "feed" / "stadtbibliothek.xml").read_bytes()
    sure, _ = claims_of(Document("https://bibliothek.example/rss", body))
    assert [candidate.kind.name for candidate in sure] == ["feed"]


def test_a_page_without_markup_is_claimed_by_no_kind() -> None:
    sure, _ = claims_of(Document("https://stadt.example/", NOTHING, "text/html"))
    assert sure == []


# --- the calendars a page links -----------------------------------------------------------------


def links(html: str, url: str = "https://stadt.example/start") -> list[str]:
    return calendar_links(Document(url, html.encode(), "text/html"))


def test_a_page_links_its_calendars_ical_first_then_the_events_api_then_feeds() -> None:
    html = """<html><head>
      <link rel="alternate" type="application/rss+xml" href="/news.rss">
      <link rel="alternate" type="text/calendar" href="/termine.ics">
      <link rel="https://api.w.org/" href="https://stadt.example/wp-json/">
    </head><body><a href="webcal://stadt.example/abo.ics">Abonnieren</a></body></html>"""
    assert links(html) == [
        "https://stadt.example/termine.ics",
        "https://stadt.example/abo.ics",
        "https://stadt.example/wp-json/tribe/events/v1/events",
        "https://stadt.example/news.rss",
    ]


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="/export?format=x">iCal-Export</a>',
        '<a href="/export?format=x" title="Als iCalendar speichern">⇩</a>',
        '<a href="/export.ICS">Termine</a>',
        '<a href="/veranstaltungen/?ical=1">Kalender</a>',
    ],
)
def test_an_ical_export_link_is_found_by_its_text_path_or_query(anchor: str) -> None:
    assert len(links(f"<html><body>{anchor}</body></html>")) == 1


def test_a_link_into_the_events_api_gives_its_events_endpoint() -> None:
    html = '<a href="/wp-json/tribe/events/v1/events/42">JSON</a>'
    assert links(html) == ["https://stadt.example/wp-json/tribe/events/v1/events"]


def test_ordinary_links_are_no_calendars() -> None:
    html = '<a href="/rathaus">Rathaus</a> <a href="mailto:info@stadt.example">ics@</a>'
    assert links(html) == []


# --- the kind found, what it read -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "items"),
    [
        ("ical", "ical", 3),
        ("rss", "feed", 5),
        ("home page", "ical", 3),
        ("wordpress site", "wp-events", 2),
        ("wp api", "wp-events", 3),
        ("integreat", "integreat", 3),
        ("jsonld", "jsonld", 3),
        ("listing", "jsonld", 6),
        ("radar", "lehrstellen-radar", 15),
        ("jobs", "ba-jobsuche", 3),
    ],
)
def test_each_url_is_read_as_its_kind(trials, name: str, kind: str, items: int) -> None:
    assert (trials[name].kind, trials[name].items) == (kind, items), trials[name].tried


def test_the_first_items_are_the_next_ones_by_start_with_their_place(trials) -> None:
    first = trials["ical"].first
    assert titles(trials["ical"]) == [
        "Sprachcafé Deutsch",
        "Frauentreff International",
        "Tag der offenen Tür",
    ]
    assert first[0].start.isoformat() == "2027-01-07T18:30:00+01:00"
    assert first[0].place == "Volkshochschule, Karlstraße 12, 89518 Heidenheim an der Brenz"
    assert first[2].start.isoformat() == "2027-03-13"  # all day


def test_a_cancelled_item_shows_as_cancelled(trials) -> None:
    """ "ABGESAGT: Frauentreff International", as a pass publishes it."""
    assert [item.cancelled for item in trials["ical"].first] == [False, True, False]


def test_at_most_five_items_are_shown(trials) -> None:
    assert trials["radar"].items == 15
    assert len(trials["radar"].first) == 5


def test_the_items_are_read_as_a_pass_normalizes_them(trials) -> None:
    """Integreat's expanded occurrences of one series, and an RSS entry's ev:startdate."""
    assert "Lesung: Krimis von der Ostalb" in titles(trials["rss"])
    lesung = next(i for i in trials["rss"].first if i.title == "Lesung: Krimis von der Ostalb")
    assert lesung.start.isoformat() == "2027-03-14T19:30:00+01:00"


# --- the entry proposed -----------------------------------------------------------------------


def test_the_entry_of_a_home_page_is_the_calendar_it_links(trials, site) -> None:
    entry = trials["home page"].entry
    assert entry["url"] == site.url("/,Lde/veranstaltungen/export")
    assert entry["kind"] == "ical"


def test_a_teaser_listing_is_read_through_its_detail_pages(trials, site) -> None:
    """Tried after the iCal file it links (gone): the jsonld kind's guess, read by a crawl."""
    found = trials["listing"]
    assert found.entry["url"] == site.url(LISTING)
    assert f"linked calendar {site.url('/,Lde/startseite/veranstaltungen.ics')}: HTTP 404" in (
        found.tried
    )
    assert "Neujahrskonzert" in " ".join(titles(found))


def test_the_entry_of_a_wordpress_site_is_its_events_api(trials, site) -> None:
    assert trials["wordpress site"].entry["url"] == site.url("/verein" + WP_API)


def test_the_entry_of_an_api_page_starts_at_the_first_page(trials, site) -> None:
    assert trials["wp api"].entry["url"] == site.url(WP_API)


def test_the_entry_takes_the_search_from_the_url(trials, site) -> None:
    radar, jobs = trials["radar"].entry, trials["jobs"].entry
    assert (radar["url"], radar["postcode"], radar["radius_km"]) == (site.url(RADAR), "89518", 10)
    assert (jobs["url"], jobs["where"], jobs["radius_km"]) == (site.url(JOBS), "Heidenheim", 15)


def test_the_entry_has_an_id_from_the_host_and_allows_the_private_host(trials) -> None:
    entry = trials["ical"].entry
    assert (entry["id"], entry["allow_private"]) == ("127-0-0-1", True)


@pytest.mark.parametrize("name", [name for name in TRIALS if name != "nothing"])
def test_every_proposed_entry_passes_the_sources_check(trials, tmp_path, name: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(entry_toml(trials[name].entry), encoding="utf-8")
    assert main_exit(["sources", "check", str(path)]) == 0
    (config,) = load_sources(path)
    assert config.kind == trials[name].kind


def test_the_proposed_id_is_none_the_sources_file_has(site) -> None:
    found = trial(site.url("/vhs.ics"), into=Destination(ids=("127-0-0-1", "127-0-0-1-2")))
    assert found.entry["id"] == "127-0-0-1-3"


def test_the_items_are_read_in_the_region_of_the_sources_file(site, tmp_path) -> None:
    """Landkreis Heidenheim's region (the default) names the calendar's "Heidenheim" by its
    official name; Stadt Augsburg's knows no such municipality and keeps it as written."""
    sources = tmp_path / "sources.toml"
    sources.write_text(
        'region = "stadt-augsburg"\n[[sources]]\nid = "a"\nkind = "ical"\n'
        'url = "https://a.example/"\n'
    )
    home = trial(site.url("/vhs.ics"), into=Destination.of(None)).first[0].place
    away = trial(site.url("/vhs.ics"), into=Destination.of(sources)).first[0].place
    assert home == "Volkshochschule, Karlstraße 12, 89518 Heidenheim an der Brenz"
    assert away == "Volkshochschule, Karlstraße 12, 89518 Heidenheim"


# --- nothing readable -------------------------------------------------------------------------


def test_a_page_with_nothing_says_so_and_why(trials) -> None:
    found = trials["nothing"]
    assert (found.kind, found.items, found.entry) == (None, 0, {})
    assert found.why.startswith("nothing readable: ")
    assert "carries no schema.org Event or JobPosting" in found.why
    assert "links no calendar" in found.why


def test_the_command_exits_2_with_why_when_nothing_is_readable(site, capsys) -> None:
    code = main_exit(["sources", "try", site.url("/willkommen"), "--allow-private"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"nothing readable: {site.url('/willkommen')} (text/html")


def test_a_linked_calendar_that_fails_is_named_in_why(site) -> None:
    site.route("/kaputt", Reply(b'<a href="/fehlt.ics">Termine als iCal</a>', headers={}))
    found = trial(site.url("/kaputt"))
    assert found.kind is None
    assert f"linked calendar {site.url('/fehlt.ics')}: HTTP 404" in found.why


def test_a_private_host_is_refused_without_allow_private(site, capsys) -> None:
    asked = len(site.requests)
    assert main_exit(["sources", "try", site.url("/vhs.ics")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nothing readable: refused: {site.url('/vhs.ics')}: host 127.0.0.1")
    assert len(site.requests) == asked


# --- the command ------------------------------------------------------------------------------


def test_json_has_the_kind_the_count_the_first_items_problems_and_entry(site, tmp_path, capsys):
    code = try_command(
        site.url("/vhs.ics"), allow_private=True, as_json=True, sources=tmp_path / "x.toml", now=NOW
    )
    found = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"kind", "items", "first", "problems", "entry"} <= set(found)
    assert (found["kind"], found["items"], found["problems"]) == ("ical", 3, [])
    assert found["first"][0] == {
        "title": "Sprachcafé Deutsch",
        "start": "2027-01-07T18:30:00+01:00",
        "place": "Volkshochschule, Karlstraße 12, 89518 Heidenheim an der Brenz",
        "cancelled": False,
    }
    assert found["entry"] == {
        "id": "127-0-0-1",
        "kind": "ical",
        "url": site.url("/vhs.ics"),
        "allow_private": True,
    }


def test_the_text_shows_kind_items_and_a_ready_entry(site, tmp_path, capsys) -> None:
    code = try_command(
        site.url("/vhs.ics"),
        allow_private=True,
        as_json=False,
        sources=tmp_path / "x.toml",
        now=NOW,
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(f"{site.url('/vhs.ics')}: kind ical, 3 items read")
    assert "  2027-01-07 18:30  Sprachcafé Deutsch — Volkshochschule" in out
    assert "Problems: none" in out
    assert '[[sources]]\nid = "127-0-0-1"\nkind = "ical"\n' in out


def test_trying_stores_nothing(site, tmp_path, monkeypatch, capsys) -> None:
    """No database, no file: the folder it runs in stays as it was, the sources file too."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOTSE_DATABASE_URL", f"sqlite:///{tmp_path / 'lotse.db'}")
    sources = tmp_path / "sources.toml"
    sources.write_text('# ours\n[[sources]]\nid = "a"\nkind = "ical"\nurl = "https://a.example/"\n')
    before = sources.read_bytes()
    code = try_command(site.url("/"), allow_private=True, as_json=True, sources=sources, now=NOW)
    assert (code, json.loads(capsys.readouterr().out)["kind"]) == (0, "ical")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["sources.toml"]
    assert sources.read_bytes() == before


def main_exit(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return int(done.value.code or 0)


# --- the regional platforms (kinds of the platforms branch) -------------------------------------

TOUBIZ, EXPORT = "/api/v1/event", "/json"


def test_a_toubiz_url_is_read_as_toubiz_with_the_token_from_the_environment(monkeypatch) -> None:
    """The pasted address answers one page (its own query); the crawl then pages through the
    API's answers (tests/fixtures/toubiz) with the Bearer token of LOTSE_TOUBIZ_TOKEN."""
    monkeypatch.setenv("LOTSE_TOUBIZ_TOKEN", "tmbw-geheim")
    pages = [Reply.file(FIXTURES / "toubiz" / f"page-{n}.json", JSON) for n in (1, 2, 3)]
    with FixtureServer().running() as server:
        server.route(f"{TOUBIZ}?pagination[page]=1", pages[0])
        server.route(TOUBIZ, *pages)
        found = trial(server.url(f"{TOUBIZ}?pagination[page]=1"))
        seen = list(server.requests)
    assert (found.kind, found.items) == ("toubiz", 7), found.tried
    assert found.entry["url"] == server.url(TOUBIZ)  # the spider builds box, window and paging
    crawled = [hit for hit in seen if hit.path.startswith(f"{TOUBIZ}?filter")]
    assert crawled and {hit.headers.get("Authorization") for hit in crawled} == {
        "Bearer tmbw-geheim"
    }
    (fetched,) = [hit for hit in seen if hit.path == f"{TOUBIZ}?pagination[page]=1"]
    assert "Authorization" not in fetched.headers  # the trial's own fetch sends no secret
    assert "tmbw-geheim" not in json.dumps(found.to_json(), default=str)


def test_a_toubiz_url_without_the_token_says_which_variable_to_set(monkeypatch) -> None:
    monkeypatch.delenv("LOTSE_TOUBIZ_TOKEN", raising=False)
    with FixtureServer().running() as server:
        answer = Reply.file(FIXTURES / "toubiz" / "page-1.json", JSON)
        found = trial(server.route(TOUBIZ, answer))
    assert found.kind is None
    assert "the environment variable LOTSE_TOUBIZ_TOKEN is not set" in found.why


def test_an_evangelische_termine_export_is_read_with_its_organiser() -> None:
    pages = FIXTURES / "evangelische_termine"
    replies = [Reply.file(pages / name, JSON) for name in ("page-1.json", "page-2.json")]
    first = f"{EXPORT}?vid=1234&highlight=all&itemsPerPage=3&pageID=1"
    with FixtureServer().running() as server:
        server.route(first, replies[0])
        server.route(EXPORT, *replies, Reply.file(pages / "empty.json", JSON))
        found = trial(server.url(first))
    assert (found.kind, found.items) == ("evangelische-termine", 5), found.tried
    assert found.entry["url"] == server.url(f"{EXPORT}?vid=1234&highlight=all&itemsPerPage=3")
