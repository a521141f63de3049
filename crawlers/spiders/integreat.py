"""The `integreat` source kind: Integreat CMS API v3 events, one record per event."""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import Response

from aggregator.crawl_result import Problem, RawRecord
from crawlers.extract.integreat import split_events
from crawlers.spiders.extracting import ExtractingSpider


class IntegreatSpider(ExtractingSpider):
    kind = "integreat"

    def parse_document(self, response: Response) -> Iterator[RawRecord | Problem]:
        text = self.text_of(response)
        yield from self.emit(response, lambda: split_events(text, response.url))
