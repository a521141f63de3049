"""The desk's "Quelle hinzufügen" and a source's settings over HTTP: a URL tried as `lotse sources
try` tries it (a real fetch and crawl of a calendar served on 127.0.0.1), the preview, the entry
saved into the sources file with its comments kept, a source's settings changed, a stale or
invalid form refused with the file untouched, an editor refused, the log written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from aggregator.accounts import set_regions
from aggregator.source_trial import Trial
from aggregator.sources import load_sources
from aggregator.sources_edit import Destination
from aggregator.store import Store
from aggregator.store.models import ReviewLog
from crawlers.fetch import Fetcher
from crawlers.try_source import try_url
from tests.conftest import FAST_CRAWL, FIXTURES, NOW
from tests.support.desk import ADMIN, EDITOR, add_accounts, sign_in
from tests.support.server import FixtureServer, Reply
from web.server import create_app
from workers.steps import register_sources

SOURCES = """# Quellen des Landkreises (dieser Kommentar bleibt)

[[sources]]
id = "vhs"  # die Volkshochschule
kind = "ical"
url = "https://vhs.example/kalender.ics"
"""
HIDDEN_ENTRY = re.compile(r'name="entry" value="([^"]*)"')


def desk_trial(url: str, *, allow_private: bool, into: Destination) -> Trial:
    """`lotse sources try` as the server hands it in, on the tests' clock and quick settings."""
    fetcher = Fetcher(own_host="127.0.0.1" if allow_private else None, pause=0)
    return try_url(
        url,
        now=NOW,
        allow_private=allow_private,
        into=into,
        crawl_settings=FAST_CRAWL,
        fetcher=fetcher,
    )


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureServer]:
    with FixtureServer().running() as server:
        server.route("/vhs.ics", Reply.file(FIXTURES / "county" / "vhs.ics", "text/calendar"))
        body = b"<html><body><p>Willkommen</p></body></html>"
        server.route("/leer", Reply(body, headers={"Content-Type": "text/html"}))
        yield server


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(SOURCES, encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    found = Store(f"sqlite:///{tmp_path / 'lotse.db'}")
    add_accounts(found, NOW)
    yield found
    found.dispose()


def client_for(store: Store, sources: Path | None, account: tuple[str, str]) -> TestClient:
    app = create_app(
        store,
        clock=lambda: NOW,
        sources_file=sources,
        try_source=desk_trial if sources is not None else None,
    )
    client = TestClient(app)
    client.csrf = sign_in(client, account)  # type: ignore[attr-defined]
    return client


@pytest.fixture
def admin(store: Store, sources: Path) -> TestClient:
    return client_for(store, sources, ADMIN)


def tried(admin: TestClient, url: str) -> str:
    form = {"csrf": admin.csrf, "what": "try", "url": url, "allow_private": "1"}
    response = admin.post("/desk/new-source", data=form)
    assert response.status_code == 200
    return response.text


def saved(admin: TestClient, page: str, **fields: str | list[str]):
    entry = HIDDEN_ENTRY.search(page)
    assert entry, "the preview carries the entry to save"
    form = {"csrf": admin.csrf, "what": "save", "entry": unescape(entry[1]), **fields}
    return admin.post("/desk/new-source", data=form, follow_redirects=False)


def unescape(text: str) -> str:
    return text.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


# --- adding -----------------------------------------------------------------------------------


def test_the_preview_shows_the_kind_and_the_first_items(admin, site) -> None:
    page = tried(admin, site.url("/vhs.ics"))
    assert "Gefunden: iCalendar-Kalender" in page
    assert "3 Einträge gelesen" in page
    assert "Sprachcafé Deutsch" in page and "Do 07.01.2027, 18:30" in page
    assert "abgesagt</span>" in page  # "ABGESAGT: Frauentreff International"
    assert 'name="id" value="127-0-0-1"' in page


def test_a_url_with_nothing_readable_says_so(admin, site) -> None:
    page = tried(admin, site.url("/leer"))
    assert "nichts zu finden, das Lotse lesen kann" in page
    assert "nothing readable: " in page  # what was tried, one click away
    assert 'name="entry"' not in page


def test_saving_adds_the_entry_and_keeps_the_comments(admin, site, sources) -> None:
    page = tried(admin, site.url("/vhs.ics"))
    response = saved(
        admin,
        page,
        id="vhs-neu",
        name="VHS Giengen",
        categories=["sprache", "familie"],
        town="Giengen an der Brenz",
        trusted="1",
        enabled="1",
    )
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/desk/sources?msg=source_added",
    )
    text = sources.read_text()
    assert text.startswith(SOURCES)  # the old entry and its comments as they were
    vhs, added = load_sources(sources)
    assert (added.id, added.name, added.kind, added.url) == (
        "vhs-neu",
        "VHS Giengen",
        "ical",
        site.url("/vhs.ics"),
    )
    assert (added.categories, added.town, added.trusted, added.allow_private) == (
        ("sprache", "familie"),
        "Giengen an der Brenz",
        True,
        True,
    )


