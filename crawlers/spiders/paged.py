"""Spiders that walk a listing page by page, up to the source's ``max_pages``.

Multi-page kinds cannot use conditional GET or a body hash (one unchanged page says nothing about
the others), so ``conditional`` is off. A listing longer than the cap is read as far as the cap,
reported as a problem, and the crawl counts as incomplete, so nothing is marked gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from aggregator.crawl_result import Problem
from crawlers.extract.records import Extraction
from crawlers.spiders.extracting import ExtractingSpider


class PagedSpider(ExtractingSpider):
    """A listing whose pages the extractor names (``pages``), each read once."""

    conditional = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listed: set[str] = {self.start_url()}
        self.capped = False

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A listing page: its problems, its records not seen before, then where it leads."""
        self.count_page(response)
        extraction = self.read_or_refuse(response)
        if extraction is None:
            return
        yield from extraction.problems
        fresh = list(self.fresh(extraction.records))
        yield from fresh
        yield from self.follow(extraction, fresh=bool(fresh))

    def follow(self, extraction: Extraction, *, fresh: bool) -> Iterator[scrapy.Request]:
        """Requests for the further listing pages a page names."""
        for url in extraction.pages:
            yield from self.next_page(url, self.parse_document)

    def next_page(self, url: str, callback: Callable[[Response], Any]) -> Iterator[scrapy.Request]:
        """A request for a further listing page, unless it was listed or the cap is reached."""
        if url in self.listed:
            return
        max_pages = self.config.option("max_pages")
        if len(self.listed) >= max_pages:
            self.stop_at_cap(f"more than {max_pages} listing pages; read the first ones")
            return
        self.listed.add(url)
        yield self.request(url, callback)

    def stop_at_cap(self, message: str) -> None:
        """Note once that a cap cut the crawl short; the crawl is then incomplete."""
        if not self.capped:
            self.capped = True
            self.result.complete = False
            self.result.problems.append(Problem(self.config.url, message))

    def count_page(self, response: Response) -> None:
        """Count a page after the first one (SourceSpider counts the first)."""
        if not response.meta.get("first"):
            self.result.pages += 1
