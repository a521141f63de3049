"""The review desk's decisions over HTTP: the queue, bulk decisions, corrections, duplicates.

What staff decide shows in the public feed at once and holds when the sources are crawled again.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from aggregator.config import Settings
from aggregator.store import Store
from aggregator.store.models import Apprenticeship, Event, MatchSuggestion
from lotse.serve import serving_app
from tests.conftest import NOW
from tests.support.desk import (
    ADMIN,
    CALENDARS,
    EDITOR,
    MovableClock,
    add_accounts,
    by_title,
    ensure_suggestion,
    fill,
    sign_in,
)
from web.server import create_app

TITLE_LINK = re.compile(r'<a class="title" href="/desk/events/[^"]+">([^<]*)</a>')
POST_FORM = re.compile(r'<form method="post"[^>]*>(.*?)</form>', re.DOTALL)
LATER = NOW + timedelta(hours=6)


@pytest.fixture
def desk(store):
    """An editor signed in; vhs's calendar came in first, the church's an hour later."""
    fill(store, NOW, only=("vhs",))
    fill(store, NOW + timedelta(hours=1), only=("kirche",))
    add_accounts(store, NOW)
    clock = MovableClock(NOW + timedelta(hours=2))
    with TestClient(create_app(store, clock=clock)) as client:
        client.csrf = sign_in(client, EDITOR)
        yield client


def queue(client: TestClient, query: str = "") -> list[str]:
    return [
        html.unescape(title)
        for title in TITLE_LINK.findall(client.get(f"/desk/queue?{query}").text)
    ]


def feed(client: TestClient) -> dict[str, list[str]]:
    return by_title(client.get("/events.json").json()["events"])


def ids(store: Store, title: str) -> list[str]:
    with store.transaction() as session:
        query = select(Event.id).where(Event.title == title).order_by(Event.start_at)
        return list(session.scalars(query))


def series_of(store: Store, title: str) -> str:
    with store.transaction() as session:
        return session.scalar(select(Event.series).where(Event.title == title).limit(1))


def post(client: TestClient, path: str, **form: object) -> str:
    """A form post; returns where the desk sends the browser next."""
    response = client.post(path, data={"csrf": client.csrf, **form}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def version_of(client: TestClient, event_id: str) -> str:
    """The version the event's edit form was loaded at."""
    page = client.get(f"/desk/events/{event_id}").text
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def changed_calendar(tmp_path: Path, name: str, old: str, new: str) -> Path:
    path = tmp_path / f"{name}.ics"
    path.write_text(CALENDARS[name].read_text().replace(old, new), newline="")
    return path


def test_the_queue_lists_pending_events_newest_first_a_series_as_one_row(desk) -> None:
    assert queue(desk) == [
        "Krabbelgruppe",
        "Lesung – Teil 2",
        "Deutschkurs A1",
        "Sprachcafé Deutsch",
        "Lesung",
        "(ohne Titel)",
        "Kochkurs für Familien",
    ]
    page = desk.get("/desk/queue").text
    assert "Serie · 4 Termine" in page and "7 Einträge warten" in page


def test_the_queue_filters_by_source_category_and_town(desk) -> None:
    assert queue(desk, "source=kirche") == ["Krabbelgruppe", "Lesung – Teil 2"]
    assert queue(desk, "category=familie") == ["Krabbelgruppe", "Kochkurs für Familien"]
    assert queue(desk, "town=Giengen an der Brenz") == ["Kochkurs für Familien"]
    assert queue(desk, "source=kirche&category=sprache") == []
    page = desk.get("/desk/queue").text
    assert '<option value="Giengen an der Brenz">' in page and '<option value="kirche">' in page


