"""The `wp-events` source kind: The Events Calendar REST API, page after page."""

from __future__ import annotations

from w3lib.url import add_or_replace_parameter, url_query_parameter

from crawlers.spiders.paged import PagedSpider


class WpEventsSpider(PagedSpider):
    name = "wp-events"

    def start_url(self) -> str:
        """The configured URL with the source's ``per_page``; without one, the URL's own
        ``per_page`` where it has one, else the option's default."""
        url = self.config.url
        if "per_page" not in self.config.options and url_query_parameter(url, "per_page"):
            return url
        return add_or_replace_parameter(url, "per_page", str(self.config.option("per_page")))
