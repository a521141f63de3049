"""The sources pages: each source's health at a glance, its crawl history and problem records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Text, case, cast, func, select
from sqlalchemy.orm import Session, aliased
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aggregator.review_log import log_entry
from aggregator.served_regions import served_regions, source_region
from aggregator.states import LogTarget, ReviewAction, Role
from aggregator.store.models import CrawlRun, Source, SourceRecord
from web.context import AppContext
from web.desk.chart import Chart, crawl_chart
from web.desk.guard import Call, guarded

CHART_RUNS = 12
PAGE_RUNS = 20
PAGE_RECORDS = 50
PAYLOAD_SHOWN = 50_000
RECORD_VIEWS = {"problems": "mit Problemen", "gone": "verschwunden", "all": "alle"}


@dataclass(frozen=True)
class RecordCounts:
    active: int = 0
    gone: int = 0
    problems: int = 0


@dataclass(frozen=True)
class SourceRow:
    source: Source
    region: str  # its region's name
    chart: Chart
    last_run: CrawlRun | None
    counts: RecordCounts
    crawling: bool


def routes(app: AppContext) -> list[Route]:

    def overview(call: Call) -> Response:
        with app.store.transaction() as session:
            everything = list(session.scalars(select(Source).order_by(Source.position, Source.id)))
            regions = {source.id: source_region(source) for source in everything}
            order = [region.slug for region in served_regions(session)]
            sources = sorted(
                (s for s in everything if call.staff.may_work_on(regions[s.id].slug)),
                key=lambda source: order.index(regions[source.id].slug),
            )  # a region's sources together, the default region's first
            runs = recent_runs(session, [source.id for source in sources], CHART_RUNS)
            counts = record_counts(session)
        rows = [
            SourceRow(
                source,
                regions[source.id].name,
                crawl_chart(list(reversed(runs.get(source.id, []))), slots=CHART_RUNS),
                next(iter(runs.get(source.id, [])), None),
                counts.get(source.id, RecordCounts()),
                app.crawls is not None and app.crawls.running(source.id),
            )
            for source in sources
        ]
        return call.render(
            "sources.html",
            rows=rows,
            several_regions=len({row.region for row in rows}) > 1,
            can_crawl=app.crawls is not None,
            can_edit=can_edit(),
        )

    def detail(call: Call) -> Response:
        view = call.query("show") if call.query("show") in RECORD_VIEWS else "problems"
        offset = call.offset()
        with app.store.transaction() as session:
            source = call.source(session, call.path("source_id"))
            if source is None:
                return call.not_found("Diese Quelle gibt es nicht.")
            runs = recent_runs(session, [source.id], PAGE_RUNS).get(source.id, [])
            counts = record_counts(session, source.id).get(source.id, RecordCounts())
            records = source_records(session, source.id, view, offset)
        return call.render(
            "source.html",
            source=source,
            runs=runs,
            chart=crawl_chart(list(reversed(runs)), slots=PAGE_RUNS),
            counts=counts,
            records=records,
            view=view,
            views=RECORD_VIEWS,
            offset=offset,
            page_size=PAGE_RECORDS,
            payload_shown=PAYLOAD_SHOWN,
            crawling=app.crawls is not None and app.crawls.running(source.id),
            can_crawl=app.crawls is not None,
            can_edit=can_edit(),
        )

    def can_edit() -> bool:
        """Whether the desk may add and change sources (web/desk/source_form.py)."""
        return app.sources_file is not None and app.try_source is not None

    def crawl(call: Call) -> Response:
        source_id = call.path("source_id")
        with app.store.transaction() as session:
            known = call.source(session, source_id) is not None
        if not known:
            return call.not_found("Diese Quelle gibt es nicht.")
        if app.crawls is None:
            notice = "crawl_unavailable"
        else:
            notice = "crawl_started" if app.crawls.start(source_id) else "crawl_running"
        if notice != "crawl_unavailable":
            with app.store.transaction() as session:
                log_entry(
                    session,
                    actor=call.staff.name,
                    action=ReviewAction.CRAWL,
                    target_type=LogTarget.SOURCE,
                    target_id=source_id,
                    now=call.now,
                    detail={"started": "gestartet" if notice == "crawl_started" else "lief schon"},
                )
        return RedirectResponse(f"/desk/sources?msg={notice}", status_code=303)

    return [
        Route("/desk/sources", guarded(app, overview), methods=["GET"]),
        Route("/desk/sources/{source_id}", guarded(app, detail), methods=["GET"]),
        Route(
            "/desk/sources/{source_id}/crawl",
            guarded(app, crawl, role=Role.ADMIN),
            methods=["POST"],
        ),
    ]


def recent_runs(session: Session, source_ids: list[str], limit: int) -> dict[str, list[CrawlRun]]:
    """Each source's last `limit` crawl runs, newest first."""
    rank = (
        func.row_number()
        .over(
            partition_by=CrawlRun.source_id,
            order_by=(CrawlRun.started_at.desc(), CrawlRun.id.desc()),
        )
        .label("rank")
    )
    ranked = select(CrawlRun, rank).where(CrawlRun.source_id.in_(source_ids)).subquery()
    run = aliased(CrawlRun, ranked)
    query = select(run).where(ranked.c.rank <= limit).order_by(ranked.c.rank)
    by_source: dict[str, list[CrawlRun]] = {}
    for found in session.scalars(query):
        by_source.setdefault(found.source_id, []).append(found)
    return by_source


def record_counts(session: Session, source_id: str | None = None) -> dict[str, RecordCounts]:
    """Records per source: still offered, gone, and with a problem the normalizer reported."""
    gone = SourceRecord.gone_at.is_not(None)
    query = select(
        SourceRecord.source_id,
        func.sum(case((gone, 0), else_=1)),
        func.sum(case((gone, 1), else_=0)),
        func.sum(case((_has_problems(), 1), else_=0)),
    ).group_by(SourceRecord.source_id)
    if source_id is not None:
        query = query.where(SourceRecord.source_id == source_id)
    return {
        row[0]: RecordCounts(int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))
        for row in session.execute(query)
    }


def source_records(session: Session, source_id: str, view: str, offset: int) -> list[SourceRecord]:
    """One page of a source's raw records: those with problems, those gone, or all."""
    query = select(SourceRecord).where(SourceRecord.source_id == source_id)
    if view == "problems":
        query = query.where(_has_problems())
    elif view == "gone":
        query = query.where(SourceRecord.gone_at.is_not(None))
    query = query.order_by(SourceRecord.changed_at.desc(), SourceRecord.id.desc())
    return list(session.scalars(query.offset(offset).limit(PAGE_RECORDS)))


def _has_problems() -> ColumnElement[bool]:
    return cast(SourceRecord.problems, Text) != "[]"
