"""A finished crawl waiting for its ingest, kept in Redis until it is ingested.

The crawl task puts its result here, then sends the ingest; a worker lost while ingesting has
its ingest delivered again, which finds the result here and does not crawl again.
"""

from __future__ import annotations

import redis

from aggregator.crawl_result import CrawlResult
from workers import broker

KEEP_SECONDS = 7 * 24 * 3600


def _key(pass_id: str, source_id: str) -> str:
    return f"lotse:crawled:{pass_id}:{source_id}"


def put(client: redis.Redis, pass_id: str, result: CrawlResult) -> None:
    client.set(_key(pass_id, result.source_id), result.to_json(), ex=KEEP_SECONDS)


def get(client: redis.Redis, pass_id: str, source_id: str) -> CrawlResult | None:
    found = client.get(_key(pass_id, source_id))
    return CrawlResult.from_json(broker.text(found)) if found is not None else None


def exists(client: redis.Redis, pass_id: str, source_id: str) -> bool:
    return bool(client.exists(_key(pass_id, source_id)))


def drop(client: redis.Redis, pass_id: str, source_ids: list[str]) -> None:
    if source_ids:
        client.delete(*(_key(pass_id, source_id) for source_id in source_ids))
