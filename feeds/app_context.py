"""What every group of HTTP routes gets: the store, the clock, the render cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from aggregator.store import Store
from aggregator.store.models import Apprenticeship, Event, ReviewLog, Source
from feeds.http_cache import RenderCache

Clock = Callable[[], datetime]
Version = tuple[object, ...]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    store: Store
    clock: Clock = utc_now
    cache: RenderCache = field(default_factory=RenderCache)

    def version(self) -> Version:
        """Changes whenever a listing or the list of sources changes, with every staff decision
        (approving changes what a feed shows, not the listing), and daily (the window moves)."""
        parts = [
            func.max(Event.updated_at),
            func.count(Event.id),
            func.max(Apprenticeship.updated_at),
            func.count(Apprenticeship.id),
            func.count(Source.id),
            func.max(ReviewLog.id),
        ]
        with self.store.engine.connect() as connection:  # one round trip, no transaction
            row = connection.execute(select(*(select(part).scalar_subquery() for part in parts)))
            stamp = tuple(row.one())
        return (*stamp, self.clock().date())
