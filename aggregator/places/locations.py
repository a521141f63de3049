"""Places: where an event happens, tidied and mapped onto the municipalities of the region being
worked on (aggregator/regions/active.py; its file names them: aggregator/regions/region.py).

Sources describe a place as one line ("Volkshochschule, Karlstraße 12, 89518 Heidenheim") or as
separate fields (schema.org PostalAddress); `parse_location` and `normalize_place` turn both into
the same `Place`, so that listings from different sources compare equal.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from aggregator.regions.active import active_region
from aggregator.regions.region import Region

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Place:
    name: str | None = None  # venue name, e.g. "Volkshochschule Heidenheim"
    address: str | None = None  # street and number, e.g. "Giengener Straße 149"
    postcode: str | None = None  # 5 digits as a string
    town: str | None = None  # official municipality name where known
    lat: float | None = None
    lon: float | None = None


# --- Town names -------------------------------------------------------------------------------

_ONLINE = frozenset({"online", "digital", "virtuell", "livestream", "webinar", "zoom"})

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"[^\W_]+")
_EDGE_JUNK = " ,;:-–—/|"


def fold(text: str) -> str:
    """Lowercase, umlauts spelled out (ö → oe), other diacritics dropped."""
    text = unicodedata.normalize("NFC", text).casefold().translate(_UMLAUTS)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _key(text: str) -> str:
    """What spellings of one name share: folded letters and digits only."""
    return "".join(c for c in fold(text) if c.isalnum())


class _Area(NamedTuple):
    town: str
    lat: float
    lon: float


@dataclass(frozen=True)
class _Gazetteer:
    """A region's names as lookup tables: spelling keys → official municipality."""

    municipalities: tuple[str, ...]
    municipality_keys: dict[str, str]
    locality_keys: dict[str, str]  # villages
    not_in_names: frozenset[str]  # keys of villages that mean something else in a venue name
    postcode_areas: dict[str, tuple[_Area, ...]]  # main town first
    known_town_keys: frozenset[str]  # every town of the table of places


@cache
def _gazetteer_of(region: Region) -> _Gazetteer:
    areas: dict[str, list[_Area]] = {}
    for place in region.places:
        areas.setdefault(place.postcode, []).append(_Area(place.town, place.lat, place.lon))
    names = {place.town for place in region.places}
    short = {re.sub(r"\s+(?:an der|am|im|ob)\s.*|\s*\(.*", "", name) for name in names}
    return _Gazetteer(
        municipalities=tuple(m.name for m in region.municipalities),
        municipality_keys={
            _key(spelling): m.name
            for m in region.municipalities
            for spelling in (m.name, *m.spellings)
        },
        locality_keys={_key(v): m.name for m in region.municipalities for v in m.villages},
        not_in_names=frozenset(_key(name) for name in region.not_in_names),
        postcode_areas={code: tuple(towns) for code, towns in areas.items()},
        known_town_keys=frozenset(_key(name) for name in names | short),
    )


def _names() -> _Gazetteer:
    return _gazetteer_of(active_region())


def municipalities() -> tuple[str, ...]:
    """The official names of the active region's municipalities."""
    return _names().municipalities


_COMPOUND = re.compile(r"(?P<head>[^-–]+?)\s*[-–]\s*(?P<tail>.+)")  # "Heidenheim-Schnaitheim"


class _Town(NamedTuple):
    official: str
    locality: str | None  # the village the text named, kept in the place's name


def _tidy(text: str | None) -> str | None:
    """Whitespace collapsed, separators trimmed from the ends; None when no letter or digit."""
    if not text:
        return None
    tidy = " ".join(text.split()).strip(_EDGE_JUNK)
    return tidy if any(c.isalnum() for c in tidy) else None


def _lookup(text: str) -> _Town | None:
    key, names = _key(text), _names()
    if key in names.municipality_keys:
        return _Town(names.municipality_keys[key], None)
    if key in names.locality_keys:
        return _Town(names.locality_keys[key], _tidy(text))
    return None


