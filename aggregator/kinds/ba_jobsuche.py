"""Offers of the Bundesagentur's Jobsuche API into apprenticeship drafts, in either shape.

A v6 offer (``pc/v6/jobs``): ``referenznummer``, ``stellenangebotsTitel``, ``hauptberuf``,
``firma``, ``eintrittszeitraum {von}``, ``stellenlokationen [{adresse {strasse, hausnummer, plz,
ort}, breite, laenge}]`` (the first is the place), ``externeURL`` (set where the offer lives on
a partner site: the link shown). A v4 offer: ``refnr``, ``titel``, ``beruf``, ``arbeitgeber``,
``eintrittsdatum``, ``arbeitsort {plz, ort, strasse, koordinaten {lat, lon}}``, ``externeUrl``.
Told apart by ``referenznummer``; ``plz`` comes as a string or a number in both.
"""

from __future__ import annotations

import json
from typing import Any

from aggregator.crawl_result import RawRecord
from aggregator.dates.start_dates import start_date
from aggregator.kinds.spec import Kind, Option, between
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import ApprenticeshipDraft
from aggregator.occupations import occupation_name
from aggregator.places.locations import Place
from aggregator.states import RecordType
from aggregator.text.plain import one_line
from aggregator.urls import web_url

# The fields a draft takes, by shape: id, title, occupation, company, partner site.
V6 = ("referenznummer", "stellenangebotsTitel", "hauptberuf", "firma", "externeURL")
V4 = ("refnr", "titel", "beruf", "arbeitgeber", "externeUrl")
# The API's limits: size ≤ 100 and page × size ≤ 10,000, else 400 EINGABEPARAMETER_FEHLERHAFT.
MAX_PAGE_SIZE = 100
MAX_OFFERS = 10_000
MAX_PAGES = MAX_OFFERS // MAX_PAGE_SIZE


def read_offer(record: RawRecord, context: Context) -> list[ApprenticeshipDraft]:
    offer = _offer(record.payload)
    v6 = V6[0] in offer
    refnr, titel, beruf, firma, partner = V6 if v6 else V4
    title = _text(offer.get(titel))
    occupation = occupation_name(_text(offer.get(beruf)) or title)
    if not title and not occupation:
        raise RecordProblem(f"offer has neither '{titel}' nor '{beruf}'")
    begins = _von(offer.get("eintrittszeitraum")) if v6 else offer.get("eintrittsdatum")
    return [
        ApprenticeshipDraft(
            title=title or occupation,
            occupation=occupation,
            company=_text(offer.get(firma)),
            place=_v6_place(offer.get("stellenlokationen")) if v6 else _v4_place(offer),
            start_date=start_date(begins, now=context.now),
            url=web_url(offer.get(partner)) or record.url,
            uid=_text(offer.get(refnr)) or record.key,
        )
    ]


KIND = Kind(
    name="ba-jobsuche",
    record_type=RecordType.APPRENTICESHIP,
    summary=(
        "Bundesagentur für Arbeit Jobsuche API (`pc/v6/jobs`; v4 answers read too), "
        "apprenticeships (`angebotsart=4`)"
    ),
    spider="crawlers.spiders.ba_jobsuche.BaJobsucheSpider",
    extractor="crawlers.extract.ba_jobsuche.read_offers_page",
    claims="crawlers.extract.ba_jobsuche.claims",
    normalizer=read_offer,
    options=(
        Option("where", str, "the place name or postcode the search is around", required=True),
        Option("radius_km", int, "kilometres around the place", default=25, check=between(1)),
        Option(
            "max_pages",
            int,
            f"API pages of {MAX_PAGE_SIZE} offers read at most; the API serves {MAX_PAGES}",
            default=MAX_PAGES,
            check=between(1),
        ),
    ),
    default_url="https://rest.arbeitsagentur.de/jobboerse/jobsuche-service/pc/v6/jobs",
)


def _offer(payload: str) -> dict[str, Any]:
    try:
        offer = json.loads(payload)
    except ValueError as error:
        raise RecordProblem(f"not JSON: {error}") from error
    if not isinstance(offer, dict):
        raise RecordProblem("not a Jobsuche offer (no JSON object)")
    return offer


def _v6_place(locations: Any) -> Place:
    """The first of an offer's ``stellenlokationen`` (all stay in the raw record)."""
    first = locations[0] if isinstance(locations, list) and locations else None
    if not isinstance(first, dict):
        return Place()
    address = found if isinstance(found := first.get("adresse"), dict) else {}
    street = " ".join(_text(address.get(key)) for key in ("strasse", "hausnummer")).strip()
    return Place(
        address=street or None,
        postcode=_postcode(address.get("plz")),
        town=_text(address.get("ort")) or None,
        lat=_degrees(first.get("breite")),
        lon=_degrees(first.get("laenge")),
    )


def _v4_place(offer: dict[str, Any]) -> Place:
    where = found if isinstance(found := offer.get("arbeitsort"), dict) else {}
    point = found if isinstance(found := where.get("koordinaten"), dict) else {}
    return Place(
        address=_text(where.get("strasse")) or None,
        postcode=_postcode(where.get("plz")),
        town=_text(where.get("ort")) or None,
        lat=_degrees(point.get("lat")),
        lon=_degrees(point.get("lon")),
    )


def _von(period: Any) -> Any:
    return period.get("von") if isinstance(period, dict) else None


def _degrees(value: Any) -> float | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else float(value)


def _postcode(value: Any) -> str | None:
    """ "89518" or 89518; a number loses leading zeros (1067 is 01067, Dresden)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    digits = str(value).strip()
    return digits.zfill(5) if digits.isdigit() and len(digits) <= 5 else digits or None


def _text(value: Any) -> str:
    return one_line(value) if isinstance(value, str) else ""
