"""The review desk and the public pages over listings whose every field carries markup, script
and javascript:/data: URLs (one real pass, tests/support/hostile.py): every page shows them as
text; every POST without the session's CSRF token is refused and changes nothing; an editor is
refused the admin's pages, a visitor sees nothing that waits for review or belongs to staff."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from aggregator.store import Store
from aggregator.store.models import (
    Apprenticeship,
    Event,
    EventLink,
    MatchSuggestion,
    StaffSession,
    StaffUser,
)
from tests.conftest import NOW
from tests.support.desk import ADMIN, EDITOR, OPEN_URLS, add_accounts, sign_in
from tests.support.hostile import MARKUP_SOURCES, fill_with_markup
from tests.support.server import FixtureServer
from web.server import create_app

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
SCRIPT_URL = re.compile(
    r"""\b(?:href|src|action|formaction)\s*=\s*["']?\s*(?:javascript|vbscript):""", re.I
)
DATA_LINK = re.compile(
    r"""<a\b[^>]*\bhref\s*=\s*["']?\s*data:""", re.I
)  # a page's own icon may be data:
EVENT_HANDLER = re.compile(r"<[^>]*\son\w+\s*=", re.IGNORECASE)  # <img onerror=…> as markup
ADMIN_ONLY = {
    ("GET", "/desk/staff"),
    ("POST", "/desk/staff/{name}"),
    ("POST", "/desk/sources/{source_id}/crawl"),
    ("GET", "/desk/new-source"),
    ("POST", "/desk/new-source"),
    ("GET", "/desk/sources/{source_id}/settings"),
    ("POST", "/desk/sources/{source_id}/settings"),
}


@dataclass(frozen=True)
class Desk:
    store: Store
    app: Starlette
    pending: str  # a pending event (from an untrusted source)
    published: str
    job: str  # a pending apprenticeship
    suggestion: int


def markup_desk(path: Path) -> Desk:
    """A store filled with listings full of markup (one pass), staff accounts, an open
    duplicate suggestion, and the app over it."""
    store = Store(f"sqlite:///{path / 'lotse.db'}")
    with FixtureServer().running() as site:
        fill_with_markup(store, site, path / "public")
    add_accounts(store, NOW)
    with store.transaction() as session:
        by_title = {e.title: e for e in session.scalars(select(Event))}
        pending, published = by_title["Nachbarschaftsfest"], by_title["Konzert im Park"]
        suggestion = MatchSuggestion(
            event_a=pending, event_b=published, rule="title-similar", score=75.0, created_at=NOW
        )
        session.add(suggestion)
        session.flush()
        job = session.scalar(select(Apprenticeship.id))
        ids = (pending.id, published.id, job, suggestion.id)
    return Desk(store, create_app(store, clock=lambda: NOW), *ids)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """For tests that change nothing."""
    found = markup_desk(tmp_path_factory.mktemp("desk"))
    yield found
    found.store.dispose()


@pytest.fixture
def own_desk(tmp_path: Path) -> Iterator[Desk]:
    """For a test whose requests act."""
    found = markup_desk(tmp_path)
    yield found
    found.store.dispose()


def desk_routes(app: Starlette) -> list[tuple[str, str]]:
    """Every desk route behind the sign-in, as (method, path template)."""
    return [
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/desk")
        if route.path not in OPEN_URLS
        for method in sorted(route.methods - {"HEAD"})
    ]


def signed_in(desk: Desk, account: tuple[str, str]) -> tuple[TestClient, str]:
    client = TestClient(desk.app)
    return client, sign_in(client, account)


def filled(path: str, desk: Desk) -> str:
    """A route path with real ids for its parameters."""
    values = {
        "event_id": desk.pending,
        "suggestion_id": str(desk.suggestion),
        "source_id": "nachbarn",
        "id": desk.published,
        "item_id": desk.job,
        "group": "title",
        "row_id": "1",
        "name": "erika",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], path)


def assert_text_only(page: str, where: str, *, json_ld: int = 0) -> None:
    """No markup from a listing became markup: no script element but our JSON-LD, no
    javascript:/data: link, no element with an event handler."""
    scripts = SCRIPT_TAG.findall(page)
    assert scripts == ['<script type="application/ld+json">'] * len(scripts), where
    assert len(scripts) <= json_ld and page.lower().count("</script") == len(scripts), where
    assert not SCRIPT_URL.search(page) and not DATA_LINK.search(page), where
    assert not EVENT_HANDLER.search(page), where


# --- Cross-site scripting ---------------------------------------------------------------------


