"""Offers of the Bundesagentur's Jobsuche API (``pc/v4/jobs``) into apprenticeship drafts.

An offer: ``refnr``, ``titel``, ``beruf`` (optional), ``arbeitgeber``, ``eintrittsdatum``
(ISO date), ``arbeitsort {plz, ort, strasse, koordinaten {lat, lon}}``; ``plz`` comes as a
string or a number.
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


def read_offer(record: RawRecord, context: Context) -> list[ApprenticeshipDraft]:
    try:
        offer = json.loads(record.payload)
    except ValueError as error:
        raise RecordProblem(f"not JSON: {error}") from error
    if not isinstance(offer, dict):
        raise RecordProblem("not a Jobsuche offer (no JSON object)")
    title = _text(offer.get("titel"))
    occupation = occupation_name(_text(offer.get("beruf")) or title)
    if not title and not occupation:
        raise RecordProblem("offer has neither 'titel' nor 'beruf'")
    return [
        ApprenticeshipDraft(
            title=title or occupation,
            occupation=occupation,
            company=_text(offer.get("arbeitgeber")),
            place=_place(offer.get("arbeitsort")),
            start_date=start_date(offer.get("eintrittsdatum"), now=context.now),
            url=record.url,
            uid=_text(offer.get("refnr")) or record.key,
        )
    ]


KIND = Kind(
    name="ba-jobsuche",
    record_type=RecordType.APPRENTICESHIP,
    summary="Bundesagentur für Arbeit Jobsuche API, apprenticeships (`angebotsart=4`)",
    spider="crawlers.spiders.ba_jobsuche.BaJobsucheSpider",
    extractor="crawlers.extract.ba_jobsuche.read_offers_page",
    claims="crawlers.extract.ba_jobsuche.claims",
    normalizer=read_offer,
    options=(
        Option("where", str, "the place name or postcode the search is around", required=True),
        Option("radius_km", int, "kilometres around the place", default=25, check=between(1)),
        Option("max_pages", int, "API pages read at most", default=100, check=between(1)),
    ),
    default_url="https://rest.arbeitsagentur.de/jobboerse/jobsuche-service/pc/v4/jobs",
)


def _place(where: Any) -> Place:
    if not isinstance(where, dict):
        return Place()
    point = found if isinstance(found := where.get("koordinaten"), dict) else {}
    return Place(
        address=_text(where.get("strasse")) or None,
        postcode=_postcode(where.get("plz")),
        town=_text(where.get("ort")) or None,
        lat=point.get("lat"),
        lon=point.get("lon"),
    )


def _postcode(value: Any) -> str | None:
    """ "89518" or 89518; a number loses leading zeros (1067 is 01067, Dresden)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    digits = str(value).strip()
    return digits.zfill(5) if digits.isdigit() and len(digits) <= 5 else digits or None


def _text(value: Any) -> str:
    return one_line(value) if isinstance(value, str) else ""
