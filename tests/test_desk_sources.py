"""The desk's sources pages (health, chart, alarms, raw records), 'crawl now', and the log."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from aggregator.config import Settings
from aggregator.crawl_result import CrawlResult, Problem
from aggregator.sources import SourceConfig
from aggregator.states import CrawlStatus
from aggregator.store.models import CrawlRun, Event, Source
from lotse.serve import serving_app
from tests.conftest import FIXTURES, NOW, source
from tests.support.desk import (
    ADMIN,
    CALENDARS,
    EDITOR,
    MovableClock,
    add_accounts,
    fill,
    sign_in,
)
from tests.support.server import Reply
from web.server import create_app
from workers.crawl_now import CrawlStarter
from workers.steps import ingest_result, register_sources

LATER = NOW + timedelta(hours=6)
ROWS = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
BARS = re.compile(r'<rect class="(\w+)"')


def source_row(page: str, source_id: str) -> str:
    return next(row for row in ROWS.findall(page) if f'href="/desk/sources/{source_id}"' in row)


@pytest.fixture
def admin(store):
    fill(store, NOW)
    add_accounts(store, NOW)
    with TestClient(serving_app(store, Settings(), clock=lambda: LATER)) as client:
        client.csrf = sign_in(client, ADMIN)
        yield client


def test_each_source_shows_its_state_last_run_chart_alarm_and_error(admin, store, tmp_path) -> None:
    only_one = tmp_path / "vhs.ics"
    text = CALENDARS["vhs"].read_text()
    only_one.write_text(
        text[: text.index("BEGIN:VEVENT", text.index("UID:sprachcafe"))] + "END:VCALENDAR\r\n"
    )
    fill(store, LATER, {**CALENDARS, "vhs": only_one}, only=("vhs",))
    failed = CrawlResult(
        "kirche", status=CrawlStatus.FAILED, complete=False, error="HTTP 404: Not Found"
    )
    ingest_result(store, failed, pass_id="later", now=LATER)

    page = admin.get("/desk/sources").text
    vhs, kirche = source_row(page, "vhs"), source_row(page, "kirche")
    assert "Alarm" in vhs and "„vhs“ lieferte nur 1 Einträge statt 6 beim letzten Abruf." in vhs
    assert "50% or less of last time&#39;s 6" in vhs  # the technical text, one click away
    assert BARS.findall(vhs) == ["ok", "alarm"]
    assert "Fehler" in kirche and "HTTP 404: Not Found" in kirche
    assert "„kirche“: Die Adresse der Quelle gibt es nicht (mehr) (Fehler 404)." in kirche
    assert BARS.findall(kirche) == ["ok", "failed"]
    assert "Einträge der letzten 2 Abrufe: 2, 0" in kirche  # what a screen reader hears
    assert 'action="/desk/sources/vhs/crawl"' in vhs


def test_a_first_crawl_yielding_nothing_is_an_alarm_in_german_naming_the_source(
    admin, store
) -> None:
    named = SourceConfig("leer", "ical", "https://leer.example/k.ics", name="Kalender Leerdorf")
    register_sources(store, [named])
    problem = Problem("https://leer.example/k.ics", "the file ends inside VEVENT (cut off?)")
    ingest_result(store, CrawlResult("leer", problems=[problem]), pass_id="leer", now=LATER)
    row = source_row(admin.get("/desk/sources").text, "leer")
    assert '<span class="badge alarm">Alarm</span>' in row
    assert (
        "„Kalender Leerdorf“ lieferte keine Einträge, wie jeder Abruf bisher. Bitte Adresse und "
        "Art der Quelle prüfen. Der Abruf meldete Probleme (unter „Technisch“). Es wurde nichts "
        "als verschwunden markiert."
    ) in row
    assert "the crawl said: https://leer.example/k.ics: the file ends inside VEVENT" in row
    assert BARS.findall(row) == ["alarm"]
    page = admin.get("/desk/sources/leer").text
    assert "„Kalender Leerdorf“ lieferte keine Einträge, wie jeder Abruf bisher." in page


def test_a_source_page_lists_records_with_problems_and_their_raw_payload(admin) -> None:
    page = admin.get("/desk/sources/vhs").text
    assert "ohne-beginn@vhs" in page and "VEVENT has no DTSTART" in page
    assert "SUMMARY:Vortrag ohne Datum" in page  # the payload, verbatim
    assert "sprachcafe@vhs" not in page  # only records with problems by default
    assert "sprachcafe@vhs" in admin.get("/desk/sources/vhs?show=all").text
    assert admin.get("/desk/sources/nirgends").status_code == 404


def test_crawl_now_crawls_that_one_source_in_the_background(sqlite_store, site) -> None:
    url = site.route("/stadt.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", "text/calendar"))
    other = source("andere", "ical", site.url("/andere.ics"))
    register_sources(sqlite_store, [source("stadt", "ical", url), other])
    add_accounts(sqlite_store, NOW)
    with TestClient(serving_app(sqlite_store, Settings(), clock=lambda: NOW)) as client:
        csrf = sign_in(client, ADMIN)
        first = client.post(
            "/desk/sources/stadt/crawl", data={"csrf": csrf}, follow_redirects=False
        )
        again = client.post(
            "/desk/sources/stadt/crawl", data={"csrf": csrf}, follow_redirects=False
        )
        assert first.headers["location"] == "/desk/sources?msg=crawl_started"
        assert again.headers["location"] == "/desk/sources?msg=crawl_running"
        assert "Wird abgerufen" in client.get("/desk/sources").text
        runs = _wait_for_runs(sqlite_store, "stadt")
        assert [(run.status, run.items) for run in runs] == [("ok", 8)]
        assert "Sprachcafé im Rathaus" in client.get("/desk/queue").text  # pending: untrusted
    with sqlite_store.transaction() as session:
        andere = session.get(Source, "andere")
        assert andere.enabled and andere.last_run_at is None  # no other source was touched
    assert [hit.path for hit in site.requests if hit.path.endswith(".ics")] == ["/stadt.ics"]


def test_with_a_broker_crawl_now_sends_the_task_to_the_workers(sqlite_store, monkeypatch) -> None:
    from workers.tasks import crawl_source

    sent = []
    monkeypatch.setattr(crawl_source, "delay", lambda *args: sent.append(args))
    starter = CrawlStarter(
        sqlite_store, lambda: NOW, Settings(broker_url="redis://127.0.0.1:6379/0")
    )
    assert starter.start("vhs")
    [(source_id, pass_id, now)] = sent
    assert (source_id, now) == ("vhs", NOW.isoformat()) and pass_id.startswith("desk-")


def test_the_log_filters_by_person_action_and_day(store) -> None:
    fill(store, NOW)
    add_accounts(store, NOW)
    with store.transaction() as session:
        lesung = session.scalar(select(Event.id).where(Event.title == "Lesung"))
        krabbelgruppe = session.scalar(select(Event.id).where(Event.title == "Krabbelgruppe"))
    clock = MovableClock(NOW + timedelta(hours=2))  # Wednesday 25 November, 11:00 local
    app = create_app(store, clock=clock)
    with TestClient(app) as erika, TestClient(app) as anna:
        erika.post(f"/desk/events/{lesung}/approve", data={"csrf": sign_in(erika, EDITOR)})
        clock.advance(timedelta(days=2))
        anna_csrf = sign_in(anna, ADMIN)
        anna.post(
            f"/desk/events/{krabbelgruppe}/reject", data={"csrf": anna_csrf, "reason": "privat"}
        )

        def actions(query: str) -> list[str]:
            page = anna.get(f"/desk/log?{query}").text
            return re.findall(r'<span class="badge ([\w-]+)">', page)

        assert actions("") == ["reject", "login", "approve", "login"]  # sign-ins are logged
        assert actions("actor=erika") == ["approve", "login"]
        assert actions("action=reject") == ["reject"]
        assert actions("from=2026-11-26") == ["reject", "login"]
        assert actions("from=2026-11-25&to=2026-11-25") == ["approve", "login"]
        assert actions("actor=anna&action=approve") == []
        page = anna.get("/desk/log?actor=anna").text
        assert '<option value="anna" selected>' in page and "Krabbelgruppe" in page


def _wait_for_runs(store, source_id: str, seconds: float = 90) -> list[CrawlRun]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with store.transaction() as session:
            runs = list(
                session.scalars(
                    select(CrawlRun).where(
                        CrawlRun.source_id == source_id, CrawlRun.finished_at.is_not(None)
                    )
                )
            )
        if runs:
            return runs
        time.sleep(0.2)
    raise AssertionError(f"no crawl of {source_id} finished within {seconds} s")
