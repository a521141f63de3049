"""A finished crawl waiting for its ingest, kept in Redis until it is ingested.

The crawl task puts its result here, then sends the ingest; a worker lost while ingesting has
its ingest sent again, which finds the result here and does not crawl again. Only the holder of
the source's crawl lock may put it (fencing): a crawl whose lock lapsed while it hung, and was
taken over, cannot overwrite the result of the crawl that took over.
"""

from __future__ import annotations

import redis

from aggregator.crawl_result import CrawlResult
from workers import broker
from workers.redis_lock import RedisLock

KEEP_SECONDS = 7 * 24 * 3600


def _key(pass_id: str, source_id: str) -> str:
    return f"lotse:crawled:{pass_id}:{source_id}"


def put(lock: RedisLock, pass_id: str, result: CrawlResult) -> bool:
    """Keep the result while ``lock`` (the source's crawl lock) is ours; False if it is not."""
    return lock.set_if_held(_key(pass_id, result.source_id), result.to_json(), ex=KEEP_SECONDS)


def get(client: redis.Redis, pass_id: str, source_id: str) -> CrawlResult | None:
    found = client.get(_key(pass_id, source_id))
    return CrawlResult.from_json(broker.text(found)) if found is not None else None


def exists(client: redis.Redis, pass_id: str, source_id: str) -> bool:
    return bool(client.exists(_key(pass_id, source_id)))


def drop(client: redis.Redis, pass_id: str, source_ids: list[str]) -> None:
    if source_ids:
        client.delete(*(_key(pass_id, source_id) for source_id in source_ids))
