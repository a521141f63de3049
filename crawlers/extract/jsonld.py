"""HTML pages with schema.org Event / JobPosting into records, plus the links worth following.

- JSON-LD: every ``<script type="application/ld+json">`` on its own (one broken block does not
  hide the others; extruct's reader forgives trailing commas and comments), its items, their
  ``@graph`` and ``ItemList`` elements. A reference to another node of the page
  (``{"@id": "#place"}``) is replaced by that node, so a record reads on its own. Payload: the
  item as JSON.
- Microdata only on pages without JSON-LD items (sites often carry both for the same events).
  Payload: the item's HTML element, read again by the normalizer.
- Key: the item's ``@id``, else its ``url``, else a hash of name, start and place.
- Links: further listing pages (``rel="next"`` and common pager markup) and detail pages: those
  the source's ``follow`` selector picks, and the ``url`` of every event the page lists without
  a ``startDate`` (its detail page has the rest). Only links to the page's own host count.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree
import lxml.html
from extruct.jsonld import JsonLdExtractor
from lxml.cssselect import CSSSelector, SelectorError

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from aggregator.normalize.schema_org import (
    is_event,
    is_job_posting,
    item_url,
    microdata_items,
    types_of,
)
from crawlers.extract.document import Document
from crawlers.extract.records import Extracted, Extraction, Unreadable, content_key, json_text

PAGER = CSSSelector(
    "link[rel~=next], a[rel~=next], .pagination a, .pager a, ul.page-numbers a, a.page-numbers,"
    " nav.pagination a, li.next a, a.next, .tribe-events-nav-next a, a.tribe-events-c-nav__next"
)
SCRIPTS = CSSSelector('script[type="application/ld+json"]')
UTF8 = lxml.html.HTMLParser(encoding="utf-8")
ITEMSCOPES = CSSSelector("[itemscope][itemtype]")


def read_page(document: Document) -> Extraction:
    """The schema.org items of one page and where to go next: items listed without a start
    as ``details`` (their page, with the listing's copy), the links the ``follow`` option
    picks as ``details`` too (without a copy), the pager's links as ``pages``."""
    html, url = document.text, document.url
    if not html.strip():
        raise Unreadable("the page is empty")
    page = Extraction()
    try:
        tree = lxml.html.fromstring(html.encode("utf-8"), parser=UTF8)
    except lxml.etree.ParserError as error:  # nothing but a doctype or a comment
        raise Unreadable(f"the page has no HTML content ({error})") from error
    items = _json_ld(tree, url, page.problems) or _microdata(tree, url)
    if not items:
        message = "no schema.org Event or JobPosting on this page"
        page.problems.append(Problem(url, message, partial=True))
    for item, record in items:
        detail = _detail_of(item, url)
        if detail is not None:
            page.details[detail] = record
        else:
            page.records.append(record)
    for link in _links(tree, url, document.options.get("follow"), page.problems):
        page.details.setdefault(link, None)
    page.pages = _same_host(url, (element.get("href") for element in PAGER(tree)))
    return page


# --- JSON-LD ----------------------------------------------------------------------------------


def _json_ld(tree: Any, url: str, problems: list[Problem]) -> list[tuple[dict, Extracted]]:
    nodes: list[dict[str, Any]] = []
    for number, script in enumerate(SCRIPTS(tree), start=1):
        if not (script.text or "").strip():
            continue
        try:
            nodes += _nodes(JsonLdExtractor().extract_items(script))
        except ValueError as error:
            problems.append(Problem(url, f"JSON-LD block {number} is not valid JSON: {error}"))
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    wanted = [_inlined(node, by_id) for node in nodes if is_event(node) or is_job_posting(node)]
    return [(item, Extracted(_key(item, url), "json", json_text(item), url)) for item in wanted]


def _nodes(items: list[Any]) -> list[dict[str, Any]]:
    """Items, their @graph nodes and ItemList elements, flattened."""
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        found.append(item)
        graph = item.get("@graph")
        if isinstance(graph, list):
            found += _nodes(graph)
        if "ItemList" in types_of(item):
            elements = item.get("itemListElement") or []
            elements = elements if isinstance(elements, list) else [elements]
            found += _nodes([e.get("item", e) for e in elements if isinstance(e, dict)])
    return found


def _inlined(item: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The item with references to other nodes of the page replaced by those nodes."""

    def resolve(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"@id"} and value["@id"] in by_id:
            return by_id[value["@id"]]
        if isinstance(value, list):
            return [resolve(element) for element in value]
        return value

    return {name: resolve(value) for name, value in item.items()}


# --- Microdata --------------------------------------------------------------------------------


def _microdata(tree: Any, url: str) -> list[tuple[dict, Extracted]]:
    found = []
    for element in ITEMSCOPES(tree):
        if any(ancestor.get("itemscope") is not None for ancestor in element.iterancestors()):
            continue  # a nested item (a Place) belongs to its outer item
        snippet = lxml.html.tostring(element, encoding="unicode", with_tail=False)
        for item in microdata_items(snippet, url):
            if is_event(item) or is_job_posting(item):
                found.append((item, Extracted(_key(item, url), "html", snippet, url)))
    return found


# --- Keys and links ---------------------------------------------------------------------------


def _key(item: dict[str, Any], url: str) -> str:
    if isinstance(item.get("@id"), str) and item["@id"].strip():
        return urljoin(url, item["@id"].strip())
    own = item_url(item, url)
    if own:
        return own
    location = item.get("location")
    place = location.get("name") if isinstance(location, dict) else location
    return content_key(item.get("name") or item.get("title"), item.get("startDate"), place)


def _detail_of(item: dict[str, Any], url: str) -> str | None:
    """The detail page of an event listed without a start, if it is a page of this site."""
    if not is_event(item) or item.get("startDate"):
        return None
    own = item_url(item, url)
    found = _same_host(url, [own] if own else [])
    return found[0] if found and found[0] != urldefrag(url)[0] else None


def _links(tree: Any, url: str, follow: str | None, problems: list[Problem]) -> list[str]:
    """The detail links the ``follow`` selector picks: links, or elements holding links."""
    if not follow:
        return []
    try:
        elements = CSSSelector(follow)(tree)
    except SelectorError as error:
        problems.append(Problem(url, f"the follow selector {follow!r} is not valid CSS: {error}"))
        return []
    hrefs = []
    for element in elements:
        inner = element.get("href") or next(
            (a.get("href") for a in element.iterdescendants("a") if a.get("href")), None
        )
        hrefs.append(inner)
    return _same_host(url, hrefs)


def _same_host(url: str, hrefs: Any) -> list[str]:
    """Absolute links without fragment to ``url``'s host, each once, in order; a link that is
    no URL at all (``http://[kaputt``) is passed over."""
    host = urlsplit(url).hostname
    found: list[str] = []
    for href in hrefs:
        if not href or href.strip().startswith(("javascript:", "mailto:", "#")):
            continue
        try:
            link = urldefrag(urljoin(url, href.strip()))[0]
            parts = urlsplit(link)
        except ValueError:  # urllib refuses a bracketed host that is no IPv6 address
            continue
        if parts.scheme in ("http", "https") and parts.hostname == host and link not in found:
            found.append(link)
    return found


def claims(document: Document) -> Claim | None:
    """An HTML page carrying schema.org Events or JobPostings."""
    try:
        page = read_page(document)
    except Unreadable:
        return None
    return Claim() if page.records or any(page.details.values()) else None
