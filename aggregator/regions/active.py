"""The region being worked on: the one a source's sources file names (`region = "…"`), else
Landkreis Heidenheim. Normalizing a source's records and publishing a pass happen inside
``using_region``; the places module (aggregator/places/locations.py) reads its names from it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aggregator.regions.region import DEFAULT_REGION, Region, region_named

_ACTIVE: ContextVar[str] = ContextVar("region", default=DEFAULT_REGION)


@contextmanager
def using_region(name: str) -> Iterator[Region]:
    """Work on the region named by slug or file path for the block."""
    region = region_named(name)
    token = _ACTIVE.set(name)
    try:
        yield region
    finally:
        _ACTIVE.reset(token)


def active_region() -> Region:
    return region_named(_ACTIVE.get())
