"""Which event feeds exist: their paths, human calendar names and filters (docs/contract.md §4).

Static publication and the server both take their event feeds from here, so a path names the
same events and the same calendar name either way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Literal, TypeVar

from sqlalchemy.orm import Session

from aggregator.apprenticeships.queries import ApprenticeshipFilter
from aggregator.categories import CATEGORIES, CATEGORY_NAMES
from aggregator.events.queries import EventFilter, event_towns, source_ids
from aggregator.events.view import EventView
from aggregator.places.locations import municipalities
from aggregator.regions.active import active_region

Profile = Literal["ics", "integreat", "json"]
F = TypeVar("F", EventFilter, ApprenticeshipFilter)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


EXPANDED_SUFFIX = "-expanded.ics"


@dataclass(frozen=True)
class FeedSpec:
    path: str  # relative to the feeds' root, e.g. "events/town/koenigsbronn.ics"
    where: EventFilter
    profile: Profile = "ics"
    expanded: bool = False  # every occurrence of a series as its own VEVENT

    @property
    def name(self) -> str:
        return calendar_name(self.where, self.profile)

    def expanded_form(self) -> FeedSpec:
        """The same calendar with each occurrence its own VEVENT: ``?expand=1``, and the
        static ``…-expanded.ics`` beside the ``.ics``."""
        path = self.path.removesuffix(".ics").removesuffix("-expanded") + EXPANDED_SUFFIX
        return replace(self, path=path, expanded=True)


def town_slug(town: str) -> str:
    """ASCII, lowercase, words joined by hyphens: "Königsbronn" → "koenigsbronn"."""
    folded = unicodedata.normalize("NFKD", town.casefold().translate(_UMLAUTS))
    plain = folded.encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", plain).strip("-")


def calendar_name(where: EventFilter, profile: Profile = "ics") -> str:
    """X-WR-CALNAME: place and topic first ("Königsbronn – Sprache"), then any other filter."""
    topic = CATEGORY_NAMES[where.category] if where.category else "Veranstaltungen"
    parts = [f"{where.town or active_region().name} – {topic}"]
    if where.source:
        parts.append(f"Quelle: {where.source}")
    if where.q:
        parts.append(f"„{where.q}“")
    if where.date_from:
        parts.append(f"ab {where.date_from:%d.%m.%Y}")
    if where.date_to:
        parts.append(f"bis {where.date_to:%d.%m.%Y}")
    if profile == "integreat":
        parts.append("für Integreat")
    return " – ".join(parts)


def event_feeds(towns: dict[str, str], sources: Iterable[str]) -> list[FeedSpec]:
    """Every event feed: all events, per category, per town (``towns``: slug → name), per source,
    and the Integreat profile, all events and per category; each calendar also expanded."""
    feeds = [FeedSpec("events.ics", EventFilter()), FeedSpec("events.json", EventFilter(), "json")]
    feeds += [FeedSpec(f"events/{slug}.ics", EventFilter(category=slug)) for slug in CATEGORIES]
    feeds += [
        FeedSpec(f"events/town/{slug}.ics", EventFilter(town=town)) for slug, town in towns.items()
    ]
    feeds += [FeedSpec(f"events/source/{id_}.ics", EventFilter(source=id_)) for id_ in sources]
    feeds.append(FeedSpec("integreat/events.ics", EventFilter(), "integreat"))
    feeds += [
        FeedSpec(f"integreat/{slug}.ics", EventFilter(category=slug), "integreat")
        for slug in CATEGORIES
    ]
    return feeds + [spec.expanded_form() for spec in feeds if spec.profile != "json"]


@dataclass(frozen=True)
class Catalog:
    """The event feeds for what the store holds, by path, and the towns they know by slug."""

    feeds: dict[str, FeedSpec]
    towns: dict[str, str]

    @classmethod
    def of(cls, session: Session) -> Catalog:
        """Towns: the region's municipalities and every event's town (the first spelling of a
        slug wins); sources: every source. A town or source without events has an empty feed,
        so a subscription never breaks."""
        towns: dict[str, str] = {}
        for town in [*municipalities(), *event_towns(session)]:
            towns.setdefault(town_slug(town), town)
        towns = dict(sorted(towns.items()))
        feeds = event_feeds(towns, source_ids(session))
        return cls({spec.path: spec for spec in feeds}, towns)

    def town(self, value: str) -> str:
        """A town's name from its name or its slug ("koenigsbronn" → "Königsbronn")."""
        return self.towns.get(town_slug(value), value)

    def named(self, where: F) -> F:
        """A filter whose town, given by name or slug, is the town's name."""
        return replace(where, town=self.town(where.town)) if where.town else where


def matches(event: EventView, where: EventFilter) -> bool:
    """Whether an event belongs in a catalog feed (which filters by category, town, source)."""
    return (
        (where.category is None or where.category in event.categories)
        and (where.town is None or (event.town or "").lower() == where.town.lower())
        and (where.source is None or any(ref.source == where.source for ref in event.sources))
    )


def narrowed(spec: FeedSpec, extra: EventFilter) -> FeedSpec:
    """A feed with a request's query filters added; the path's own filters take precedence."""
    own = {f.name: getattr(spec.where, f.name) for f in fields(EventFilter)}
    return replace(spec, where=replace(extra, **{k: v for k, v in own.items() if v is not None}))
