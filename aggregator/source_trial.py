"""What ``lotse sources try URL`` found (docs/contract.md §2): the kind, how many records it read,
the first items as they would be published, the problems, and the sources-file entry to add.

crawlers/try_source.py finds it; the CLI prints it and the desk shows it (web/desk/
source_form.py), so both say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aggregator.dates.timezones import local
from aggregator.normalize.drafts import ApprenticeshipDraft, EventDraft
from aggregator.places.locations import Place
from aggregator.states import EventStatus

FIRST_SHOWN = 5


@dataclass(frozen=True)
class Preview:
    """One item as it would be published: its title, start (local), place, and whether it is
    cancelled."""

    title: str
    start: datetime | date | None
    place: str
    cancelled: bool = False

    @classmethod
    def of(cls, draft: EventDraft | ApprenticeshipDraft) -> Preview:
        start = draft.start if isinstance(draft, EventDraft) else draft.start_date
        if isinstance(start, datetime):
            start = local(start)
        cancelled = isinstance(draft, EventDraft) and draft.status == EventStatus.CANCELLED
        return cls(draft.title, start, place_text(draft.place), cancelled)

    def to_json(self) -> dict[str, str | bool | None]:
        start = self.start.isoformat() if self.start is not None else None
        return {
            "title": self.title,
            "start": start,
            "place": self.place,
            "cancelled": self.cancelled,
        }


@dataclass
class Trial:
    """``kind`` None: nothing readable was found, ``why`` says what was tried and what each
    gave. ``entry``: the proposed ``[[sources]]`` table (empty without a kind)."""

    url: str
    kind: str | None = None
    items: int = 0
    first: list[Preview] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    entry: dict[str, Any] = field(default_factory=dict)
    why: str | None = None
    tried: list[str] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return self.kind is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "items": self.items,
            "first": [preview.to_json() for preview in self.first],
            "problems": self.problems,
            "entry": self.entry,
            "why": self.why,
            "tried": self.tried,
        }


def place_text(place: Place) -> str:
    """The place as one line: name, street, postcode and town, the parts it has."""
    town = " ".join(part for part in (place.postcode, place.town) if part)
    return ", ".join(part for part in (place.name, place.address, town) if part)