def desk_pages(desk: Desk) -> list[str]:
    with desk.store.transaction() as session:
        events = list(session.scalars(select(Event.id)))
        jobs = list(session.scalars(select(Apprenticeship.id)))
    pages = ["/desk/queue", "/desk/queue?kind=apprenticeships", "/desk/duplicates"]
    pages += ["/desk/queue?kind=conflicts", "/desk/queue?q=script&sort=start"]
    pages += ["/desk/sources", "/desk/log", "/desk/staff", "/desk/account"]
    pages += ["/desk/search", "/desk/search?kind=apprenticeships", "/desk/search?q=script"]
    pages += [f"/desk/merge?a={desk.pending}&b={desk.published}"]
    pages += [f"/desk/events/{event}" for event in events]
    pages += [f"/desk/apprenticeships/{job}" for job in jobs]
    pages += [
        f"/desk/sources/{s}?show={view}" for s in MARKUP_SOURCES for view in ("all", "problems")
    ]
    return pages


def test_every_desk_page_shows_listing_fields_errors_and_payloads_as_text(desk) -> None:
    client, _ = signed_in(desk, ADMIN)
    seen = {}
    for path in desk_pages(desk):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_text_only(response.text, path)
        seen[path] = response.text
    everything = "\n".join(seen.values())
    for shown in (
        "Nachbarschaftsfest",  # "<script>alert(13)</script>" was a script element: dropped
        "Mit &lt;script&gt;alert(2)&lt;/script&gt; und Musik.",  # text that looks like markup
        "Weihnachtsfeier &lt;script&gt;alert(8)&lt;/script&gt; X-INJECTED:summary",
        "Malerbetrieb GmbH",
        "the document&#39;s root element is &lt;script&gt;",  # a source's error
        "startDate &#39;&lt;script&gt;alert(15)&lt;/script&gt;&#39; is not an ISO 8601 date",
        "&lt;script&gt;alert(16)&lt;/script&gt;",  # a record's key
        "URL:javascript:alert(17)",  # a raw payload, as text
        "&lt;img src=x onerror=alert(7)&gt;@verein",  # a UID in a raw payload
    ):
        assert shown in everything, shown


def test_every_public_page_shows_listing_fields_as_text(desk) -> None:
    client = TestClient(desk.app)
    with desk.store.transaction() as session:
        events = list(session.scalars(select(Event.id).where(Event.review_state == "published")))
    pages = ["/", "/veranstaltungen", "/ausbildung", "/feeds", "/veranstaltungen?q=Konzert"]
    pages += [f"/veranstaltungen/{event}" for event in events]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_text_only(response.text, path, json_ld=1)
    konzert = client.get(f"/veranstaltungen/{desk.published}").text
    assert "Mit &lt;script&gt;alert(2)&lt;/script&gt; und Musik." in konzert
    assert "\\u003c/script\\u003e" in konzert  # inside the JSON-LD, escaped for HTML


# --- Cross-site request forgery ---------------------------------------------------------------

FORMS = {  # what each POST would do if it carried the token
    "/desk/queue": {"action": "approve", "ids": ["{event_id}"]},
    "/desk/events/{event_id}/approve": {},
    "/desk/events/{event_id}/reject": {"reason": "Spam"},
    "/desk/events/{event_id}/edit": {"title": "Übernommen"},
    "/desk/events/{event_id}/split": {"link_ids": ["1"]},
    "/desk/duplicates/{suggestion_id}/merge": {"primary": "{event_id}"},
    "/desk/duplicates/{suggestion_id}/dismiss": {},
    "/desk/sources/{source_id}/crawl": {},
    "/desk/new-source": {"what": "save", "id": "neu", "entry": '{"kind": "ical", "url": "x"}'},
    "/desk/sources/{source_id}/settings": {"name": "Übernommen", "trusted": "1"},
    "/desk/logout": {},
    "/desk/events/{event_id}/conflicts/{group}/keep": {},
    "/desk/events/{event_id}/conflicts/{group}/take": {},
    "/desk/apprenticeships/{item_id}/approve": {},
    "/desk/apprenticeships/{item_id}/reject": {"reason": "Spam"},
    "/desk/apprenticeships/{item_id}/edit": {"title": "Übernommen"},
    "/desk/apprenticeships/{item_id}/conflicts/{group}/keep": {},
    "/desk/apprenticeships/{item_id}/conflicts/{group}/take": {},
    "/desk/merge": {"a": "{event_id}", "b": "{id}", "primary": "{event_id}"},
    "/desk/log/{row_id}/undo": {},
    "/desk/staff/{name}": {"what": "disable"},
    "/desk/account/sessions": {"session": "others"},
    "/desk/account/notify": {"email": "x@example.org", "notify": "1"},
}


