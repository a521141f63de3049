"""Listings paged by a ``page`` query parameter counted from 1 (Lehrstellen-Radar, Jobsuche).

Page n+1 is read while page n brought records not seen before in this crawl and the kind says
more may follow; so a listing ends at its first empty page, and an endpoint that ignores
``page`` (a static copy) ends after its one page. PagedSpider caps the number of pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scrapy.http import Response
from w3lib.url import url_query_parameter

from aggregator.crawl_result import Problem
from crawlers.extract.records import Extracted
from crawlers.spiders.paged import PagedSpider


@dataclass
class Listed:
    """What one page lists, and whether the kind expects a next page."""

    records: list[Extracted] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    more: bool = True


class NumberedPagesSpider(PagedSpider):
    kind = ""  # a base for kinds, not a kind

    def start_url(self) -> str:
        return self.page_url(1)

    def page_url(self, page: int) -> str:
        """The URL of page ``page`` of this source's listing."""
        raise NotImplementedError

    def read_page(self, text: str, url: str, page: int) -> Listed:
        """The records of one page; raises Unreadable for a page that is no listing at all."""
        raise NotImplementedError

    def parse_document(self, response: Response) -> Iterator[Any]:
        self.count_page(response)
        page = page_number(response.url)
        text = self.text_of(response)
        listed = self.read_or_refuse(response, lambda: self.read_page(text, response.url, page))
        if listed is None:
            return
        yield from listed.problems
        fresh = list(self.fresh(listed.records))
        yield from fresh
        if fresh and listed.more:
            yield from self.next_page(self.page_url(page + 1), self.parse_document)


def page_number(url: str) -> int:
    """The ``page`` parameter of a listing URL (1 when it has none)."""
    value = url_query_parameter(url, "page") or "1"
    return int(value) if value.isdigit() and int(value) > 0 else 1