def test_bulk_decisions_publish_a_series_and_withdraw_with_a_reason(desk, store) -> None:
    [sprachcafe] = ids(store, "Sprachcafé Deutsch")
    where = post(
        desk,
        "/desk/queue",
        action="approve",
        ids=[sprachcafe],
        series=[series_of(store, "Deutschkurs A1")],
        back="/desk/queue?source=vhs",
    )
    assert where == "/desk/queue?source=vhs&msg=bulk"
    assert feed(desk) == {"Deutschkurs A1": ["vhs"] * 4, "Sprachcafé Deutsch": ["vhs"]}
    assert "Deutschkurs A1" not in queue(desk)

    [krabbelgruppe] = ids(store, "Krabbelgruppe")
    refused = post(desk, "/desk/queue", action="reject", ids=[krabbelgruppe], reason=" ")
    assert refused.endswith("msg=reason_missing")
    assert "Krabbelgruppe" in queue(desk)
    asked = desk.post(
        "/desk/queue",
        data={"csrf": desk.csrf, "action": "reject", "ids": [krabbelgruppe], "reason": "privat"},
    )
    assert asked.status_code == 200 and "1 Eintrag ablehnen?" in asked.text  # asked first
    assert "Krabbelgruppe" in queue(desk)
    post(
        desk,
        "/desk/queue",
        action="reject",
        ids=[krabbelgruppe],
        reason="privates Treffen",
        confirmed="1",
    )
    assert "Krabbelgruppe" not in queue(desk) and "Krabbelgruppe" not in feed(desk)
    log = desk.get("/desk/log?action=reject").text
    assert "privates Treffen" in log and "erika" in log

    # A stale page cannot publish what a colleague rejected meanwhile.
    post(desk, "/desk/queue", action="approve", ids=[krabbelgruppe])
    assert "Krabbelgruppe" not in feed(desk)


def test_pending_apprenticeships_wait_in_their_own_tab(desk, store) -> None:
    offers = [
        ("Ausbildung Elektroniker (m/w/d)", "Elektro Maier", "Heidenheim an der Brenz"),
        ("Ausbildung Bäcker (m/w/d)", "Bäckerei Kurz", "Giengen an der Brenz"),
    ]
    with store.transaction() as session:
        for number, (title, company, town) in enumerate(offers):
            seen = NOW + timedelta(minutes=number)
            session.add(
                Apprenticeship(
                    id=f"ausbildung-{number}",
                    title=title,
                    company=company,
                    town=town,
                    review_state="pending",
                    first_seen=seen,
                    last_seen=seen,
                    updated_at=seen,
                )
            )
    jobs = re.compile(r'<a class="title" href="/desk/apprenticeships/[^"]+">([^<]*)</a>')
    page = desk.get("/desk/queue?kind=apprenticeships").text
    assert jobs.findall(page) == ["Ausbildung Bäcker (m/w/d)", "Ausbildung Elektroniker (m/w/d)"]
    assert "Bäckerei Kurz" in page and "Kategorie" not in page
    filtered = desk.get("/desk/queue?kind=apprenticeships&town=Giengen an der Brenz").text
    assert jobs.findall(filtered) == ["Ausbildung Bäcker (m/w/d)"]
    assert "Ausbildung Bäcker" not in desk.get("/desk/queue").text  # not among the events

    post(desk, "/desk/queue", kind="apprenticeships", action="approve", ids=["ausbildung-0"])
    post(
        desk,
        "/desk/queue",
        kind="apprenticeships",
        action="reject",
        ids=["ausbildung-1"],
        reason="Stelle schon besetzt",
        confirmed="1",
    )
    published = desk.get("/apprenticeships.json").json()["apprenticeships"]
    assert [item["title"] for item in published] == ["Ausbildung Elektroniker (m/w/d)"]
    assert jobs.findall(desk.get("/desk/queue?kind=apprenticeships").text) == []
    log = desk.get("/desk/log").text
    assert "Stelle schon besetzt" in log
    assert '<a href="/desk/apprenticeships/ausbildung-1">Ausbildung Bäcker (m/w/d)</a>' in log


def test_listing_fields_are_text_never_markup(desk, store) -> None:
    [kochkurs] = ids(store, "Kochkurs für Familien")
    with store.transaction() as session:  # what a careless source could send
        session.execute(
            update(Event)
            .where(Event.id == kochkurs)
            .values(title="<script>alert(1)</script>", description="<img src=x onerror=alert(2)>")
        )
    [untitled] = ids(store, "(ohne Titel)")  # its source gave the URL javascript:alert(3)
    pages = [desk.get(path).text for path in ("/desk/queue", f"/desk/events/{kochkurs}")]
    for page in pages:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages[1]
    untitled_page = desk.get(f"/desk/events/{untitled}").text
    assert "javascript:alert(3)" not in untitled_page  # no http(s) URL: dropped when read
    raw = desk.get("/desk/sources/vhs?show=all").text
    assert "SUMMARY:&lt;script&gt;alert(1)&lt;/script&gt;" in raw and "<script>" not in raw
    assert "URL:javascript:alert(3)" in raw and 'href="javascript:' not in raw
    headers = desk.get("/desk/queue").headers
    assert "default-src 'none'" in headers["content-security-policy"]


