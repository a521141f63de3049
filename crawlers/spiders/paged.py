"""Spiders that walk a listing page by page, up to a cap.

Multi-page kinds cannot use conditional GET or a body hash (one unchanged page says nothing about
the others), so ``conditional`` is off. A listing longer than the cap is read as far as the cap,
reported as a problem, and the crawl counts as incomplete, so nothing is marked gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from aggregator.crawl_result import Problem
from crawlers.spiders.extracting import ExtractingSpider


class PagedSpider(ExtractingSpider):
    kind = ""  # a base for kinds, not a kind
    conditional = False
    default_max_pages: ClassVar[int] = 50

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.listed: set[str] = {self.start_url()}
        self.capped = False

    @property
    def max_pages(self) -> int:
        return int(self.config.options.get("max_pages") or self.default_max_pages)

    def next_page(self, url: str, callback: Callable[[Response], Any]) -> Iterator[scrapy.Request]:
        """A request for a further listing page, unless it was listed or the cap is reached."""
        if url in self.listed:
            return
        if len(self.listed) >= self.max_pages:
            self.stop_at_cap(f"more than {self.max_pages} listing pages; read the first ones")
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
