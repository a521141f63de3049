"""The `feed` source kind: one RSS or Atom document, one record per entry."""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import Response

from aggregator.crawl_result import Problem, RawRecord
from crawlers.extract.feed import read_feed
from crawlers.spiders.extracting import ExtractingSpider


class FeedSpider(ExtractingSpider):
    kind = "feed"

    def parse_document(self, response: Response) -> Iterator[RawRecord | Problem]:
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        yield from self.emit(response, lambda: read_feed(response.body, response.url, content_type))