def _resolve(text: str) -> _Town | None:
    """The region's municipality a town text names, also as "Municipality-Village"."""
    town = _lookup(text)
    if town or not (compound := _COMPOUND.fullmatch(text.strip())):
        return town
    head = _lookup(compound["head"])
    if head is None:
        return None
    return _Town(head.official, _tidy(text) if head.locality else _tidy(compound["tail"]))


def official_town(text: str | None) -> str | None:
    """The official name of a municipality of the region (also for its villages); other towns
    come back tidied but unchanged, blank ones as None."""
    tidy = _tidy(text)
    if tidy is None:
        return None
    town = _resolve(tidy)
    return town.official if town else tidy


def _town_in(name: str | None) -> str | None:
    """The region's municipality a venue name mentions ("Bürgerhaus Nattheim")."""
    keys, names = [_key(word) for word in _WORD.findall(name or "")], _names()
    for start in range(len(keys)):
        for stop in range(min(len(keys), start + 4), start, -1):
            key = "".join(keys[start:stop])
            if key in names.municipality_keys:
                return names.municipality_keys[key]
            if key in names.locality_keys and key not in names.not_in_names:
                return names.locality_keys[key]
    return None


# --- Postcodes --------------------------------------------------------------------------------


def postcode_centroid(postcode: str) -> tuple[float, float] | None:
    """Approximate centre (lat, lon) of a postcode of the region or its neighbours."""
    areas = _names().postcode_areas.get(postcode.strip())
    return (areas[0].lat, areas[0].lon) if areas else None


def _postcode_town(postcode: str | None) -> str | None:
    """The town of a postcode that belongs to exactly one town."""
    towns = {area.town for area in _names().postcode_areas.get(postcode or "", ())}
    return towns.pop() if len(towns) == 1 else None


def _postcode(value: str | None) -> str | None:
    found = re.search(r"(?<![0-9])[0-9]{5}(?![0-9])", str(value or ""))
    return found[0] if found else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


# --- Streets ----------------------------------------------------------------------------------

_STREET_END = r"(?i:stra(?:ß|ss)e|str\.?|weg|platz|gasse|allee|ring|steige|damm)"
_PREPOSITION = (
    r"(?:Am|An|Auf|Beim?|Im|In|Zum|Zur|Hinter|Unter|Ober)\s+(?:(?:der|dem|den|des|die)\s+)?"
)
_ADJECTIVE = (  # "Alte", "Giengener"
    r"(?:(?:Alte|Neue|Obere|Untere|Hintere|Vordere|Große|Kleine|Lange|Hohe)[nrs]?"
    r"|[A-ZÄÖÜ][\w-]*(?:er|ER))\s+"
)
_HOUSE_NUMBER = r"[0-9]{1,4}[a-zA-Z]?(?:\s*[-–/]\s*[0-9]{1,4}[a-zA-Z]?)?"
_STREET = re.compile(
    rf"(?<![\w.-])(?P<street>(?:{_PREPOSITION})?(?:{_ADJECTIVE})*[\w-]*{_STREET_END})"
    rf"\s*(?P<number>{_HOUSE_NUMBER})(?!\w)"
)
_ABBREVIATED = re.compile(r"(?i)str(?:\.|asse(?!\w)|(?=\s*[0-9]))")  # "Str.", "Strasse"


def _spelled_out(match: re.Match[str]) -> str:
    found = match[0]
    if found.isupper():
        return "STRASSE"
    return "Straße" if found[0].isupper() else "straße"


def _street(address: str | None) -> str | None:
    tidy = _tidy(address)
    return _ABBREVIATED.sub(_spelled_out, tidy) if tidy else None


# --- One-line locations -----------------------------------------------------------------------

_SEGMENT_BREAK = re.compile(r"[,;|\n\r]+")
_POSTCODE_TOWN = re.compile(r"(?<!\w)(?P<postcode>[0-9]{5})\s+(?P<town>[^\W\d_].*)")
_PARENTHESES = re.compile(r"\((?P<inner>[^()]*)\)")


def _is_town(text: str) -> bool:
    return _resolve(text) is not None or _key(text) in _names().known_town_keys


