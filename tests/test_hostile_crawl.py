"""Servers that attack the crawler, through spiders over loopback HTTP and a real pass: gzip and
deflate bombs, responses over the size cap, redirect loops, XML bombs and external entities,
listings that never end. Each fails or cuts its own source with a clear error while the sound
source beside it is published, and a crawl cut short marks nothing gone."""

from __future__ import annotations

import gzip
import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from aggregator.store import Store
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.hostile import ICS, RSS, last_run, published, records
from tests.support.server import FixtureServer, Reply
from tests.test_kind_feed import BOMB as BILLION_LAUGHS
from workers.passes import run_pass

CAP = 1024 * 1024  # DOWNLOAD_MAXSIZE for these crawls
INFLATED = b"<rss>" + b" " * (64 * CAP)  # 64 MiB once inflated, some 65 KB compressed
PASSWD = Path("/etc/passwd").read_text().splitlines()[0]  # "root:x:0:0:root:/root:/bin/bash"
EXTERNAL_ENTITY = """<?xml version="1.0" encoding="{encoding}"?>
<!DOCTYPE rss [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>Verein</title>
<item><guid>xxe</guid><title>Sommerfest &passwd;</title>
<description>15.12.2026, 19 Uhr</description></item>
</channel></rss>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "file:///etc/passwd">
<rss version="2.0"><channel><title>Verein</title>
<item><guid>dtd</guid><title>Herbstfest</title><description>16.12.2026, 19 Uhr</description></item>
</channel></rss>"""
REFUSED_ENTITIES = "feed declares XML entities (<!ENTITY in its DOCTYPE); refused"


def reply(body: bytes, content_type: str, **headers: str) -> Reply:
    return Reply(body, headers={"Content-Type": content_type, **headers})


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory):
    """One pass over hostile servers and a sound calendar beside them."""
    path = tmp_path_factory.mktemp("attacked")
    store = Store(f"sqlite:///{path / 'lotse.db'}")
    with FixtureServer().running() as site:
        site.route("/b.ics", Reply(status=301, headers={"Location": "/a.ics"}))
        routes = {
            "stadt": ("ical", reply((FIXTURES / "ical" / "stadt.ics").read_bytes(), ICS)),
            "gzip": ("feed", reply(gzip.compress(INFLATED), RSS, **{"Content-Encoding": "gzip"})),
            "deflate": (
                "feed",
                reply(zlib.compress(INFLATED), RSS, **{"Content-Encoding": "deflate"}),
            ),
            "gross": ("ical", reply(b"BEGIN:VCALENDAR\r\n" + b"X" * (3 * CAP), ICS)),
            "endlos": (
                "ical",
                Reply(b"BEGIN:VCALENDAR\r\n" + b"X" * (3 * CAP), content_length=False),
            ),
            "kreis": ("ical", Reply(status=302, headers={"Location": "/b.ics"})),
            "lachen": ("feed", reply(BILLION_LAUGHS, RSS)),
            "xxe": ("feed", reply(EXTERNAL_ENTITY.format(encoding="utf-8").encode(), RSS)),
            "xxe-utf32": (
                "feed",
                reply(EXTERNAL_ENTITY.format(encoding="utf-32").encode("utf-32"), RSS),
            ),
            "dtd": ("feed", reply(EXTERNAL_DTD, RSS)),
        }
        urls = {
            name: site.route("/a.ics" if name == "kreis" else f"/{name}", answer)
            for name, (_, answer) in routes.items()
        }
        configs = [
            source(name, kind, urls[name], trusted=True) for name, (kind, _) in routes.items()
        ]
        settings = {**FAST_CRAWL, "DOWNLOAD_MAXSIZE": CAP, "DOWNLOAD_WARNSIZE": CAP}
        report = run_pass(store, configs, path, now=NOW, crawl_settings=settings)
    yield store, path, {s.source_id: s for s in report.summaries}, urls
    store.dispose()


