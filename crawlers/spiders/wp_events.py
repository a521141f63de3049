"""The `wp-events` source kind: The Events Calendar REST API, page after page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from w3lib.url import add_or_replace_parameter, url_query_parameter

from crawlers.extract.wp_events import read_events_page
from crawlers.spiders.paged import PagedSpider

DEFAULT_PER_PAGE = 50


class WpEventsSpider(PagedSpider):
    kind = "wp-events"
    default_max_pages = 100

    def start_url(self) -> str:
        """The configured URL with ``per_page`` from the source's option, else its own or 50."""
        url = self.config.url
        per_page = self.config.options.get("per_page")
        if per_page is None and url_query_parameter(url, "per_page"):
            return url
        return add_or_replace_parameter(url, "per_page", str(per_page or DEFAULT_PER_PAGE))

    def parse_document(self, response: Response) -> Iterator[Any]:
        self.count_page(response)
        text = self.text_of(response)
        page = self.read_or_refuse(response, lambda: read_events_page(text, response.url))
        if page is None:
            return
        yield from page.problems
        yield from self.fresh(page.records)
        if page.next_url:
            yield from self.next_page(page.next_url, self.parse_document)