def test_a_correction_reaches_the_feed_and_holds_until_the_source_changes_it(
    desk, store, tmp_path
) -> None:
    [sprachcafe] = ids(store, "Sprachcafé Deutsch")
    post(desk, f"/desk/events/{sprachcafe}/approve")
    form = {
        "title": "Sprachcafé Deutsch für Frauen",
        "start": "2026-12-03T19:00",
        "end": "2026-12-03T20:30",
        "location_name": "VHS Heidenheim",
        "location_address": "Karlstraße 7",
        "postcode": "89518",
        "town": "Heidenheim an der Brenz",
        "url": "https://vhs.example/sprachcafe",
        "description": "Deutsch sprechen in lockerer Runde, für alle Niveaus.",
        "categories": ["sprache", "familie"],
        "version": version_of(desk, sprachcafe),
    }
    assert post(desk, f"/desk/events/{sprachcafe}/edit", **form).endswith("msg=corrected")
    [corrected] = desk.get("/events.json").json()["events"]
    assert corrected["title"] == "Sprachcafé Deutsch für Frauen"
    assert (corrected["start"], corrected["end"]) == (
        "2026-12-03T19:00:00+01:00",
        "2026-12-03T20:30:00+01:00",
    )
    assert corrected["categories"] == ["sprache", "familie"]
    log = desk.get("/desk/log?action=correct").text
    assert "Titel, Beginn, Ende, Kategorien" in log
    history = desk.get(f"/desk/events/{sprachcafe}").text  # old → new, by whom
    assert "Sprachcafé Deutsch</del> → <ins>Sprachcafé Deutsch für Frauen</ins>" in history

    fill(store, LATER)  # the same calendars again: the correction stands
    assert feed(desk) == {"Sprachcafé Deutsch für Frauen": ["vhs"]}

    renamed = changed_calendar(tmp_path, "vhs", "SUMMARY:Sprachcafé Deutsch", "SUMMARY:Sprachtreff")
    fill(store, LATER + timedelta(hours=6), {**CALENDARS, "vhs": renamed})
    assert feed(desk) == {"Sprachcafé Deutsch für Frauen": ["vhs"]}  # stays, with ours
    assert "Sprachcafé Deutsch für Frauen" in queue(desk, "kind=conflicts")


def test_a_correction_that_cannot_be_saved_says_why(desk, store) -> None:
    [lesung] = ids(store, "Lesung")
    page = desk.get(f"/desk/events/{lesung}").text
    shown = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page))
    cases = [
        ({"title": ""}, "Der Titel darf nicht leer sein."),
        ({"url": "javascript:alert(1)"}, "Der Link muss mit http:// oder https:// beginnen."),
        ({"end": "2026-12-10T18:00"}, "Das Ende muss nach dem Beginn liegen."),
    ]
    for change, message in cases:
        form = {**shown, "description": "", **change}
        response = desk.post(f"/desk/events/{lesung}/edit", data=form)
        assert response.status_code == 400 and message in response.text
    assert ids(store, "Lesung") == [lesung]


