"""What an extractor hands a spider: records as the source gave them, keyed by their own id.

Every extractor is ``(Document) -> Extraction`` (named by its kind's declaration in
aggregator/kinds/) and raises Unreadable for a document it refuses as a whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aggregator.crawl_result import Problem
from crawlers.extract.document import Document


@dataclass(frozen=True)
class Extracted:
    """One record: ``key`` is its own id within the source (guid, id, @id, URL)."""

    key: str
    fmt: str  # ical, json, html
    payload: str
    url: str | None


@dataclass
class Extraction:
    """What one document holds: its records and problems, further listing pages to read
    (``pages``), detail pages to read (``details``: URL → the listing's copy of the record
    the page describes, or None), and links that may be detail pages (``discovered``: tried,
    and kept where they carry records)."""

    records: list[Extracted] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    details: dict[str, Extracted | None] = field(default_factory=dict)
    discovered: list[str] = field(default_factory=list)


Extractor = Callable[[Document], Extraction]


class Unreadable(Exception):
    """The document as a whole cannot be read; the message says why."""


def json_text(value: Any) -> str:
    """A JSON object or entry as text, keys in the order the source gave them."""
    return json.dumps(value, ensure_ascii=False)


def content_key(*parts: object) -> str:
    """A key for a record without an id of its own: stable while those parts stay the same."""
    text = "|".join("" if part is None else str(part) for part in parts)
    return "sha1:" + hashlib.sha1(text.encode()).hexdigest()


def unique(records: Iterable[Extracted], where: str) -> tuple[list[Extracted], list[Problem]]:
    """The first record of each key; a later record with a key already seen is a problem."""
    kept: dict[str, Extracted] = {}
    problems = []
    for record in records:
        if record.key in kept:
            message = f"two records share the id {record.key!r}; kept the first"
            problems.append(Problem(where, message))
        else:
            kept[record.key] = record
    return list(kept.values()), problems