def _split_town(text: str) -> tuple[str, str]:
    """The town after a postcode and the rest ("Heidenheim Stadtbibliothek"); a town nobody
    knows is taken whole."""
    words = text.split()
    for stop in range(len(words), 0, -1):
        if _is_town(candidate := " ".join(words[:stop])):
            return candidate, " ".join(words[stop:])
    return text, ""


@dataclass
class _Pieces:
    """What one location text has been sorted into so far."""

    names: list[str] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)
    address: str | None = None
    postcode: str | None = None
    postcode_town: str | None = None

    def take(self, text: str) -> None:
        """Sort one segment in; what is neither street, postcode nor town is part of the name."""
        segment = _tidy(text)
        if segment is None:
            return
        if self.address is None and (street := _STREET.search(segment)):
            self.address = f"{street['street']} {''.join(street['number'].split())}"
            self.take(segment[: street.start()])
            self.take(segment[street.end() :])
        elif self.postcode is None and (code := _POSTCODE_TOWN.search(segment)):
            self.postcode = code["postcode"]
            self.postcode_town, rest = _split_town(code["town"])
            self.take(segment[: code.start()])
            self.take(rest)
        elif self.postcode is None and segment in _names().postcode_areas:
            self.postcode = segment
        elif (inner := _PARENTHESES.search(segment)) and _is_town(inner["inner"]):
            self.towns.append(inner["inner"])
            self.take(segment[: inner.start()] + segment[inner.end() :])
        elif _is_town(segment):
            self.towns.append(segment)
        else:
            self.names.append(segment)


def parse_location(text: str | None, *, default_town: str | None = None) -> Place:
    """A Place from a one-line (or multi-line) location such as
    "Volkshochschule, Karlstraße 12, 89518 Heidenheim"; text that is not recognised as street,
    postcode or town stays in the name."""
    pieces = _Pieces()
    for segment in _SEGMENT_BREAK.split(text or ""):
        pieces.take(segment)
    town = pieces.postcode_town or (pieces.towns.pop() if pieces.towns else None)
    return normalize_place(
        name=", ".join(pieces.names + pieces.towns) or None,
        address=pieces.address,
        postcode=pieces.postcode,
        town=town,
        default_town=default_town,
    )


# --- Structured places ------------------------------------------------------------------------


def _with_locality(name: str | None, locality: str | None) -> str | None:
    """The name, mentioning the village a town text named unless it already does."""
    if locality is None or (name and _key(locality) in _key(name)):
        return name
    return f"{name}, {locality}" if name else locality


def _is_online(name: str | None) -> bool:
    return any(_key(word) in _ONLINE for word in _WORD.findall(name or ""))


def _coordinates(lat: float | str | None, lon: float | str | None) -> tuple[float, float] | None:
    """Both coordinates, or None (missing, unreadable, out of range or the 0,0 placeholder)."""
    if lat is None or lon is None:
        return None
    try:
        point = (float(lat), float(lon))
    except ValueError:
        return None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180) or point == (0.0, 0.0):
        return None
    return point


def normalize_place(
    *,
    name: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
    town: str | None = None,
    lat: float | str | None = None,
    lon: float | str | None = None,
    default_town: str | None = None,
) -> Place:
    """A Place from separate fields, tidied: official town name (a village named as the town is
    kept in the name), "Str." spelled out, a 5-digit postcode, coordinates only as a valid pair.

    A missing town comes from the postcode (unless shared by several towns), else from a region
    town the name mentions, else `default_town` — which is skipped when a postcode is known (the
    place may lie elsewhere) or the place is online.
    """
    name, code, town = _tidy(name), _postcode(postcode), _tidy(town)
    resolved = _resolve(town) if town else None
    if resolved:
        town, name = resolved.official, _with_locality(name, resolved.locality)
    if town is None:
        town = _postcode_town(code) or _town_in(name)
    if town is None and code is None and not _is_online(name):
        town = official_town(default_town)
    point = _coordinates(lat, lon)
    return Place(name, _street(address), code, town, *(point or (None, None)))
