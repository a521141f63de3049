"""Plain German for the technical texts crawls and readers leave (kept in English in the store
and the server log): an alarm, a crawl's error, a record's problem. The page shows the German
sentence; the original stays one click away (a <details> element)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aggregator.health import read_alarm

_HTTP = re.compile(r"\bHTTP (\d{3})\b")


@dataclass(frozen=True)
class Plain:
    text: str  # German, for staff
    technical: str  # what the store holds, for whoever looks into it


def alarm(text: str, source: str) -> Plain:
    """A crawl that brought nothing, or far fewer items than the last one (aggregator/health.py);
    ``source``: what staff call the source."""
    found = read_alarm(text)
    named = f"„{source}“"
    if found is None:
        german = f"{named} lieferte auffällig wenige Einträge."
    elif found.nothing and found.previous is None:
        german = (
            f"{named} lieferte keine Einträge, wie jeder Abruf bisher. Bitte Adresse und Art der "
            "Quelle prüfen."
        )
    elif found.nothing:
        german = f"{named} lieferte diesmal keine Einträge (beim letzten Abruf {found.previous})."
    else:
        german = (
            f"{named} lieferte nur {found.items} Einträge statt {found.previous} beim letzten "
            "Abruf."
        )
    if found is not None and found.problems:
        german += " Der Abruf meldete Probleme (unter „Technisch“)."
    return Plain(f"{german} Es wurde nichts als verschwunden markiert.", text)


def crawl_error(text: str, source: str) -> Plain:
    """Why a crawl of ``source`` failed (or, as a source's last error, its alarm)."""
    if read_alarm(text) is not None:
        return alarm(text, source)
    named = f"„{source}“"
    lower = text.lower()
    status = _HTTP.search(text)
    if status:
        return Plain(f"{named}: {_http(int(status[1]))}", text)
    for words, german in _ERRORS:
        if any(word in lower for word in words):
            return Plain(f"{named}: {german}", text)
    return Plain(f"{named}: Der Abruf ist fehlgeschlagen.", text)


def record_problem(text: str) -> Plain:
    """Why a record could not be read into listings."""
    lower = text.lower()
    for words, german in _RECORD_PROBLEMS:
        if any(word in lower for word in words):
            return Plain(f"Nicht übernommen: {german}", text)
    return Plain("Nicht übernommen: Der Datensatz ließ sich nicht lesen.", text)


def _http(status: int) -> str:
    if status == 404 or status == 410:
        return f"Die Adresse der Quelle gibt es nicht (mehr) (Fehler {status})."
    if status == 400:
        return "Die Quelle lehnt die Anfrage als fehlerhaft ab (Fehler 400)."
    if status in (401, 403):
        return f"Die Quelle verweigert den Zugriff (Fehler {status})."
    if status == 429:
        return "Die Quelle bittet, seltener abzurufen (Fehler 429)."
    if status >= 500:
        return f"Der Server der Quelle meldet eine Störung (Fehler {status})."
    return f"Die Quelle antwortete mit Fehler {status}."


_ERRORS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("ingest failed",), "Das Verarbeiten des Abrufs ist fehlgeschlagen (ein Fehler in Lotse)."),
    (
        ("timeout", "timed out", "took longer", "time limit"),
        "Die Quelle hat nicht rechtzeitig geantwortet.",
    ),
    (
        ("dns", "lookup", "name or service not known", "no address associated"),
        "Den Server der Quelle gibt es unter diesem Namen nicht.",
    ),
    (("connection refused", "connectionrefused"), "Der Server der Quelle ist nicht erreichbar."),
    (
        ("private", "not allowed", "forbidden address", "blocked"),
        "Die Adresse zeigt in ein internes Netz; Lotse ruft sie aus Sicherheitsgründen nicht ab.",
    ),
    (("too large", "responsetoolarge", "maxsize"), "Die Antwort der Quelle war zu groß."),
    (
        ("redirect",),
        "Die Quelle leitet immer weiter, ohne anzukommen (zu viele Weiterleitungen).",
    ),
    (("no result",), "Der Abruf wurde abgebrochen, bevor er fertig war."),
    (
        ("not json", "icalendar", "cannot read", "no html", "feed", "not a ", "root element"),
        "Die Antwort der Quelle ließ sich nicht lesen (falsches oder beschädigtes Format).",
    ),
    (("ssl", "certificate", "tls"), "Die sichere Verbindung zur Quelle kam nicht zustande."),
)

_RECORD_PROBLEMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("no dtstart", "no startdate", "no start_date", "no event start", "no time"),
        "Es fehlt der Beginn.",
    ),
    (("more than one dtstart",), "Der Beginn ist doppelt angegeben."),
    (("rrule", "recurrence", "steps", "secondly"), "Die Wiederholungsregel ist unlesbar."),
    (("not valid icalendar",), "Der Kalendereintrag ist beschädigt."),
    (("iso 8601", "not a date", "event time", "dtstart"), "Das Datum ist unlesbar."),
    (("timezone",), "Die Zeitzone ist unbekannt."),
    (("occupation", "titel", "beruf"), "Es fehlen Beruf und Titel."),
    (("too many",), "Zu viele Termine."),
)
