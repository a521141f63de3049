"""What declares a source kind: the records it yields, its options, and the parts that read it.

The crawler parts are named by dotted path (as Scrapy names its components) and resolved in
crawlers/ with ``scrapy.utils.misc.load_object``: aggregator/ imports nothing from crawlers/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aggregator.crawl_result import RawRecord
from aggregator.normalize.context import Context
from aggregator.normalize.drafts import Draft
from aggregator.states import RecordType

Normalizer = Callable[[RawRecord, Context], Sequence[Draft]]
Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Option:
    """An extra key a source of the kind takes in the sources file (docs/contract.md §3).

    ``check`` says why a value of the right type is refused, or returns None; ``help`` is the
    one line the docs table shows.
    """

    name: str
    type: type[str] | type[int]
    help: str
    default: str | int | None = None
    required: bool = False
    check: Check | None = None


@dataclass(frozen=True)
class Claim:
    """A kind's answer that a fetched document is one it reads (``lotse sources try``).

    ``url``: the source URL to propose (None: the document's own); ``options``: the kind's
    options read off the URL or the document; ``guess``: only a likely reading (a listing page
    whose detail pages may carry the items), tried after everything surer.
    """

    url: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    guess: bool = False


@dataclass(frozen=True)
class Kind:
    """One source kind, declared once (aggregator/kinds/<kind>.py, listed in the registry).

    ``spider``: the Scrapy spider class that navigates the source (its ``name`` is the kind's);
    ``extractor``: the function that reads one fetched document, ``(Document) -> Extraction``;
    ``normalizer``: the function that reads one raw record into drafts (raising RecordProblem);
    ``summary``: what it reads, for the table of docs/contract.md §3; ``default_url``: the
    public endpoint used when a source gives no ``url``; ``claims``: the function that tells
    whether a fetched document (or its URL) is one of this kind's, ``(Document) -> Claim | None``
    (``lotse sources try`` asks every kind that has one).
    """

    name: str
    record_type: RecordType
    summary: str
    spider: str
    extractor: str
    normalizer: Normalizer
    options: tuple[Option, ...] = ()
    default_url: str | None = None
    claims: str | None = None

    def option(self, name: str) -> Option:
        """The declared option ``name``; KeyError naming the kind's options if there is none."""
        for option in self.options:
            if option.name == name:
                return option
        known = ", ".join(option.name for option in self.options) or "none"
        raise KeyError(f"source kind '{self.name}' has no option '{name}' (its options: {known})")


def between(low: int, high: int | None = None) -> Check:
    """A check refusing a whole number below ``low`` or above ``high`` (None: no upper bound)."""

    def check(value: int) -> str | None:
        if high is None:
            return f"must be {low} or more, not {value}" if value < low else None
        return f"must be from {low} to {high}, not {value}" if not low <= value <= high else None

    return check
