"""HTML pages with schema.org Event / Course / JobPosting into records, plus the links worth
following.

- JSON-LD: every ``<script type="application/ld+json">`` on its own (one broken block does not
  hide the others; extruct's reader forgives trailing commas and comments), its items, their
  ``@graph`` and ``ItemList`` elements. A reference to another node of the page
  (``{"@id": "#place"}``) is replaced by that node, so a record reads on its own. An
  ``EventSeries`` with its ``subEvent``s and a ``Course`` with its ``hasCourseInstance``s are one
  record each (a part that is also a node of its own is not read twice). Payload: the item as
  JSON.
- Microdata only on pages without JSON-LD items (sites often carry both for the same events).
  Payload: the item's HTML element, read again by the normalizer.
- Key: the item's ``@id``, else its ``url``, else a hash of name, start and place.
- Links: further listing pages (crawlers/extract/discovery.py ``pager_links``) and detail pages:
  those the source's ``follow`` selector picks, and the ``url`` of every event the page lists
  without a ``startDate`` (its detail page has the rest). A page without items of its own and
  without ``follow`` names the links of its main content as ``discovered`` (``detail_links``):
  a listing of teasers without markup, whose detail pages carry the items. Only links to the
  page's own host count. A page without items and without links to read is read only in part.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urldefrag, urljoin

import lxml.etree
import lxml.html
from extruct.jsonld import JsonLdExtractor
from lxml.cssselect import CSSSelector, SelectorError

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from aggregator.normalize.schema_org import (
    is_course,
    is_event,
    is_job_posting,
    item_url,
    microdata_items,
    parts_of,
    types_of,
)
from crawlers.extract.discovery import detail_links, pager_links, same_host
from crawlers.extract.document import Document
from crawlers.extract.records import Extracted, Extraction, Unreadable, content_key, json_text

SCRIPTS = CSSSelector('script[type="application/ld+json"]')
UTF8 = lxml.html.HTMLParser(encoding="utf-8")
ITEMSCOPES = CSSSelector("[itemscope][itemtype]")
NOTHING = "no schema.org Event, Course or JobPosting on this page, and no links to detail pages"
MAX_DEPTH = 4  # how deep references between a page's nodes are followed


def read_page(document: Document) -> Extraction:
    """The schema.org items of one page and where to go next: items listed without a start
    as ``details`` (their page, with the listing's copy), the links the ``follow`` option
    picks as ``details`` too (without a copy), on a page without items and without ``follow``
    the links of its main content as ``discovered``, the pager's links as ``pages``."""
    html, url = document.text, document.url
    if not html.strip():
        raise Unreadable("the page is empty")
    page = Extraction()
    try:
        tree = lxml.html.fromstring(html.encode("utf-8"), parser=UTF8)
    except lxml.etree.ParserError as error:  # nothing but a doctype or a comment
        raise Unreadable(f"the page has no HTML content ({error})") from error
    items = _json_ld(tree, url, page.problems) or _microdata(tree, url)
    for item, record in items:
        detail = _detail_of(item, url)
        if detail is not None:
            page.details[detail] = record
        else:
            page.records.append(record)
    follow = document.options.get("follow")
    for link in _links(tree, url, follow, page.problems):
        page.details.setdefault(link, None)
    if not items and not follow:
        page.discovered = detail_links(document)
    if not items and not page.details and not page.discovered:
        page.problems.append(Problem(url, NOTHING, partial=True))
    page.pages = pager_links(document)
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
    wanted = [_inlined(node, by_id) for node in nodes if _wanted(node)]
    parts = {part.get("@id") for item in wanted for part in parts_of(item) if part.get("@id")}
    whole = [item for item in wanted if not item.get("@id") or item["@id"] not in parts]
    return [(item, Extracted(_key(item, url), "json", json_text(item), url)) for item in whole]


def _wanted(item: dict[str, Any]) -> bool:
    return is_event(item) or is_job_posting(item) or is_course(item)


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


def _inlined(
    item: dict[str, Any], by_id: dict[str, dict[str, Any]], path: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The item with references to other nodes of the page replaced by those nodes, and theirs
    (a series' parts and their places), up to MAX_DEPTH levels down; a reference back to a
    node on the way there (a part's ``superEvent``) stays a reference."""
    path = path | {item["@id"]} if isinstance(item.get("@id"), str) else path

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(element) for element in value]
        if not isinstance(value, dict) or len(path) >= MAX_DEPTH:
            return value
        reference = value.get("@id") if set(value) == {"@id"} else None
        if isinstance(reference, str) and reference in path:
            return value
        if isinstance(reference, str) and reference in by_id:
            value = by_id[reference]
        return _inlined(value, by_id, path)

    return {name: resolve(value) for name, value in item.items()}


# --- Microdata --------------------------------------------------------------------------------


def _microdata(tree: Any, url: str) -> list[tuple[dict, Extracted]]:
    found = []
    for element in ITEMSCOPES(tree):
        if any(ancestor.get("itemscope") is not None for ancestor in element.iterancestors()):
            continue  # a nested item (a Place) belongs to its outer item
        snippet = lxml.html.tostring(element, encoding="unicode", with_tail=False)
        for item in microdata_items(snippet, url):
            if _wanted(item):
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
    """The detail page of an event listed without a start (nor parts that have one), if it is
    a page of this site."""
    if not is_event(item) or item.get("startDate") or parts_of(item):
        return None
    own = item_url(item, url)
    found = same_host(url, [own] if own else [])
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
    return same_host(url, hrefs)


def claims(document: Document) -> Claim | None:
    """An HTML page carrying schema.org Events, Courses or JobPostings; a guess for a listing of
    teasers whose links may lead to detail pages that carry them."""
    try:
        page = read_page(document)
    except Unreadable:
        return None
    if page.records or any(page.details.values()):
        return Claim()
    return Claim(guess=True) if page.discovered else None
