"""What a crawl of one source hands to the aggregator: raw records, problems, and its outcome.

Crawlers build it, the aggregator consumes it; it travels as JSON between processes and tasks.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from aggregator.states import CrawlStatus


@dataclass
class RawRecord:
    """One record verbatim as the source gave it: ``key`` is its own id within the source."""

    key: str
    fmt: str  # ical, json, html
    payload: str
    url: str | None
    fetched_at: datetime


@dataclass
class Problem:
    """Something wrong with the input: where (URL or record key) and what. ``partial``: the
    document was read only in part (cut off, not well-formed), so records may be missing and
    the crawl is incomplete: nothing is marked gone."""

    where: str
    message: str
    partial: bool = False

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class CrawlResult:
    source_id: str
    status: str = CrawlStatus.OK
    complete: bool = True  # every page was fetched and read: only then may records go
    records: list[RawRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    http: dict[str, Any] = field(default_factory=dict)  # etag, last_modified, body_hash
    pages: int = 0
    memory: dict[str, Any] = field(default_factory=dict)  # kept for the source's next crawl

    def to_json(self) -> str:
        data = asdict(self)
        for record in data["records"]:
            record["fetched_at"] = record["fetched_at"].isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> CrawlResult:
        data = json.loads(text)
        records = [
            RawRecord(**{**r, "fetched_at": datetime.fromisoformat(r["fetched_at"])})
            for r in data.pop("records")
        ]
        problems = [Problem(**p) for p in data.pop("problems")]
        return cls(**data, records=records, problems=problems)
