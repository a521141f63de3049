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
from aggregator.regions.active import using_region
from aggregator.regions.region import DEFAULT_REGION, region_by_slug
from aggregator.served_regions import served_regions

Profile = Literal["ics", "integreat", "json"]
F = TypeVar("F", EventFilter, ApprenticeshipFilter)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


EXPANDED_SUFFIX = "-expanded.ics"


class UnknownRegion(LookupError):
    """A region the store serves no sources of; the message names those it serves."""


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
    region = region_by_slug(where.region or DEFAULT_REGION)
    parts = [f"{where.town or region.name} – {topic}"]
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


def event_feeds(
    region: str, towns: dict[str, str], sources: Iterable[str], prefix: str = ""
) -> list[FeedSpec]:
    """Every event feed of a region: all events, per category, per town (``towns``: slug →
    name), per source, and the Integreat profile, all events and per category; each calendar
    also expanded. Paths begin with ``prefix`` ("" for the default region, else "<slug>/")."""
    every = EventFilter(region=region)
    feeds = [
        FeedSpec(f"{prefix}events.ics", every),
        FeedSpec(f"{prefix}events.json", every, "json"),
    ]
    feeds += [
        FeedSpec(f"{prefix}events/{slug}.ics", replace(every, category=slug)) for slug in CATEGORIES
    ]
    feeds += [
        FeedSpec(f"{prefix}events/town/{slug}.ics", replace(every, town=town))
        for slug, town in towns.items()
    ]
    feeds += [
        FeedSpec(f"{prefix}events/source/{id_}.ics", replace(every, source=id_)) for id_ in sources
    ]
    feeds.append(FeedSpec(f"{prefix}integreat/events.ics", every, "integreat"))
    feeds += [
        FeedSpec(f"{prefix}integreat/{slug}.ics", replace(every, category=slug), "integreat")
        for slug in CATEGORIES
    ]
    return feeds + [spec.expanded_form() for spec in feeds if spec.profile != "json"]


def region_prefix(region: str, default: str) -> str:
    """Where a region's feeds are: at the root for the default region, else under its slug."""
    return "" if region == default else f"{region}/"


@dataclass(frozen=True)
class Catalog:
    """The event feeds for what the store holds, by path, for every region it serves, and each
    region's towns by slug."""

    feeds: dict[str, FeedSpec]
    towns_of: dict[str, dict[str, str]]  # region slug → its towns (slug → name)
    regions: tuple[str, ...] = ()  # the slugs of the regions served, the default region first

    @classmethod
    def of(cls, session: Session) -> Catalog:
        """Per region: its municipalities and every event's town (the first spelling of a slug
        wins) and its sources. A town or source without events has an empty feed, so a
        subscription never breaks."""
        regions = [region.slug for region in served_regions(session)]
        feeds: dict[str, FeedSpec] = {}
        towns_of: dict[str, dict[str, str]] = {}
        for slug in regions:
            towns_of[slug] = towns = region_towns(session, slug)
            prefix = region_prefix(slug, regions[0])
            for spec in event_feeds(slug, towns, source_ids(session, slug), prefix):
                feeds[spec.path] = spec
        return cls(feeds, towns_of, tuple(regions))

    @property
    def towns(self) -> dict[str, str]:
        """The default region's towns by slug."""
        return self.towns_of.get(self.regions[0], {}) if self.regions else {}

    def town(self, value: str, region: str | None = None) -> str:
        """A town's name from its name or its slug ("koenigsbronn" → "Königsbronn"), among the
        towns of ``region`` (the default region's when None)."""
        towns = self.towns_of.get(region, {}) if region else self.towns
        return towns.get(town_slug(value), value)

    def home(self, region: str) -> str:
        """Where a region's pages begin: "" for the default region, else "/<slug>"."""
        return "" if region == self.regions[0] else f"/{region}"

    def in_region(self, where: F, region: str | None = None) -> F:
        """A filter narrowed to a served region: the default one unless ``region`` names one
        (UnknownRegion when it names none the store serves)."""
        if region is not None and region not in self.regions:
            raise UnknownRegion(f"no region '{region}' here; served: {', '.join(self.regions)}")
        return self.named(replace(where, region=region or self.regions[0]))

    def named(self, where: F) -> F:
        """A filter whose town, given by name or slug, is the town's name (in the filter's
        region)."""
        return replace(where, town=self.town(where.town, where.region)) if where.town else where


def region_towns(session: Session, region: str) -> dict[str, str]:
    """A region's towns by slug: its municipalities, then the towns its events name."""
    towns: dict[str, str] = {}
    with using_region(region_by_slug(region)):
        for town in [*municipalities(), *event_towns(session, region)]:
            towns.setdefault(town_slug(town), town)
    return dict(sorted(towns.items()))


def matches(event: EventView, where: EventFilter) -> bool:
    """Whether an event belongs in a catalog feed (which filters by region, category, town,
    source)."""
    return (
        (where.region is None or where.region == event.region)
        and (where.category is None or where.category in event.categories)
        and (where.town is None or (event.town or "").lower() == where.town.lower())
        and (where.source is None or any(ref.source == where.source for ref in event.sources))
    )


def narrowed(spec: FeedSpec, extra: EventFilter) -> FeedSpec:
    """A feed with a request's query filters added; the path's own filters take precedence."""
    own = {f.name: getattr(spec.where, f.name) for f in fields(EventFilter)}
    return replace(spec, where=replace(extra, **{k: v for k, v in own.items() if v is not None}))
