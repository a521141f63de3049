"""The review desk's door: accounts, sign-in, sessions, CSRF, roles. Public feeds stay open."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from aggregator.accounts import IDLE_TIMEOUT, SESSION_LIFETIME
from aggregator.store.models import StaffUser
from lotse.cli import main
from tests.conftest import NOW
from tests.support.desk import (
    ADMIN,
    EDITOR,
    MovableClock,
    add_accounts,
    csrf_in,
    desk_requests,
    sign_in,
)
from web.server import create_app


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def app(store, clock):
    add_accounts(store, NOW)
    return create_app(store, clock=clock)


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


def test_every_review_url_refuses_a_request_without_a_session(app, client) -> None:
    requests = desk_requests(app)
    assert {("GET", "/desk/queue"), ("POST", "/desk/logout")} <= set(requests)
    for method, path in requests:
        response = client.request(method, path, follow_redirects=False)
        if method == "GET":
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/desk/login?next="), path
        else:
            assert response.status_code == 401, path
        assert "<table" not in response.text, path
    assert client.get("/events.json").status_code == 200  # the public feeds need no login


def test_signing_in_sets_a_guarded_cookie_and_returns_to_the_asked_page(client) -> None:
    first = client.get("/desk/sources", follow_redirects=False)
    login_page = client.get(first.headers["location"])
    assert 'name="next" value="/desk/sources"' in login_page.text
    response = client.post(
        "/desk/login",
        data={
            "csrf": csrf_in(login_page.text),
            "name": ADMIN[0],
            "password": ADMIN[1],
            "next": "/desk/sources",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/desk/sources"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lotse_desk=") and "HttpOnly" in cookie and "Path=/desk" in cookie
    assert "SameSite=lax" in cookie and "Secure" not in cookie
    page = client.get("/desk/sources")
    assert page.status_code == 200 and "anna · Administration" in page.text


def test_the_cookie_is_secure_over_https(app) -> None:
    with TestClient(app, base_url="https://desk.example") as client:
        form = client.get("/desk/login")
        response = client.post(
            "/desk/login",
            data={"csrf": csrf_in(form.text), "name": EDITOR[0], "password": EDITOR[1]},
            follow_redirects=False,
        )
    assert "Secure" in response.headers["set-cookie"]


def test_a_wrong_password_or_unknown_name_signs_nobody_in(client) -> None:
    for name, password in [(EDITOR[0], "falsch-falsch"), ("mallory", EDITOR[1])]:
        form = client.get("/desk/login")
        response = client.post(
            "/desk/login",
            data={"csrf": csrf_in(form.text), "name": name, "password": password},
            follow_redirects=False,
        )
        assert response.status_code == 401
        assert "Name oder Passwort ist falsch." in response.text
        assert "lotse_desk=" not in response.headers.get("set-cookie", "")


def test_a_login_or_form_post_without_its_csrf_token_is_refused(client) -> None:
    client.get("/desk/login")
    response = client.post(
        "/desk/login", data={"name": EDITOR[0], "password": EDITOR[1]}, follow_redirects=False
    )
    assert response.status_code == 403 and "lotse_desk=" not in response.headers.get(
        "set-cookie", ""
    )
    csrf = sign_in(client, EDITOR)
    for data in ({}, {"csrf": "forged"}):
        response = client.post("/desk/logout", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "Das Formular ist abgelaufen" in response.text
    assert client.get("/desk/log", follow_redirects=False).status_code == 200  # still signed in
    response = client.post("/desk/logout", data={"csrf": csrf}, follow_redirects=False)
    assert response.headers["location"] == "/desk/login?msg=logged_out"


def test_signing_out_ends_the_session_on_the_server(client) -> None:
    csrf = sign_in(client, EDITOR)
    token = client.cookies["lotse_desk"]
    client.post("/desk/logout", data={"csrf": csrf})
    client.cookies.set("lotse_desk", token, path="/desk")  # a copied cookie opens nothing
    assert client.get("/desk/log", follow_redirects=False).status_code == 303


def test_a_session_expires_when_idle_and_at_its_end(client, clock) -> None:
    sign_in(client, EDITOR)
    for _ in range(int(SESSION_LIFETIME / timedelta(minutes=25))):  # busy: never idle for long
        clock.advance(timedelta(minutes=25))
        assert client.get("/desk/log", follow_redirects=False).status_code == 200
    clock.advance(SESSION_LIFETIME % timedelta(minutes=25) + timedelta(minutes=1))
    response = client.get("/desk/log", follow_redirects=False)
    assert response.status_code == 303 and "/desk/login" in response.headers["location"]

    sign_in(client, EDITOR)
    clock.advance(IDLE_TIMEOUT - timedelta(minutes=1))
    assert client.get("/desk/log", follow_redirects=False).status_code == 200
    clock.advance(IDLE_TIMEOUT + timedelta(seconds=1))  # idle for longer than allowed
    response = client.get("/desk/log", follow_redirects=False)
    assert response.status_code == 303 and "/desk/login" in response.headers["location"]


def test_a_session_holds_on_every_server_process_and_ends_with_the_account(store, app) -> None:
    other_server = create_app(store, clock=lambda: NOW)
    with TestClient(app) as one, TestClient(other_server) as two:
        sign_in(one, EDITOR)
        two.cookies.set("lotse_desk", one.cookies["lotse_desk"], path="/desk")
        assert two.get("/desk/log", follow_redirects=False).status_code == 200
        with store.transaction() as session:
            session.scalar(select(StaffUser).where(StaffUser.name == EDITOR[0])).active = False
        assert two.get("/desk/log", follow_redirects=False).status_code == 303


def test_an_editor_cannot_reach_admin_pages(client) -> None:
    csrf = sign_in(client, EDITOR)
    team = client.get("/desk/staff")
    assert team.status_code == 403 and "anna" not in team.text
    assert "Team" not in client.get("/desk/log").text  # not offered in the navigation
    crawl = client.post("/desk/sources/stadt/crawl", data={"csrf": csrf})
    assert crawl.status_code == 403


def test_an_admin_sees_the_team(client) -> None:
    sign_in(client, ADMIN)
    team = client.get("/desk/staff")
    assert team.status_code == 200
    assert re.search(r"erika</span>.*?</td>\s*<td>Redaktion", team.text, re.S)
    assert re.search(r"anna</span>.*?</td>\s*<td>Administration", team.text, re.S)


def test_redirects_after_login_stay_on_the_desk(client) -> None:
    for target in ("https://evil.example/", "//evil.example/desk/", "/desk/../events.json"):
        client.cookies.clear()
        form = client.get("/desk/login")
        response = client.post(
            "/desk/login",
            data={
                "csrf": csrf_in(form.text),
                "name": EDITOR[0],
                "password": EDITOR[1],
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/desk/queue", target


def test_staff_add_asks_twice_and_stores_only_an_argon2_hash(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LOTSE_DATABASE_URL", f"sqlite:///{tmp_path / 'lotse.db'}")
    monkeypatch.setattr("sys.stdin", io.StringIO("geheim-geheim-1\n"))
    with pytest.raises(SystemExit) as done:
        main(["staff", "add", "bernd", "--role", "admin", "--password-stdin"])
    assert done.value.code == 0
    answers = iter(["passwort-eins-1", "passwort-zwei-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("lotse.staff.getpass", lambda prompt="": next(answers))
    with pytest.raises(SystemExit) as done:
        main(["staff", "add", "carla"])
    assert done.value.code == 2  # the two entries differ
    monkeypatch.setattr("sys.stdin", io.StringIO("noch-ein-passwort\n"))
    with pytest.raises(SystemExit) as done:
        main(["staff", "add", "bernd", "--password-stdin"])
    assert done.value.code == 2  # the name is taken
    from aggregator.store import Store

    store = Store(f"sqlite:///{tmp_path / 'lotse.db'}")
    with store.transaction() as session:
        users = {user.name: user for user in session.scalars(select(StaffUser))}
    store.dispose()
    assert set(users) == {"bernd"} and users["bernd"].role == "admin"
    assert users["bernd"].password_hash.startswith("$argon2id$")
    assert "geheim" not in users["bernd"].password_hash
