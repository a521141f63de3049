"""What the desk tests share: a clock to move, staff accounts, signing in through the form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.testclient import TestClient

from aggregator.store import Store
from feeds.desk.accounts import add_staff

EDITOR = ("erika", "erika-passwort-1")
ADMIN = ("anna", "anna-passwort-12")
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class MovableClock:
    """The server's clock; a test moves it on (session expiry) or lets it tick (feed caching)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def add_accounts(store: Store, now: datetime) -> None:
    with store.transaction() as session:
        add_staff(session, *EDITOR, role="editor", now=now)
        add_staff(session, *ADMIN, role="admin", now=now)


def csrf_in(html: str) -> str:
    return CSRF_FIELD.search(html).group(1)


def sign_in(client: TestClient, account: tuple[str, str]) -> str:
    """Sign in through the login form; returns the session's CSRF token from the next page."""
    form = client.get("/desk/login")
    name, password = account
    response = client.post(
        "/desk/login",
        data={"csrf": csrf_in(form.text), "name": name, "password": password, "next": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_in(client.get("/desk/log").text)
