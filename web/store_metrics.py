"""What the store says about the health of a county, as Prometheus metrics."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aggregator.states import SourceHealth
from aggregator.store.models import Apprenticeship, CrawlRun, Event, Source, SourceRecord
from web.prometheus import Metric


def store_metrics(session: Session) -> list[Metric]:
    return [*_source_metrics(session), _record_metric(session), _listing_metric(session)]


def _source_metrics(session: Session) -> list[Metric]:
    sources = list(
        session.scalars(select(Source).where(Source.enabled.is_(True)).order_by(Source.position))
    )
    items = _last_items(session)
    totals = Metric("lotse_sources", "gauge", "Enabled sources by health: new, ok, failing, alarm.")
    for state in SourceHealth:
        totals.add(sum(source.status == state for source in sources), status=state)
    status = Metric(
        "lotse_source_status", "gauge", "1 for each enabled source, labelled with its health."
    )
    count = Metric("lotse_source_items", "gauge", "Items the source's last finished crawl yielded.")
    last_run = Metric(
        "lotse_source_last_run_timestamp_seconds", "gauge", "When the source was last crawled."
    )
    for source in sources:
        status.add(1, source=source.id, status=source.status)
        count.add(items.get(source.id, 0), source=source.id)
        if source.last_run_at is not None:
            last_run.add(source.last_run_at.timestamp(), source=source.id)
    return [totals, status, count, last_run]


def _last_items(session: Session) -> dict[str, int]:
    latest = (
        select(CrawlRun.source_id, func.max(CrawlRun.id).label("id"))
        .where(CrawlRun.finished_at.is_not(None))
        .group_by(CrawlRun.source_id)
        .subquery()
    )
    rows = session.execute(
        select(CrawlRun.source_id, CrawlRun.items).join(latest, latest.c.id == CrawlRun.id)
    )
    return {source_id: items for source_id, items in rows}


def _record_metric(session: Session) -> Metric:
    gone = SourceRecord.gone_at.is_not(None)
    rows = session.execute(select(gone, func.count()).group_by(gone))
    counts = {bool(is_gone): number for is_gone, number in rows}
    metric = Metric(
        "lotse_records", "gauge", "Raw source records: current, or gone from their source."
    )
    metric.add(counts.get(False, 0), state="current")
    return metric.add(counts.get(True, 0), state="gone")


def _listing_metric(session: Session) -> Metric:
    metric = Metric("lotse_listings", "gauge", "Canonical listings by kind and review state.")
    for kind, model in (("event", Event), ("apprenticeship", Apprenticeship)):
        rows = session.execute(
            select(model.review_state, func.count())
            .group_by(model.review_state)
            .order_by(model.review_state)
        )
        for state, number in rows:
            metric.add(number, kind=kind, state=state)
    return metric
