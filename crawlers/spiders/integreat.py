"""The `integreat` source kind: Integreat CMS API v3 events, one record per event."""

from __future__ import annotations

from crawlers.spiders.extracting import ExtractingSpider


class IntegreatSpider(ExtractingSpider):
    name = "integreat"
