"""A Lehrstellen-Radar result list page into one record per posting, and the page after it.

Each result is an anchor ``<a data-resultid="<chamber>_<listing id>">`` (occupation and place)
plus a detail block ``<div id="detail_<resultid>">`` (label → value pairs, read by
aggregator/kinds/lehrstellen_radar.py). A record's payload is the two as HTML; its URL is the
public detail page, from the block's link or else built from the listing id. A page with
neither results nor the result list (an error page, changed markup) is refused (Unreadable).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.etree
import lxml.html

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from crawlers.extract.claiming import search_options, without_query
from crawlers.extract.document import Document
from crawlers.extract.paging import page_after, page_number
from crawlers.extract.records import Extracted, Extraction, Unreadable, unique

SITE = "lehrstellen-radar.de"
DETAIL_PAGE = "5100,0,jpguestdetail.html?id={listing_id}"
UTF8 = lxml.html.HTMLParser(encoding="utf-8")
RESULT_LIST = "//*[contains(concat(' ', normalize-space(@class), ' '), ' lsrlist ')]"
PAGER = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' pagination ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' pager ')]//a"
)


def read_result_page(document: Document) -> Extraction:
    """The postings of one result page, and the next page while the pager goes further (or
    the page has no pager)."""
    text, url = document.text, document.url
    if not text.strip():
        return Extraction()
    try:
        root = lxml.html.document_fromstring(text.encode(), parser=UTF8)  # XML declaration or not
    except lxml.etree.ParserError as error:  # nothing but a doctype or a comment
        raise Unreadable(f"the page has no HTML content ({error})") from error
    anchors = root.xpath("//*[@data-resultid]")
    if not anchors and not root.xpath(RESULT_LIST):
        raise Unreadable(
            "no Lehrstellen-Radar result list on this page (neither results with a "
            "data-resultid nor the 'lsrlist' list): an error page, or the site's markup changed"
        )
    last_page = _last_page(root)
    more = last_page is None or page_number(url) < last_page
    page = Extraction(pages=[page_after(url)] if more else [])
    blocks: dict[str, list[lxml.html.HtmlElement]] = {}
    for block in root.xpath("//*[starts-with(@id, 'detail_')]"):
        blocks.setdefault(block.get("id"), []).append(block)
    records = []
    for number, anchor in enumerate(anchors, start=1):
        key = (anchor.get("data-resultid") or "").strip()
        if not key:
            page.problems.append(Problem(url, f"result {number} has an empty data-resultid"))
            continue
        details = blocks.get(f"detail_{key}", [])
        if not details:
            page.problems.append(Problem(url, f"result {key} has no detail block"))
        parts = [anchor, *details[:1]]
        snippet = "\n".join(
            lxml.html.tostring(part, encoding="unicode", with_tail=False) for part in parts
        )
        records.append(Extracted(key, "html", snippet, _detail_url(details, key, url)))
    page.records, duplicates = unique(records, url)
    page.problems += duplicates
    return page


def _detail_url(details: list[lxml.html.HtmlElement], key: str, url: str) -> str:
    for href in details[0].xpath(".//a/@href") if details else []:
        if "jpguestdetail" in href:
            return urljoin(url, href.strip())
    return urljoin(url, DETAIL_PAGE.format(listing_id=key.rpartition("_")[2]))


def _last_page(root: lxml.html.HtmlElement) -> int | None:
    """The highest page number the pager links (by ``page=`` or by the link text)."""
    numbers = []
    links = root.xpath(PAGER)
    for link in links:
        values = parse_qs(urlsplit(link.get("href") or "").query).get("page", [])
        text = link.text_content().strip()
        numbers += [int(value) for value in [*values, text] if value.isdigit()]
    if not links:
        return None
    return max(numbers, default=1)


def claims(document: Document) -> Claim | None:
    """A Lehrstellen-Radar page (its host, or its result list's markup); the search's postcode
    and radius from its query, the spider builds the rest."""
    host = (urlsplit(document.url).hostname or "").lower()
    markup = "data-resultid" in document.text and "lsrdetail" in document.text
    if not markup and not (host == SITE or host.endswith("." + SITE)):
        return None
    options = search_options(document.url, place=("search-plz", "postcode"), radius="search-radius")
    return Claim(url=without_query(document.url), options=options)
