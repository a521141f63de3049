"""The `ical` source kind: one iCalendar document, split into one record per event UID."""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import Response

from aggregator.crawl_result import Problem, RawRecord
from aggregator.states import CrawlStatus
from crawlers.extract.ical import split_calendar
from crawlers.spiders.base import SourceSpider


class IcalSpider(SourceSpider):
    kind = "ical"

    def parse_document(self, response: Response) -> Iterator[RawRecord | Problem]:
        records, problems = split_calendar(self.text_of(response), response.url)
        if not records and problems:
            self.result.status = CrawlStatus.FAILED
            self.result.error = str(problems[0])
            return
        yield from problems
        for uid, payload in records:
            yield self.record(uid, "ical", payload, response.url)
