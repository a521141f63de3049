"""HTML out: one Jinja2 environment (autoescape on), German labels and dates, safe headers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from starlette.responses import HTMLResponse, Response

from aggregator.categories import CATEGORY_NAMES
from aggregator.dates.timezones import local
from aggregator.states import (
    ChangeOrigin,
    CrawlStatus,
    EventStatus,
    Labelled,
    LinkRule,
    LogTarget,
    ReviewAction,
    ReviewState,
    Role,
    SourceHealth,
    labelled,
)
from web.desk import plain
from web.templating import html_environment

TEMPLATES = Path(__file__).with_name("templates")
STYLESHEET = Path(__file__).with_name("static") / "desk.css"
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# What a redirect may ask the next page to say: a fixed text per key, never text from the URL.
NOTICES = {
    "approved": "Freigegeben.",
    "rejected": "Abgelehnt.",
    "corrected": "Änderungen gespeichert.",
    "bulk": "Auswahl bearbeitet.",
    "none_selected": "Nichts ausgewählt.",
    "reason_missing": "Bitte einen Grund für die Ablehnung angeben.",
    "merged": "Zusammengeführt.",
    "split": "Abgetrennt: Die gewählten Quellen bilden jetzt einen eigenen Eintrag.",
    "split_none": "Bitte mindestens eine Quelle zum Abtrennen wählen, aber nicht alle.",
    "dismissed": "Vorschlag verworfen: kein Duplikat.",
    "decided": "Dieser Vorschlag ist schon entschieden.",
    "primary_missing": "Bitte wählen, welcher Eintrag bleibt.",
    "crawl_started": "Abruf gestartet. Das Ergebnis erscheint nach einer Weile hier.",
    "crawl_running": "Diese Quelle wird gerade abgerufen.",
    "crawl_unavailable": "Abrufen von Hand ist hier nicht eingerichtet.",
    "logged_out": "Sie sind abgemeldet.",
    "unchanged": "Nichts geändert: Die Angaben waren schon so.",
    "kept": "Korrektur behalten.",
    "taken": "Wert der Quelle übernommen.",
    "cancelled": "Als abgesagt markiert. Der Termin bleibt als abgesagt in den Feeds.",
    "uncancelled": "Absage zurückgenommen.",
    "undone": "Rückgängig gemacht.",
    "session_ended": "Sitzung beendet.",
    "sessions_ended": "Alle anderen Sitzungen sind beendet.",
    "notify_saved": "Benachrichtigung gespeichert.",
    "account_saved": "Konto geändert.",
    "past": "Vergangene Termine werden nicht mehr freigegeben.",
    "pick_two": "Bitte genau zwei Einträge zum Zusammenführen wählen.",
    "source_added": "Quelle gespeichert. Der nächste Lauf ruft sie ab.",
    "source_saved": "Quelle geändert. Das gilt ab dem nächsten Lauf.",
}
# The desk's words for the source kinds (aggregator/kinds); a kind without one shows its name.
KIND_LABELS = {
    "ical": "iCalendar-Kalender",
    "feed": "RSS- oder Atom-Feed",
    "jsonld": "Webseiten mit schema.org-Daten",
    "integreat": "Integreat-Veranstaltungen",
    "wp-events": "WordPress „The Events Calendar“",
    "lehrstellen-radar": "Lehrstellen-Radar der Handwerkskammern",
    "ba-jobsuche": "Jobsuche der Bundesagentur für Arbeit",
    "toubiz": "toubiz (Veranstaltungsdatenbank Baden-Württemberg)",
    "evangelische-termine": "evangelische-termine.de",
}
STATES: dict[str, type[Labelled]] = {
    "review": ReviewState,
    "source": SourceHealth,
    "run": CrawlStatus,
    "status": EventStatus,
    "role": Role,
    "action": ReviewAction,
    "rule": LinkRule,
    "target": LogTarget,
    "origin": ChangeOrigin,
}
FIELDS = {
    "title": "Titel",
    "description": "Beschreibung",
    "start": "Beginn",
    "end": "Ende",
    "location": "Ort",
    "url": "Link",
    "categories": "Kategorien",
    "licenses": "Lizenzen",
    "status": "Absage",
    "location_name": "Ort (Name)",
    "location_address": "Straße",
    "postcode": "PLZ",
    "town": "Gemeinde",
    "start_at": "Beginn",
    "end_at": "Ende",
    "start_date": "Beginn (Tag)",
    "end_date": "Ende (Tag)",
    "all_day": "ganztägig",
    "lat": "Breitengrad",
    "lon": "Längengrad",
    "series": "Serie",
    "translations": "Übersetzungen",
    "occupation": "Beruf",
    "company": "Betrieb",
    "address": "Adresse",
    "reason": "Grund",
    "cancel_reason": "Grund der Absage",
    "cancelled": "abgesagt",
    "scope": "Termine",
    "action": "Aktion",
    "ids": "Einträge",
    "series_ids": "Serien",
    "primary": "Bleibt",
    "link_ids": "Quellen",
    "allow_private": "Internes Netz",  # a source's keys and its kind's options
    "where": "Ort der Suche",
    "radius_km": "Umkreis (km)",
    "max_pages": "Seiten höchstens",
    "per_page": "Einträge je Seite",
    "follow": "Links zu Detailseiten",
}


def when(value: datetime | date | None, with_time: bool = True) -> str:
    """An instant in local German form ('Do 03.12.2026, 18:30'), or a day ('Do 03.12.2026')."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        moment = local(value)
        text = f"{WEEKDAYS[moment.weekday()]} {moment:%d.%m.%Y}"
        return f"{text}, {moment:%H:%M}" if with_time else text
    return f"{WEEKDAYS[value.weekday()]} {value:%d.%m.%Y}"


def iso_when(text: str | None) -> str:
    """A source's ISO date or time (as drafts keep them) in the same form as `when`."""
    if not text:
        return "–"
    value = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    return when(value)


def label(value: str, group: str) -> str:
    """The German word for a stored state (aggregator.states) or a form field; the value itself
    where none is known."""
    if group == "field":
        return FIELDS.get(value, value)
    return labelled(value, STATES[group])


_environment = html_environment(TEMPLATES)
_environment.filters.update(
    when=when,
    iso_when=iso_when,
    label=label,
    category=lambda slug: CATEGORY_NAMES.get(slug, slug),
    kind_label=lambda kind: KIND_LABELS.get(kind, kind),
    notice=lambda key: NOTICES.get(key or ""),
    plain_alarm=plain.alarm,
    plain_error=plain.crawl_error,
    plain_problem=plain.record_problem,
    value=lambda value: display_value(value),
)


def display_value(value: object) -> str:
    """A field's value from the history or a conflict as staff read it."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return ", ".join(CATEGORY_NAMES.get(str(v), str(v)) for v in value)
    if isinstance(value, dict):
        shown = [display_value(v) for k, v in value.items() if k not in ("lat", "lon")]
        return ", ".join(text for text in shown if text != "–") or "–"
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            return iso_when(value) if len(value) == 10 else when(datetime.fromisoformat(value))
        except ValueError:
            return value
    if value in set(EventStatus):
        return labelled(str(value), EventStatus)
    return str(value)


def page(template: str, *, status: int = 200, **context: Any) -> Response:
    """A rendered page with the desk's security headers."""
    body = _environment.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers=HEADERS)
