"""Series that would never end: a million occurrences (COUNT), a rule by the second, an hourly
rule begun decades ago. Through a real pass over loopback HTTP, each is a clear problem on its
own record — refused before expansion, or cut at 5000 occurrences per window — while the sound
series of the same calendar, old weekly ones and half-hourly tours included, are published."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aggregator.store import Store
from tests.conftest import FAST_CRAWL, NOW, source
from tests.support.hostile import HOSTILE, ICS, JSON, published, record_problems
from tests.support.server import FixtureServer, Reply
from workers.passes import run_pass

BERLIN = ZoneInfo("Europe/Berlin")

REFUSED = {
    "calendar": {
        "stundenflut@verein": "more than 5000 occurrences in the published window",
        "minutenflut@verein": "RRULE FREQ=MINUTELY;COUNT=1000000 repeats more than 100,000 times",
        "sekundenflut@verein": "RRULE FREQ=SECONDLY repeats every second: no event series does",
        "seit-2000@verein": "repeats more than 100,000 times between its start (2000-01-01)",
    },
    "integreat": {
        "401": "RRULE FREQ=SECONDLY repeats every second",
        "402": "RRULE FREQ=MINUTELY repeats more than 100,000 times",
        "403": "more than 5000 occurrences in the window",
    },
}


@pytest.fixture(scope="module")
def flooded(tmp_path_factory: pytest.TempPathFactory):
    """One pass over a flooding calendar and a flooding Integreat answer."""
    path = tmp_path_factory.mktemp("flood")
    store = Store(f"sqlite:///{path / 'lotse.db'}")
    with FixtureServer().running() as site:
        calendar = site.route("/flood.ics", Reply.file(HOSTILE / "flood.ics", ICS))
        integreat = site.route("/events/", Reply.file(HOSTILE / "flood-integreat.json", JSON))
        configs = [
            source("calendar", "ical", calendar, trusted=True),
            source("integreat", "integreat", integreat, trusted=True),
        ]
        report = run_pass(store, configs, path, now=NOW, crawl_settings=FAST_CRAWL)
    yield store, path, report
    store.dispose()


@pytest.mark.parametrize("source_id", REFUSED)
def test_each_flooding_series_is_a_problem_of_its_own_record(flooded, source_id) -> None:
    store, _, report = flooded
    problems = record_problems(store, source_id)
    assert set(problems) == set(REFUSED[source_id])
    for key, expected in REFUSED[source_id].items():
        (message,) = problems[key]
        assert expected in message
    assert all(summary.status == "ok" for summary in report.summaries)


def test_nothing_of_a_refused_series_is_published(flooded) -> None:
    _, out, _ = flooded
    titles = Counter(titles_per_occurrence(out))
    refused = {"Stundenflut", "Minutenflut", "Sekundenflut", "Stündlich seit 2000"}
    refused |= {"Sekundentakt", "Minutentakt seit 1990", "Stundentakt"}
    assert not refused & set(titles)


def test_sound_series_beside_them_are_published_whole(flooded) -> None:
    _, out, _ = flooded
    titles = Counter(titles_per_occurrence(out))
    assert titles["Stammtisch seit 1990"] == thursdays_at_eight_in_the_window()
    assert titles["Kurzführung im Museum"] == 6  # every half hour from 10:00, COUNT=6
    assert titles["Integrationskurs"] == 10
    assert titles["Adventskonzert"] == 1


def test_half_hourly_tours_keep_their_times(flooded) -> None:
    _, out, _ = flooded
    tours = sorted(e["start"] for e in events(out) if e["title"] == "Kurzführung im Museum")
    assert tours == [f"2026-12-12T{h:02d}:{m:02d}:00+01:00" for h in (10, 11, 12) for m in (0, 30)]


def events(out: Path) -> list[dict]:
    """Every published occurrence."""
    return json.loads((out / "events.json").read_text())["events"]


def titles_per_occurrence(out: Path) -> list[str]:
    return [event["title"] for event in events(out)]


def thursdays_at_eight_in_the_window() -> int:
    """The weekly Thursday 20:00 meetings inside the published window (30 days back, 365 on)."""
    first, last = NOW - timedelta(days=30), NOW + timedelta(days=365)
    day = first.astimezone(BERLIN).date()
    count = 0
    for _ in range(400):
        start = datetime(day.year, day.month, day.day, 20, tzinfo=BERLIN)
        count += day.weekday() == 3 and first <= start + timedelta(hours=2) and start < last
        day += timedelta(days=1)
    return count


def test_the_published_feed_stays_small(flooded) -> None:
    _, out, _ = flooded
    assert len(published(out)) == 4 and len(events(out)) < 100
