"""The `lehrstellen-radar` source kind: the Handwerkskammern's result list, 15 postings a page.

The query is the site's own search form: apprenticeships and internships (``search-ls``,
``search-pr``) within ``radius_km`` of ``postcode``. Pages are read until one lists nothing
new or the pager links no further page.
"""

from __future__ import annotations

from w3lib.url import add_or_replace_parameters

from crawlers.extract.lehrstellen_radar import read_result_page
from crawlers.spiders.numbered_pages import Listed, NumberedPagesSpider

DEFAULT_RADIUS_KM = 25


class LehrstellenRadarSpider(NumberedPagesSpider):
    kind = "lehrstellen-radar"
    default_max_pages = 100

    def page_url(self, page: int) -> str:
        options = self.config.options
        query = {
            "search-fromsearchform": "1",
            "search-ls": "1",
            "search-pr": "1",
            "search-plz": str(options["postcode"]),
            "search-radius": str(options.get("radius_km", DEFAULT_RADIUS_KM)),
            "page": str(page),
        }
        return add_or_replace_parameters(self.config.url, query)

    def read_page(self, text: str, url: str, page: int) -> Listed:
        found = read_result_page(text, url)
        more = found.last_page is None or page < found.last_page
        return Listed(found.records, found.problems, more)
