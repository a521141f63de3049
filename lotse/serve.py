"""The web app as `lotse serve` and `make demo` run it: wired to the workers and the crawlers.

The web app (web/) never imports the workers; this hands it what it needs from them and from
the crawlers: starting a crawl of one source from the desk, trying a URL for "Quelle
hinzufügen" (crawlers/try_source.py, as `lotse sources try`), the sources file the desk
changes, and the workers' metrics for /metrics.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette

from aggregator.config import Settings
from aggregator.source_trial import Trial
from aggregator.sources_edit import Destination
from aggregator.store import Store
from crawlers.try_source import try_url
from web.context import Clock, TrySource, utc_now
from web.server import create_app
from workers.crawl_now import CrawlStarter
from workers.metrics import worker_metrics

# how long a server process takes the store's version as current: a pass's new feeds reach
# every process of `lotse serve` within this time, a 304 meanwhile costs no database round trip
VERSION_TTL = float(os.environ.get("LOTSE_VERSION_TTL", "2"))


def sources_file() -> Path:
    """The sources file beat follows: LOTSE_SOURCES, else sources.toml in the working folder."""
    return Path(os.environ.get("LOTSE_SOURCES") or "sources.toml")


def serving_app(
    store: Store, settings: Settings, *, clock: Clock = utc_now, sources: Path | None = None
) -> Starlette:
    """``sources``: the file the desk adds sources to and changes them in (None: it does not)."""
    return create_app(
        store,
        clock=clock,
        crawls=CrawlStarter(store, clock, settings),
        extra_metrics=worker_metrics(settings.broker_url),
        version_ttl=VERSION_TTL,
        sources_file=sources,
        try_source=source_trials(clock) if sources is not None else None,
    )


def source_trials(clock: Clock) -> TrySource:
    """`lotse sources try` for the desk, on the server's clock."""

    def trial(url: str, *, allow_private: bool, into: Destination) -> Trial:
        return try_url(url, now=clock(), allow_private=allow_private, into=into)

    return trial
