"""Accounts from the command line and the desk, sign-in throttling, sessions, and the daily
notification e-mail (sent to a real SMTP server on 127.0.0.1)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from aggregator import accounts
from aggregator.review import decisions
from aggregator.store import Store
from aggregator.store.models import CrawlRun, Event, ReviewLog, StaffUser
from lotse.cli import main
from lotse.notify import notify_command
from tests.conftest import NOW
from tests.support.desk import ADMIN, EDITOR, MovableClock, add_accounts, csrf_in, fill, sign_in
from tests.support.smtp import smtp_server
from web.server import create_app


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'lotse.db'}"
    monkeypatch.setenv("LOTSE_DATABASE_URL", url)
    return url


def lotse(*argv: str, stdin: str = "") -> int:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with pytest.raises(SystemExit) as done:
            main(list(argv))
    finally:
        sys.stdin = old
    return int(done.value.code or 0)


def users(url: str) -> dict[str, StaffUser]:
    store = Store(url)
    with store.transaction() as session:
        found = {user.name: user for user in session.scalars(select(StaffUser))}
    store.dispose()
    return found


def try_sign_in(client: TestClient, name: str, password: str):
    form = client.get("/desk/login")
    return client.post(
        "/desk/login",
        data={"csrf": csrf_in(form.text), "name": name, "password": password},
        follow_redirects=False,
    )


def session_cookie(response) -> str:
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith("lotse_desk="))


def test_staff_commands_list_disable_enable_set_role_and_reset_password(db, capsys) -> None:
    assert (
        lotse("staff", "add", "bernd", "--role", "admin", "--password-stdin", stdin="a" * 12) == 0
    )
    assert lotse("staff", "add", "carla", "--password-stdin", stdin="geheim-geheim-2") == 0
    assert lotse("staff", "list") == 0
    listed = capsys.readouterr().out
    assert "bernd" in listed and "carla" in listed and "editor" in listed
    assert lotse("staff", "disable", "bernd") == 2  # the last active admin stays
    assert "last active admin" in capsys.readouterr().err
    assert lotse("staff", "set-role", "carla", "admin") == 0
    assert lotse("staff", "disable", "bernd") == 0
    assert users(db)["bernd"].active is False
    assert lotse("staff", "enable", "bernd") == 0
    assert lotse("staff", "set-role", "bernd", "editor") == 0
    assert lotse("staff", "reset-password", "carla", "--password-stdin", stdin="kurz") == 2
    old_hash = users(db)["carla"].password_hash
    assert lotse("staff", "reset-password", "carla", "--password-stdin", stdin="neu-neu-neu-3") == 0
    found = users(db)
    assert found["carla"].password_hash != old_hash and found["carla"].role == "admin"
    assert (found["bernd"].active, found["bernd"].role) == (True, "editor")
    assert lotse("staff", "disable", "niemand") == 2


def test_the_cli_ends_a_disabled_accounts_sessions_at_once(db) -> None:
    store = Store(db)
    add_accounts(store, NOW)
    with TestClient(create_app(store, clock=lambda: NOW)) as client:
        sign_in(client, EDITOR)
        assert client.get("/desk/log", follow_redirects=False).status_code == 200
        assert lotse("staff", "disable", EDITOR[0]) == 0
        assert client.get("/desk/log", follow_redirects=False).status_code == 303
        assert lotse("staff", "enable", EDITOR[0]) == 0
        assert client.get("/desk/log", follow_redirects=False).status_code == 303  # still ended
    store.dispose()


def test_admins_manage_accounts_on_the_desk(store) -> None:
    add_accounts(store, NOW)
    app = create_app(store, clock=lambda: NOW)
    with TestClient(app) as admin, TestClient(app) as editor:
        csrf = sign_in(admin, ADMIN)
        sign_in(editor, EDITOR)

        def change(**form: str):
            return admin.post(
                "/desk/staff/erika", data={"csrf": csrf, **form}, follow_redirects=False
            )

        assert change(what="disable").status_code == 303
        assert editor.get("/desk/log", follow_redirects=False).status_code == 303  # ended
        assert try_sign_in(editor, *EDITOR).status_code == 401
        assert change(what="enable").status_code == 303
        assert change(what="role", role="admin").status_code == 303
        short = change(what="password", password="kurz", password2="kurz")
        assert short.status_code == 400 and "mindestens 10 Zeichen" in short.text
        assert change(what="password", password="neu-neu-neu-9", password2="neu-neu-neu-9")
        assert try_sign_in(editor, EDITOR[0], "neu-neu-neu-9").status_code == 303
        own = admin.post(
            "/desk/staff/anna", data={"csrf": csrf, "what": "disable"}, follow_redirects=False
        )
        assert own.status_code == 400 and "eigene Konto" in own.text
        log = admin.get("/desk/log").text
        for action in ("Konto gesperrt", "Konto entsperrt", "Rolle geändert", "Passwort neu"):
            assert action in log


def test_sign_in_is_throttled_per_account_and_per_address(store, monkeypatch) -> None:
    add_accounts(store, NOW)
    clock = MovableClock(NOW)
    checked: list[str] = []  # every password the server hashed to compare
    verify = accounts._verify
    monkeypatch.setattr(
        accounts, "_verify", lambda stored, typed: checked.append(typed) or verify(stored, typed)
    )
    with TestClient(create_app(store, clock=clock)) as client:
        answers = [try_sign_in(client, EDITOR[0], f"falsch-{n}").status_code for n in range(200)]
        assert answers[:4] == [401] * 4 and set(answers[4:]) == {429}
        # refused unchecked while locked: a guesser costs the server no password hashing
        assert checked == [f"falsch-{n}" for n in range(5)]  # the fifth failure locks
        locked = try_sign_in(client, *EDITOR)  # even the right password waits
        assert locked.status_code == 429 and "vorübergehend gesperrt" in locked.text
        assert int(locked.headers["retry-after"]) <= 60
        assert "lotse_desk=" not in locked.headers.get("set-cookie", "")
        clock.advance(timedelta(minutes=1, seconds=1))
        assert try_sign_in(client, *EDITOR).status_code == 303
        client.cookies.clear()
        # the lock grows: after a first one, each further failure locks for longer
        for _ in range(5):
            try_sign_in(client, ADMIN[0], "falsch")
        clock.advance(timedelta(minutes=1, seconds=1))
        assert try_sign_in(client, ADMIN[0], "falsch").status_code == 429
        assert int(try_sign_in(client, *ADMIN).headers["retry-after"]) > 60
        # many names from one address: the address locks too
        for n in range(20):
            try_sign_in(client, f"rate-{n}", "falsch")
        assert try_sign_in(client, "neu-hier", "egal").status_code == 429
    with store.transaction() as session:
        actions = [row.action for row in session.scalars(select(ReviewLog))]
    # erika 5, anna 5 + 1, then names until the address had 20: refusals while locked uncounted
    assert actions.count("login-failed") == 5 + 6 + 9
    assert actions.count("login-locked") == 4  # erika, anna twice, the address
    assert "login" in actions


def test_a_remembered_session_has_a_persistent_cookie_others_not(store) -> None:
    add_accounts(store, NOW)
    with TestClient(create_app(store, clock=lambda: NOW)) as client:
        form = client.get("/desk/login")
        plain = client.post(
            "/desk/login",
            data={"csrf": csrf_in(form.text), "name": EDITOR[0], "password": EDITOR[1]},
            follow_redirects=False,
        )
        assert "max-age" not in session_cookie(plain).lower()
        client.cookies.clear()
        form = client.get("/desk/login")
        kept = client.post(
            "/desk/login",
            data={
                "csrf": csrf_in(form.text),
                "name": EDITOR[0],
                "password": EDITOR[1],
                "remember": "1",
            },
            follow_redirects=False,
        )
        assert "max-age=1209600" in session_cookie(kept).lower()


def test_staff_see_and_end_their_own_sessions(store) -> None:
    add_accounts(store, NOW)
    app = create_app(store, clock=lambda: NOW)
    with TestClient(app) as laptop, TestClient(app) as phone, TestClient(app) as other:
        csrf = sign_in(laptop, EDITOR)
        sign_in(phone, EDITOR)
        sign_in(other, ADMIN)
        page = laptop.get("/desk/account").text
        assert page.count(">Beenden</button>") == 1 and page.count(">Abmelden</button>") == 2
        assert "dieser Browser" in page
        laptop.post("/desk/account/sessions", data={"csrf": csrf, "session": "others"})
        assert phone.get("/desk/log", follow_redirects=False).status_code == 303
        assert other.get("/desk/log", follow_redirects=False).status_code == 200  # not hers
        assert laptop.get("/desk/log", follow_redirects=False).status_code == 200


def test_the_daily_email_reaches_staff_who_want_it(db, monkeypatch) -> None:
    store = Store(db)
    fill(store, NOW)
    add_accounts(store, NOW)
    with store.transaction() as session:
        lesung = session.scalar(select(Event).where(Event.title == "Lesung"))
        decisions.approve(session, lesung, actor="anna", now=NOW)
        lesung.overrides = {
            "title": {
                "value": {"title": "Lesung am Abend"},
                "base": {"title": "Lesung"},
                "theirs": {"title": "Lesung (verschoben)"},
            }
        }
        session.add(
            CrawlRun(
                source_id="kirche",
                pass_id="later",
                started_at=NOW + timedelta(hours=1),
                finished_at=NOW + timedelta(hours=1),
                status="failed",
                error="https://kirche.example/kalender.ics: HTTP 404",
            )
        )
    clock = MovableClock(NOW + timedelta(hours=2))
    with TestClient(create_app(store, clock=clock)) as client:
        csrf = sign_in(client, EDITOR)
        refused = client.post(
            "/desk/account/notify", data={"csrf": csrf, "email": "kein-mail", "notify": "1"}
        )
        assert refused.status_code == 400 and "keine E-Mail-Adresse" in refused.text
        client.post(
            "/desk/account/notify",
            data={"csrf": csrf, "email": "erika@landkreis.example", "notify": "1"},
        )
    with smtp_server(logins={"lotse": "smtp-geheim"}) as smtp:
        env = {
            "LOTSE_DATABASE_URL": db,
            "LOTSE_SMTP_HOST": "127.0.0.1",
            "LOTSE_SMTP_PORT": str(smtp.port),
            "LOTSE_SMTP_SECURITY": "none",
            "LOTSE_SMTP_USER": "lotse",
            "LOTSE_SMTP_PASSWORD": "smtp-geheim",
            "LOTSE_SMTP_FROM": "lotse@landkreis.example",
            "LOTSE_DESK_URL": "https://lotse.example/desk",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        at = NOW + timedelta(hours=3)
        assert notify_command(now=at) == 0
        assert notify_command(now=at + timedelta(hours=1)) == 0  # the same day: nothing again
        [mail] = smtp.mails
    assert mail.recipients == ["erika@landkreis.example"] and mail.login == "lotse"
    assert mail.message["Subject"] == "Lotse Redaktion: 6 Einträge warten, 1 Alarm, 1 Konflikt"
    text = mail.message.get_content()
    assert "6 Veranstaltungen und 0 Ausbildungsplätze warten" in text
    assert "kirche: Abruf fehlgeschlagen" in text and "  - Lesung\r\n" in text
    assert "https://lotse.example/desk/queue?kind=conflicts" in text
    store.dispose()


def test_notify_without_smtp_says_what_to_set(db, capsys, monkeypatch) -> None:
    monkeypatch.delenv("LOTSE_SMTP_HOST", raising=False)
    assert lotse("staff", "notify") == 2
    assert "LOTSE_SMTP_HOST" in capsys.readouterr().err
