"""The `feed` source kind: one RSS or Atom document, one record per entry."""

from __future__ import annotations

from crawlers.spiders.extracting import ExtractingSpider


class FeedSpider(ExtractingSpider):
    name = "feed"
