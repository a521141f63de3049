"""Spiders whose reading is a pure extractor (crawlers/extract/): records in, records out.

An extractor returns records and problems, or raises Unreadable for a document it refuses. On
the first page that fails the crawl; on a later page it is a problem and the crawl is
incomplete (nothing is marked gone). A record whose key was already yielded by an earlier page
of the same crawl is skipped: listings repeat items as paging shifts, detail pages repeat them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from scrapy.http import Response

from aggregator.crawl_result import Problem, RawRecord
from crawlers.extract.records import Extracted, Unreadable
from crawlers.spiders.base import SourceSpider

Reading = tuple[list[Extracted], list[Problem]]
T = TypeVar("T")


class ExtractingSpider(SourceSpider):
    kind = ""  # a base for kinds, not a kind

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.keys: set[str] = set()

    def emit(
        self, response: Response, read: Callable[[], Reading]
    ) -> Iterator[RawRecord | Problem]:
        """The records ``read`` finds in ``response`` and its problems, or the refusal."""
        reading = self.read_or_refuse(response, read)
        if reading is not None:
            yield from reading[1]
            yield from self.fresh(reading[0])

    def read_or_refuse(self, response: Response, read: Callable[[], T]) -> T | None:
        """What ``read`` returns; None when it refused ``response`` (then see ``refuse``).
        An exception nobody foresaw refuses the page too: the crawl must not look complete."""
        try:
            return read()
        except Unreadable as refusal:
            self.refuse(response, str(refusal))
        except Exception as error:
            self.logger.exception("reading %s failed", response.url)
            self.refuse(response, f"cannot read it: {type(error).__name__}: {error}")
        return None

    def fresh(self, records: list[Extracted]) -> Iterator[RawRecord]:
        """Raw records for the extracted ones not yielded before in this crawl."""
        for record in records:
            if record.key not in self.keys:
                self.keys.add(record.key)
                yield self.record(record.key, record.fmt, record.payload, record.url)

    def refuse(self, response: Response, message: str) -> None:
        """A document that cannot be read: the crawl fails on the first page, else is partial."""
        self.fail_page(response.url, message, first=bool(response.meta.get("first")))
