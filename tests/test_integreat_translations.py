"""The `integreat` kind's translations: the same event in the CMS's other languages, read from
those languages' answers, kept with the listing and published in events.json.

Fixtures: tests/fixtures/integreat/translated/ (recorded shapes, see its README)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aggregator.store.models import CrawlRun, Event
from crawlers.extract.integreat import (
    offered_languages,
    read_translations,
    split_events,
    with_translations,
)
from crawlers.spiders.integreat import translation_urls
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.integreat import ASKED, answer, serve_region
from tests.support.kinds import document, read_records
from tests.support.server import FixtureServer, Reply
from tests.test_feeds_json import schema_validator
from workers.passes import run_pass

CAFE_AR = "مقهى اللغة الألمانية"


def published(out: Path) -> dict[str, dict]:
    """The first occurrence of each event in events.json, by German title."""
    found: dict[str, dict] = {}
    for entry in json.loads((out / "events.json").read_text())["events"]:
        found.setdefault(entry["title"], entry)
    return found


# --- Reading ----------------------------------------------------------------------------------


def records():
    found = split_events(document(answer("de"), "https://cms.example" + ASKED.format("de")))
    return found.records


def test_the_languages_offered_are_the_pages_ones_in_their_order() -> None:
    assert offered_languages(records()) == ["en", "ar", "uk", "fa"]


def test_a_translation_is_found_by_the_event_id_all_languages_share() -> None:
    arabic = read_translations(document(answer("ar"), "https://cms.example/ar"))
    (cafe, day) = with_translations(records(), {"ar": arabic})
    assert json.loads(cafe.payload)["translations"]["ar"][0]["title"] == CAFE_AR
    assert json.loads(day.payload)["record"]["id"] == 102  # the German item stays as it came


def test_a_translation_without_event_id_is_found_by_the_path_offered() -> None:
    items = json.loads(answer("uk"))
    del items[0]["event"]["id"]
    ukrainian = read_translations(document(json.dumps(items), "https://cms.example/uk"))
    (cafe, day) = with_translations(records(), {"uk": ukrainian})
    assert json.loads(cafe.payload)["translations"]["uk"][0]["id"] == 3101
    assert "translations" not in json.loads(day.payload)  # the open day has no Ukrainian


def test_every_occurrence_carries_the_translated_title_and_description() -> None:
    answers = {
        code: read_translations(document(answer(code), "https://cms.example"))
        for code in ("en", "ar")
    }
    drafts, _ = read_records(with_translations(records(), answers), kind="integreat", now=NOW)
    cafe = drafts["101"]
    assert len(cafe) == 13
    assert {d.translations for d in cafe} == {cafe[0].translations}
    english, arabic = cafe[0].translations
    assert (english.language, english.title) == ("en", "Language café German")
    assert english.description == "Speak German & meet people – all levels welcome.\nFree entry."
    assert (arabic.language, arabic.title) == ("ar", CAFE_AR)


def test_the_expanded_form_is_translated_occurrence_list_and_all() -> None:
    """The expanded answers (tests/fixtures/integreat/events.json and its English twin, made
    here by giving the same items English titles and paths)."""
    german = (FIXTURES / "integreat" / "events.json").read_text()
    english = json.loads(german.replace("/de/", "/en/"))
    for item in english:
        item["title"] = f"EN {item['title']}"
    found = split_events(document(german, "https://cms.example" + ASKED.format("de"))).records
    answers = {"en": read_translations(document(json.dumps(english), "https://cms.example/en"))}
    drafts, _ = read_records(with_translations(found, answers), kind="integreat", now=NOW)
    assert [d.translations[0].title for d in drafts["101"]] == ["EN Sprachcafé Deutsch"] * 3


def test_the_other_languages_are_addressed_by_the_urls_language_segment() -> None:
    url = "https://cms.example/api/v3/landkreisheidenheim/de/events/?combine_recurring=True"
    assert translation_urls(url, ["de", "ar"]) == {
        "ar": "https://cms.example/api/v3/landkreisheidenheim/ar/events/?combine_recurring=True"
    }
    assert translation_urls("https://cms.example/events/", ["ar"]) is None


# --- Over HTTP: fetched, stored, published ----------------------------------------------------


@pytest.fixture
def site():
    with FixtureServer().running() as server:
        yield server


def test_a_pass_publishes_each_translation_with_the_event(store, site, tmp_path) -> None:
    url = serve_region(site)
    report = run_pass(
        store,
        [source("integreat", "integreat", url, trusted=True)],
        tmp_path,
        now=NOW,
        crawl_settings=FAST_CRAWL,
    )
    (summary,) = report.summaries
    assert (summary.status, summary.items) == ("ok", 2)
    events = published(tmp_path)
    cafe = events["Sprachcafé Deutsch"]["translations"]
    assert sorted(cafe) == ["ar", "en", "uk"]
    assert cafe["uk"] == {
        "title": "Мовне кафе німецької",
        "description": (
            "Розмовляйте німецькою та знайомтеся з людьми – для всіх рівнів.\nВхід вільний."
        ),
    }
    schema_validator("EventsFeed").validate(json.loads((tmp_path / "events.json").read_text()))
    day = events["Tag der offenen Tür im Integrationszentrum"]["translations"]
    assert day == {
        "ar": {
            "title": "يوم الأبواب المفتوحة في مركز الاندماج",
            "description": "جولات واستشارات وقهوة.",
        }
    }


def test_a_language_that_does_not_answer_is_a_problem_not_a_failed_crawl(
    sqlite_store, site, tmp_path
) -> None:
    url = serve_region(site)
    report = run_pass(
        sqlite_store,
        [source("integreat", "integreat", url, trusted=True)],
        tmp_path,
        now=NOW,
        crawl_settings=FAST_CRAWL,
    )
    (summary,) = report.summaries
    assert (summary.status, summary.problems) == ("ok", 1)
    with sqlite_store.transaction() as session:
        (run,) = session.query(CrawlRun).all()
        assert run.problem_texts == [
            f"{site.url(ASKED.format('fa'))}: the events in 'fa' not had: HTTP 500"
        ]


def test_every_language_is_asked_for_the_combined_form_one_after_another(
    sqlite_store, site, tmp_path
) -> None:
    url = serve_region(site)
    run_pass(
        sqlite_store,
        [source("integreat", "integreat", url, trusted=True)],
        tmp_path,
        now=NOW,
        crawl_settings=FAST_CRAWL,
    )
    asked = [seen.path for seen in site.requests if seen.path.startswith("/api/")]
    assert list(dict.fromkeys(asked)) == [  # Farsi's 500 is asked again once (RETRY_TIMES)
        ASKED.format(code) for code in ("de", "en", "ar", "uk", "fa")
    ]


def test_the_listing_keeps_its_translations_in_the_store(store, site, tmp_path) -> None:
    url = serve_region(site)
    run_pass(
        store,
        [source("integreat", "integreat", url, trusted=True)],
        tmp_path,
        now=NOW,
        crawl_settings=FAST_CRAWL,
    )
    with store.transaction() as session:
        titles = {e.title: e.translations for e in session.query(Event).all()}
    assert titles["Sprachcafé Deutsch"]["ar"]["title"] == CAFE_AR


def test_a_translation_edited_alone_is_taken_on_the_next_crawl(sqlite_store, tmp_path) -> None:
    """The German answer stays the same; the Arabic title changes: the crawl is no 'unchanged'."""
    with FixtureServer().running() as site:
        sources = [source("integreat", "integreat", serve_region(site), trusted=True)]
        run_pass(sqlite_store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
        again = run_pass(sqlite_store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
        assert again.summaries[0].status == "unchanged"
        assert "If-None-Match" not in site.requests[-1].headers
    edited = answer("ar").decode().replace(CAFE_AR, "مقهى اللغة")
    with FixtureServer().running() as site:
        sources = [
            source("integreat", "integreat", serve_region(site, ar=edited.encode()), trusted=True)
        ]
        report = run_pass(sqlite_store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    assert (report.summaries[0].status, report.summaries[0].updated) == ("ok", 1)
    assert published(tmp_path)["Sprachcafé Deutsch"]["translations"]["ar"]["title"] == "مقهى اللغة"


def test_a_language_missing_from_one_crawl_keeps_its_translation(sqlite_store, tmp_path) -> None:
    """Arabic answers 500 on the second crawl: the listing keeps its Arabic, unchanged."""
    with FixtureServer().running() as site:
        sources = [source("integreat", "integreat", serve_region(site), trusted=True)]
        run_pass(sqlite_store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    with sqlite_store.transaction() as session:
        before = {e.id: (e.sequence, e.version) for e in session.query(Event).all()}
    with FixtureServer().running() as site:
        url = serve_region(site)
        site.route(ASKED.format("ar"), Reply(b"Server Error", status=500))
        sources = [source("integreat", "integreat", url, trusted=True)]
        report = run_pass(sqlite_store, sources, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    (summary,) = report.summaries
    assert (summary.status, summary.problems) == ("ok", 2)  # Arabic and Farsi not had
    events = published(tmp_path)
    assert events["Sprachcafé Deutsch"]["translations"]["ar"]["title"] == CAFE_AR
    assert sorted(events["Sprachcafé Deutsch"]["translations"]) == ["ar", "en", "uk"]
    assert "ar" in events["Tag der offenen Tür im Integrationszentrum"]["translations"]
    with sqlite_store.transaction() as session:
        after = {e.id: (e.sequence, e.version) for e in session.query(Event).all()}
    assert after == before  # no change to raise SEQUENCE for
