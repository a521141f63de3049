"""One spider per source kind; the kind's declaration (aggregator/kinds/) names its class.

Scrapy finds them too (``SPIDER_MODULES``): ``scrapy list`` names the kinds, ``scrapy crawl
<kind> -a source=<id>`` crawls a source of the sources file.
"""

from __future__ import annotations

from scrapy.utils.misc import load_object

from aggregator.kinds import kind_named
from crawlers.spiders.base import SourceSpider


def spider_for(kind: str) -> type[SourceSpider]:
    """The spider class of ``kind``; UnknownKind, naming the known kinds, if there is none."""
    return load_object(kind_named(kind).spider)
