"""Pages of the evangelische-termine.de JSON export (``/json?…&pageID=p``) into records.

A page is ``[{"Veranstaltung": {…}}, …]``: one record per event, keyed by its ``ID`` (a weekly
series is one event, ``MODE`` ``jeweils``). Its URL is the event's ``_event_LINK`` where that is
a web address, else its detail page on the platform (``/detail-bt?ID=<ID>``). A page with
events names the next ``pageID``; an empty list ends the export.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from w3lib.url import add_or_replace_parameter, url_query_parameter

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from crawlers.extract.claiming import without_paging
from crawlers.extract.document import Document
from crawlers.extract.records import Extracted, Extraction, Unreadable, json_text, unique

SHAPE = "the evangelische-termine JSON export ([{'Veranstaltung': {…}}, …])"
WRAPPER = "Veranstaltung"


def read_export_page(document: Document) -> Extraction:
    """The events of one export page, and the page after it if this one had any; Unreadable
    for an answer of another shape."""
    url = document.url
    items = _items(document.text)
    if items is None:
        raise Unreadable(f"not {SHAPE}")
    problems, records = [], []
    for number, item in enumerate(items, start=1):
        event = item.get(WRAPPER) if isinstance(item, dict) else None
        key = str(event.get("ID") or "").strip() if isinstance(event, dict) else ""
        if isinstance(event, dict) and key:
            records.append(Extracted(key, "json", json_text(event), event_url(event, url)))
        else:
            problems.append(Problem(url, f"item {number} is no 'Veranstaltung' with an ID"))
    kept, duplicates = unique(records, url)
    return Extraction(kept, problems + duplicates, pages=[page_after(url)] if items else [])


def event_url(event: dict[str, Any], page_url: str) -> str:
    """The event's own link where it is a web address, else its detail page on the platform."""
    link = event.get("_event_LINK")
    if isinstance(link, str) and urlsplit(link.strip()).scheme in ("http", "https"):
        return link.strip()
    return urljoin(page_url, f"/detail-bt?ID={quote(str(event['ID']), safe='')}")


def page_after(url: str) -> str:
    """The URL of the export page after the one at ``url`` (``pageID``, 1 where it has none)."""
    value = url_query_parameter(url, "pageID") or "1"
    number = int(value) if value.isdigit() and int(value) > 0 else 1
    return add_or_replace_parameter(url, "pageID", str(number + 1))


def looks_like(url: str, body: bytes) -> bool:
    """Whether a fetched answer is a page of the evangelische-termine JSON export (for `lotse
    sources try`): a list of ``Veranstaltung`` objects, or an empty list from the platform's own
    ``/json`` address."""
    items = _items(body.decode("utf-8", errors="replace"))
    if items is None:
        return False
    if items:
        return True
    parts = urlsplit(url)
    return (parts.hostname or "").endswith("evangelische-termine.de") and parts.path == "/json"


def _items(text: str) -> list[Any] | None:
    """The answer's list, if it is an export: empty, or with a ``Veranstaltung`` object."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, list):
        return None
    wrapped = any(isinstance(item, dict) and isinstance(item.get(WRAPPER), dict) for item in data)
    return data if wrapped or not data else None


def claims(document: Document) -> Claim | None:
    """A page of the platform's JSON export (``looks_like``); the source starts at its first
    page, the organiser or region kept in its query."""
    if not looks_like(document.url, document.body):
        return None
    return Claim(url=without_paging(document.url, "pageID"))
