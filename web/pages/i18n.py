"""The pages' languages: which one a request wants, and its translations and date forms.

Catalogs are standard gettext ``.po`` files (``locale/<code>/LC_MESSAGES/messages.po``), compiled
in memory when first used: no ``.mo`` file can go stale or be missing, and an installation
directory may be read-only. Message ids are English; German is a catalog like the others, written
in simple language (short sentences, common words).

Refresh the catalogs after changing a text in a template::

    pybabel extract -F web/pages/babel.cfg -o /tmp/pages.pot web/pages
    pybabel update -i /tmp/pages.pot -d web/pages/locale --no-fuzzy-matching
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from starlette.requests import Request

from aggregator.languages import LANGUAGES as CODES
from aggregator.languages import RIGHT_TO_LEFT, SOURCE_LANGUAGE

LOCALE_DIR = Path(__file__).with_name("locale")
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 primary tag, as in lang="…"
    name: str  # in the language itself, as the switch shows it
    rtl: bool
    day_pattern: str  # a day heading, e.g. "Donnerstag, 26. November" (CLDR pattern)

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


_NAMES_AND_DAYS = {  # the name the switch shows, a day heading's CLDR pattern
    "de": ("Deutsch", "EEEE, d. MMMM"),
    "en": ("English", "EEEE, d MMMM"),
    "ar": ("العربية", "EEEE، d MMMM"),
    "uk": ("Українська", "EEEE, d MMMM"),
    "tr": ("Türkçe", "d MMMM EEEE"),
    "fa": ("فارسی", "EEEE d MMMM"),
    "ru": ("Русский", "EEEE, d MMMM"),
}
LANGUAGES: tuple[Language, ...] = tuple(
    Language(code, name, code in RIGHT_TO_LEFT, day_pattern)
    for code, (name, day_pattern) in ((code, _NAMES_AND_DAYS[code]) for code in CODES)
)
BY_CODE = {language.code: language for language in LANGUAGES}
DEFAULT = BY_CODE[SOURCE_LANGUAGE]


def from_accept_language(header: str) -> Language | None:
    """The supported language the browser prefers most (RFC 9110 §12.5.4 weights); a region
    ("ar-SY") counts for its language."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            ranked.append((-weight, position, tag.strip().split("-")[0].lower()))
    for _weight, _position, code in sorted(ranked):
        if code in BY_CODE:
            return BY_CODE[code]
    return None


@dataclass(frozen=True)
class Choice:
    language: Language
    remember: bool  # chosen by the switch now: set the cookie


def choose(request: Request) -> Choice:
    """The switch (``?lang=``) first, then the remembered choice (cookie), then the browser's
    Accept-Language, then German."""
    asked = BY_CODE.get(request.query_params.get("lang", ""))
    if asked is not None:
        return Choice(asked, remember=True)
    remembered = BY_CODE.get(request.cookies.get(COOKIE, ""))
    if remembered is not None:
        return Choice(remembered, remember=False)
    browser = from_accept_language(request.headers.get("accept-language", ""))
    return Choice(browser or DEFAULT, remember=False)


@cache
def translations(code: str) -> Translations:
    """The language's catalog, compiled in memory (fuzzy entries left out)."""
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=code)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@dataclass(frozen=True)
class Speech:
    """What a template needs to speak one language: texts, dates, times and numbers."""

    language: Language

    def gettext(self, message: str, **values: object) -> str:
        text = translations(self.language.code).gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = translations(self.language.code).ngettext(singular, plural, count)
        return text % {"num": count, **values}

    def day(self, value: date) -> str:
        """A day heading: weekday, day and month ("Donnerstag, 26. November")."""
        return format_date(value, self.language.day_pattern, locale=self.language.code)

    def date(self, value: date) -> str:
        """A full date with the year ("1. September 2027")."""
        return format_date(value, "long", locale=self.language.code)

    def time(self, value: datetime) -> str:
        """A local clock time, 24 hours as everywhere in Germany ("18:30")."""
        return format_time(value, "HH:mm", locale=self.language.code)

    def number(self, value: float) -> str:
        """A distance or count with the language's decimal sign, one decimal at most."""
        return format_decimal(round(value, 1), format="#,##0.#", locale=self.language.code)
