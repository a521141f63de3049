"""The pages in seven languages: chosen from the browser, a switch, or a remembered cookie;
right to left for Arabic and Farsi; dates in the visitor's language; listing text stays German;
every catalog complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.support.pages import page_client, pages_app
from web.pages.i18n import BY_CODE, LANGUAGES, LOCALE_DIR, from_accept_language

PAGES = LOCALE_DIR.parent
HTML_TAG = re.compile(r"<html lang=\"([a-z]+)\" dir=\"(ltr|rtl)\">")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with pages_app(tmp_path_factory.mktemp("pages")) as app:
        yield app


def shown_in(html: str) -> tuple[str, str]:
    found = HTML_TAG.search(html)
    assert found is not None
    return found[1], found[2]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ar-SY,ar;q=0.9,en;q=0.8", "ar"),
        ("fr-FR, uk;q=0.5, en;q=0.4", "uk"),
        ("en;q=0.3, fa-IR;q=0.9", "fa"),
        ("tr", "tr"),
        ("RU-ru", "ru"),
        ("ar;q=0, en", "en"),
        ("fr, es;q=0.8", None),
        ("", None),
        (";;q=x,,", None),
    ],
)
def test_the_browser_language_is_read_by_weight(header: str, expected: str | None) -> None:
    chosen = from_accept_language(header)
    assert (chosen.code if chosen else None) == expected


@pytest.mark.parametrize(
    ("header", "lang", "direction", "heading"),
    [
        ("ar-SY,ar;q=0.9", "ar", "rtl", "<h1>الفعاليات</h1>"),
        ("fa-IR", "fa", "rtl", "<h1>رویدادها</h1>"),
        ("uk-UA,uk;q=0.9,ru;q=0.8", "uk", "ltr", "<h1>Події</h1>"),
        ("tr-TR", "tr", "ltr", "<h1>Etkinlikler</h1>"),
        ("ru", "ru", "ltr", "<h1>Мероприятия</h1>"),
        ("en-GB,en;q=0.9", "en", "ltr", "<h1>Events</h1>"),
        ("fr-FR", "de", "ltr", "<h1>Veranstaltungen</h1>"),  # German when none fits
    ],
)
def test_the_page_speaks_the_browser_language(app, header, lang, direction, heading) -> None:
    answer = page_client(app, **{"Accept-Language": header}).get("/veranstaltungen")
    assert shown_in(answer.text) == (lang, direction)
    assert heading in answer.text
    assert answer.headers["content-language"] == lang
    assert "Accept-Language" in answer.headers["vary"] and "Cookie" in answer.headers["vary"]
    assert "set-cookie" not in answer.headers  # the browser's choice is not stored


def test_the_switch_is_remembered_in_a_cookie(app) -> None:
    visitor = page_client(app, **{"Accept-Language": "de-DE"})
    switched = visitor.get("/ausbildung?lang=fa")
    assert shown_in(switched.text) == ("fa", "rtl")
    cookie = switched.headers["set-cookie"]
    assert cookie.startswith("lang=fa;") and "Max-Age=31536000" in cookie
    assert "Path=/" in cookie and "SameSite=lax" in cookie
    later = visitor.get("/veranstaltungen")  # no switch, the browser still says German
    assert shown_in(later.text) == ("fa", "rtl")
    again = visitor.get("/?lang=tr")
    assert shown_in(again.text) == ("tr", "ltr")
    assert shown_in(visitor.get("/").text) == ("tr", "ltr")


def test_an_unknown_language_in_switch_or_cookie_is_ignored(app) -> None:
    visitor = page_client(app, **{"Accept-Language": "uk"})
    visitor.cookies.set("lang", "xx")
    answer = visitor.get("/?lang=klingon")
    assert shown_in(answer.text) == ("uk", "ltr")
    assert "set-cookie" not in answer.headers


def test_the_switch_offers_every_language_in_its_own_name_and_keeps_the_search(app) -> None:
    page = page_client(app).get("/ausbildung?postcode=89522&km=10").text
    switch = page[page.index('<nav class="languages"') : page.index("</nav>")]
    links = re.findall(
        r'<li><a href="([^"]+)" lang="(\w+)" hreflang="\w+" dir="(\w+)"[^>]*>([^<]+)</a>', switch
    )
    assert [(lang, direction, name) for _, lang, direction, name in links] == [
        ("de", "ltr", "Deutsch"),
        ("en", "ltr", "English"),
        ("ar", "rtl", "العربية"),
        ("uk", "ltr", "Українська"),
        ("tr", "ltr", "Türkçe"),
        ("fa", "rtl", "فارسی"),
        ("ru", "ltr", "Русский"),
    ]
    assert links[2][0] == "/ausbildung?postcode=89522&amp;km=10&amp;lang=ar"
    assert 'lang="de" hreflang="de" dir="ltr" aria-current="true">Deutsch' in switch


@pytest.mark.parametrize(
    ("lang", "day"),
    [
        ("de", "Morgen · Donnerstag, 26. November"),
        ("en", "Tomorrow · Thursday, 26 November"),
        ("ar", "غداً · الخميس، 26 نوفمبر"),
        ("uk", "Завтра · четвер, 26 листопада"),
        ("tr", "Yarın · 26 Kasım Perşembe"),
        ("fa", "فردا · پنجشنبه 26 نوامبر"),
        ("ru", "Завтра · четверг, 26 ноября"),
    ],
)
def test_days_are_named_in_the_visitor_language(app, lang: str, day: str) -> None:
    page = page_client(app).get(f"/veranstaltungen?lang={lang}").text
    assert f'<h2 id="d-2026-11-26">{day}</h2>' in page
    assert '<span class="time">18:30 – 20:00</span>' in page  # 24 hours, digits as on posters


def test_listing_text_stays_german_and_is_marked_so(app) -> None:
    page = page_client(app).get("/veranstaltungen?lang=ar&category=sprache").text
    assert 'lang="de" dir="auto">Sprachcafé Deutsch</a>' in page
    assert '<p class="place"><span lang="de" dir="auto">Volkshochschule, Karlstraße 12' in page
    assert "نصوص الإعلانات باللغة الألمانية" in page  # says the listings are in German
    jobs = page_client(app).get("/ausbildung?lang=ru&q=tischler").text
    assert 'lang="de" dir="auto">Tischler/in</a>' in jobs
    assert '<p class="meta"><span lang="de" dir="auto">Schreinerei Beispiel GmbH</span></p>' in jobs
    assert '<h2 id="results">1 место профобучения</h2>' in jobs


def test_plural_forms_follow_each_language(app) -> None:
    def count(lang: str, query: str) -> str:
        page = page_client(app).get(f"/ausbildung?lang={lang}&{query}").text
        return re.search(r'<h2 id="results">(.*?)</h2>', page)[1]

    assert count("ru", "q=elektro") == "2 места профобучения"
    assert count("uk", "q=elektro") == "2 місця навчання"
    assert count("ar", "q=elektro") == "مكانا تدريب"  # the dual
    assert count("ar", "q=nichts-dergleichen") == "لا توجد أماكن تدريب"
    assert count("de", "q=tischler") == "1 Ausbildungsplatz"


def template_messages() -> dict[str | tuple[str, str], set[str]]:
    """Every message the templates and modules use, with its placeholders."""
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    found: dict[str | tuple[str, str], set[str]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(PAGES, method_map):
        key = message if isinstance(message, str) else tuple(message)
        found[key] = set(PLACEHOLDER.findall(" ".join([key] if isinstance(key, str) else key)))
    return found


@pytest.mark.parametrize("code", [language.code for language in LANGUAGES])
def test_every_catalog_translates_every_message(code: str) -> None:
    messages = template_messages()
    assert len(messages) > 70
    path: Path = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=code)
    entries = {message.id: message for message in catalog if message.id}
    assert set(entries) == set(messages), "run pybabel extract/update (web/pages/i18n.py)"
    for key, message in entries.items():
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert not message.fuzzy, key
        assert len(strings) == (catalog.num_plurals if isinstance(key, tuple) else 1), key
        for string in strings:
            assert string.strip(), key
            used = set(PLACEHOLDER.findall(string))
            # a plural form may say the number in words ("مكانا تدريب": two places)
            assert used <= messages[key] if isinstance(key, tuple) else used == messages[key]
    assert BY_CODE[code].rtl == (code in ("ar", "fa"))
