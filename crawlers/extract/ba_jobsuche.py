"""A page of the Bundesagentur's Jobsuche API into one record per offer, verbatim.

Two answer shapes, told apart by their keys (docs/sources.md): v6 (``pc/v6/jobs``) lists offers
under ``ergebnisliste``, keyed by ``referenznummer``; v4 (``pc/v4/jobs``, an old mirror) under
``stellenangebote``, keyed by ``refnr`` (the same number: a posting keeps its record across the
switch). With no hits or past the last page the list is absent and only ``maxErgebnisse`` is
there; an answer with none of the three keys is unknown and refused, and so is one counting
hits for this page without listing them (a renamed list). The API serves at most
``MAX_OFFERS`` offers of one search (``page × size``), so paging stops there, noting what is left.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

from w3lib.url import url_query_parameter

from aggregator.crawl_result import Problem
from aggregator.kinds.ba_jobsuche import MAX_OFFERS, MAX_PAGE_SIZE
from aggregator.kinds.spec import Claim
from crawlers.extract.claiming import json_of, search_options, without_query
from crawlers.extract.document import Document
from crawlers.extract.paging import page_after, page_number
from crawlers.extract.records import Extracted, Extraction, Unreadable, json_text, unique

API_PATH = re.compile(r"/jobsuche-service/pc/v\d+/(?:app/)?jobs/?$")
PUBLIC_PAGE = "https://www.arbeitsagentur.de/jobsuche/jobdetail/{refnr}"
# The offer list and the id of an offer, by answer shape: v6 first.
SHAPES = {"ergebnisliste": "referenznummer", "stellenangebote": "refnr"}
HITS = "maxErgebnisse"
ANSWER_KEYS = frozenset({*SHAPES, HITS})  # any of them: a Jobsuche answer


def read_offers_page(document: Document) -> Extraction:
    """The offers of one answer, and the next page while the API's limits allow one;
    Unreadable when it is no Jobsuche answer of a known shape."""
    data = _answer(document.text)
    shape = next((key for key in SHAPES if key in data), None)
    if shape is None:
        return _without_offers(document.url, data)
    offers = data[shape]
    if not isinstance(offers, list):
        raise Unreadable(f"'{shape}' is not a list")
    page = _next_page(document.url, data.get(HITS)) if offers else Extraction()
    records = []
    for number, offer in enumerate(offers, start=1):
        refnr = _refnr(offer)
        if refnr is None:
            message = f"offer {number} on this page has no {SHAPES[shape]}"
            page.problems.append(Problem(document.url, message))
        else:
            records.append(Extracted(refnr, "json", json_text(offer), public_url(refnr)))
    page.records, duplicates = unique(records, document.url)
    page.problems += duplicates
    return page


def public_url(refnr: str) -> str:
    """The offer's page for people: https://www.arbeitsagentur.de/jobsuche/jobdetail/<refnr>."""
    return PUBLIC_PAGE.format(refnr=quote(refnr, safe=""))


def _answer(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise Unreadable(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise Unreadable("not a Jobsuche answer (no JSON object)")
    return data


def _without_offers(url: str, data: dict[str, Any]) -> Extraction:
    """An answer without an offer list: no hits, or a page past the last one. Unreadable when
    it lacks ``maxErgebnisse`` too, or says this page should have had offers."""
    hits = data.get(HITS)
    if hits is None:
        raise Unreadable(
            "not a Jobsuche answer of a known shape: expected 'ergebnisliste' (v6), "
            f"'stellenangebote' (v4) or '{HITS}', found {_keys(data)}"
        )
    if isinstance(hits, int) and hits > (page_number(url) - 1) * _size(url):
        raise Unreadable(
            f"the answer says {hits} offers were found but lists none on this page under "
            "'ergebnisliste' (v6) or 'stellenangebote' (v4)"
        )
    return Extraction()


def _next_page(url: str, hits: object) -> Extraction:
    """The page after this one, unless it lies beyond what the API serves of a search: then,
    unless the answer says this page was the last anyway, a problem (the crawl is incomplete)."""
    number, size = page_number(url), _size(url)
    if (number + 1) * size <= MAX_OFFERS:
        return Extraction(pages=[page_after(url)])
    if isinstance(hits, int) and hits <= number * size:
        return Extraction()
    found = f"the search found {hits} offers; " if isinstance(hits, int) else ""
    message = (
        f"{found}the API serves the first {MAX_OFFERS} offers of a search only "
        f"(page × size ≤ {MAX_OFFERS}): narrow 'where' or 'radius_km'"
    )
    return Extraction(problems=[Problem(url, message, partial=True)])


def _size(url: str) -> int:
    value = url_query_parameter(url, "size") or ""
    return int(value) if value.isdigit() and int(value) > 0 else MAX_PAGE_SIZE


def _refnr(offer: object) -> str | None:
    """The offer's reference number, whichever shape named it."""
    if not isinstance(offer, dict):
        return None
    for key in SHAPES.values():
        value = offer.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _keys(data: dict[str, Any]) -> str:
    shown = ", ".join(repr(key) for key in list(data)[:8])
    return shown or "an empty object"


def claims(document: Document) -> Claim | None:
    """A Jobsuche API address (its path), or an answer of it (its keys); the place and radius
    from the query, the spider builds the rest."""
    data = json_of(document)
    answer = isinstance(data, dict) and not ANSWER_KEYS.isdisjoint(data)
    if not answer and not API_PATH.search(urlsplit(document.url).path):
        return None
    options = search_options(document.url, place=("wo", "where"), radius="umkreis")
    return Claim(url=without_query(document.url), options=options)
