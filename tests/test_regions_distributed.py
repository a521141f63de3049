"""Several regions on one set of workers: a source of one region that takes long holds up the
ingests of its own region only (docs/regions.md). Real workers on a private Redis and a fresh
PostgreSQL database, the default timings, `lotse run` handing the pass to them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import ProgrammingError

from tests.conftest import PG_ADMIN
from tests.support.celery import lotse_env, wait_for, worker_set
from tests.support.county import DEMO, ICS, held_once, lotse_run_started, source_entry, stored
from tests.support.server import FixtureServer, Reply
from tests.support.services import fresh_database, redis_server


def ingested(database_url: str) -> set[str]:
    """The sources with a finished crawl run (an ingest writes it); none before `lotse run`
    made the schema."""
    try:
        runs = stored(database_url)["runs"]
    except ProgrammingError:
        return set()
    return {source_id for source_id, _, _ in runs}


@pytest.mark.timeout(300)
def test_a_slow_source_of_one_region_holds_up_no_other_region(
    site: FixtureServer, tmp_path: Path
) -> None:
    """Heidenheim's first source waits for its calendar: Heidenheim's second source waits for
    it (a region's ingests keep the pass's order), Augsburg's is ingested meanwhile."""
    calendars = {
        "stadt": "integrationszentrum.ics",
        "vhs": "vhs.ics",
        "augsburg": "vhs.ics",  # the same courses in another region: never merged with vhs
    }
    urls = {
        source_id: site.route(f"/{source_id}.ics", Reply.file(DEMO / name, ICS))
        for source_id, name in calendars.items()
    }
    sources = tmp_path / "sources.toml"
    sources.write_text(
        source_entry("stadt", urls["stadt"])
        + source_entry("vhs", urls["vhs"])
        + source_entry("augsburg", urls["augsburg"])
        + 'in_region = "stadt-augsburg"\n'
    )
    gate = held_once(site, "/stadt.ics")
    with redis_server() as server, fresh_database(PG_ADMIN) as database_url:
        env = lotse_env(database_url, server.url(), out=str(tmp_path / "public"))
        with worker_set(env, tmp_path / "logs") as workers:
            workers.start("w1")
            workers.start("w2")
            run = lotse_run_started(env, sources, tmp_path / "out")
            try:
                wait_for(
                    lambda: "augsburg" in ingested(database_url),
                    "Augsburg's source ingested while Heidenheim's first still crawls",
                    workers,
                )
                assert ingested(database_url) == {"augsburg"}  # vhs waits for stadt
                assert not gate.is_set()
                gate.set()
                _, progress = run.communicate(timeout=120)
            finally:
                if run.poll() is None:
                    run.kill()
                    run.wait()
        assert run.returncode == 0, progress + workers.logs()
        assert ingested(database_url) == {"stadt", "vhs", "augsburg"}
    root = (tmp_path / "out" / "events.json").read_text()
    augsburg = (tmp_path / "out" / "stadt-augsburg" / "events.json").read_text()
    assert "Deutschkurs A1 – Infoabend" in root and "Deutschkurs A1 – Infoabend" in augsburg
    assert "Offene Sprechstunde" in root and "Offene Sprechstunde" not in augsburg
