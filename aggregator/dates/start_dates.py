"""The day an apprenticeship starts, as postings write it."""

from __future__ import annotations

from datetime import date, datetime

from aggregator.dates.german import parse_german_span


def start_date(text: object, *, now: datetime) -> date | None:
    """The day from "01.09.2027", "1.9.27", "2027-09-01", "ab 1. August 2027" or a timestamp;
    None for a text that names no day ("ab sofort", "2027", "nach Vereinbarung")."""
    if not isinstance(text, str) or not text.strip():
        return None
    span = parse_german_span(text, now=now)
    if span is None:
        return None
    return span.start.date() if isinstance(span.start, datetime) else span.start
