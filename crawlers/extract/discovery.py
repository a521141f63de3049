"""Where a listing page leads, read from the page alone: its pager, and the links in its main
content that may be detail pages. Pure functions over a fetched Document (no Scrapy, no
requests): the `jsonld` kind navigates by them, and anything that looks at a URL to tell what
it is can call them on the page it fetched.

- ``pager_links``: further pages of the same listing: ``rel="next"``/``rel="prev"``, links in a
  pagination block (``.pagination``, ``.pager``, ``nav[aria-label*=Seite]`` …), links whose
  text is a pager word ("Weiter", "nächste Seite", "»" …) and links whose text is the page
  number their URL carries (``?page=2``), not the days of a calendar widget.
- ``detail_links``: links to the page's own host inside its main content (``<main>``,
  ``role="main"``, else the body) and outside its navigation, header, footer, asides, breadcrumb
  and menus, without the pager, the page itself, and files (PDF, images, calendar files).

Both give absolute URLs without fragment, each once, in the page's order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

from crawlers.extract.document import Document

PAGER_BLOCKS = (
    ".pagination, .pager, .paging, .page-numbers, .pagebrowser, .page-navigation, .f3-widget-"
    "paginator, nav[aria-label*=Seite], nav[aria-label*=seite], nav[aria-label*=agination]"
)
PAGER = CSSSelector(
    "link[rel~=next], a[rel~=next], a[rel~=prev], li.next a, a.next, .tribe-events-nav-next a, "
    "a.tribe-events-c-nav__next, a.page-numbers, "
    + ", ".join(f"{block} a" for block in PAGER_BLOCKS.split(", "))
)
PAGER_WORDS = re.compile(
    r"^\s*(?=\S)[«»‹›<>]*\s*(?:weiter|zurück|nächste(?: seite)?|vorherige(?: seite)?|"
    r"erste(?: seite)?|letzte(?: seite)?|next|prev(?:ious)?|first|last)?\s*[«»‹›<>]*\s*$",
    re.IGNORECASE,
)
NUMBER = re.compile(r"^\s*(\d{1,3})\s*$")  # a page number, or a day of a calendar widget
PAGE_IN_URL = (  # a query parameter that is the number, or a path's page/seite followed by it
    r"(?:[?&][\w\[\]%.-]*=0*{number}(?:$|[&#]))|(?:(?:page|seite|pagina)[/_-]?0*{number}(?:$|[/.?&#]))"
)
MAIN = CSSSelector("main, [role=main]")
NAVIGATION_TAGS = frozenset({"nav", "aside", "form"})
BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
BOILERPLATE_WORDS = re.compile(
    r"(?:^|[\s_-])(?:nav|navigation|navbar|menu|menue|breadcrumbs?|sidebar|cookie|consent|"
    r"social|share|skip|toolbar|servicelinks?|metanav)(?:$|[\s_-])",
    re.IGNORECASE,
)
PAGE_PARTS = frozenset({"header", "footer"})  # the page's own, outside any article or section
PAGE_PART_WORDS = re.compile(r"(?:^|\s)(?:site-?)?(?:header|footer)(?:$|\s)", re.IGNORECASE)
SECTIONS = frozenset({"article", "section", "main"})
FILES = re.compile(
    r"\.(?:pdf|ics|ical|vcs|jpe?g|png|gif|svg|webp|zip|docx?|xlsx?|pptx?|mp[34]|rss|xml)$",
    re.IGNORECASE,
)
UTF8 = lxml.html.HTMLParser(encoding="utf-8")


def detail_links(document: Document) -> list[str]:
    """The links in the page's main content that may lead to detail pages (see the module
    docstring): same host, not navigation, not the pager, not the page itself, no files."""
    tree = _tree(document)
    if tree is None:
        return []
    pager = set(pager_links(document))
    own = urldefrag(document.url)[0]
    hrefs = (
        anchor.get("href")
        for anchor in _content_root(tree).iter("a")
        if not _in_boilerplate(anchor) and not _is_pager_anchor(anchor)
    )
    return [
        link
        for link in same_host(document.url, hrefs)
        if link not in pager and link != own and not FILES.search(urlsplit(link).path)
    ]


def pager_links(document: Document) -> list[str]:
    """The links to further pages of the same listing (see the module docstring)."""
    tree = _tree(document)
    if tree is None:
        return []
    marked = [element.get("href") for element in PAGER(tree)]
    worded = [a.get("href") for a in _content_root(tree).iter("a") if _leads_to_page(a)]
    own = urldefrag(document.url)[0]
    return [link for link in same_host(document.url, [*marked, *worded]) if link != own]


def same_host(url: str, hrefs: Iterable[str | None]) -> list[str]:
    """Absolute links without fragment to ``url``'s host, each once, in order; a link that is
    no URL at all (``http://[kaputt``) is passed over."""
    host = urlsplit(url).hostname
    found: list[str] = []
    for href in hrefs:
        if not href or href.strip().startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        try:
            link = urldefrag(urljoin(url, href.strip()))[0]
            parts = urlsplit(link)
        except ValueError:  # urllib refuses a bracketed host that is no IPv6 address
            continue
        if parts.scheme in ("http", "https") and parts.hostname == host and link not in found:
            found.append(link)
    return found


def _tree(document: Document) -> Any | None:
    if not document.text.strip():
        return None
    try:
        return lxml.html.fromstring(document.text.encode("utf-8"), parser=UTF8)
    except lxml.etree.ParserError:  # nothing but a doctype or a comment
        return None


def _content_root(tree: Any) -> Any:
    """``<main>`` or the element with role=main (the one with the most links, if several), else
    the whole page (then navigation and the like are left out link by link)."""
    mains = MAIN(tree)
    if not mains:
        return tree
    return max(mains, key=lambda element: sum(1 for _ in element.iter("a")))


def _in_boilerplate(element: Any) -> bool:
    """Whether the element sits in navigation, an aside, a menu or breadcrumb, or the page's own
    header or footer (a teaser's ``<header>`` inside an ``<article>`` is content)."""
    for ancestor in element.iterancestors():
        named = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if ancestor.tag in NAVIGATION_TAGS or BOILERPLATE_WORDS.search(named):
            return True
        if (ancestor.get("role") or "").lower() in BOILERPLATE_ROLES:
            return True
        if ancestor.tag in PAGE_PARTS or PAGE_PART_WORDS.search(named):
            return not any(up.tag in SECTIONS for up in ancestor.iterancestors())
    return False


def _is_pager_anchor(anchor: Any) -> bool:
    """A link whose text is a pager word or a number (a page's, or a day's in a calendar
    widget), or that says it leads to the next or previous page: never a detail link."""
    return _is_next_or_prev(anchor) or bool(NUMBER.match(_text(anchor)))


def _leads_to_page(anchor: Any) -> bool:
    """A link to another page of the listing: a pager word, ``rel`` next or prev, or a number
    that its URL carries as the page (``?page=2``, ``/seite/2``; not a calendar's day)."""
    if _is_next_or_prev(anchor):
        return True
    number = NUMBER.match(_text(anchor))
    if number is None:
        return False
    carried = PAGE_IN_URL.format(number=number[1])
    return re.search(carried, anchor.get("href") or "", re.IGNORECASE) is not None


def _is_next_or_prev(anchor: Any) -> bool:
    if set((anchor.get("rel") or "").lower().split()) & {"next", "prev"}:
        return True
    return bool(PAGER_WORDS.match(_text(anchor)))


def _text(anchor: Any) -> str:
    return anchor.text_content() or anchor.get("aria-label") or anchor.get("title") or ""
