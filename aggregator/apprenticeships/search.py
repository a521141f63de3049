"""Search open apprenticeships as a newcomer would: a trade, a town, how far from a postcode.

- ``where.q``: every word must occur in the occupation, the title or the company. Words are read
  like occupation names ("Kauffrau" finds "Kaufmann/-frau", "Elektronikerin" finds
  "Elektroniker/in") and a word also finds its regional names and trades (``TRADE_WORDS``:
  "Schreiner" finds "Tischler/in", "Holz" finds "Zimmerer/in").
- ``where.town``: the official name or any spelling or slug of it ("Giengen a.d. Brenz").
- ``postcode`` and ``km``: the distance from the postcode's centre (the region's table of
  places, regions/<slug>.places.csv: the region and its neighbours) to the posting's
  coordinates, which are the source's or else its postcode's centre; ``km`` keeps those
  within that many kilometres.
- ``year``: the year the apprenticeship starts.
- ``where.source``, ``where.date_from``, ``where.date_to``: as the feeds filter
  (aggregator.events.queries: the dates bound the start date).
- ``sort``: ``distance`` (nearest first; the default with a postcode) or ``start`` (earliest
  first); unknown values last. Without either the order is that of apprenticeships.json.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.orm import Session

from aggregator.apprenticeships.matching import company_key, occupation_words
from aggregator.apprenticeships.queries import ApprenticeshipFilter, open_apprenticeships
from aggregator.apprenticeships.view import ApprenticeshipView
from aggregator.places.locations import distance_km, fold, official_town, postcode_centroid
from aggregator.regions.active import active_region

DISTANCE, START = "distance", "start"
MIN_WORD = 3
# a word a newcomer types → what else it finds (folded: umlauts spelled out, lowercase)
TRADE_WORDS: dict[str, tuple[str, ...]] = {
    "schreiner": ("tischler",),
    "tischler": ("schreiner",),
    "holz": ("tischler", "schreiner", "zimmerer"),
    "metzger": ("fleischer",),
    "fleischer": ("metzger",),
    "klempner": ("spengler", "flaschner", "anlagenmechaniker"),
    "spengler": ("klempner", "flaschner", "anlagenmechaniker"),
    "flaschner": ("klempner", "spengler", "anlagenmechaniker"),
    "sanitaer": ("anlagenmechaniker",),
    "heizung": ("anlagenmechaniker",),
    "auto": ("kfz", "fahrzeug"),
    "elektrik": ("elektro",),
    "metall": ("metallbau", "feinwerkmechaniker", "industriemechaniker"),
    "gastronomie": ("koch", "hotel", "restaurant"),
    "lebensmittel": ("baecker", "konditor", "fleischer"),
    "handel": ("verkaeufer", "einzelhandel"),
}


class SearchError(ValueError):
    """A search that cannot be answered as asked; the message says why."""


@dataclass(frozen=True)
class ApprenticeshipSearch:
    where: ApprenticeshipFilter = field(default_factory=ApprenticeshipFilter)
    postcode: str | None = None
    km: float | None = None
    year: int | None = None
    sort: str | None = None  # DISTANCE, START, or None


@dataclass(frozen=True)
class Hit:
    item: ApprenticeshipView
    distance_km: float | None  # from the search's postcode; None without one


def search_apprenticeships(session: Session, search: ApprenticeshipSearch) -> list[Hit]:
    """The open, published apprenticeships the search asks for, in its order."""
    if search.sort is not None and search.sort not in SORTS:
        raise SearchError(f"sort={search.sort!r} is neither {DISTANCE!r} nor {START!r}")
    origin = _origin(search)
    sort = search.sort or (DISTANCE if origin else None)
    if sort == DISTANCE and origin is None:
        raise SearchError("sort=distance needs a postcode to measure from")
    wanted = _words(search.where.q)
    town = _town_key(official_town(search.where.town)) if search.where.town else None
    hits = []
    for item in open_apprenticeships(session, replace(search.where, town=None, q=None)):
        if town is not None and _town_key(item.town) != town:
            continue
        if search.year is not None and not _starts_in(item, search.year):
            continue
        if wanted and not _has_words(item, wanted):
            continue
        distance = _distance(origin, item)
        if search.km is not None and (distance is None or distance > search.km):
            continue
        hits.append(Hit(item, distance))
    return sorted(hits, key=SORTS[sort]) if sort else hits


def _origin(search: ApprenticeshipSearch) -> tuple[float, float] | None:
    if search.postcode is None:
        if search.km is not None:
            raise SearchError("km needs a postcode to measure from")
        return None
    origin = postcode_centroid(search.postcode)
    if origin is None:
        raise SearchError(
            f"no centre known for postcode {search.postcode} "
            f"(the table covers {active_region().name} and its neighbours)"
        )
    return origin


def _distance(origin: tuple[float, float] | None, item: ApprenticeshipView) -> float | None:
    if origin is None or item.lat is None or item.lon is None:
        return None
    return distance_km(origin, (item.lat, item.lon))


def _starts_in(item: ApprenticeshipView, year: int) -> bool:
    return item.start_date is not None and item.start_date.year == year


def _words(text: str | None) -> list[tuple[str, ...]]:
    """Each word of the query with what else it finds."""
    words = [word for word in occupation_words(text) if len(word) >= MIN_WORD]
    return [(word, *TRADE_WORDS.get(word, ())) for word in words]


def _has_words(item: ApprenticeshipView, wanted: list[tuple[str, ...]]) -> bool:
    words = [*occupation_words(item.occupation), *occupation_words(item.title)]
    text = " ".join([*words, company_key(item.company)])
    return all(any(alternative in text for alternative in word) for word in wanted)


def _town_key(town: str | None) -> str:
    return "".join(c for c in fold(town or "") if c.isalnum())


def _by_distance(hit: Hit) -> tuple[object, ...]:
    return (_last(hit.distance_km), _by_start(hit))


def _by_start(hit: Hit) -> tuple[object, ...]:
    start = hit.item.start_date
    return (start is None, start or date.max, hit.item.occupation, hit.item.id)


def _last(value: float | None) -> tuple[bool, float]:
    return (value is None, value if value is not None else math.inf)


SORTS: dict[str, Callable[[Hit], tuple[object, ...]]] = {DISTANCE: _by_distance, START: _by_start}
