"""The newcomer pages show an event in the visitor's language where its source translated it,
with the German beside it; right to left for Arabic and Farsi; German where no translation
exists. Over a store filled by one pass over tests/fixtures/integreat/translated/."""

from __future__ import annotations

import pytest

from tests.support.integreat import translated_pages
from tests.support.pages import page_client

LIST = "/veranstaltungen?from=2027-01-07&lang={}"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with translated_pages(tmp_path_factory.mktemp("translated")) as app:
        yield app


@pytest.fixture(scope="module")
def cafe(app) -> str:
    """The id of the language café's first occurrence."""
    page = page_client(app).get(LIST.format("de")).text
    start = page.index('href="/veranstaltungen/') + len('href="/veranstaltungen/')
    return page[start : page.index('"', start)]


def test_the_list_shows_the_arabic_title_right_to_left_with_the_german_beside(app) -> None:
    page = page_client(app).get(LIST.format("ar")).text
    assert 'lang="ar" dir="rtl">مقهى اللغة الألمانية</a></h3>' in page
    assert (
        '<span class="label">بالألمانية:</span> <span lang="de" dir="ltr">Sprachcafé Deutsch</span>'
        in page
    )


def test_the_note_that_listings_are_german_goes_when_all_are_translated(app) -> None:
    assert "نصوص الإعلانات باللغة الألمانية" not in page_client(app).get(LIST.format("ar")).text
    assert "İlan metinleri" in page_client(app).get(LIST.format("tr")).text  # none in Turkish


def test_the_browsers_language_chooses_the_translation(app) -> None:
    page = (
        page_client(app, **{"Accept-Language": "uk-UA,uk;q=0.9"})
        .get("/veranstaltungen?from=2027-01-07")
        .text
    )
    assert 'lang="uk" dir="ltr">Мовне кафе німецької</a></h3>' in page


def test_without_a_translation_the_listing_stays_german(app) -> None:
    page = page_client(app).get(LIST.format("tr")).text
    assert 'lang="de" dir="auto">Sprachcafé Deutsch</a></h3>' in page
    assert 'class="german"' not in page


def test_a_german_visitor_sees_german_only(app) -> None:
    page = page_client(app).get(LIST.format("de")).text
    assert 'lang="de" dir="auto">Sprachcafé Deutsch</a></h3>' in page
    assert "مقهى" not in page and 'class="german"' not in page


def test_the_event_page_gives_title_and_description_in_both(app, cafe) -> None:
    page = page_client(app).get(f"/veranstaltungen/{cafe}?lang=uk").text
    assert '<h1><span lang="uk" dir="ltr">Мовне кафе німецької</span></h1>' in page
    assert "<title>Мовне кафе німецької – Lotse</title>" in page
    assert '<p class="text" lang="uk" dir="ltr">Розмовляйте німецькою' in page
    assert '<h3 id="in-german">Німецькою</h3>' in page
    assert '<p class="text" lang="de" dir="ltr">Deutsch sprechen &amp; Leute kennenlernen' in page
