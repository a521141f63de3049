"""Spiders whose reading is their kind's extractor (crawlers/extract/): a document in, records out.

The spider builds the Document (the response, and the source's options with their declared
defaults) and hands it to the extractor its kind names; every kind goes this way. An extractor
raising Unreadable refuses the document: on the first page that fails the crawl; on a later page
it is a problem and the crawl is incomplete (nothing is marked gone). Any other exception
refuses it too, with its type and message: the crawl must not look complete with the page's
records missing. A record whose key was already yielded by an earlier page of the same crawl is
skipped: listings repeat items as paging shifts, detail pages repeat them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Response
from scrapy.utils.misc import load_object

from aggregator.crawl_result import Problem, RawRecord
from crawlers.extract.document import Document
from crawlers.extract.records import Extracted, Extraction, Extractor, Unreadable
from crawlers.spiders.base import SourceSpider


class ExtractingSpider(SourceSpider):
    """One document per source, its records and problems (``ical``, ``feed``, ``integreat``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extract: Extractor = load_object(self.kind.extractor)
        self.keys: set[str] = set()

    def parse_document(self, response: Response) -> Iterator[RawRecord | Problem]:
        extraction = self.read_or_refuse(response)
        if extraction is not None:
            yield from extraction.problems
            yield from self.fresh(extraction.records)

    def document(self, response: Response, **options: Any) -> Document:
        """The response as its extractor reads it; ``options`` replace the source's own."""
        return Document(
            url=response.url,
            body=response.body,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1") or None,
            options={**self.config.option_values(), **options},
        )

    def read_or_refuse(self, response: Response, **options: Any) -> Extraction | None:
        """What the extractor finds in ``response``; None when it refused it (see ``refuse``).
        A charset the decoding had to guess or overrule is noted as a problem either way."""
        document = self.document(response, **options)
        try:
            return self.extract(document)
        except Unreadable as refusal:
            message = str(refusal)
        except Exception as error:
            self.logger.exception("reading %s of source %s failed", response.url, self.config.id)
            message = f"cannot read it: {type(error).__name__}: {error}"
        finally:
            if document.decoding_note:
                self.result.problems.append(Problem(response.url, document.decoding_note))
        self.refuse(response, message)
        return None

    def fresh(self, records: list[Extracted]) -> Iterator[RawRecord]:
        """Raw records for the extracted ones not yielded before in this crawl."""
        for record in records:
            if record.key not in self.keys:
                self.keys.add(record.key)
                fetched = datetime.now(UTC)
                yield RawRecord(record.key, record.fmt, record.payload, record.url, fetched)

    def refuse(self, response: Response, message: str) -> None:
        """A document that cannot be read: the crawl fails on the first page, else is partial."""
        self.fail_page(response.url, message, first=bool(response.meta.get("first")))
