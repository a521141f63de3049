"""WordPress "The Events Calendar" REST pages (``/wp-json/tribe/events/v1/events``) into records.

A page is ``{"events": [...], "total": N, "total_pages": M, "next_rest_url": "…"}``; the next
page is ``next_rest_url`` where the site gives it, else ``page=n+1`` while ``n < total_pages``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from w3lib.url import add_or_replace_parameter

from aggregator.crawl_result import Problem
from crawlers.extract.records import Extracted, Unreadable, json_text, unique


@dataclass
class EventsPage:
    records: list[Extracted] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    next_url: str | None = None


def read_events_page(text: str, url: str) -> EventsPage:
    """The events of one API page and the URL of the next page, if there is one."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise Unreadable(f"not JSON: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise Unreadable("not an events page of The Events Calendar API (no 'events' list)")
    problems = []
    records = []
    for number, event in enumerate(data["events"], start=1):
        if isinstance(event, dict) and event.get("id") is not None:
            records.append(Extracted(str(event["id"]), "json", json_text(event), event.get("url")))
        else:
            problems.append(Problem(url, f"event {number} on this page has no id"))
    kept, duplicates = unique(records, url)
    return EventsPage(kept, problems + duplicates, next_page_url(data, url))


def next_page_url(data: dict[str, Any], url: str) -> str | None:
    """``next_rest_url`` (resolved against the page), else ``page=n+1`` up to ``total_pages``."""
    given = data.get("next_rest_url")
    if isinstance(given, str) and given.strip():
        return urljoin(url, given.strip())
    page = _page_number(url)
    total = data.get("total_pages")
    if isinstance(total, int) and page < total:
        return add_or_replace_parameter(url, "page", str(page + 1))
    return None


def _page_number(url: str) -> int:
    values = parse_qs(urlsplit(url).query).get("page", ["1"])
    return int(values[0]) if values[0].isdigit() else 1
