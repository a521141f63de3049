"""Regions as data (docs/regions.md): the shipped region files, what `lotse regions check`
says about a broken one, and places read in the region a sources file names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from starlette.testclient import TestClient

from aggregator.accounts import set_regions
from aggregator.crawl_result import RawRecord
from aggregator.kinds import normalize
from aggregator.normalize.context import Context
from aggregator.places.locations import municipalities, official_town, postcode_centroid
from aggregator.regions.active import using_region
from aggregator.regions.check import check_region
from aggregator.regions.region import REGIONS_DIR, region_named
from aggregator.review.decisions import Refused, merge
from aggregator.sources import SourcesFileError, load_sources, parse_sources
from aggregator.states import ReviewState
from aggregator.store import Store
from aggregator.store.models import Event
from feeds.publish import render_feeds
from feeds.vtimezone import vtimezone
from tests.support.desk import ADMIN, EDITOR, add_accounts, sign_in
from tests.support.matching import (
    Item,
    all_events,
    crawl,
    crawl_calendar,
    ical_source,
    register,
    sources_of,
)
from tests.support.parsers import expected, icaljs, libical, occurrences, sabre
from web.server import create_app

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
SHIPPED = sorted(REGIONS_DIR.glob("*.toml"))

GOOD = """\
name = "Landkreis Muster"
slug = "landkreis-muster"
country = "DE"
timezone = "Europe/Berlin"
default_town = "Musterstadt"
bbox = [48.0, 9.0, 48.5, 9.5]
places = "muster.csv"

[[municipalities]]
name = "Musterstadt"
spellings = ["Musterstadt a. d. Brenz"]
villages = ["Oberdorf", "Unterdorf"]

