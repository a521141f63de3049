"""The five categories of the Integreat app and how events are sorted into them.

An event's categories come from three places: the source's defaults (already slugs), the
record's own free words (iCal CATEGORIES, RSS category, schema.org keywords) and keywords in its
title and description. All words are matched against one keyword table:

- words are folded (lowercase, ä → ae, ß → ss, accents dropped) and split at anything that is
  not a letter or digit ("Kinder-Flohmarkt" is two words);
- a keyword of five letters or more also matches inside a word ("deutschkurs" in
  "Deutschkurse", "kinder" and "flohmarkt" in "Kinderflohmarkt"), unless the word contains one of
  its false friends ("sport" in "Transport"); shorter keywords match whole words only;
- a keyword with a space matches those words in a row ("erste hilfe").

Title and record words count with every keyword; the description counts only with the strong
keywords, so a concert whose text mentions "Kinder" once is not "familie", but a text announcing
a "Deutschkurs" or an "Impfung" is. Deliberately unmapped because they say nothing about the
topic: "Kurs", "Workshop", "Beratung", "Treffen". "Sport" is leisure (alltag-freizeit).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

CATEGORIES: tuple[str, ...] = (
    "sprache",
    "gesundheit",
    "alltag-freizeit",
    "familie",
    "arbeit-bildung",
)
CATEGORY_NAMES: dict[str, str] = {
    "sprache": "Sprache",
    "gesundheit": "Gesundheit",
    "alltag-freizeit": "Alltag & Freizeit",
    "familie": "Familie",
    "arbeit-bildung": "Arbeit & Bildung",
}

# Keywords that count in the description as well as in the title and record categories.
STRONG_KEYWORDS: dict[str, tuple[str, ...]] = {
    "sprache": ("deutschkurs", "sprachkurs", "sprachcafe", "integrationskurs", "alphabetisierung"),
    "gesundheit": ("impfung", "impfen", "blutspende", "erste hilfe"),
    "familie": ("krabbelgruppe", "elterncafe", "eltern kind", "babytreff"),
    "arbeit-bildung": (
        "ausbildungsmesse",
        "jobmesse",
        "bewerbungstraining",
        "berufsberatung",
        "berufsorientierung",
    ),
}

# Keywords that count in the title and the record categories only.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "sprache": ("sprach", "deutsch", "dolmetsch", "language"),
    "gesundheit": (
        "gesund",
        "arzt",
        "aerzt",
        "hausarzt",
        "kinderarzt",
        "zahnarzt",
        "frauenarzt",
        "facharzt",
        "medizin",
        "klinik",
        "krank",
        "pflege",
        "psych",
        "demenz",
        "diabetes",
        "ernaehrung",
        "suchtberatung",
        "suchthilfe",
        "hebamme",
        "schwanger",
        "health",
        "medical",
    ),
    "alltag-freizeit": (
        "freizeit",
        "konzert",
        "fest",
        "feste",
        "festival",
        "sommerfest",
        "stadtfest",
        "strassenfest",
        "volksfest",
        "feier",
        "party",
        "markt",
        "kultur",
        "theater",
        "kino",
        "film",
        "filmabend",
        "musik",
        "tanz",
        "tanzen",
        "tanzkurs",
        "lesung",
        "ausstellung",
        "museum",
        "stadtfuehrung",
        "sport",
        "fussball",
        "schwimm",
        "wander",
        "ausflug",
        "spiel",
        "bastel",
        "kochen",
        "kochkurs",
        "garten",
        "cafe",
        "treff",
        "begegnung",
        "fahrrad",
        "reparatur",
        "wohnung",
        "leisure",
        "concert",
        "music",
        "culture",
        "exhibition",
        "market",
    ),
    "familie": (
        "familie",
        "kinder",
        "kind",
        "kids",
        "kita",
        "baby",
        "babys",
        "eltern",
        "mutter",
        "muetter",
        "vater",
        "vaeter",
        "jugend",
        "schwanger",
        "family",
        "children",
        "parents",
    ),
    "arbeit-bildung": (
        "arbeit",
        "bildung",
        "beruf",
        "job",
        "jobs",
        "minijob",
        "jobcenter",
        "bewerbung",
        "praktikum",
        "schule",
        "studium",
        "nachhilfe",
        "hausaufgaben",
        "computer",
        "existenzgruendung",
        "career",
        "education",
    ),
}

# Words that contain a keyword without meaning it.
FALSE_FRIENDS: dict[str, tuple[str, ...]] = {
    "sprach": ("absprache", "ansprache", "ruecksprache"),
    "deutsch": ("deutschland",),
    "sport": ("transport", "passport"),
    "markt": ("arbeitsmarkt", "marktplatz"),
    "wander": ("einwander", "zuwander", "auswander"),
    "treff": ("betreff", "treffen"),
    "garten": ("kindergarten",),
    "pflege": ("pflegeeltern", "pflegekind", "pflegefamilie"),
    "spiel": ("beispiel",),
    "mutter": ("muttersprach",),
    "arbeit": ("jugendarbeit", "handarbeit", "bastelarbeit", "elternarbeit", "zusammenarbeit"),
}

MIN_INFIX = 5  # shorter keywords match whole words only
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    """Folded words: lowercase, umlauts spelled out (ü → ue), other accents dropped."""
    folded = unicodedata.normalize("NFC", text).casefold().translate(_UMLAUTS)
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return _WORD.findall(plain)


def _matches_word(keyword: str, word: str) -> bool:
    if word == keyword:
        return True
    if len(keyword) < MIN_INFIX or keyword not in word:
        return False
    return not any(friend in word for friend in FALSE_FRIENDS.get(keyword, ()))


def _matches(keyword: str, words: list[str]) -> bool:
    if " " in keyword:
        return f" {keyword} " in f" {' '.join(words)} "
    return any(_matches_word(keyword, word) for word in words)


def _found(text: str, *tables: Mapping[str, tuple[str, ...]]) -> set[str]:
    """The categories whose keywords (from any of the tables) occur in the text."""
    words = _words(text)
    return {
        category
        for table in tables
        for category, keywords in table.items()
        if any(_matches(keyword, words) for keyword in keywords)
    }


def categorize(
    *,
    title: str,
    description: str = "",
    source_categories: Iterable[str] = (),
    record_categories: Iterable[str] = (),
) -> list[str]:
    """Categories of an event: the source's defaults, the record's own categories mapped, and
    title/description keywords; sorted in CATEGORIES order, unique; [] when nothing matches."""
    found = set(source_categories) & set(CATEGORIES)
    for text in (title, *record_categories):
        found |= _found(text, KEYWORDS, STRONG_KEYWORDS)
    found |= _found(description, STRONG_KEYWORDS)
    return [category for category in CATEGORIES if category in found]
