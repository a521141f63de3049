"""What an extractor hands a spider: records as the source gave them, keyed by their own id."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aggregator.crawl_result import Problem


@dataclass(frozen=True)
class Extracted:
    """One record: ``key`` is its own id within the source (guid, id, @id, URL)."""

    key: str
    fmt: str  # json, html
    payload: str
    url: str | None


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
