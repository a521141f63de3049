"""What every group of HTTP routes gets: the store, the clock, the render cache, and what the
app's builder hands in (crawling a source now, trying a URL, the sources file, metrics beyond the
store's): the web app never imports the workers or the CLI."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, select

from aggregator.source_trial import Trial
from aggregator.sources_edit import Destination
from aggregator.store import Store
from aggregator.store.models import Apprenticeship, Event, ReviewLog, Source
from web.http_cache import RenderCache
from web.prometheus import Metric

Clock = Callable[[], datetime]
Version = tuple[object, ...]
Metrics = Callable[[], list[Metric]]


class Crawls(Protocol):
    """'Jetzt abrufen': crawl one source now, off the request (workers.crawl_now)."""

    def start(self, source_id: str) -> bool:
        """Start a crawl of the source; False when one is running already."""
        ...

    def running(self, source_id: str) -> bool: ...


class TrySource(Protocol):
    """'Quelle hinzufügen': what a URL is and its first items, stored nowhere (the function
    behind `lotse sources try`); ``into``: the sources file the entry is proposed for."""

    def __call__(self, url: str, *, allow_private: bool, into: Destination) -> Trial: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    store: Store
    clock: Clock = utc_now
    cache: RenderCache = field(default_factory=RenderCache)
    crawls: Crawls | None = None  # None: the desk offers no "Jetzt abrufen"
    # the file `lotse run` and beat read their sources from; None: the desk changes no source
    sources_file: Path | None = None
    try_source: TrySource | None = None  # None: the desk adds no source
    extra_metrics: Metrics | None = None  # the workers' task metrics, where there are workers
    # seconds a version read from the store is taken as current (0: read it on every request)
    version_ttl: float = 0.0
    _known: tuple[float, date, Version] | None = field(default=None, init=False, repr=False)

    def version(self) -> Version:
        """The store's version, as ``read_version`` gives it; with ``version_ttl`` kept in
        memory that long, so a conditional request that matches costs no database round trip.
        A change made elsewhere (a worker's pass, another server process) reaches this process
        within ``version_ttl``; this process's own writes (the desk) call ``forget_version``."""
        if self.version_ttl <= 0:
            return self.read_version()
        today, known = self.clock().date(), self._known
        fresh = known is not None and time.monotonic() - known[0] < self.version_ttl
        if known is not None and fresh and known[1] == today:
            return known[2]
        version = self.read_version()
        self._known = (time.monotonic(), today, version)
        return version

    def forget_version(self) -> None:
        """The next request reads the version from the store again."""
        self._known = None

    def read_version(self) -> Version:
        """Changes whenever a listing or the list of sources changes, with every staff decision
        (approving changes what a feed shows, not the listing), and daily (the window moves)."""
        parts: list[ColumnElement[Any]] = [
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