def test_merge_and_split_hold_across_recrawls(desk, store, tmp_path) -> None:
    [lesung], [teil_2] = ids(store, "Lesung"), ids(store, "Lesung – Teil 2")
    post(desk, f"/desk/events/{lesung}/approve")
    suggestion = ensure_suggestion(store, "Lesung", "Lesung – Teil 2", NOW)
    assert "Vorschlag" in desk.get("/desk/duplicates").text
    where = post(desk, f"/desk/duplicates/{suggestion}/merge", primary=lesung, confirmed="1")
    assert where == f"/desk/events/{lesung}?msg=merged"
    assert feed(desk) == {"Lesung": ["vhs,kirche"]}
    assert "Keine offenen Vorschläge" in desk.get("/desk/duplicates").text

    retold = changed_calendar(tmp_path, "kirche", "im Gemeindehaus.", "im Gemeindehaus, mit Musik.")
    fill(store, LATER, {**CALENDARS, "kirche": retold})
    assert feed(desk) == {"Lesung": ["vhs,kirche"]}

    merged_page = desk.get(f"/desk/events/{teil_2}")
    assert "in einen anderen aufgenommen" in merged_page.text
    assert "/split" not in merged_page.text
    refused = desk.post(f"/desk/events/{teil_2}/approve", data={"csrf": desk.csrf})
    assert refused.status_code == 409

    page = desk.get(f"/desk/events/{lesung}").text
    kirche_link = re.search(r'name="link_ids" value="(\d+)" aria-label="Abtrennen: kirche"', page)
    new_page = post(
        desk, f"/desk/events/{lesung}/split", link_ids=[kirche_link.group(1)], confirmed="1"
    )
    assert new_page == f"/desk/events/{teil_2}?msg=split"  # the event merged away, revived
    assert feed(desk) == {"Lesung": ["vhs"]}  # nobody approved the church's: it waits again
    assert "Lesung – Teil 2" in queue(desk)

    again = changed_calendar(tmp_path, "kirche", "im Gemeindehaus.", "im Gemeindehaus, ohne Musik.")
    fill(store, LATER + timedelta(hours=6), {**CALENDARS, "kirche": again})
    assert feed(desk) == {"Lesung": ["vhs"]}
    actions = re.findall(r'<span class="badge ([\w-]+)">', desk.get("/desk/log").text)
    assert actions == ["split", "merge", "approve", "login"]


def test_a_dismissed_suggestion_is_not_suggested_again(desk, store, tmp_path) -> None:
    suggestion = ensure_suggestion(store, "Lesung", "Lesung – Teil 2", NOW)
    assert post(desk, f"/desk/duplicates/{suggestion}/dismiss").endswith("msg=dismissed")
    retold = changed_calendar(tmp_path, "kirche", "im Gemeindehaus.", "im Gemeindehaus, mit Musik.")
    fill(store, LATER, {**CALENDARS, "kirche": retold})
    assert "Keine offenen Vorschläge" in desk.get("/desk/duplicates").text
    with store.transaction() as session:
        states = set(session.scalars(select(MatchSuggestion.state)))
    assert states == {"dismissed"}
    assert "kein Duplikat" in desk.get("/desk/log").text


def test_every_form_carries_the_session_csrf_token(store) -> None:
    fill(store, NOW)
    add_accounts(store, NOW)
    ensure_suggestion(store, "Lesung", "Lesung – Teil 2", NOW)
    [lesung] = ids(store, "Lesung")
    with TestClient(serving_app(store, Settings(), clock=lambda: NOW)) as client:
        csrf = sign_in(client, ADMIN)
        forms = []
        for path in (
            "/desk/queue",
            f"/desk/events/{lesung}",
            "/desk/duplicates",
            "/desk/sources",
            "/desk/sources/vhs",
            "/desk/log",
            "/desk/staff",
        ):
            forms += [(path, body) for body in POST_FORM.findall(client.get(path).text)]
    assert len(forms) >= 7 + 1 + 4 + 2 + 1  # logout on each page, and every action
    for path, body in forms:
        assert f'name="csrf" value="{csrf}"' in body, path


def test_a_bulk_decision_can_cover_every_row_of_the_filter(desk, store, monkeypatch) -> None:
    monkeypatch.setattr("web.desk.queue.PAGE_ROWS", 2)  # the filter spans pages
    page = desk.get("/desk/queue?source=vhs").text
    assert "alle 5 dieser Auswahl (alle Seiten)" in page
    assert 'href="/desk/queue?source=vhs&amp;offset=2"' in page
    where = post(
        desk,
        "/desk/queue",
        action="approve",
        everything="1",
        back="/desk/queue?source=vhs&offset=2",
    )
    assert where == "/desk/queue?source=vhs&offset=2&msg=bulk"  # back on its page
    assert set(feed(desk)) == {
        "Deutschkurs A1",
        "Sprachcafé Deutsch",
        "Lesung",
        "(ohne Titel)",
        "Kochkurs für Familien",
    }
    assert queue(desk) == ["Krabbelgruppe", "Lesung – Teil 2"]  # the church's wait
    assert "alle 2 dieser Auswahl" not in desk.get("/desk/queue").text  # all on one page
