"""Integreat CMS API v3 events (``…/api/v3/{region}/{language}/events/``) into records.

The API answers in one of two forms. Combined (``?combine_recurring=True``): one item per event,
a recurring one carrying its ``recurrence_rule``. Expanded (the default): every occurrence of a
recurring event is its own item, its ``path`` ending in ``$YYYY-MM-DD``, all sharing the event's
``id``. Either way one record is one event — keyed by its ``id`` — so the occurrences of a series
stay one series: a combined item is stored as the object it is, the occurrences of an expanded
event as the list of their objects.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from crawlers.extract.claiming import json_of
from crawlers.extract.document import Document
from crawlers.extract.records import Extracted, Extraction, Unreadable, json_text, unique

OCCURRENCE = re.compile(r"\$\d{4}-\d{2}-\d{2}(?=/?$)")


def split_events(document: Document) -> Extraction:
    """One record per event; items that are no event object are problems."""
    where = document.url
    try:
        data = json.loads(document.text)
    except ValueError as error:
        raise Unreadable(f"not JSON: {error}") from error
    if not isinstance(data, list):
        raise Unreadable(f"expected a JSON list of events, got a JSON {type(data).__name__}")
    problems: list[Problem] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for number, item in enumerate(data, start=1):
        key = _key(item)
        if key is None:
            problems.append(Problem(where, f"item {number} is not an event with an id or path"))
            continue
        groups.setdefault(key, []).append(item)
    records = []
    for key, items in groups.items():
        if any(is_occurrence(item) for item in items):
            records.append(Extracted(key, "json", json_text(items), _series_url(items[0])))
        else:
            records += [Extracted(key, "json", json_text(item), item.get("url")) for item in items]
    kept, duplicates = unique(records, where)
    return Extraction(kept, problems + duplicates)


def is_occurrence(item: dict[str, Any]) -> bool:
    """An item of the expanded form: one occurrence of a recurring event."""
    return bool(OCCURRENCE.search(str(item.get("path") or item.get("url") or "")))


def _key(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if item.get("id") is not None:
        return str(item["id"])
    path = item.get("path")
    return OCCURRENCE.sub("", path) if isinstance(path, str) and path else None


def _series_url(item: dict[str, Any]) -> str | None:
    url = item.get("url")
    return OCCURRENCE.sub("", url) if isinstance(url, str) else None


EVENTS_PATH = re.compile(r"/api/v3/[^/]+/[^/]+/events/?$")


def claims(document: Document) -> Claim | None:
    """A JSON list from an Integreat events endpoint, or of Integreat event items."""
    data = json_of(document)
    if not isinstance(data, list):
        return None
    at_endpoint = EVENTS_PATH.search(urlsplit(document.url).path) is not None
    items = [item for item in data if isinstance(item, dict)]
    return Claim() if at_endpoint or any(_looks_like_event(item) for item in items) else None


def _looks_like_event(item: dict[str, Any]) -> bool:
    return isinstance(item.get("event"), dict) and "available_languages" in item