@pytest.mark.parametrize("name", ["gzip", "deflate"])
def test_a_compression_bomb_fails_its_source_naming_the_sizes(attacked, name) -> None:
    _, _, summaries, urls = attacked
    summary = summaries[name]
    assert summary.status == "failed"
    assert summary.error.startswith(f"{urls[name]}: ResponseTooLarge: response too large: ")
    assert f"compressed bytes inflate past the cap of {CAP:,} bytes" in summary.error
    assert "compression bomb" in summary.error


def test_a_response_over_the_cap_fails_its_source_naming_size_and_cap(attacked) -> None:
    _, _, summaries, _ = attacked
    sized, streamed = summaries["gross"], summaries["endlos"]
    assert (sized.status, streamed.status) == ("failed", "failed")
    assert (
        f"response too large: {3 * CAP + 17:,} bytes, over the cap of {CAP:,} bytes" in sized.error
    )
    assert f"response too large: stopped at the cap of {CAP:,} bytes" in streamed.error


def test_a_redirect_loop_fails_its_source_showing_the_loop(attacked) -> None:
    _, _, summaries, urls = attacked
    error = summaries["kreis"].error
    loop = f"{urls['kreis']} → {urls['kreis'].replace('/a.ics', '/b.ics')}"
    assert "max redirections reached" in error and loop in error


@pytest.mark.parametrize("name", ["lachen", "xxe", "xxe-utf32"])
def test_entity_declarations_are_refused_before_feedparser(attacked, name) -> None:
    _, _, summaries, urls = attacked
    assert summaries[name].status == "failed"
    assert summaries[name].error == (
        f"{urls[name]}: {REFUSED_ENTITIES}, because expanding them can blow up memory "
        "(billion laughs) or read local files"
    )


def test_an_external_dtd_is_never_fetched(attacked) -> None:
    store, _, summaries, _ = attacked
    assert summaries["dtd"].status == "ok"
    (record,) = records(store, "dtd").values()
    assert "Herbstfest" in record.payload and "root:" not in record.payload


def test_no_local_file_content_reaches_the_store_or_the_feeds(attacked) -> None:
    store, out, _, _ = attacked
    with sqlite3.connect(store.url.removeprefix("sqlite:///")) as connection:
        dump = "\n".join(connection.iterdump())
    assert "lolololol" not in dump and PASSWD not in dump and "/bin/bash" not in dump
    for feed in out.rglob("*.*"):
        text = feed.read_text(errors="replace")
        assert PASSWD not in text and "lolololol" not in text


def test_the_sound_source_beside_them_is_published(attacked) -> None:
    _, out, summaries, _ = attacked
    assert (summaries["stadt"].status, summaries["stadt"].items) == ("ok", 8)
    assert {"Sprachcafé im Rathaus", "Sommerfest", "Herbstfest"} <= set(published(out))


# --- Listings that never end ------------------------------------------------------------------

BA_QUERY = "angebotsart=4&wo=Heidenheim&umkreis=25&page={page}&size=100"


def jsonld_page(number: int, *, more: bool, extra: str = "") -> bytes:
    items = [{"@type": "Event", "@id": f"#v{number}", "name": f"Vortrag {number}",
              "startDate": f"2027-01-{number % 28 + 1:02d}T19:00:00+01:00"}]  # fmt: skip
    if extra:
        items.append({"@type": "Event", "@id": "#alt", "name": extra, "startDate": "2026-12-30"})
    link = f'<link rel="next" href="/liste?seite={number + 1}">' if more else ""
    script = f'<script type="application/ld+json">{json.dumps(items)}</script>'
    return f"<!DOCTYPE html><html><head>{link}{script}</head><body></body></html>".encode()


