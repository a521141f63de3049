"""The `jsonld` source kind: listing pages with schema.org items, their pagination and details.

From the listing at ``url`` the spider follows further listing pages (up to the source's
``max_pages``) and detail pages (those the ``follow`` selector picks, and those of events listed
without a start; at most MAX_DETAIL_PAGES). A detail page's own items replace the listing's
copy; where the detail page has none or cannot be fetched, the listing's copy is kept. A detail
page is read without the ``follow`` selector: its links lead nowhere further.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from aggregator.crawl_result import Problem
from crawlers.extract.records import Extracted, Extraction
from crawlers.spiders.base import failed_request
from crawlers.spiders.paged import PagedSpider

MAX_DETAIL_PAGES = 500


class JsonLdSpider(PagedSpider):
    name = "jsonld"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detailed: set[str] = set()

    def follow(self, extraction: Extraction, *, fresh: bool) -> Iterator[Any]:
        """A listing page's detail pages, then its further listing pages."""
        for url, listed in extraction.details.items():
            yield from self._detail(url, listed)
        yield from super().follow(extraction, fresh=fresh)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        """A detail page: its own items, else the listing's copy of its event."""
        self.count_page(response)
        page = self.read_or_refuse(response, follow=None)
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
        yield from self._keep(failed_request(failure).meta.get("listed"))

    def read_or_refuse(self, response: Response, **options: Any) -> Extraction | None:
        """As for every kind, but a response Scrapy did not take for text is no HTML page."""
        if not isinstance(response, TextResponse):
            self.refuse(response, "not an HTML page")
            return None
        return super().read_or_refuse(response, **options)

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
