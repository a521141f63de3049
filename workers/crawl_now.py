"""'Jetzt abrufen': crawl and ingest one source now, off the request.

In-process (no broker) it runs the same steps as the worker task in a background thread; with
LOTSE_BROKER_URL set it sends `workers.tasks.crawl_source` to the workers. The served feeds
follow the store at once; the static files follow with the next full pass.
"""

from __future__ import annotations

import logging
import threading
import uuid

from aggregator.config import Settings
from aggregator.store import Store
from crawlers.crawl import crawl_sources
from web.context import Clock
from workers.steps import crawl_jobs, ingest_result

log = logging.getLogger(__name__)


class CrawlStarter:
    """Starts crawls of single sources, at most one at a time per source in this process
    (web.context.Crawls)."""

    def __init__(self, store: Store, clock: Clock, settings: Settings) -> None:
        self.store, self.clock = store, clock
        self.broker_url = settings.broker_url
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def start(self, source_id: str) -> bool:
        """Start a crawl of the source; False when this process is crawling it already."""
        pass_id = f"desk-{uuid.uuid4().hex}"
        if self.broker_url:
            from workers.tasks import crawl_source

            crawl_source.delay(source_id, pass_id, self.clock().isoformat())
            return True
        with self._lock:
            if source_id in self._running:
                return False
            self._running.add(source_id)
        worker = threading.Thread(
            target=self._crawl, args=(source_id, pass_id), name=f"crawl-{source_id}", daemon=True
        )
        worker.start()
        return True

    def running(self, source_id: str) -> bool:
        with self._lock:
            return source_id in self._running

    def _crawl(self, source_id: str, pass_id: str) -> None:
        try:
            result = crawl_sources(crawl_jobs(self.store, [source_id]))[source_id]
            ingest_result(self.store, result, pass_id=pass_id, now=self.clock())
        except Exception:
            log.exception("crawl of %s started from the desk failed", source_id)
        finally:
            with self._lock:
                self._running.discard(source_id)
