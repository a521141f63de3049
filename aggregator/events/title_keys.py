"""Event titles reduced to what tells one event from another, for matching (never shown).

`title_key("Konzert: „Kammerorchester“ (Heidenheim) – Eintritt frei")` and
`title_key("KAMMERORCHESTER")` give the same words. What happens, in order:

- a cancellation prefix goes ("ABGESAGT:", aggregator.text.cancellation), then a prefix of
  event-type or notice words before a colon ("Konzert:", "Neu:", "Vortrag und Lesung:");
- trailing notes go, in parentheses or after a dash or bar: towns of the county ("(Heidenheim)"),
  organisation acronyms ("(VHS)", "– DRK") and notices ("– Eintritt frei", "(ausgebucht)");
- gender forms are read as one ("Anfänger*innen", "LehrerInnen", "(m/w/d)");
- case, quotes and diacritics are folded (ä → ae, é → e), dates, clock times and years dropped,
  roman numerals written as digits ("Teil II" = "Teil 2"), stop words dropped, and a compound
  ending in an event type split ("Deutschkurs" = "Deutsch" + "Kurs").

Words that tell similar events apart are kept as *markers*: numbers and level codes ("A1", "2"),
and levels, audiences, times of day and languages ("Anfänger", "Senioren", "abends", "Englisch"),
also where a word starts with one ("Englischkurs", "Frauenfrühstück").
Event-type words ("Konzert", "Vortrag"), weekdays and months are *weak*: a title that differs
from another only by them names the same event.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from aggregator.places.locations import municipalities, official_town
from aggregator.text.cancellation import strip_cancellation

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "&": " und ", "+": " und "})
_QUOTES = re.compile(r"[\"'„“”‚‘’«»‹›`´]")
_GENDER = re.compile(
    r"(?<=[a-zäöüß])(?:[*:_·/]in(?:nen)?|In(?:nen)?)\b"  # Anfänger*innen, LehrerInnen
    r"|\(\s*[mwd]\s*/\s*[mwd]\s*/\s*[mwd]\s*\)"  # (m/w/d)
)
_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.(?:\s?\d{2,4})?(?!\d)")
_TIME = re.compile(r"\b\d{1,2}(?:[:.]\d{2})?\s*uhr\b|\b\d{1,2}:\d{2}\b")
_YEAR = re.compile(r"\b(?:19|20)\d{2}(?:/\d{2})?\b")
_TOKEN = re.compile(r"[a-z0-9]+")
_EDITION = re.compile(r"^\s*\d{1,3}\.\s+(?=\D)")  # "3. Heidenheimer Stadtlauf"
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7"}
_ROMAN |= {"viii": "8", "ix": "9", "x": "10"}


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


STOP_WORDS = _word_set(
    "der die das den dem des ein eine einer einem einen und oder mit fuer im in am an auf "
    "zum zur von vom bei beim aus ins ab bis um uhr the and of for with at"
)
TYPE_WORDS = _word_set(
    "konzert lesung vortrag workshop seminar ausstellung vernissage fuehrung stadtfuehrung "
    "theater oper kabarett kino film filmvorfuehrung veranstaltung event infoabend "
    "informationsabend "
    "infoveranstaltung kurs webinar tagung treffen termin sitzung gottesdienst messe "
    "neu tipp achtung hinweis aktuell programm einladung"
)
_CALENDAR_WORDS = _word_set(
    "montag dienstag mittwoch donnerstag freitag samstag sonntag montags dienstags mittwochs "
    "donnerstags freitags samstags sonntags januar februar maerz april mai juni juli august "
    "september oktober november dezember"
)
WEAK_WORDS = TYPE_WORDS | _CALENDAR_WORDS
_COMPOUND_TAILS = ("kurs", "konzert", "vortrag", "fuehrung", "lesung", "treffen", "seminar")
MARKER_WORDS = _word_set(  # a marker also marks the words it starts ("abend" → "abends")
    "anfaenger einsteiger fortgeschrittene grundkurs aufbaukurs grundstufe mittelstufe "
    "oberstufe vertiefung auffrischung "
    "kinder jugendliche erwachsene senioren seniorinnen frauen maenner familien eltern babys "
    "vormittag nachmittag abend morgen "
    "deutsch englisch franzoesisch spanisch italienisch arabisch tuerkisch russisch "
    "ukrainisch polnisch persisch"
)
_NOTICES = (
    "eintritt frei",
    "freier eintritt",
    "eintritt",
    "kostenlos",
    "kostenfrei",
    "gratis",
    "ausgebucht",
    "ausverkauft",
    "restplaetze",
    "anmeldung",
    "mit anmeldung",
    "ohne anmeldung",
    "anmeldung erforderlich",
    "anmeldung erbeten",
    "findet statt",
    "neu",
    "verschoben",
    "abgesagt",
    "entfaellt",
    "faellt aus",
    "online",
)
_PREFIX = re.compile(r"^\s*(?P<words>[^:]{1,40}?)\s*:\s*(?P<rest>.+)$")
_TRAILING_PARENS = re.compile(r"^(?P<head>.+?)\s*\((?P<note>[^()]*)\)\s*[.!]*\s*$")
_TRAILING_SEGMENT = re.compile(r"^(?P<head>.+?)\s+[-–—|]\s*(?P<note>[^-–—|]+?)\s*[.!]*\s*$")
_ACRONYM = re.compile(r"^[A-ZÄÖÜ]{2,6}$")


@dataclass(frozen=True)
class TitleKey:
    """A title as matching compares it."""

    words: tuple[str, ...]  # folded, stop words dropped, in title order
    core: frozenset[str]  # the words without weak ones
    numbers: frozenset[str]  # words with digits: level codes, parts ("a1", "2")
    markers: frozenset[str]  # levels, audiences, times of day, languages, also as word starts

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def compact(self) -> str:
        """The core words run together: "Eltern-Café" and "Elterncafé" agree."""
        return "".join(word for word in self.words if word in self.core)

    @property
    def joined(self) -> str:
        """All words run together: "Infoabend" and "Info-Abend" agree."""
        return "".join(self.words)


def fold(text: str) -> str:
    """Lowercase, umlauts spelled out (ö → oe), other diacritics dropped."""
    text = unicodedata.normalize("NFC", text).casefold().translate(_UMLAUTS)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold_words(text: str | None) -> list[str]:
    """The folded letter-and-digit words of a text."""
    return _TOKEN.findall(fold(text or ""))


@lru_cache(maxsize=200_000)
def title_key(title: str) -> TitleKey:
    """The matching key of one title (see the module's docstring)."""
    text = _GENDER.sub("", _QUOTES.sub(" ", strip_cancellation(title)[0]))
    text = _EDITION.sub("", _strip_notes(_strip_prefix(text)))
    folded = _YEAR.sub(" ", _TIME.sub(" ", _DATE.sub(" ", fold(text))))
    words = tuple(
        part
        for word in _TOKEN.findall(folded)
        if word not in STOP_WORDS
        for part in _split_compound(_ROMAN.get(word, word))
    )
    return TitleKey(
        words=words,
        core=frozenset(word for word in words if word not in WEAK_WORDS) or frozenset(words),
        numbers=frozenset(word for word in words if any(c.isdigit() for c in word)),
        markers=frozenset(m for word in words for m in MARKER_WORDS if word.startswith(m)),
    )


def _split_compound(word: str) -> tuple[str, ...]:
    """A compound ending in an event-type word, in two: "deutschkurs" → "deutsch", "kurs"."""
    if word not in WEAK_WORDS:
        for tail in _COMPOUND_TAILS:
            if word.endswith(tail) and len(word) - len(tail) >= 4:
                return word[: -len(tail)], tail
    return (word,)


def _strip_prefix(text: str) -> str:
    """ "Konzert: X" → "X" while the words before the colon are event types or notices."""
    while (found := _PREFIX.match(text)) and _only_weak(found["words"]):
        text = strip_cancellation(found["rest"])[0]
    return text


def _only_weak(text: str) -> bool:
    words = [word for word in fold_words(text) if word not in STOP_WORDS]
    return bool(words) and all(word in WEAK_WORDS for word in words)


def _strip_notes(text: str) -> str:
    """Trailing towns, acronyms and notices, one after another; the title itself stays."""
    while True:
        found = _TRAILING_PARENS.match(text) or _TRAILING_SEGMENT.match(text)
        if not found or not _is_note(found["note"], shouting=found["head"].isupper()):
            return text
        text = found["head"]


def _is_note(note: str, *, shouting: bool) -> bool:
    """A town, an acronym (unless the whole title is in capitals) or a notice."""
    note = note.strip(" .!,;")
    if not note or (_ACRONYM.match(note) and not shouting):
        return True
    if official_town(note) in municipalities():
        return True
    folded = " ".join(fold_words(note))
    return any(folded == notice or folded.startswith(f"{notice} ") for notice in _NOTICES)