def test_an_admin_of_one_region_adds_sources_to_that_region(store, site, sources) -> None:
    with store.transaction() as session:
        set_regions(session, ADMIN[0], ["stadt-augsburg"])
    admin = client_for(store, sources, ADMIN)
    response = saved(admin, tried(admin, site.url("/vhs.ics")), id="vhs-augsburg", name="VHS")
    assert response.status_code == 303
    vhs, added = load_sources(sources)
    assert (vhs.region, added.region) == ("landkreis-heidenheim", "stadt-augsburg")
    assert 'in_region = "stadt-augsburg"' in sources.read_text()


def test_an_entry_the_file_refuses_is_not_saved_and_says_why(admin, site, sources) -> None:
    page = tried(admin, site.url("/vhs.ics"))
    response = saved(admin, page, id="vhs", enabled="1")
    assert response.status_code == 400
    assert "Nicht gespeichert" in response.text and "duplicate id &#39;vhs&#39;" in response.text
    assert sources.read_text() == SOURCES


def test_adding_is_in_the_log(admin, site, store) -> None:
    saved(admin, tried(admin, site.url("/vhs.ics")), id="vhs-neu", enabled="1")
    with store.transaction() as session:
        row = session.scalars(select(ReviewLog).where(ReviewLog.action == "add-source")).one()
        assert (row.actor, row.target_id, row.detail["kind"]) == ("anna", "vhs-neu", "ical")


# --- changing ---------------------------------------------------------------------------------


def settings_form(admin: TestClient, source_id: str) -> dict[str, str]:
    page = admin.get(f"/desk/sources/{source_id}/settings").text
    digest = re.search(r'name="digest" value="([^"]*)"', page)
    assert digest
    return {"csrf": admin.csrf, "digest": digest[1], "enabled": "1"}


def test_the_settings_change_in_the_file(admin, sources) -> None:
    form = settings_form(admin, "vhs")
    response = admin.post(
        "/desk/sources/vhs/settings",
        data={**form, "name": "Volkshochschule", "trusted": "1", "town": "Herbrechtingen"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/desk/sources?msg=source_saved"
    assert 'id = "vhs"  # die Volkshochschule' in sources.read_text()
    (vhs,) = load_sources(sources)
    assert (vhs.name, vhs.trusted, vhs.town, vhs.enabled) == (
        "Volkshochschule",
        True,
        "Herbrechtingen",
        True,
    )


def test_a_source_is_switched_off(admin, sources) -> None:
    form = {**settings_form(admin, "vhs"), "enabled": ""}
    admin.post("/desk/sources/vhs/settings", data=form)
    assert load_sources(sources)[0].enabled is False


def test_a_save_from_a_stale_form_is_refused(admin, sources) -> None:
    form = settings_form(admin, "vhs")
    admin.post("/desk/sources/vhs/settings", data={**form, "name": "Erste"})
    response = admin.post("/desk/sources/vhs/settings", data={**form, "name": "Zweite"})
    assert response.status_code == 409 and "inzwischen geändert" in response.text
    assert load_sources(sources)[0].name == "Erste"


def test_a_source_not_in_the_file_is_not_found(admin) -> None:
    assert admin.get("/desk/sources/gibtsnicht/settings").status_code == 404


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/desk/new-source"),
        ("POST", "/desk/new-source"),
        ("GET", "/desk/sources/vhs/settings"),
        ("POST", "/desk/sources/vhs/settings"),
    ],
)
def test_an_editor_is_refused(store, sources, method: str, path: str) -> None:
    editor = client_for(store, sources, EDITOR)
    form = {"csrf": editor.csrf, "what": "try", "url": "http://127.0.0.1/", "name": "x"}
    response = editor.request(method, path, data=form if method == "POST" else None)
    assert response.status_code == 403
    assert "der Administration vorbehalten" in response.text
    assert sources.read_text() == SOURCES


def test_a_server_without_a_sources_file_offers_no_adding(store) -> None:
    admin = client_for(store, None, ADMIN)
    assert "Quelle hinzufügen" not in admin.get("/desk/sources").text
    response = admin.get("/desk/new-source")
    assert response.status_code == 409 and "keine Quellendatei" in response.text


def test_the_sources_page_offers_adding_and_changing_to_admins(admin, store, sources) -> None:
    register_sources(store, load_sources(sources))
    page = admin.get("/desk/sources").text
    assert 'href="/desk/new-source"' in page
    assert 'href="/desk/sources/vhs/settings"' in page
    editor = client_for(store, sources, EDITOR)
    assert "/desk/new-source" not in editor.get("/desk/sources").text


@pytest.mark.parametrize(
    ("path", "form"),
    [
        (
            "/desk/new-source",
            {"what": "save", "id": "neu", "entry": '{"kind": "ical", "url": "x"}'},
        ),
        ("/desk/sources/vhs/settings", {"name": "Übernommen", "enabled": "1"}),
    ],
)
def test_a_forged_form_changes_nothing_in_the_file(admin, sources, path: str, form) -> None:
    for token in ({}, {"csrf": "forged"}):
        assert admin.post(path, data={**form, **token}).status_code == 403
    assert sources.read_text() == SOURCES
