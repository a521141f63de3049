"""Pages of the toubiz event API (``/api/v1/event``, Open-Data-Pool Baden-Württemberg) into records.

A page is ``{"_attributes": {"pagination": {"lastPage": N, …}}, "payload": [event, …]}``; one
record per event, keyed by its UUID ``id`` (every date of the event is inside it, in
``datesCache``). The page after ``pagination[page]=n`` is asked for while ``n < lastPage``. An
invisible or trashed event is kept as a record too: its normalizer reads it as gone.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from w3lib.url import add_or_replace_parameter, url_query_parameter

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from crawlers.extract.claiming import without_query
from crawlers.extract.document import Document
from crawlers.extract.records import Extracted, Extraction, Unreadable, json_text, unique

PAGE = "pagination[page]"
API_PATH = "/api/v1/event"
SHAPE = "a toubiz event page ({'_attributes': {'pagination': {'lastPage'}}, 'payload': [...]})"


def read_events_page(document: Document) -> Extraction:
    """The events of one API page, and the next page while this one is before ``lastPage``;
    Unreadable for an answer of another shape (a login page, a renamed key, an error object)."""
    url = document.url
    data = _answer(document.text)
    if data is None:
        raise Unreadable(f"not {SHAPE}")
    problems, records = [], []
    for number, event in enumerate(data["payload"], start=1):
        key = event.get("id") if isinstance(event, dict) else None
        if isinstance(key, str) and key.strip():
            records.append(Extracted(key.strip(), "json", json_text(event), None))
        else:
            problems.append(Problem(url, f"event {number} on this page has no id"))
    kept, duplicates = unique(records, url)
    following = next_page_url(url, data["_attributes"]["pagination"]["lastPage"])
    return Extraction(kept, problems + duplicates, pages=[following] if following else [])


def next_page_url(url: str, last_page: int) -> str | None:
    """The URL of the page after the one at ``url`` (``pagination[page]``, 1 where it has
    none), or None when that one is the last."""
    number = page_number(url)
    return add_or_replace_parameter(url, PAGE, str(number + 1)) if number < last_page else None


def page_number(url: str) -> int:
    value = url_query_parameter(url, PAGE) or "1"
    return int(value) if value.isdigit() and int(value) > 0 else 1


def looks_like(url: str, body: bytes) -> bool:
    """Whether a fetched answer is a page of the toubiz event API (for `lotse sources try`)."""
    return _answer(body.decode("utf-8", errors="replace")) is not None


def _answer(text: str) -> dict[str, Any] | None:
    """The answer as a JSON object of the known shape, else None."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("payload"), list):
        return None
    attributes = data.get("_attributes")
    pagination = attributes.get("pagination") if isinstance(attributes, dict) else None
    last = pagination.get("lastPage") if isinstance(pagination, dict) else None
    return data if isinstance(last, int) and not isinstance(last, bool) else None


def claims(document: Document) -> Claim | None:
    """A page of the toubiz event API, or the API's address (it answers 401 without the token
    a trial does not send). The spider builds the query: the box, the window, the paging."""
    parts = urlsplit(document.url)
    at_api = (parts.hostname or "").endswith("toubiz.de") and parts.path.rstrip("/") == API_PATH
    if not at_api and not looks_like(document.url, document.body):
        return None
    return Claim(url=without_query(document.url))
