"""Regions: one pass over 10 regions × the demo county's sources on 2 workers, per region.

Ten region files (copies of Landkreis Heidenheim's under other slugs) each get the demo
county's sources, served on 127.0.0.1 from examples/demo/site, and one pass runs them all on
real Celery workers (a private redis-server, a fresh PostgreSQL database). Printed: when each
region's last source was done, the pass's total, and the same pass on 1 worker as the
baseline: regions crawl side by side, none waits for another to finish.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REGIONS = 10
WORKERS = (1, 2)


def run() -> None:
    from aggregator.sources import load_sources
    from lotse.demo import DEMO, DEMO_HOST, serve_site
    from tests.support.services import redis_server

    site = serve_site(DEMO / "site")
    base = f"http://127.0.0.1:{site.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="lotse-regions-") as folder, redis_server() as redis:
        os.environ["LOTSE_BROKER_URL"] = redis.url()  # before workers.app is imported
        regions = _region_files(Path(folder))
        configs = [
            replace(
                config,
                id=f"{config.id}-{slug}",
                url=config.url.replace(f"http://{DEMO_HOST}", base),
                region=str(path),
            )
            for slug, path in regions.items()
            for config in load_sources(DEMO / "sources.toml")
        ]
        print(f"   {REGIONS} regions × {len(configs) // REGIONS} demo sources = {len(configs)}")
        totals = {}
        for workers in WORKERS:
            totals[workers], finished = _timed_pass(configs, redis.url(), workers)
            if workers == 2:
                for slug in regions:
                    ends = [t for source_id, t in finished.items() if source_id.endswith(slug)]
                    print(f"   {slug}: all its sources done after {max(ends):5.1f} s")
            plural = "s" if workers > 1 else " "
            print(f"   {workers} worker{plural}: the pass {totals[workers]:5.1f} s")
        print(f"   2 workers against 1: {totals[1] / totals[2]:.2f}× as fast")
    site.shutdown()


def _timed_pass(configs: list, broker_url: str, workers: int) -> tuple[float, dict[str, float]]:
    """The pass's seconds, and when each source's ingest was done (seconds from the start, as
    its crawl run appeared in the store)."""
    from sqlalchemy import select

    from aggregator.store import Store
    from aggregator.store.models import CrawlRun
    from benchmarks.workers import _pass_on
    from tests.conftest import PG_ADMIN
    from tests.support.services import fresh_database

    finished: dict[str, float] = {}  # time.monotonic() when each source's run appeared
    with fresh_database(PG_ADMIN) as database_url:
        watcher = Store(database_url)

        def watch(_workers: object) -> None:
            while len(finished) < len(configs):
                with watcher.transaction() as session:
                    for source_id in session.scalars(select(CrawlRun.source_id)):
                        finished.setdefault(source_id, time.monotonic())
                time.sleep(0.25)

        done = _pass_on(configs, database_url, broker_url, workers, meanwhile=watch)
        watcher.dispose()
    bad = [s.source_id for s in done.summaries if s.status not in ("ok", "alarm")]
    if bad:
        raise RuntimeError(f"the benchmark's sources failed: {', '.join(bad)}")
    began = done.ended - done.seconds
    return done.seconds, {source_id: at - began for source_id, at in finished.items()}


def _region_files(folder: Path) -> dict[str, Path]:
    """Ten regions: Heidenheim's file and table under the slugs region-01 … region-10."""
    from aggregator.regions.region import REGIONS_DIR

    source = REGIONS_DIR / "landkreis-heidenheim.toml"
    shutil.copy(REGIONS_DIR / "landkreis-heidenheim.places.csv", folder)
    files = {}
    for number in range(1, REGIONS + 1):
        slug = f"region-{number:02d}"
        text = source.read_text(encoding="utf-8")
        text = text.replace('slug = "landkreis-heidenheim"', f'slug = "{slug}"')
        path = folder / f"{slug}.toml"
        path.write_text(text, encoding="utf-8")
        files[slug] = path
    return files
