"""A region read from its file: regions/<slug>.toml and the table of places it names.

The format is documented in docs/regions.md; `check_region` (aggregator/regions/check.py) says
what is wrong with a file, line by line. Loading trusts a file that passes the check.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REGIONS_DIR = Path(__file__).resolve().parents[2] / "regions"
DEFAULT_REGION = "landkreis-heidenheim"


@dataclass(frozen=True)
class Municipality:
    name: str  # the official name, e.g. "Heidenheim an der Brenz"
    spellings: tuple[str, ...]  # other ways sources write it, e.g. "Heidenheim a. d. Brenz"
    villages: tuple[str, ...]  # its Ortsteile, e.g. "Mergelstetten"


@dataclass(frozen=True)
class PostcodeArea:
    postcode: str
    town: str
    lat: float
    lon: float


@dataclass(frozen=True, eq=False)  # one object per region file: hashed by identity, cheaply
class Region:
    slug: str
    name: str  # shown to people: "Landkreis Heidenheim"
    country: str  # ISO 3166-1 alpha-2; decides the postcode format
    timezone: str  # IANA name
    default_town: str
    bbox: tuple[float, float, float, float]  # south, west, north, east
    municipalities: tuple[Municipality, ...]
    places: tuple[PostcodeArea, ...]  # postcodes of the region and its neighbours
    not_in_names: frozenset[str]  # village names that mean something else inside a venue name
    integreat_slug: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # language code → the name in it

    def name_in(self, language: str) -> str:
        """The region's name as readers of a language know it ("District of Heidenheim"),
        else its own name."""
        return self.names.get(language, self.name)


def region_file(name: str) -> Path:
    """The file of a region named by slug (in regions/) or by path (ending in .toml)."""
    if name.endswith(".toml"):
        return Path(name)
    return REGIONS_DIR / f"{name}.toml"


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of a region's table of places, as text."""
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def load_region(path: Path) -> Region:
    """The region a (checked) region file describes."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rows = read_table(path.parent / data["places"])
    south, west, north, east = (float(edge) for edge in data["bbox"])
    return Region(
        slug=data["slug"],
        name=data["name"],
        country=data["country"],
        timezone=data["timezone"],
        default_town=data["default_town"],
        bbox=(south, west, north, east),
        municipalities=tuple(
            Municipality(
                entry["name"],
                tuple(entry.get("spellings", ())),
                tuple(entry.get("villages", ())),
            )
            for entry in data["municipalities"]
        ),
        places=tuple(
            PostcodeArea(row["postcode"], row["town"], float(row["lat"]), float(row["lon"]))
            for row in rows
        ),
        not_in_names=frozenset(data.get("not_in_names", ())),
        integreat_slug=data.get("integreat_slug"),
        names=dict(data.get("names", {})),
    )


_BY_SLUG: dict[str, Region] = {}  # every region loaded so far


@cache
def region_named(name: str = DEFAULT_REGION) -> Region:
    """A shipped region by slug, or a region file by path (loaded once)."""
    region = load_region(region_file(name))
    _BY_SLUG.setdefault(region.slug, region)
    return region


def region_by_slug(slug: str) -> Region:
    """The region of a listing's ``region``: one loaded by its file, else a shipped one."""
    return _BY_SLUG.get(slug) or region_named(slug)
