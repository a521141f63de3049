"""`lotse regions check FILE`: every problem of a region file, each naming the file and line.

Checked: the file is TOML with the keys docs/regions.md lists and no others; the time zone is
an IANA name whose present rules a VTIMEZONE can state as yearly rules; the bounding box is
south < north, west < east; the default town is one of the municipalities; no spelling or
village belongs to two municipalities; names are given in the pages' languages; the table of
places has postcodes in the country's format and centroids inside the bounding box.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aggregator.languages import LANGUAGES
from aggregator.regions.zone_rules import NoYearlyRule, zone_rules

REQUIRED = {"name", "slug", "country", "timezone", "default_town", "bbox", "places"}
OPTIONAL = {"integreat_slug", "not_in_names", "municipalities", "names"}
MUNICIPALITY_KEYS = {"name", "spellings", "villages"}
TABLE_COLUMNS = ("postcode", "town", "lat", "lon")
POSTCODE_FORMATS = {  # ISO country → the shape of its postcodes
    "DE": re.compile(r"[0-9]{5}"),
    "AT": re.compile(r"[0-9]{4}"),
    "CH": re.compile(r"[0-9]{4}"),
}
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def check_region(path: Path) -> list[str]:
    """Every problem of the region file at ``path``, as "FILE:LINE: what is wrong"."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [f"{path}: cannot read: {error}"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return [f"{path}: not valid TOML: {error}"]
    lines = _Lines(path, text)
    problems = list(_keys(data, lines)) + list(_values(data, lines))
    problems += _municipalities(data.get("municipalities", []), lines)
    if isinstance(data.get("places"), str):
        problems += _table(path.parent / data["places"], data)
    return problems


class _Lines:
    """Where in the file a key or a quoted value stands (TOML parsers keep no line numbers)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.lines = path, text.splitlines()

    def of(self, needle: str, after: int = 0) -> int:
        """The number of the first line after line ``after`` holding ``needle`` (0: none)."""
        for number, line in enumerate(self.lines[after:], start=after + 1):
            if needle in line.split("#", 1)[0]:
                return number
        return 0

    def problem(self, needle: str, message: str, after: int = 0) -> str:
        line = self.of(needle, after)
        return f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}"


def _keys(data: dict[str, Any], lines: _Lines) -> Iterator[str]:
    for key in sorted(REQUIRED - data.keys()):
        yield f"{lines.path}: '{key}' is missing"
    for key in sorted(data.keys() - REQUIRED - OPTIONAL):
        yield lines.problem(f"{key} =", f"unknown key '{key}'")


def _values(data: dict[str, Any], lines: _Lines) -> Iterator[str]:
    for key in ("name", "slug", "country", "timezone", "default_town", "places"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            yield lines.problem(f"{key} =", f"'{key}' must be a text")
    if isinstance(data.get("slug"), str) and not SLUG.fullmatch(data["slug"]):
        yield lines.problem("slug =", "'slug' must be lowercase letters, digits and hyphens")
    if isinstance(data.get("country"), str) and data["country"] not in POSTCODE_FORMATS:
        known = ", ".join(POSTCODE_FORMATS)
        yield lines.problem("country =", f"unknown country '{data['country']}' (known: {known})")
    if isinstance(data.get("timezone"), str):
        try:
            ZoneInfo(data["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            yield lines.problem("timezone =", f"unknown time zone '{data['timezone']}'")
        else:
            try:
                zone_rules(data["timezone"])
            except NoYearlyRule as error:
                yield lines.problem("timezone =", f"cannot be written as yearly rules: {error}")
    yield from _bbox(data.get("bbox"), lines)
    yield from _names(data.get("names", {}), lines)
    names = {m.get("name") for m in data.get("municipalities", []) if isinstance(m, dict)}
    if isinstance(data.get("default_town"), str) and data["default_town"] not in names:
        yield lines.problem("default_town =", "'default_town' is none of the municipalities")


def _bbox(bbox: Any, lines: _Lines) -> Iterator[str]:
    if bbox is None:
        return
    edges = bbox if isinstance(bbox, list) else []
    if len(edges) != 4 or not all(isinstance(e, int | float) for e in edges):
        yield lines.problem("bbox =", "'bbox' must be [south, west, north, east] in degrees")
        return
    south, west, north, east = edges
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        yield lines.problem("bbox =", "'bbox' needs south < north and west < east, in degrees")


def _names(names: Any, lines: _Lines) -> Iterator[str]:
    if not isinstance(names, dict):
        yield lines.problem("names", "'names' must be a table: language code = name")
        return
    for code, name in names.items():
        if code not in LANGUAGES:
            known = ", ".join(LANGUAGES)
            yield lines.problem(f"{code} =", f"unknown language '{code}' in names (known: {known})")
        elif not (isinstance(name, str) and name.strip()):
            yield lines.problem(f"{code} =", f"the name in '{code}' must be a text")


def _municipalities(entries: Any, lines: _Lines) -> list[str]:
    if not isinstance(entries, list) or not entries:
        return [f"{lines.path}: needs at least one [[municipalities]] table"]
    problems: list[str] = []
    owner: dict[str, str] = {}  # folded spelling or village → its municipality
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.append(f"{lines.path}: a [[municipalities]] table without a 'name'")
            continue
        for key in sorted(entry.keys() - MUNICIPALITY_KEYS):
            problems.append(lines.problem(f"{key} =", f"unknown key '{key}' in a municipality"))
        block = lines.of(f'name = "{entry["name"]}"')  # the municipality's own table
        names = [entry["name"], *entry.get("spellings", []), *entry.get("villages", [])]
        for name in names:
            if not isinstance(name, str):
                problems.append(lines.problem(entry["name"], f"{name!r} is not a text", block))
                continue
            key = " ".join(name.casefold().split())
            if key in owner and owner[key] != entry["name"]:
                both = f"'{name}' belongs to both '{owner[key]}' and '{entry['name']}'"
                problems.append(lines.problem(f'"{name}"', both, max(block - 1, 0)))
            owner.setdefault(key, entry["name"])
    return problems


def _table(path: Path, data: dict[str, Any]) -> list[str]:
    """The table of places: its columns, postcode format, numbers and centroids in the box."""
    try:
        file = path.open(encoding="utf-8", newline="")
    except OSError as error:
        return [f"{path}: cannot read the table of places: {error.strerror}"]
    form = POSTCODE_FORMATS.get(data.get("country", ""))
    bbox = data.get("bbox")
    box = bbox if isinstance(bbox, list) and len(bbox) == 4 else None
    problems: list[str] = []
    with file:
        reader = csv.DictReader(file)
        if tuple(reader.fieldnames or ()) != TABLE_COLUMNS:
            return [f"{path}:1: the columns must be {','.join(TABLE_COLUMNS)}"]
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if form and not form.fullmatch(row["postcode"] or ""):
                country = data.get("country")
                problems.append(
                    f"{where}: postcode '{row['postcode']}' is not a {country} postcode"
                )
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
            except (TypeError, ValueError):
                problems.append(f"{where}: lat and lon must be numbers")
                continue
            if box and not (box[0] <= lat <= box[2] and box[1] <= lon <= box[3]):
                problems.append(f"{where}: {row['town']} ({lat}, {lon}) lies outside the bbox")
    return problems
