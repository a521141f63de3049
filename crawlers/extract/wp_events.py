"""WordPress "The Events Calendar" REST pages (``/wp-json/tribe/events/v1/events``) into records.

A page is ``{"events": [...], "total": N, "total_pages": M, "next_rest_url": "…"}``; the next
page is ``next_rest_url`` where the site gives it, else ``page=n+1`` while ``n < total_pages``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin, urlsplit

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from crawlers.extract.claiming import json_of, without_paging
from crawlers.extract.document import Document
from crawlers.extract.paging import page_after, page_number
from crawlers.extract.records import Extracted, Extraction, Unreadable, json_text, unique

API_PATH = "/wp-json/tribe/events/v1/events"


def read_events_page(document: Document) -> Extraction:
    """The events of one API page and the URL of the next page, if there is one."""
    url = document.url
    try:
        data = json.loads(document.text)
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
    following = next_page_url(data, url)
    return Extraction(kept, problems + duplicates, pages=[following] if following else [])


def next_page_url(data: dict[str, Any], url: str) -> str | None:
    """``next_rest_url`` (resolved against the page), else ``page=n+1`` up to ``total_pages``."""
    given = data.get("next_rest_url")
    if isinstance(given, str) and given.strip():
        return urljoin(url, given.strip())
    total = data.get("total_pages")
    if isinstance(total, int) and page_number(url) < total:
        return page_after(url)
    return None


def claims(document: Document) -> Claim | None:
    """An events page of The Events Calendar's REST API: an ``events`` list beside the
    paging totals, or at its path. The source starts at the first page."""
    data = json_of(document)
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        return None
    if "total_pages" not in data and API_PATH not in urlsplit(document.url).path:
        return None
    return Claim(url=without_paging(document.url, "page"))
