"""The per-source summary table that `lotse run` prints."""

from __future__ import annotations

from aggregator.ingest import SourceSummary
from aggregator.states import SourceHealth

COLUMNS = ("source", "status", "items", "new", "updated", "gone", "problems")


def summary_table(summaries: list[SourceSummary]) -> str:
    """One row per source (a crawl that raised an alarm shows "alarm", never "ok"), then a
    line for each failure or alarm."""
    rows = [
        tuple(str(cell) for cell in (s.source_id, _status(s), s.items, s.new, s.updated, s.gone))
        + (str(s.problems),)
        for s in summaries
    ]
    widths = [max(len(cell) for cell in column) for column in zip(COLUMNS, *rows, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(COLUMNS, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    notes = [f"! {s.source_id}: {s.error or s.alarm}" for s in summaries if s.error or s.alarm]
    return "\n".join([line.rstrip() for line in lines] + notes)


def _status(summary: SourceSummary) -> str:
    return SourceHealth.ALARM if summary.alarm else summary.status
