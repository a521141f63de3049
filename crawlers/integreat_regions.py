"""The regions of an Integreat CMS (``GET {base}/api/v3/regions/``): what
``lotse sources integreat-regions`` lists, to find the slug an `integreat` source's URL needs
(``{base}/api/v3/{slug}/{language}/events/``).

Each region the CMS lists has ``path`` (the slug), ``name`` (with its prefix, "Landkreis …"),
``name_without_prefix``, ``prefix``, ``plz``, ``aliases`` (other names: towns of the region),
``events`` (whether the region publishes events) and, in newer versions, ``languages``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError
from urllib.request import Request, urlopen

from aggregator.places.locations import fold
from crawlers.settings import DOWNLOAD_MAXSIZE, USER_AGENT

DEFAULT_BASE = "https://cms.integreat-app.de"
TIMEOUT = 30  # seconds


class RegionsUnreadable(Exception):
    """The regions list could not be had or read; the message says what was expected."""


@dataclass(frozen=True)
class Region:
    slug: str
    name: str
    postcode: str | None
    events: bool | None  # None: the CMS did not say
    aliases: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def events_url(self, base: str, language: str = "de") -> str:
        """The URL an `integreat` source of this region is given."""
        return f"{base.rstrip('/')}/api/v3/{self.slug}/{language}/events/"

    def describe(self, base: str) -> str:
        """Two lines: slug, name and facts; the ``url`` line for the sources file."""
        events = {True: "events", False: "no events", None: "events?"}[self.events]
        facts = "; ".join(filter(None, [self.postcode, events, " ".join(self.languages)]))
        return f'{self.slug}\t{self.name} ({facts})\n    url = "{self.events_url(base)}"'


def fetch_regions(base: str = DEFAULT_BASE) -> list[Region]:
    """Every region the CMS at ``base`` lists."""
    url = f"{base.rstrip('/')}/api/v3/regions/"
    request = Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    try:
        with urlopen(request, timeout=TIMEOUT) as response:
            body = response.read(DOWNLOAD_MAXSIZE + 1)
    except (URLError, OSError) as error:
        raise RegionsUnreadable(f"{url}: {error}") from error
    if len(body) > DOWNLOAD_MAXSIZE:
        raise RegionsUnreadable(f"{url}: the answer is larger than {DOWNLOAD_MAXSIZE} bytes")
    return read_regions(body, url)


def read_regions(body: bytes | str, where: str) -> list[Region]:
    """The regions of an answer: a JSON list of objects with at least ``path`` and ``name``."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise RegionsUnreadable(f"{where}: not JSON ({error})") from error
    if not isinstance(data, list):
        kind = type(data).__name__
        raise RegionsUnreadable(f"{where}: expected a JSON list of regions, got a JSON {kind}")
    regions = [_region(item) for item in data if _is_region(item)]
    if data and not regions:
        raise RegionsUnreadable(f"{where}: no item has the region fields 'path' and 'name'")
    return sorted(regions, key=lambda region: region.slug)


def matching(regions: Iterable[Region], search: str | None) -> list[Region]:
    """The regions whose slug, name, postcode or aliases contain ``search`` (umlauts and case
    aside: "Koenigsbronn" finds "Königsbronn"); all of them without a search."""
    if not search:
        return list(regions)
    wanted = fold(search.strip())
    return [
        region
        for region in regions
        if any(wanted in fold(text) for text in (region.slug, region.name, region.postcode or ""))
        or any(wanted in fold(alias) for alias in region.aliases)
    ]


def _is_region(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("path"), str) and bool(item.get("name"))


def _region(item: dict[str, Any]) -> Region:
    aliases = item.get("aliases")
    languages = item.get("languages")
    return Region(
        slug=item["path"].strip("/"),
        name=str(item["name"]),
        postcode=None if item.get("plz") is None else str(item["plz"]),
        events=item["events"] if isinstance(item.get("events"), bool) else None,
        aliases=tuple(str(alias) for alias in aliases) if isinstance(aliases, dict | list) else (),
        languages=tuple(
            str(language["code"])
            for language in (languages if isinstance(languages, list) else [])
            if isinstance(language, dict) and language.get("code")
        ),
    )
