"""The source kinds: each declared once in its own module (aggregator/kinds/<kind>.py), listed here.

A kind's module holds its ``KIND`` declaration (aggregator/kinds/spec.py) and its normalizer;
its spider and extractor live in crawlers/ and are named by dotted path. Adding a kind to
``DECLARED`` is all it takes to register it; tests/test_kinds.py says what a kind still lacks.
"""

from __future__ import annotations

from aggregator.crawl_result import RawRecord
from aggregator.kinds import (
    ba_jobsuche,
    evangelische_termine,
    feed,
    ical,
    integreat,
    jsonld,
    lehrstellen_radar,
    toubiz,
    wp_events,
)
from aggregator.kinds.spec import Kind
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import Draft
from aggregator.normalize.finish import finish
from aggregator.regions.active import using_region

DECLARED: tuple[Kind, ...] = (
    ical.KIND,
    feed.KIND,
    jsonld.KIND,
    integreat.KIND,
    wp_events.KIND,
    toubiz.KIND,
    evangelische_termine.KIND,
    lehrstellen_radar.KIND,
    ba_jobsuche.KIND,
)
KINDS: dict[str, Kind] = {kind.name: kind for kind in DECLARED}


class UnknownKind(LookupError):
    """A kind name no declaration has; the message names the known ones."""


def kind_named(name: str) -> Kind:
    """The declaration of kind ``name``; UnknownKind, naming the known kinds, if there is none."""
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(f"unknown kind '{name}'; known: {', '.join(sorted(KINDS))}") from None


def normalize(record: RawRecord, context: Context) -> list[Draft]:
    """Drafts from one record by its source's kind, with places, categories and cancellations
    made uniform (aggregator/normalize/finish.py), places read in the source's region. An
    exception the normalizer did not foresee becomes a RecordProblem: the record is kept with it."""
    try:
        reader = kind_named(context.source.kind).normalizer
    except UnknownKind as error:
        raise RecordProblem(str(error)) from None
    with using_region(context.source.region):
        try:
            drafts = reader(record, context)
        except RecordProblem:
            raise
        except Exception as error:  # a reader bug or an input nobody foresaw: keep the record
            raise RecordProblem(f"cannot read record: {type(error).__name__}: {error}") from error
        return [finish(draft, context.source) for draft in drafts]
