"""A page of the Bundesagentur's Jobsuche API (``pc/v4/jobs``) into one record per offer.

A page is ``{"stellenangebote": [...], "maxErgebnisse", "page", "size", "facetten"}``; a page
past the end has no ``stellenangebote`` at all. An offer's key is its ``refnr``; its URL is
the public page on arbeitsagentur.de.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlsplit

from aggregator.crawl_result import Problem
from aggregator.kinds.spec import Claim
from crawlers.extract.claiming import json_of, query_value, without_query
from crawlers.extract.document import Document
from crawlers.extract.paging import page_after
from crawlers.extract.records import Extracted, Extraction, Unreadable, json_text, unique

API_PATH = re.compile(r"/jobsuche-service/pc/v\d+/(?:app/)?jobs/?$")
ANSWER_KEYS = frozenset({"ergebnisliste", "stellenangebote", "maxErgebnisse"})
PUBLIC_PAGE = "https://www.arbeitsagentur.de/jobsuche/jobdetail/{refnr}"


def read_offers_page(document: Document) -> Extraction:
    """The offers of one answer, and the next page unless this one is past the end;
    Unreadable when it is no Jobsuche answer at all."""
    url = document.url
    try:
        data = json.loads(document.text)
    except ValueError as error:
        raise Unreadable(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise Unreadable("not a Jobsuche answer (no JSON object)")
    offers = data.get("stellenangebote")
    if offers is None:
        return Extraction()
    if not isinstance(offers, list):
        raise Unreadable("'stellenangebote' is not a list")
    page = Extraction(pages=[page_after(url)])
    records = []
    for number, offer in enumerate(offers, start=1):
        refnr = offer.get("refnr") if isinstance(offer, dict) else None
        if isinstance(refnr, str) and refnr.strip():
            refnr = refnr.strip()
            records.append(Extracted(refnr, "json", json_text(offer), public_url(refnr)))
        else:
            page.problems.append(Problem(url, f"offer {number} on this page has no refnr"))
    page.records, duplicates = unique(records, url)
    page.problems += duplicates
    return page


def public_url(refnr: str) -> str:
    """The offer's page for people: https://www.arbeitsagentur.de/jobsuche/jobdetail/<refnr>."""
    return PUBLIC_PAGE.format(refnr=quote(refnr, safe=""))


def claims(document: Document) -> Claim | None:
    """A Jobsuche API address (its path), or an answer of it (its keys); the place and radius
    from the query, the spider builds the rest."""
    data = json_of(document)
    answer = isinstance(data, dict) and not ANSWER_KEYS.isdisjoint(data)
    if not answer and not API_PATH.search(urlsplit(document.url).path):
        return None
    options: dict[str, str | int] = {}
    where = query_value(document.url, "wo")
    radius = query_value(document.url, "umkreis")
    if where:
        options["where"] = where
    if radius and radius.isdigit():
        options["radius_km"] = int(radius)
    return Claim(url=without_query(document.url), options=options)
