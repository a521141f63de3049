"""The `lehrstellen-radar` source kind: the Handwerkskammern's result list, 15 postings a page.

The query is the site's own search form: apprenticeships and internships (``search-ls``,
``search-pr``) within ``radius_km`` of ``postcode``. Pages are read until one lists nothing
new or the pager links no further page.
"""

from __future__ import annotations

from w3lib.url import add_or_replace_parameters

from crawlers.spiders.numbered_pages import NumberedPagesSpider


class LehrstellenRadarSpider(NumberedPagesSpider):
    name = "lehrstellen-radar"

    def start_url(self) -> str:
        query = {
            "search-fromsearchform": "1",
            "search-ls": "1",
            "search-pr": "1",
            "search-plz": str(self.config.option("postcode")),
            "search-radius": str(self.config.option("radius_km")),
            "page": "1",
        }
        return add_or_replace_parameters(self.config.url, query)
