"""The region being worked on: the one a source's sources file names (`region = "…"`), else
Landkreis Heidenheim. Normalizing a source's records and listing a region's towns happen inside
``using_region``; the places module (aggregator/places/locations.py) reads its names from it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aggregator.regions.region import DEFAULT_REGION, Region, region_named

_ACTIVE: ContextVar[Region | None] = ContextVar("region", default=None)


@contextmanager
def using_region(region: Region | str) -> Iterator[Region]:
    """Work on a region (or the region named by slug or file path) for the block."""
    region = region if isinstance(region, Region) else region_named(region)
    token = _ACTIVE.set(region)
    try:
        yield region
    finally:
        _ACTIVE.reset(token)


def active_region() -> Region:
    return _ACTIVE.get() or region_named(DEFAULT_REGION)
