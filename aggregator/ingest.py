"""Store what one crawl brought: raw records (new, changed, gone), source health, then listings.

Idempotent: ingesting the same crawl result twice changes nothing the second time.
Only a complete, successful crawl without an alarm (aggregator/health.py: nothing, or far fewer
items than last time) marks records gone; a failed one changes no record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.apprenticeships.listings import reconcile_apprenticeships
from aggregator.crawl_result import CrawlResult, RawRecord
from aggregator.events.listings import reconcile_events
from aggregator.health import alarm
from aggregator.identity import content_hash
from aggregator.normalize.context import Context
from aggregator.sources import SourceConfig
from aggregator.states import CrawlStatus, SourceHealth
from aggregator.store.models import CrawlRun, Source, SourceRecord

MAX_PROBLEM_TEXTS = 100  # per crawl run: a hostile source cannot fill the store with them

# How the records of each record type become listings.
RECONCILERS = {"event": reconcile_events, "apprenticeship": reconcile_apprenticeships}


@dataclass
class SourceSummary:
    source_id: str
    status: str
    items: int = 0
    new: int = 0
    updated: int = 0
    gone: int = 0
    problems: int = 0
    error: str | None = None
    alarm: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def sync_sources(session: Session, configs: list[SourceConfig]) -> None:
    """Make the sources table match the sources file; sources no longer listed are disabled."""
    known = {source.id: source for source in session.scalars(select(Source))}
    for position, config in enumerate(configs):
        source = known.pop(config.id, None) or Source(id=config.id)
        source.kind, source.url, source.config = config.kind, config.url, config.to_dict()
        source.position, source.trusted, source.enabled = position, config.trusted, config.enabled
        session.add(source)
    for source in known.values():
        source.enabled = False


def ingest(session: Session, result: CrawlResult, *, pass_id: str, now: datetime) -> SourceSummary:
    source = session.get(Source, result.source_id)
    if source is None:
        raise KeyError(f"unknown source '{result.source_id}'")
    config = SourceConfig.from_dict(source.config)
    run = session.scalar(
        select(CrawlRun).where(CrawlRun.pass_id == pass_id, CrawlRun.source_id == source.id)
    )
    if run is not None and run.finished_at is not None:
        return summary_of(run)  # this crawl was ingested already (a redelivered task)
    run = run or CrawlRun(
        source_id=source.id, pass_id=pass_id, started_at=now, status=CrawlStatus.FAILED
    )
    session.add(run)
    summary = SourceSummary(source.id, result.status, items=len(result.records))
    summary.problems = len(result.problems)
    run.problem_texts = problem_texts(result)
    source.last_run_at = now
    if result.status == CrawlStatus.FAILED:
        summary.error = result.error or "crawl failed"
        _finish(source, run, summary, now)
        return summary
    records = _store_records(session, source, result, summary, now)
    summary.alarm = _alarm(session, source, result, summary)
    if result.complete and result.status != CrawlStatus.UNCHANGED and summary.alarm is None:
        summary.gone = _mark_gone(records, result, now)
    source.http_etag = result.http.get("etag")
    source.http_last_modified = result.http.get("last_modified")
    source.body_hash = result.http.get("body_hash")
    source.crawl_memory = result.memory or None
    source.last_success_at = now
    context = Context(config, now)
    reconcile = RECONCILERS[config.record_type]
    summary.problems += reconcile(session, context, list(records.values()))
    _finish(source, run, summary, now)
    return summary


def problem_texts(result: CrawlResult) -> list[str]:
    """What the crawl found wrong, "where: what", at most MAX_PROBLEM_TEXTS of them."""
    texts = [str(problem) for problem in result.problems[:MAX_PROBLEM_TEXTS]]
    if len(result.problems) > MAX_PROBLEM_TEXTS:
        texts.append(f"… and {len(result.problems) - MAX_PROBLEM_TEXTS} more")
    return texts


def _store_records(
    session: Session, source: Source, result: CrawlResult, summary: SourceSummary, now: datetime
) -> dict[str, SourceRecord]:
    records = {
        record.key: record
        for record in session.scalars(
            select(SourceRecord).where(SourceRecord.source_id == source.id)
        )
    }
    record_type = SourceConfig.from_dict(source.config).record_type
    for raw in result.records:
        digest = content_hash(raw.payload)
        record = records.get(raw.key)
        if record is None:
            record = _new_record(source.id, record_type, raw, digest, now)
            records[raw.key] = record
            session.add(record)
            summary.new += 1
        elif record.content_hash != digest or record.gone_at is not None:
            summary.updated += record.gone_at is None
            summary.new += record.gone_at is not None
            record.payload, record.content_hash, record.fmt = raw.payload, digest, raw.fmt
            record.url, record.changed_at, record.gone_at = raw.url, now, None
        record.last_seen, record.fetched_at = now, raw.fetched_at
    if result.status == CrawlStatus.UNCHANGED:
        for record in records.values():
            if record.gone_at is None:
                record.last_seen = now
        summary.items = sum(record.gone_at is None for record in records.values())
    return records


def _new_record(
    source_id: str, record_type: str, raw: RawRecord, digest: str, now: datetime
) -> SourceRecord:
    return SourceRecord(
        source_id=source_id,
        key=raw.key,
        record_type=record_type,
        fmt=raw.fmt,
        url=raw.url,
        payload=raw.payload,
        content_hash=digest,
        fetched_at=raw.fetched_at,
        first_seen=now,
        last_seen=now,
        changed_at=now,
        problems=[],
    )


def _mark_gone(records: dict[str, SourceRecord], result: CrawlResult, now: datetime) -> int:
    seen = {raw.key for raw in result.records}
    gone = 0
    for key, record in records.items():
        if key not in seen and record.gone_at is None:
            record.gone_at = now
            gone += 1
    return gone


def _alarm(
    session: Session, source: Source, result: CrawlResult, summary: SourceSummary
) -> str | None:
    """The alarm this crawl raises (aggregator/health.py), as the crawl run stores it. An
    unchanged source yields what it yielded before: an alarm only if that was nothing."""
    if result.status == CrawlStatus.UNCHANGED and summary.items:
        return None
    previous = session.scalar(
        select(CrawlRun.items)
        .where(CrawlRun.source_id == source.id, CrawlRun.status == CrawlStatus.OK)
        .where(CrawlRun.finished_at.is_not(None))
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(1)
    )
    raised = alarm(summary.items, previous, problem_texts(result))
    return None if raised is None else str(raised)


def _finish(source: Source, run: CrawlRun, summary: SourceSummary, now: datetime) -> None:
    run.status = summary.status
    run.items, run.new, run.updated, run.gone = (
        summary.items,
        summary.new,
        summary.updated,
        summary.gone,
    )
    run.problems, run.error, run.alarm, run.finished_at = (
        summary.problems,
        summary.error,
        summary.alarm,
        now,
    )
    source.last_error = summary.error or summary.alarm
    source.status = (
        SourceHealth.FAILING
        if summary.error
        else SourceHealth.ALARM
        if summary.alarm
        else SourceHealth.OK
    )


def summary_of(run: CrawlRun) -> SourceSummary:
    """The summary of a finished crawl run, as its ingest returned it."""
    return SourceSummary(
        run.source_id,
        run.status,
        items=run.items,
        new=run.new,
        updated=run.updated,
        gone=run.gone,
        problems=run.problems,
        error=run.error,
        alarm=run.alarm,
    )
