"""What an extractor reads: one fetched document, as bytes and as text, with the source's options.

Built by the spider from a response (crawlers/spiders/extracting.py), by tests and by the fuzz
benchmark from a file: extractors need no Scrapy. The text is decoded when first read
(crawlers/extract/decode.py), so a kind that parses bytes itself (``feed``) decodes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crawlers.extract.decode import body_declared_charset, declared_charset, decode_body


@dataclass
class Document:
    """``url``: where it came from (after redirects); ``options``: the source's kind options,
    each with its value or declared default."""

    url: str
    body: bytes
    content_type: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    _decoded: tuple[str, str | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def text(self) -> str:
        """The body as text, by the charset the Content-Type header declares, else the one the
        document declares itself (``<meta charset>``, the XML declaration)."""
        if self._decoded is None:
            charset = declared_charset(self.content_type) or body_declared_charset(self.body)
            self._decoded = decode_body(self.body, charset)
        return self._decoded[0]

    @property
    def decoding_note(self) -> str | None:
        """What decoding ``text`` had to guess or overrule (a wrong or missing charset); None
        when nothing was, or when nobody read ``text``."""
        return self._decoded[1] if self._decoded else None
