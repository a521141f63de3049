"""The web app as `lotse serve` and `make demo` run it: wired to the workers.

The web app (web/) never imports the workers; this hands it the two things it needs from
them: starting a crawl of one source from the desk, and the workers' metrics for /metrics.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

from aggregator.config import Settings
from aggregator.store import Store
from web.context import Clock, utc_now
from web.server import create_app
from workers.crawl_now import CrawlStarter
from workers.metrics import worker_metrics

# how long a server process takes the store's version as current: a pass's new feeds reach
# every process of `lotse serve` within this time, a 304 meanwhile costs no database round trip
VERSION_TTL = float(os.environ.get("LOTSE_VERSION_TTL", "2"))


def serving_app(store: Store, settings: Settings, *, clock: Clock = utc_now) -> Starlette:
    return create_app(
        store,
        clock=clock,
        crawls=CrawlStarter(store, clock, settings),
        extra_metrics=worker_metrics(settings.broker_url),
        version_ttl=VERSION_TTL,
    )
