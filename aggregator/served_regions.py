"""The regions a store serves: those of its sources, the first source's region first (the
default region, whose feeds and pages keep the unprefixed paths)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.regions.region import DEFAULT_REGION, Region, region_named
from aggregator.store.models import Source


def source_region(source: Source) -> Region:
    """The region a stored source's sources file named."""
    return region_named(source.config.get("region", DEFAULT_REGION))


def served_regions(session: Session) -> list[Region]:
    """The sources' regions in the order of the sources file; Landkreis Heidenheim when the
    store has no sources yet."""
    found: dict[str, Region] = {}
    for source in session.scalars(select(Source).order_by(Source.position, Source.id)):
        region = source_region(source)
        found.setdefault(region.slug, region)
    return list(found.values()) or [region_named(DEFAULT_REGION)]
