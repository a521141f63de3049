"""A small bar chart of a source's last crawls, as numbers an inline SVG template can draw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aggregator.states import CrawlStatus, labelled
from aggregator.store.models import CrawlRun
from web.desk.render import when

WIDTH, HEIGHT, GAP, MIN_BAR = 144, 36, 2, 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # ok, unchanged, failed, alarm: the CSS class that colours it
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    summary: str


def crawl_chart(runs: Sequence[CrawlRun], *, slots: int = 12) -> Chart:
    """Items per run, oldest left; colour says ok, unchanged, failed or alarm."""
    runs = list(runs)[-slots:]
    peak = max((run.items for run in runs), default=0) or 1
    slot = WIDTH / slots
    bars = []
    for index, run in enumerate(runs):
        height = max(MIN_BAR, (HEIGHT - 1) * run.items / peak)
        known = run.status in set(CrawlStatus)
        kind = "alarm" if run.alarm else run.status if known else CrawlStatus.FAILED
        status = labelled(run.status, CrawlStatus)
        label = f"{when(run.started_at)}: {run.items} Einträge, {status}"
        if run.alarm:
            label += " – Alarm"
        bars.append(Bar(index * slot, HEIGHT - 1 - height, slot - GAP, height, kind, label))
    items = ", ".join(str(run.items) for run in runs)
    summary = f"Einträge der letzten {len(runs)} Abrufe: {items}" if runs else "Noch kein Abruf"
    return Chart(WIDTH, HEIGHT, tuple(bars), summary)