[[municipalities]]
name = "Beispielheim"
villages = ["Mühlbach"]
"""
TABLE = "postcode,town,lat,lon\n12345,Musterstadt,48.2,9.2\n12346,Beispielheim,48.3,9.3\n"


def region(tmp_path: Path, text: str = GOOD, table: str = TABLE) -> Path:
    (tmp_path / "muster.csv").write_text(table, encoding="utf-8")
    path = tmp_path / "muster.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_every_shipped_region_passes_its_check(path: Path) -> None:
    assert check_region(path) == []


def test_heidenheim_ships_as_a_region_and_the_code_names_no_place() -> None:
    assert {path.stem for path in SHIPPED} >= {"landkreis-heidenheim", "stadt-augsburg"}
    assert "Heidenheim an der Brenz" in municipalities()
    code = "\n".join(p.read_text() for p in Path("aggregator").rglob("*.py"))
    villages = [v for m in region_named().municipalities for v in m.villages]
    named = [village for village in villages if village in code]
    assert len(villages) > 30 and len(named) <= 3, named  # a docstring's example, not a table


def test_a_good_file_has_no_problems(tmp_path: Path) -> None:
    assert check_region(region(tmp_path)) == []


def test_a_postcode_in_another_format_is_named_with_its_line(tmp_path: Path) -> None:
    path = region(tmp_path, table=TABLE + "1234,Musterstadt,48.2,9.2\n")
    (problem,) = check_region(path)
    assert problem == f"{tmp_path / 'muster.csv'}:4: postcode '1234' is not a DE postcode"


def test_a_village_of_two_municipalities_is_named_where_it_is_listed_twice(
    tmp_path: Path,
) -> None:
    path = region(tmp_path, GOOD.replace('villages = ["Mühlbach"]', 'villages = ["Oberdorf"]'))
    (problem,) = check_region(path)
    assert problem == (f"{path}:16: 'Oberdorf' belongs to both 'Musterstadt' and 'Beispielheim'")


def test_a_centroid_outside_the_bounding_box_is_named_with_its_line(tmp_path: Path) -> None:
    path = region(tmp_path, table=TABLE.replace("48.3,9.3", "52.5,13.4"))
    (problem,) = check_region(path)
    assert problem.startswith(f"{tmp_path / 'muster.csv'}:3: Beispielheim (52.5, 13.4)")
    assert problem.endswith("lies outside the bbox")


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (('timezone = "Europe/Berlin"', 'timezone = "Europe/Heidenheim"'), 4, "unknown time zone"),
        (('default_town = "Musterstadt"', 'default_town = "Ulm"'), 5, "none of the municipalities"),
        (("bbox = [48.0, 9.0, 48.5, 9.5]", "bbox = [48.5, 9.0, 48.0, 9.5]"), 6, "south < north"),
        (('country = "DE"', 'country = "DE"\npostcodes = "x.csv"'), 4, "unknown key 'postcodes'"),
        (
            ('timezone = "Europe/Berlin"', 'timezone = "Africa/Casablanca"'),
            4,
            "cannot be written as yearly rules",
        ),
        (
            ('places = "muster.csv"', 'places = "muster.csv"\nnames = { en = "Sample", xx = "?" }'),
            8,
            "unknown language 'xx' in names",
        ),
    ],
)
def test_each_wrong_value_is_named_with_its_line(
    tmp_path: Path, change: tuple[str, str], line: int, message: str
) -> None:
    path = region(tmp_path, GOOD.replace(*change))
    problems = check_region(path)
    assert any(p.startswith(f"{path}:{line}: ") and message in p for p in problems), problems


def test_broken_toml_and_a_missing_table_say_so(tmp_path: Path) -> None:
    assert "not valid TOML" in check_region(region(tmp_path, GOOD + "[[broken"))[0]
    path = region(tmp_path)
    (tmp_path / "muster.csv").unlink()
    assert "cannot read the table of places" in check_region(path)[0]


def test_the_cli_checks_a_region_file(tmp_path: Path) -> None:
    good = subprocess.run(
        [sys.executable, "-m", "lotse", "regions", "check", str(region(tmp_path))],
        capture_output=True,
        text=True,
    )
    assert good.returncode == 0 and "2 municipalities, 2 postcode areas, valid" in good.stdout
    broken = region(tmp_path, table=TABLE + "ABCDE,Musterstadt,48.2,9.2\n")
    bad = subprocess.run(
        [sys.executable, "-m", "lotse", "regions", "check", str(broken)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "postcode 'ABCDE' is not a DE postcode" in bad.stderr


def test_places_are_read_in_the_region_being_worked_on() -> None:
    assert official_town("Lechhausen") == "Lechhausen"  # Heidenheim does not know it
    assert official_town("Mergelstetten") == "Heidenheim an der Brenz"
    with using_region("stadt-augsburg"):
        assert official_town("Lechhausen") == "Augsburg"
        assert official_town("Mergelstetten") == "Mergelstetten"
        assert postcode_centroid("86150") is not None and postcode_centroid("89518") is None
    assert postcode_centroid("89518") is not None


def test_a_sources_file_names_its_region_and_its_records_are_read_there(tmp_path: Path) -> None:
    entry = '[[sources]]\nid = "k"\nkind = "ical"\nurl = "https://kalender.example/k.ics"\n'
    sources = tmp_path / "sources.toml"
    sources.write_text('region = "stadt-augsburg"\n' + entry, encoding="utf-8")
    (config,) = load_sources(sources)
    assert config.region == "stadt-augsburg"
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//DE\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        "DTSTART;TZID=Europe/Berlin:20261210T180000\r\nSUMMARY:Sprachcafé\r\n"
        "LOCATION:Bürgertreff\\, Lechhausen\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    record = RawRecord("1", "ical", calendar, config.url, NOW)
    (draft,) = normalize(record, Context(config, NOW))
    assert draft.place is not None and draft.place.town == "Augsburg"


def test_an_unknown_region_in_a_sources_file_is_a_problem(tmp_path: Path) -> None:
    entry = {"id": "k", "kind": "ical", "url": "https://kalender.example/k.ics"}
    with pytest.raises(SourcesFileError) as error:
        parse_sources({"region": "atlantis", "sources": [entry]}, label="s.toml")
    assert "no region file" in str(error.value) and "atlantis" in str(error.value)
    here = region(tmp_path)
    (config,) = parse_sources(
        {"region": "muster.toml", "sources": [entry]}, label="s.toml", folder=tmp_path
    )
    assert config.region == str(here)


def test_an_entry_of_another_region_says_so_and_an_unknown_one_is_named(tmp_path: Path) -> None:
    entry = {"id": "k", "kind": "ical", "url": "https://kalender.example/k.ics"}
    other = {**entry, "id": "a", "in_region": "stadt-augsburg"}
    mine, theirs = parse_sources({"sources": [entry, other]}, label="s.toml")
    assert (mine.region, theirs.region) == ("landkreis-heidenheim", "stadt-augsburg")
    with pytest.raises(SourcesFileError) as error:
        parse_sources({"sources": [{**other, "in_region": "atlantis"}]}, label="s.toml")
    (problem,) = error.value.problems
    assert problem.startswith("s.toml: source 'a' (entry 1): 'region': no region file")


MURR = GOOD.replace('name = "Landkreis Muster"', 'name = "Landkreis Murr"').replace(
    'name = "Musterstadt"\nspellings = ["Musterstadt a. d. Brenz"]',
    'name = "Steinheim an der Murr"\nspellings = ["Steinheim"]',
)
MURR = MURR.replace('default_town = "Musterstadt"', 'default_town = "Steinheim an der Murr"')
ONLINE = Item("sprechstunde-1", "Online-Sprechstunde Anerkennung", "2026-12-14 10:00")
CONCERT = Item(
    "konzert-1", "Konzert der Stadtkapelle", "2026-12-12 19:00", location="Stadthalle, Steinheim"
)


@pytest.mark.parametrize(
    "tzid",
    ["Europe/Berlin", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"],
)
def test_a_regions_vtimezone_gives_clients_the_zones_own_offsets(tzid: str) -> None:
    """icalendar reads each time of a year through the written VTIMEZONE as zoneinfo does
    (renamed: for a name it knows, icalendar would use its own zone and not read ours)."""
    zone, renamed = ZoneInfo(tzid), f"X-Lotse-Check-{tzid}"
    walls = [datetime(2027, month, 14, 12) for month in range(1, 13)]
    walls += [datetime(2028, 3, 26, 3, 30), datetime(2028, 10, 29, 1, 30)]  # near EU changes
    written = [line.replace(tzid, renamed) for line in vtimezone(tzid)]
    body = "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN", *written]
        + [
            f"BEGIN:VEVENT\r\nUID:{n}\r\nDTSTAMP:20261201T000000Z\r\n"
            f"DTSTART;TZID={renamed}:{wall:%Y%m%dT%H%M%S}\r\nEND:VEVENT"
            for n, wall in enumerate(walls)
        ]
        + ["END:VCALENDAR", ""]
    )
    read = icalendar.Calendar.from_ical(body)
    for event, wall in zip(read.walk("VEVENT"), walls, strict=True):
        assert event.decoded("DTSTART").utcoffset() == wall.replace(tzinfo=zone).utcoffset()


def test_a_region_in_another_time_zone_reads_and_writes_its_own_local_time(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A floating 19:00 in a London region is 19:00 GMT, and the feeds say so in
    Europe/London (a Berlin reading would be an hour off)."""
    london = GOOD.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/London"')
    register(
        sqlite_store,
        replace(ical_source("muster", town=None), region=str(region(tmp_path, london))),
    )
    carol = (
        "BEGIN:VEVENT\r\nUID:carol-1\r\nDTSTART:20261212T190000\r\n"
        "SUMMARY:Weihnachtssingen\r\nLOCATION:Marktplatz\\, Musterstadt\r\nEND:VEVENT"
    )
    crawl_calendar(sqlite_store, "muster", [carol])
    with sqlite_store.transaction() as session:
        (event,) = all_events(session)
        assert event.start_at.replace(tzinfo=UTC) == datetime(2026, 12, 12, 19, 0, tzinfo=UTC)
        feeds = {feed.path: feed.body for feed in render_feeds(session, now=NOW)}
    ics = feeds["events.ics"].decode()
    assert "TZID:Europe/London" in ics and "Europe/Berlin" not in ics
    assert "DTSTART;TZID=Europe/London:20261212T190000" in ics
    (published,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert published.decoded("DTSTART").astimezone(UTC).hour == 19
    (entry,) = json.loads(feeds["events.json"])["events"]
    assert entry["start"] == "2026-12-12T19:00:00+00:00"


def test_real_clients_read_a_new_york_regions_feed_at_the_times_it_states(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """libical, sabre/vobject and ical.js read a region in America/New_York (other DST dates
    than Europe's) at the instants events.json states: winter, summer, and a weekly series
    across the US change on 14 March 2027."""
    new_york = GOOD.replace('timezone = "Europe/Berlin"', 'timezone = "America/New_York"')
    config = replace(ical_source("muster", town=None), region=str(region(tmp_path, new_york)))
    register(sqlite_store, config)
    floating = [
        ("winter-1", "20261212T190000", "", "Winterkonzert"),
        ("summer-1", "20270704T120000", "", "Sommerfest"),
        ("weekly-1", "20270301T180000", "RRULE:FREQ=WEEKLY;COUNT=4\r\n", "Sprachkurs"),
    ]
    crawl_calendar(
        sqlite_store,
        "muster",
        [
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:{start}\r\nDURATION:PT1H\r\n{rule}"
            f"SUMMARY:{title}\r\nLOCATION:Rathaus\\, Musterstadt\r\nEND:VEVENT"
            for uid, start, rule, title in floating
        ],
    )
    with sqlite_store.transaction() as session:
        feeds = {feed.path: feed.body for feed in render_feeds(session, now=NOW)}
    for name in ("events.ics", "events-expanded.ics"):
        (tmp_path / name).write_bytes(feeds[name])
    stated = expected(json.loads(feeds["events.json"])["events"])
    assert len(stated) == 6 and ("2027-03-15T22:00:00Z",) in {(s[0],) for s in stated}
    assert occurrences(libical(tmp_path / "events.ics")) == stated
    assert occurrences(icaljs(tmp_path / "events.ics")) == stated
    assert occurrences(sabre(tmp_path / "events-expanded.ics")) == stated


def test_two_regions_in_one_store_keep_their_towns_and_never_merge(
    store: Store, tmp_path: Path
) -> None:
    """The same title, time and town name in Landkreis Heidenheim and a second region: two
    listings, each with its region's town; two sources of one region still become one."""
    murr = str(region(tmp_path, MURR, TABLE.replace("Musterstadt", "Steinheim an der Murr")))
    register(
        store,
        ical_source("albuch-a", town=None),
        ical_source("albuch-b", town=None),
        replace(ical_source("murr", town=None), region=murr),
    )
    for source_id in ("albuch-a", "albuch-b", "murr"):
        crawl(store, source_id, CONCERT, ONLINE)
    with store.transaction() as session:
        events = all_events(session)
        found = sorted((e.region, e.title, e.town or "", sorted(sources_of(e))) for e in events)
    assert found == [
        ("landkreis-heidenheim", CONCERT.title, "Steinheim am Albuch", ["albuch-a", "albuch-b"]),
        ("landkreis-heidenheim", ONLINE.title, "", ["albuch-a", "albuch-b"]),
        ("landkreis-muster", CONCERT.title, "Steinheim an der Murr", ["murr"]),
        ("landkreis-muster", ONLINE.title, "", ["murr"]),
    ]


def test_staff_cannot_merge_listings_of_two_regions(sqlite_store: Store, tmp_path: Path) -> None:
    murr = str(region(tmp_path, MURR, TABLE.replace("Musterstadt", "Steinheim an der Murr")))
    register(sqlite_store, ical_source("albuch"), replace(ical_source("murr"), region=murr))
    for source_id in ("albuch", "murr"):
        crawl(sqlite_store, source_id, ONLINE)
    with sqlite_store.transaction() as session:
        albuch, murr_event = sorted(all_events(session), key=lambda event: event.region)
        with pytest.raises(Refused, match="zwei Regionen"):
            merge(session, albuch, murr_event, actor="erika", now=NOW)
        assert murr_event.review_state != ReviewState.MERGED


def two_region_store(store: Store, tmp_path: Path) -> None:
    """Heidenheim's sources first (the default region), then an Augsburg one; one event each,
    at the same time with the same title."""
    register(
        store,
        ical_source("albuch"),
        replace(ical_source("augsburg", town="Augsburg"), region="stadt-augsburg"),
    )
    crawl(store, "albuch", ONLINE)
    crawl(store, "augsburg", replace(ONLINE, location="Bürgertreff, Lechhausen"))


def test_each_region_has_its_feeds_the_default_one_at_the_root(
    sqlite_store: Store, tmp_path: Path
) -> None:
    two_region_store(sqlite_store, tmp_path)
    with sqlite_store.transaction() as session:
        feeds = {feed.path: feed.body for feed in render_feeds(session, now=NOW)}
    root, augsburg = feeds["events.ics"].decode(), feeds["stadt-augsburg/events.ics"].decode()
    assert root.count("BEGIN:VEVENT") == 1 and "Lechhausen" not in root
    assert augsburg.count("BEGIN:VEVENT") == 1 and "Lechhausen" in augsburg
    assert "X-WR-CALNAME:Landkreis Heidenheim – Veranstaltungen" in root
    assert "X-WR-CALNAME:Stadt Augsburg – Veranstaltungen" in augsburg
    assert "stadt-augsburg/events/town/augsburg.ics" in feeds
    assert "events/town/augsburg.ics" not in feeds and "events/town/nattheim.ics" in feeds
    assert "stadt-augsburg/events/source/augsburg.ics" in feeds
    assert "events/source/augsburg.ics" not in feeds
    assert "stadt-augsburg/apprenticeships.json" in feeds and "apprenticeships.json" in feeds


def test_the_server_answers_for_each_region_and_refuses_an_unknown_one(
    sqlite_store: Store, tmp_path: Path
) -> None:
    two_region_store(sqlite_store, tmp_path)
    with TestClient(create_app(sqlite_store, clock=lambda: NOW)) as client:
        root = client.get("/events.json").json()
        augsburg = client.get("/stadt-augsburg/events.json").json()
        assert [e["location"]["town"] for e in root["events"]] == ["Heidenheim an der Brenz"]
        assert [e["location"]["town"] for e in augsburg["events"]] == ["Augsburg"]
        town = client.get("/stadt-augsburg/events/town/augsburg.ics")
        assert town.status_code == 200 and town.text.count("BEGIN:VEVENT") == 1
        assert client.get("/stadt-augsburg/apprenticeships.json").status_code == 200
        missing = client.get("/atlantis/events.ics")
        assert missing.status_code == 404
        api = client.get("/api/events", params={"region": "atlantis"})
        assert api.status_code == 400 and "stadt-augsburg" in api.text
        assert client.get("/api/events", params={"region": "stadt-augsburg"}).json()["total"] == 1


def test_each_region_has_its_pages_in_its_name_with_its_events_only(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The newcomer pages of the second region live under /<slug>/: its name (in the visitor's
    language), its events, links that stay in it, its calendars to subscribe."""
    two_region_store(sqlite_store, tmp_path)
    with sqlite_store.transaction() as session:
        ours, theirs = sorted(all_events(session), key=lambda event: event.region)
    with TestClient(create_app(sqlite_store, clock=lambda: NOW)) as client:
        root_start = client.get("/", params={"lang": "de"}).text
        assert "Region: Landkreis Heidenheim" in root_start
        assert '<a href="/stadt-augsburg/">Stadt Augsburg</a>' in root_start  # other regions
        start = client.get("/stadt-augsburg/", params={"lang": "en"}).text
        assert "City of Augsburg" in start and '<a href="/">District of Heidenheim</a>' in start
        assert 'href="/stadt-augsburg/veranstaltungen"' in start
        root = client.get("/veranstaltungen").text
        assert f"/veranstaltungen/{ours.id}" in root and theirs.id not in root
        page = client.get("/stadt-augsburg/veranstaltungen").text
        assert f'href="/stadt-augsburg/veranstaltungen/{theirs.id}"' in page
        assert ours.id not in page
        assert "/stadt-augsburg/events.ics" in page and "/stadt-augsburg/feeds" in page
        assert "/stadt-augsburg/events/town/augsburg.ics" in page
        # a listing's page at the root links back to its own region; not under another's
        event = client.get(f"/veranstaltungen/{theirs.id}").text
        assert 'href="/stadt-augsburg/veranstaltungen"' in event
        assert client.get(f"/stadt-augsburg/veranstaltungen/{ours.id}").status_code == 404
        assert client.get(f"/stadt-augsburg/veranstaltungen/{ours.id}.ics").status_code == 404
        assert client.get("/atlantis/veranstaltungen").status_code == 404
        assert client.get("/atlantis/").status_code == 404
        feeds = client.get("/feeds/", follow_redirects=False)  # not a region: the feeds' index
        assert (feeds.status_code, feeds.headers["location"]) == (307, "/feeds")


def test_the_apprenticeship_search_measures_from_the_regions_own_postcodes(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """86150 is an Augsburg postcode: known on Augsburg's page, unknown (and said so, naming
    the region) on Heidenheim's."""
    two_region_store(sqlite_store, tmp_path)
    with TestClient(create_app(sqlite_store, clock=lambda: NOW)) as client:
        query = {"postcode": "86150", "lang": "en"}
        there = client.get("/stadt-augsburg/ausbildung", params=query)
        assert there.status_code == 200 and "We do not know the postcode" not in there.text
        here = client.get("/ausbildung", params=query).text
        assert "We do not know the postcode 86150" in here
        assert "from this region or nearby: District of Heidenheim." in here


def test_an_editor_of_one_region_is_refused_in_the_other(sqlite_store: Store) -> None:
    """An account set to Augsburg sees Augsburg's queue and decides there; Heidenheim's event
    answers 403, its approve changes nothing, and its rows are not in the queue."""
    register(
        sqlite_store,
        ical_source("albuch", trusted=False),
        replace(ical_source("augsburg", town="Augsburg", trusted=False), region="stadt-augsburg"),
    )
    crawl(sqlite_store, "albuch", CONCERT)
    crawl(sqlite_store, "augsburg", replace(ONLINE, location="Bürgertreff, Lechhausen"))
    add_accounts(sqlite_store, NOW)
    with sqlite_store.transaction() as session:
        set_regions(session, EDITOR[0], ["stadt-augsburg"])
        ours, theirs = sorted(all_events(session), key=lambda event: event.region)
        heidenheim, augsburg = ours.id, theirs.id
    with TestClient(create_app(sqlite_store, clock=lambda: NOW)) as client:
        csrf = sign_in(client, EDITOR)
        queue = client.get("/desk/queue").text
        assert ONLINE.title in queue and CONCERT.title not in queue
        refused = client.get(f"/desk/events/{heidenheim}")
        assert refused.status_code == 403 and "nicht freigeschaltet" in refused.text
        approve = client.post(f"/desk/events/{heidenheim}/approve", data={"csrf": csrf})
        assert approve.status_code == 403
        mine = client.post(f"/desk/events/{augsburg}/approve", data={"csrf": csrf})
        assert mine.status_code in (200, 303)
        assert client.get(f"/desk/events/{augsburg}").status_code == 200
    with sqlite_store.transaction() as session:
        assert session.get(Event, heidenheim).review_state == ReviewState.PENDING
        assert session.get(Event, augsburg).review_state == ReviewState.PUBLISHED


def test_the_sources_page_shows_each_region_apart_and_only_the_accounts_own(
    sqlite_store: Store,
) -> None:
    register(
        sqlite_store,
        ical_source("albuch"),
        replace(ical_source("augsburg", town="Augsburg"), region="stadt-augsburg"),
    )
    add_accounts(sqlite_store, NOW)
    with sqlite_store.transaction() as session:
        set_regions(session, ADMIN[0], ["stadt-augsburg"])
    with TestClient(create_app(sqlite_store, clock=lambda: NOW)) as client:
        sign_in(client, EDITOR)  # every region: both, each under its region's name
        both = client.get("/desk/sources").text
        heidenheim, augsburg = both.index(">Landkreis Heidenheim<"), both.index(">Stadt Augsburg<")
        assert heidenheim < both.index("/desk/sources/albuch") < augsburg
        assert augsburg < both.index("/desk/sources/augsburg")
    with TestClient(create_app(sqlite_store, clock=lambda: NOW)) as client:
        csrf = sign_in(client, ADMIN)
        mine = client.get("/desk/sources").text
        assert "/desk/sources/augsburg" in mine and "/desk/sources/albuch" not in mine
        assert "Landkreis Heidenheim" not in mine  # one region: no headings
        assert client.get("/desk/sources/albuch").status_code == 403
        crawl_now = client.post("/desk/sources/albuch/crawl", data={"csrf": csrf})
        assert crawl_now.status_code == 403
        assert client.get("/desk/sources/augsburg").status_code == 200


def test_staff_regions_are_set_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "LOTSE_DATABASE_URL": f"sqlite:///{tmp_path / 'lotse.db'}"}

    def lotse(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "lotse", "staff", *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env)

    assert lotse("add", "erika", "--password-stdin", stdin="erika-passwort-1\n").returncode == 0
    assert lotse("set-regions", "erika", "stadt-augsburg").returncode == 0
    assert "stadt-augsburg" in lotse("list").stdout
    unknown = lotse("set-regions", "erika", "atlantis")
    assert unknown.returncode == 2 and "unknown region atlantis" in unknown.stderr
    assert lotse("set-regions", "erika").returncode == 0
    assert lotse("list").stdout.splitlines()[1].endswith("all")
