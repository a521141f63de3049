"""Apprenticeship sources straight into a store: fixture pages read by the real extractors and
ingested like a pass does, without spiders (those have tests of their own)."""

from __future__ import annotations

from datetime import datetime

from aggregator.crawl_result import CrawlResult, RawRecord
from aggregator.sources import SourceConfig
from aggregator.store import Store
from crawlers.extract.ba_jobsuche import read_offers_page
from crawlers.extract.lehrstellen_radar import read_result_page
from crawlers.extract.records import Extracted
from tests.conftest import FIXTURES, NOW
from tests.support.kinds import document
from workers.steps import ingest_result, register_sources

RADAR_SITE = "https://www.lehrstellen-radar.de/5100,90,lsrlist.html"
JOBS_API = "https://rest.arbeitsagentur.de/jobboerse/jobsuche-service/pc/v4/jobs"


def radar_source(source_id: str = "hwk-ulm", *, trusted: bool = True) -> SourceConfig:
    options = {"postcode": "89518", "radius_km": 25}
    return SourceConfig(
        source_id, "lehrstellen-radar", RADAR_SITE, trusted=trusted, options=options
    )


def jobs_source(source_id: str = "ba-heidenheim", *, trusted: bool = True) -> SourceConfig:
    options = {"where": "89518", "radius_km": 25}
    return SourceConfig(source_id, "ba-jobsuche", JOBS_API, trusted=trusted, options=options)


def radar_result(source_id: str, *pages: str) -> CrawlResult:
    """The records of Lehrstellen-Radar fixture pages, as one crawl of ``source_id``."""
    records = []
    for name in pages:
        body = (FIXTURES / "lehrstellen_radar" / name).read_bytes()
        records += read_result_page(document(body, RADAR_SITE)).records
    return _result(source_id, records)


def jobs_result(source_id: str, *pages: str) -> CrawlResult:
    """The records of Jobsuche fixture answers, as one crawl of ``source_id``."""
    records = []
    for name in pages:
        body = (FIXTURES / "ba" / name).read_bytes()
        records += read_offers_page(document(body, JOBS_API)).records
    return _result(source_id, records)


def _result(source_id: str, records: list[Extracted]) -> CrawlResult:
    raw = [RawRecord(r.key, r.fmt, r.payload, r.url, NOW) for r in records]
    return CrawlResult(source_id, records=raw)


def ingest(store: Store, configs: list[SourceConfig], *results: CrawlResult, now: datetime = NOW):
    """Register the sources, then ingest each crawl result as one pass would."""
    register_sources(store, configs)
    for result in results:
        ingest_result(store, result, pass_id=now.isoformat(), now=now)
