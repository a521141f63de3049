"""The `ical` source kind: one iCalendar document, split into one record per event UID."""

from __future__ import annotations

from crawlers.spiders.extracting import ExtractingSpider


class IcalSpider(ExtractingSpider):
    name = "ical"