def wp_page(number: int, *, more: bool, extra: str = "") -> bytes:
    events = [
        {
            "id": number,
            "title": f"Kurs {number}",
            "start_date": f"2027-02-{number % 28 + 1:02d} 18:00:00",
        }
    ]
    if extra:
        events.append({"id": 9999, "title": extra, "start_date": "2026-12-30 10:00:00"})
    page = {"events": events, "total_pages": 1}
    if more:
        page["next_rest_url"] = f"/wp?page={number + 1}"
    return json.dumps(page).encode()


def ba_page(number: int, *, extra: str = "") -> bytes:
    offers = [{"refnr": f"10000-{number}", "titel": f"Ausbildung {number} (m/w/d)"}]
    if extra:
        offers.append({"refnr": "10000-alt", "titel": extra})
    return json.dumps({"stellenangebote": offers}).encode()


def serve_endless(site: FixtureServer) -> dict[str, str]:
    """First a short listing with an entry "Alt …" on page 1; then listings without end."""
    site.route(
        "/liste?seite=1",
        Reply(jsonld_page(1, more=False, extra="Alter Vortrag")),
        Reply(jsonld_page(1, more=True)),
    )
    site.route(
        "/wp?per_page=50",
        Reply(wp_page(1, more=False, extra="Alter Kurs")),
        Reply(wp_page(1, more=True)),
    )
    site.route(
        f"/ba?{BA_QUERY.format(page=1)}",
        Reply(ba_page(1, extra="Alte Ausbildung")),
        Reply(ba_page(1)),
    )
    site.route(f"/ba?{BA_QUERY.format(page=2)}", Reply(b'{"maxErgebnisse": 2}'), Reply(ba_page(2)))
    for number in range(2, 120):
        site.route(f"/liste?seite={number}", Reply(jsonld_page(number, more=True)))
        site.route(f"/wp?page={number}", Reply(wp_page(number, more=True)))
    for number in range(3, 120):
        site.route(f"/ba?{BA_QUERY.format(page=number)}", Reply(ba_page(number)))
    return {
        "jsonld": site.url("/liste?seite=1"),
        "wp-events": site.url("/wp"),
        "ba-jobsuche": site.url("/ba"),
    }


def test_a_listing_without_end_stops_at_the_page_cap_and_marks_nothing_gone(
    sqlite_store, site, tmp_path
) -> None:
    urls = serve_endless(site)
    configs = [
        source("vortraege", "jsonld", urls["jsonld"], trusted=True, options={"max_pages": 5}),
        source("kurse", "wp-events", urls["wp-events"], trusted=True),
        source(
            "ba", "ba-jobsuche", urls["ba-jobsuche"], trusted=True, options={"where": "Heidenheim"}
        ),
    ]
    run_pass(sqlite_store, configs, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    assert {"Alter Vortrag", "Alter Kurs"} <= set(published(tmp_path))
    report = run_pass(sqlite_store, configs, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    summaries = {s.source_id: s for s in report.summaries}
    last_ba_page = site.url(f"/ba?{BA_QUERY.format(page=100)}")  # page × size = 10,000
    for source_id, cap, problem in (
        ("vortraege", 5, f"{configs[0].url}: more than 5 listing pages; read the first ones"),
        ("kurse", 100, f"{configs[1].url}: more than 100 listing pages; read the first ones"),
        ("ba", 100, f"{last_ba_page}: the API serves the first 10000 offers of a search only"),
    ):
        assert (summaries[source_id].status, summaries[source_id].gone) == ("ok", 0)
        assert summaries[source_id].items == cap
        assert any(
            text.startswith(problem) for text in last_run(sqlite_store, source_id).problem_texts
        )
        assert all(r.gone_at is None for r in records(sqlite_store, source_id).values())
    assert {"Alter Vortrag", "Alter Kurs", "Vortrag 5", "Kurs 100"} <= set(published(tmp_path))
    assert "Alte Ausbildung" in published(tmp_path, "apprenticeships.json")
    assert len(site.hits("/liste?seite=6")) == 0  # the cap stops before asking
