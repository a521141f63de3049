"""What every normalizer is given beside its record, and how it says a record cannot be read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aggregator.regions.region import region_named

if TYPE_CHECKING:  # aggregator.sources reads the kinds, which read this module
    from aggregator.sources import SourceConfig

PAST_DAYS, FUTURE_DAYS = 30, 365


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The published window around ``now``: 30 days back, 365 days ahead (docs/contract.md §4)."""
    return now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)


class RecordProblem(Exception):
    """A record that cannot be read; the message says what is wrong with it."""


@dataclass(frozen=True)
class Context:
    source: SourceConfig
    now: datetime

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The published window around the context's ``now`` (``feed_window``)."""
        return feed_window(self.now)

    @property
    def region(self) -> str:
        """The slug of the source's region: its listings are of that region."""
        return region_named(self.source.region).slug
