"""Subscribe links for the pages: the catalog's event feeds as ``webcal://`` addresses, which
calendar apps (Apple, Outlook, Thunderbird, most phones) open as a subscription."""

from __future__ import annotations

from dataclasses import dataclass, replace

from aggregator.categories import CATEGORIES
from aggregator.events.queries import EventFilter
from feeds.catalog import Catalog


@dataclass(frozen=True)
class Subscription:
    where: EventFilter
    url: str  # webcal://host/path


def webcal(base_url: str, path: str) -> str:
    """The ``webcal://`` form of a feed's address under ``base_url`` ("http://host/")."""
    return "webcal://" + base_url.split("://", 1)[1].rstrip("/") + "/" + path


def subscription(known: Catalog, base_url: str, where: EventFilter) -> Subscription | None:
    """The subscription to the catalog's calendar with exactly these filters (in the filter's
    region, the default one when it names none), if there is one."""
    where = known.in_region(where, where.region)
    for spec in known.feeds.values():
        if spec.profile == "ics" and not spec.expanded and spec.where == where:
            return Subscription(where, webcal(base_url, spec.path))
    return None


def subscriptions(
    known: Catalog, base_url: str, region: str
) -> tuple[list[Subscription], list[Subscription]]:
    """A region's calendars: one per category and one per town, in that order."""
    every = EventFilter(region=region)
    by_category = [subscription(known, base_url, replace(every, category=c)) for c in CATEGORIES]
    towns = known.towns_of[region].values()
    by_town = [subscription(known, base_url, replace(every, town=t)) for t in towns]
    return [s for s in by_category if s], [s for s in by_town if s]


def chosen(known: Catalog, base_url: str, where: EventFilter) -> list[Subscription]:
    """The calendars for what a visitor chose: a topic, a town, both (two calendars: the feeds
    do not combine them), or everything."""
    every = EventFilter(region=where.region)
    wanted = [replace(every, category=where.category), replace(every, town=where.town)]
    found = [subscription(known, base_url, w) for w in wanted if w != every]
    found = found or [subscription(known, base_url, every)]
    return [s for s in found if s]
