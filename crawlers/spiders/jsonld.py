"""The `jsonld` source kind: listing pages with schema.org items, their pagination and details.

From the listing at ``url`` the spider follows further listing pages (up to the source's
``max_pages``) and detail pages (those the ``follow`` selector picks, and those of events listed
without a start; at most MAX_DETAIL_PAGES). A detail page's own items replace the listing's
copy; where the detail page has none or cannot be fetched, the listing's copy is kept. A detail
page is read without the ``follow`` selector: its links lead nowhere further.

A listing page of teasers without markup (no items, no ``follow``) names the links of its main
content (``discovered``). The spider tries them, at most ``max_discovered`` unknown ones per
crawl, and keeps the items of those that carry some; a link that carries none, answers 404 or
410, or is forbidden by robots.txt, is no detail page and says nothing about the crawl. What
each link proved to be is remembered for the source (``CrawlResult.memory``, stored with the
source and handed to the next crawl as ``state["memory"]``): a later crawl fetches the known
detail pages at once and leaves the known other links alone. A crawl that tried links and found
no item at all is incomplete, with a problem saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from aggregator.crawl_result import Problem
from crawlers.extract.records import Extracted, Extraction
from crawlers.spiders.base import failed_request
from crawlers.spiders.paged import PagedSpider

MAX_DETAIL_PAGES = 500
MAX_REMEMBERED = 2000  # links of each sort kept for the next crawl
GONE = (404, 410)


@dataclass
class LinkMemory:
    """Which discovered links proved detail pages and which did not: the last crawl's (``known``)
    and this crawl's (``seen``), each link → whether it is a detail page."""

    known: dict[str, bool] = field(default_factory=dict)
    seen: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, state: dict[str, Any] | None) -> LinkMemory:
        state = state or {}
        known = {url: False for url in state.get("other", [])}
        known.update({url: True for url in state.get("details", [])})
        return cls(known)

    def note(self, url: str, *, detail: bool) -> None:
        self.seen[url] = detail

    def state(self, *, complete: bool) -> dict[str, list[str]]:
        """What to hand the next crawl: this crawl's findings, and, after an incomplete crawl
        (links it may not have reached), the last crawl's too."""
        merged = self.seen if complete else {**self.known, **self.seen}
        details = [url for url, detail in merged.items() if detail][:MAX_REMEMBERED]
        other = [url for url, detail in merged.items() if not detail][:MAX_REMEMBERED]
        return {"details": details, "other": other} if merged else {}


class JsonLdSpider(PagedSpider):
    name = "jsonld"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> JsonLdSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.finish, signal=signals.spider_idle)
        return spider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detailed: set[str] = set()
        self.links = LinkMemory.of(self.state.get("memory"))
        self.tried = 0  # discovered links not known before, requested in this crawl

    def follow(self, extraction: Extraction, *, fresh: bool) -> Iterator[Any]:
        """A listing page's detail pages, the links it may have details behind, then its further
        listing pages."""
        for url, listed in extraction.details.items():
            yield from self._detail(url, listed)
        for url in extraction.discovered:
            yield from self._discovered(url)
        yield from super().follow(extraction, fresh=fresh)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        """A detail page: its own items, else the listing's copy of its event."""
        self.count_page(response)
        discovered = response.meta.get("discovered", False)
        if discovered and not isinstance(response, TextResponse):
            self._found(_linked(response.meta, response.url), detail=False)
            return
        page = self.read_or_refuse(response, follow=None)
        listed = response.meta.get("listed")
        if page is None:
            yield from self._keep(listed)
            return
        # a page without items is said below (or is no detail page): it never makes a crawl partial
        yield from (problem for problem in page.problems if not problem.partial)
        if discovered:
            self._found(_linked(response.meta, response.url), detail=bool(page.records))
        if page.records:
            yield from self.fresh(page.records)
            return
        if not discovered:
            kept = "; kept the listing's" if listed else ""
            yield Problem(response.url, f"no schema.org item on the detail page{kept}")
        yield from self._keep(listed)

    def detail_failed(self, failure: Failure) -> Iterator[Any]:
        """A detail page that could not be fetched: the listing's copy stands in for it. A
        discovered link that is not there (404, 410) or that robots.txt forbids is no detail
        page."""
        request = failed_request(failure)
        status = getattr(getattr(failure.value, "response", None), "status", None)
        if request.meta.get("discovered") and (status in GONE or failure.check(IgnoreRequest)):
            link = _linked(request.meta, request.url)
            if status in GONE and self.links.known.get(link):
                self.result.problems.append(
                    Problem(link, f"the detail page is gone (HTTP {status})")
                )
            self._found(link, detail=False)
            return
        self.failed(failure)
        yield from self._keep(request.meta.get("listed"))

    def read_or_refuse(self, response: Response, **options: Any) -> Extraction | None:
        """As for every kind, but a response Scrapy did not take for text is no HTML page."""
        if not isinstance(response, TextResponse):
            self.refuse(response, "not an HTML page")
            return None
        return super().read_or_refuse(response, **options)

    def finish(self) -> None:
        """When the crawl has nothing left to do: what the links proved, for the next crawl;
        and links tried without a single item found make the crawl incomplete."""
        if self.links.seen and not self.keys and not self.capped and self.result.complete:
            self.result.complete = False
            message = (
                f"none of the {len(self.links.seen)} links of the listing leads to a page with "
                "schema.org items (Event, Course, JobPosting); set `follow` to the detail links"
            )
            self.result.problems.append(Problem(self.config.url, message, partial=True))
        self.result.memory = self.links.state(complete=self.result.complete)

    def _discovered(self, url: str) -> Iterator[Any]:
        """A link that may lead to a detail page: known ones at once (or not at all), unknown
        ones while the crawl's ``max_discovered`` allows."""
        if url in self.detailed or url in self.listed:
            return
        known = self.links.known.get(url)
        if known is False:
            self.links.note(url, detail=False)
            return
        if known is None:
            limit = self.config.option("max_discovered")
            if self.tried >= limit:
                self.stop_at_cap(f"more than {limit} unknown links on the listing; tried the first")
                return
            self.tried += 1
        yield from self._detail(url, None, discovered=True)

    def _found(self, url: str, *, detail: bool) -> None:
        self.links.note(url, detail=detail)
        self.result.memory = self.links.state(complete=False)  # kept should the crawl stop here

    def _detail(
        self, url: str, listed: Extracted | None, *, discovered: bool = False
    ) -> Iterator[Any]:
        if url in self.detailed:
            return  # requested already, with the copy the first listing gave
        if url in self.listed:
            yield from self._keep(listed)
            return
        if len(self.detailed) >= MAX_DETAIL_PAGES:
            self.stop_at_cap(f"more than {MAX_DETAIL_PAGES} detail pages; read the first ones")
            yield from self._keep(listed)
            return
        self.detailed.add(url)
        meta = {"listed": listed, "discovered": discovered}
        request = self.request(url, self.parse_detail, meta=meta)
        yield request.replace(errback=self.detail_failed)

    def _keep(self, listed: Extracted | None) -> Iterator[Any]:
        """The listing's copy of an event, where it has one."""
        return self.fresh([listed] if listed else [])


def _linked(meta: dict[str, Any], url: str) -> str:
    """The URL the listing linked, before any redirect: what the next crawl will see again."""
    return (meta.get("redirect_urls") or [url])[0]
