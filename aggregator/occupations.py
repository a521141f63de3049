"""Occupation names as the Bundesagentur writes them, from however a posting names them.

"Ausbildung zum Elektroniker (m/w/d)", "Elektronikerin", "Elektroniker*in" and "Elektroniker/in"
all become "Elektroniker/in"; "Kauffrau/-mann für Büromanagement", "Kaufleute für
Büromanagement" and "Kaufmann für Büromanagement" become "Kaufmann/-frau für Büromanagement".

Rules, in order:
- gender tags ("(m/w/d)", "(w/m/x)", "(gn)", "m/w/d"), years and start phrases ("ab 01.09.2027")
  are dropped, then lead words ("Ausbildung zum/zur", "Auszubildende/r als", "Azubi",
  "Lehrstelle") and "Ausbildung" at the end;
- the name splits into its head (the person: "Technische/r Systemplaner/in") and its tail from
  the first " für ", " im ", " in der ", " - " or "Fachrichtung" on ("für Büromanagement"), which
  is kept as written;
- in the head, words are grouped by "und" ("Maler/in und Lackierer/in"); the last word of a group
  is the person, words before it that end like adjectives ("Medizinische", "Technischer") become
  "…e/r"; a person word is folded to one form: "…mann/-frau" (Kaufmann, Kauffrau, Kaufleute),
  "…angestellte/r", "…er/in" (masculine, feminine, "/in", "/-in", "*in", ":in", "_in", "In",
  "(in)"), a few irregular ones from a table ("Koch/Köchin"); other words stay as they are.
"""

from __future__ import annotations

import re

_GENDER_LETTER = r"(?:[mwfdxi]|div(?:ers)?)"
_GENDER_TAG = re.compile(
    rf"\(\s*(?:{_GENDER_LETTER}(?:\s*[/,|]\s*{_GENDER_LETTER})+|gn|all\s+genders?|alle)\s*\)"
    rf"|(?<![\w/])[mwf]\s*/\s*[mwf]\s*/\s*{_GENDER_LETTER}(?![\w/])",
    re.IGNORECASE,
)
_START_PHRASE = re.compile(
    r"(?:\b(?:ab|zum|Start|Beginn|Ausbildungsbeginn|Ausbildungsstart)\s*:?\s*)?"
    r"(?:\b\d{1,2}\.\s*\d{1,2}\.\s*)?\b20\d{2}\b",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^\s*(?:(?:Ausbildung(?:splatz|sstelle)?|Azubis?|Auszubildende(?:/r|r)?|Lehrstelle|"
    r"Lehrling|Berufsausbildung)\b\s*[:\-–]?\s*)?"
    r"(?:(?:zum\s*/\s*zur|zur\s*/\s*zum|zum|zur|als|im\s+Beruf|für\s+den\s+Beruf)\b\s*)?",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"[\s,;:\-–]*(?:\(\s*Ausbildung\s*\)|\bAusbildung)?[\s,;:\-–/]*$", re.I)
_SPECIALTY = re.compile(r"\s*,?\s*\b(?:Fachrichtung|Schwerpunkt|FR)\b\s*:?\s*", re.IGNORECASE)
_TAIL = re.compile(r"\s(?:für|im|in\s+der|in\s+den|-)\s")
_GROUP_BREAK = re.compile(r"\s+(?:und|&)\s+")
_SLASH = re.compile(r"\s*/\s*")

_ADJECTIVE = re.compile(r"^(?P<stem>\S*(?:isch|lich|ig|al|ell|iv|är|nt))(?:e/r|er|e)$")
_PAIR_NOUN = re.compile(r"^(?P<stem>\S+?)(?:mann|frau|leute)$")
_SUBSTANTIVE_ADJECTIVE = re.compile(r"^(?P<stem>\S*(?:angestellt|beamt))(?:e/r|er|e)$", re.I)
_PERSON = r"(?:er|eur|or|ist|ent|ant|graf|schmied|metz|eut)"
_FEMININE = re.compile(rf"^(?P<stem>\S+{_PERSON})(?:in|\*in|:in|_in|\(in\))$")
_BINNEN_I = re.compile(rf"^(?P<stem>\S+{_PERSON})In$")
_MASCULINE = re.compile(rf"^\S+{_PERSON}$")
_IRREGULAR = {"koch": "Koch/Köchin", "köchin": "Koch/Köchin"}


def occupation_name(text: str | None) -> str:
    """The occupation a title or occupation field names, in the Bundesagentur's form."""
    name = " ".join(_GENDER_TAG.sub(" ", text or "").split())
    name = " ".join(_START_PHRASE.sub(" ", name).split())
    for _ in range(3):  # "Ausbildung: Auszubildende/r zum …"
        name = _LEAD.sub("", name, count=1)
    name = _TRAILING.sub("", name)
    name = _SPECIALTY.sub(" - ", _SLASH.sub("/", name)).replace(" – ", " - ")
    if not name:
        return ""
    split = _TAIL.search(name)
    head, tail = (name[: split.start()], name[split.start() :]) if split else (name, "")
    groups = [_group(group.split()) for group in _GROUP_BREAK.split(head)]
    folded = " und ".join(group for group in groups if group) + tail
    return folded[:1].upper() + folded[1:]


def _group(words: list[str]) -> str:
    """One "und"-separated part of the head: adjectives, then the person word."""
    if not words:
        return ""
    *leading, last = words
    return " ".join([*(_adjective(word) for word in leading), _person(last)])


def _adjective(word: str) -> str:
    match = _ADJECTIVE.match(word)
    return f"{match['stem']}e/r" if match else _person(word)


def _person(word: str) -> str:
    """A person word in its double form: Elektroniker/in, Kaufmann/-frau, Fachangestellte/r."""
    base, _, alternative = word.partition("/")
    if alternative == "r" and base.endswith("e"):
        return word
    if base.casefold() in _IRREGULAR:
        return _IRREGULAR[base.casefold()]
    if any(c.isdigit() for c in base) or base.isupper() or base.endswith("-"):
        return word
    if match := _SUBSTANTIVE_ADJECTIVE.match(base):
        return f"{match['stem']}e/r"
    if match := _PAIR_NOUN.match(base):
        return f"{match['stem']}mann/-frau"
    if match := _FEMININE.match(base) or _BINNEN_I.match(base):
        return f"{match['stem']}/in"
    if _MASCULINE.match(base):
        return f"{base}/in"
    return word