def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(desk) -> None:
    posts = {path for method, path in desk_routes(desk.app) if method == "POST"}
    assert posts == set(FORMS)  # a new POST route needs its line here
    client, csrf = signed_in(desk, ADMIN)
    state = review_state(desk)
    for path, form in FORMS.items():
        data = {
            name: [filled(v, desk) for v in value]
            if isinstance(value, list)
            else filled(value, desk)
            for name, value in form.items()
        }
        for token in ({}, {"csrf": "forged"}, {"csrf": csrf[:-1]}):
            response = client.post(
                filled(path, desk), data={**data, **token}, follow_redirects=False
            )
            assert response.status_code == 403, (path, token)
    assert review_state(desk) == state
    assert client.get("/desk/queue", follow_redirects=False).status_code == 200  # still signed in
    refused_login = TestClient(desk.app).post(
        "/desk/login", data={"name": ADMIN[0], "password": ADMIN[1]}, follow_redirects=False
    )
    assert refused_login.status_code == 403 and "lotse_desk" not in refused_login.cookies


def review_state(desk: Desk) -> tuple:
    """What a forged request would change: listings, their links, the suggestions."""
    with desk.store.transaction() as session:
        events = tuple(
            session.execute(select(Event.id, Event.title, Event.review_state).order_by(Event.id))
        )
        links = tuple(
            session.execute(select(EventLink.id, EventLink.event_id).order_by(EventLink.id))
        )
        suggestions = tuple(session.scalars(select(MatchSuggestion.state)))
        jobs = tuple(
            session.execute(
                select(Apprenticeship.id, Apprenticeship.title, Apprenticeship.review_state)
            )
        )
        staff = tuple(
            session.execute(
                select(StaffUser.name, StaffUser.active, StaffUser.role, StaffUser.email)
            )
        )
        signed_in = session.scalar(select(func.count(StaffSession.id)))
    return events, links, suggestions, jobs, staff, signed_in


# --- Another role's data ----------------------------------------------------------------------


def test_an_editor_is_refused_exactly_the_admin_pages(own_desk) -> None:
    desk = own_desk
    editor, csrf = signed_in(desk, EDITOR)
    admin, admin_csrf = signed_in(desk, ADMIN)
    refused, allowed = set(), set()
    for method, path in desk_routes(desk.app):
        if (method, path) == ("POST", "/desk/logout"):
            continue
        for who, token, found in ((editor, csrf, refused), (admin, admin_csrf, allowed)):
            response = who.request(
                method,
                filled(path, desk),
                data={"csrf": token} if method == "POST" else None,
                follow_redirects=False,
            )
            if response.status_code == 403:
                found.add((method, path))
    assert refused == ADMIN_ONLY and allowed == set()
    page = editor.get("/desk/staff").text
    assert "anna" not in page and "<table" not in page


def test_no_page_shows_a_password_hash_or_a_session_token(desk) -> None:
    client, _ = signed_in(desk, ADMIN)
    token = client.cookies["lotse_desk"]
    for path in desk_pages(desk):
        page = client.get(path).text
        assert "$argon2" not in page and token not in page, path


def public_texts(desk: Desk) -> Iterator[tuple[str, str]]:
    """Every public page, feed and API answer without parameters, and a few with."""
    client = TestClient(desk.app)
    routes = [route for route in desk.app.routes if isinstance(route, Route)]
    for route in routes:
        if "GET" in route.methods and "{" not in route.path and not route.path.startswith("/desk"):
            yield route.path, client.get(route.path).text
    for path in (
        "/api/events?q=Nachbarschaftsfest",
        "/api/apprenticeships",
        "/events/source/nachbarn.ics",
    ):
        yield path, client.get(path).text


def test_a_visitor_sees_nothing_that_waits_for_review_or_belongs_to_staff(desk) -> None:
    for path, text in public_texts(desk):
        for secret in (
            "Nachbarschaftsfest",
            "Maler/in",
            "root element is",
            "alert(15)",
            "erika",
            "anna",
        ):
            assert secret not in text, (path, secret)
    client = TestClient(desk.app)
    assert client.get(f"/veranstaltungen/{desk.pending}").status_code == 404
    assert client.get(f"/veranstaltungen/{desk.pending}.ics").status_code == 404
    assert client.get(f"/ausbildung/{desk.job}").status_code == 404
