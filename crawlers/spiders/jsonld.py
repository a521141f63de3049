"""The `jsonld` source kind: listing pages with schema.org items, their pagination and details.

From the listing at ``url`` the spider follows further listing pages (up to the source's
``max_pages``, default 20) and detail pages (those the ``follow`` selector picks, and those of
events listed without a start; at most MAX_DETAIL_PAGES). A detail page's own items replace the
listing's copy; where the detail page has none or cannot be fetched, the listing's copy is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from aggregator.crawl_result import Problem
from crawlers.extract.jsonld import Page, read_page
from crawlers.extract.records import Extracted
from crawlers.spiders.paged import PagedSpider

MAX_DETAIL_PAGES = 500


class JsonLdSpider(PagedSpider):
    kind = "jsonld"
    default_max_pages = 20

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.detailed: set[str] = set()

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A listing page: its items, its detail pages, further listing pages."""
        self.count_page(response)
        page = self._read(response, follow=self.config.options.get("follow"))
        if page is None:
            return
        yield from page.problems
        yield from self.fresh(page.records)
        for url, listed in page.details.items():
            yield from self._detail(url, listed)
        for url in page.pages:
            yield from self.next_page(url, self.parse_document)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        """A detail page: its own items, else the listing's copy of its event."""
        self.count_page(response)
        page = self._read(response, follow=None)
        listed = response.meta.get("listed")
        if page is None:
            yield from self._keep(listed)
            return
        # a followed link need not be an event's page: a detail page never makes a crawl partial
        yield from (replace(problem, partial=False) for problem in page.problems)
        if page.records:
            yield from self.fresh(page.records)
            return
        if listed:
            yield Problem(response.url, "no schema.org item on the detail page; kept the listing's")
        yield from self._keep(listed)

    def detail_failed(self, failure: Failure) -> Iterator[Any]:
        """A detail page that could not be fetched: the listing's copy stands in for it."""
        self.failed(failure)
        yield from self._keep(failure.request.meta.get("listed"))

    def _detail(self, url: str, listed: Extracted | None) -> Iterator[Any]:
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
        request = self.request(url, self.parse_detail, meta={"listed": listed})
        yield request.replace(errback=self.detail_failed)

    def _keep(self, listed: Extracted | None) -> Iterator[Any]:
        """The listing's copy of an event, where it has one."""
        return self.fresh([listed] if listed else [])

    def _read(self, response: Response, *, follow: str | None) -> Page | None:
        if not isinstance(response, TextResponse):
            self.refuse(response, "not an HTML page")
            return None
        text = self.text_of(response)
        return self.read_or_refuse(response, lambda: read_page(text, response.url, follow=follow))
