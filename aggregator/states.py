"""Every state a listing, a source, a crawl or a decision can be in, with its German label.

Each is a ``StrEnum``: the stored value is the member's string (so the database and the feeds
hold the same text as before enums), and ``label`` is what staff read on the desk. A matching
rule may be compound ("title-exact+other-venue"); ``labelled`` names each part.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Labelled(StrEnum):
    """A state whose members are written ``NAME = "value", "German label"``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member


class ReviewState(Labelled):
    """Where a listing stands with staff: only published listings reach the feeds."""

    PENDING = "pending", "wartet"
    PUBLISHED = "published", "veröffentlicht"
    REJECTED = "rejected", "abgelehnt"
    MERGED = "merged", "aufgenommen in einen anderen Eintrag"


class EventStatus(Labelled):
    """What the source says of an event (iCal STATUS, events.json ``status``)."""

    CONFIRMED = "confirmed", "findet statt"
    CANCELLED = "cancelled", "abgesagt"


class PostingStatus(Labelled):
    """Whether some source still lists an apprenticeship."""

    OPEN = "open", "offen"
    CLOSED = "closed", "nicht mehr ausgeschrieben"


class SourceHealth(Labelled):
    """A source at a glance, after its last crawl."""

    NEW = "new", "neu"
    OK = "ok", "ok"
    ALARM = "alarm", "Alarm"
    FAILING = "failing", "Fehler"


class CrawlStatus(Labelled):
    """How one crawl of one source went."""

    OK = "ok", "ok"
    UNCHANGED = "unchanged", "unverändert"
    FAILED = "failed", "fehlgeschlagen"


class SuggestionState(Labelled):
    """A pair matching was unsure about: open until staff merge it or say it differs."""

    OPEN = "open", "offen"
    MERGED = "merged", "zusammengeführt"
    DISMISSED = "dismissed", "kein Duplikat"


class Role(Labelled):
    """What a staff account may do on the desk."""

    EDITOR = "editor", "Redaktion"
    ADMIN = "admin", "Administration"


class ReviewAction(Labelled):
    """What a review log row records."""

    APPROVE = "approve", "freigegeben"
    REJECT = "reject", "abgelehnt"
    CORRECT = "correct", "bearbeitet"
    MERGE = "merge", "zusammengeführt"
    SPLIT = "split", "abgetrennt"
    DISMISS = "dismiss", "kein Duplikat"
    REOPEN = "reopen", "zur Prüfung zurück"  # older rows: a source overrode a correction
    CONFLICT = "conflict", "Quelle weicht von einer Korrektur ab"
    KEEP_OURS = "keep-ours", "Korrektur behalten"
    TAKE_THEIRS = "take-theirs", "Wert der Quelle übernommen"
    CANCEL = "cancel", "als abgesagt markiert"
    UNCANCEL = "uncancel", "Absage zurückgenommen"
    UNDO = "undo", "rückgängig gemacht"
    CRAWL = "crawl", "Jetzt abrufen"
    ADD_SOURCE = "add-source", "Quelle hinzugefügt"
    CHANGE_SOURCE = "change-source", "Quelle geändert"
    LOGIN = "login", "angemeldet"
    LOGIN_FAILED = "login-failed", "Anmeldung fehlgeschlagen"
    LOGIN_LOCKED = "login-locked", "Anmeldung vorübergehend gesperrt"
    LOGOUT = "logout", "abgemeldet"
    SESSION_ENDED = "session-ended", "Sitzung beendet"
    ADD_ACCOUNT = "add-account", "Konto angelegt"
    DISABLE = "disable", "Konto gesperrt"
    ENABLE = "enable", "Konto entsperrt"
    SET_ROLE = "set-role", "Rolle geändert"
    SET_REGIONS = "set-regions", "Regionen geändert"
    RESET_PASSWORD = "reset-password", "Passwort neu gesetzt"
    SET_NOTIFY = "set-notify", "Benachrichtigung eingestellt"


class LinkRule(Labelled):
    """Why a source record is linked to a listing: its own, a staff decision, or a match rule."""

    RECORD = "record", "eigener Datensatz"
    STAFF_MERGE = "staff-merge", "von Hand zusammengeführt"
    STAFF_SPLIT = "staff-split", "von Hand abgetrennt"
    URL = "url", "gleiche Adresse"
    TITLE_EXACT = "title-exact", "gleicher Titel"
    TITLE_SIMILAR = "title-similar", "ähnlicher Titel"
    TITLE_PLACE = "title-place", "Titel mit Ortsangabe"
    TITLE_VENUE = "title-venue", "Titel am selben Ort"
    TITLE_NUMBER = "title-number", "Titel gleich bis auf eine Nummer"
    TITLE_SUBSET = "title-subset", "ein Titel enthält den anderen"
    OTHER_VENUE = "other-venue", "anderer Ort"
    COMPANY_OCCUPATION_TOWN = "company-occupation-town", "gleicher Betrieb, Beruf und Ort"


class LogTarget(Labelled):
    """What a review log row is about."""

    EVENT = "event", "Veranstaltung"
    APPRENTICESHIP = "apprenticeship", "Ausbildungsplatz"
    SUGGESTION = "suggestion", "Vorschlag"
    SOURCE = "source", "Quelle"
    ACCOUNT = "account", "Konto"


class ChangeOrigin(Labelled):
    """Who changed a listing's fields (aggregator.history): a source's crawl, or staff."""

    SOURCE = "source", "Quelle"
    STAFF = "staff", "Redaktion"


class RecordType(Labelled):
    """What a source's records describe."""

    EVENT = "event", "Veranstaltung"
    APPRENTICESHIP = "apprenticeship", "Ausbildungsplatz"


def labelled(value: str, state: type[Labelled]) -> str:
    """The German words for a stored value (each part of a compound rule "a+b"); the value
    itself where the state does not know it."""
    known = {member.value: member.label for member in state}
    return " · ".join(known.get(part, part) for part in value.split("+"))
