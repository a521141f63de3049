"""The `evangelische-termine` source kind: the platform's JSON export, ``pageID`` after ``pageID``.

The query names the organiser (``vid``) or the region (``region``), from the source's options or
the ``url`` itself, with ``highlight=all`` (else only highlighted events come) and
``items_per_page``. Pages are read until one lists nothing new. Not the list iCal: it is
reported to write weekly series as daily ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import scrapy
from w3lib.url import add_or_replace_parameters, url_query_parameter

from aggregator.states import CrawlStatus
from crawlers.spiders.numbered_pages import NumberedPagesSpider

WHO = ("vid", "region")


class EvangelischeTermineSpider(NumberedPagesSpider):
    name = "evangelische-termine"

    def start_url(self) -> str:
        query = {name: str(self.config.option(name)) for name in WHO if self.config.option(name)}
        query |= {
            "highlight": "all",
            "itemsPerPage": str(self.config.option("items_per_page")),
            "pageID": "1",
        }
        return add_or_replace_parameters(self.config.url, query)

    def start_requests(self) -> Iterator[scrapy.Request]:
        """The first page, unless nothing says whose events to read: then the crawl fails."""
        if not any(url_query_parameter(self.start_url(), name) for name in WHO):
            self.result.status, self.result.complete = CrawlStatus.FAILED, False
            self.result.error = (
                "needs the organiser (vid) or the region (region), as an option or in the url: "
                "without either the export is every event of the platform"
            )
            return
        yield from super().start_requests()
