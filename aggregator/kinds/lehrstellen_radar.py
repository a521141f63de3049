"""Postings of the Handwerkskammern's Lehrstellen-Radar into apprenticeship drafts.

A record is one result as the list page shows it: the anchor (``data-resultid``, the occupation
as heading, "89518 Heidenheim" below) and its detail block, read as label → value pairs. Labels
vary: those in ``LABELS`` fill fields, every other one stays in the stored record. Both
``<p><strong>Firma</strong></p><span>…</span>`` and ``<p><strong>Fachrichtung:</strong> …</p>``
are read, and so are ``<dt>``/``<dd>`` and table rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html

from aggregator.crawl_result import RawRecord
from aggregator.dates.start_dates import start_date
from aggregator.kinds.spec import Kind, Option, between
from aggregator.normalize.context import Context, RecordProblem
from aggregator.normalize.drafts import ApprenticeshipDraft
from aggregator.occupations import occupation_name
from aggregator.places.locations import Place, parse_location
from aggregator.states import RecordType
from aggregator.text.plain import one_line

POSTCODE = re.compile(r"[0-9]{5}")  # a German postcode
# label (lowercase, without a trailing colon) → the field it fills
LABELS = {
    "firma": "company",
    "betrieb": "company",
    "ausbildungsbetrieb": "company",
    "unternehmen": "company",
    "ausbildungsbeginn": "start",
    "beginn": "start",
    "ausbildungsstart": "start",
    "fachrichtung": "specialty",
    "schwerpunkt": "specialty",
    "straße": "address",
    "strasse": "address",
    "adresse": "address",
    "anschrift": "address",
    "ort": "place",
    "plz/ort": "place",
    "beruf": "occupation",
    "ausbildungsberuf": "occupation",
}
LABEL_TAGS = ("strong", "b", "dt", "th")
EMPTY_VALUES = frozenset({"", "-", "–", "—", "k.a.", "k. a."})


@dataclass
class Posting:
    """What one result says: its heading, the place line, and every label → value pair."""

    heading: str = ""
    place: str = ""
    pairs: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        """The first non-empty value of a label that fills ``name``."""
        found = (v for label, v in self.pairs.items() if LABELS.get(label.lower()) == name)
        return next(found, "")


def read_posting(record: RawRecord, context: Context) -> list[ApprenticeshipDraft]:
    posting = parse_posting(record.payload)
    heading = posting.value("occupation") or posting.heading
    if not heading:
        raise RecordProblem("result has no occupation heading")
    specialty = posting.value("specialty")
    place = parse_location(posting.value("place") or posting.place)
    return [
        ApprenticeshipDraft(
            title=posting.heading or heading,
            occupation=occupation_name(f"{heading} - {specialty}" if specialty else heading),
            company=posting.value("company"),
            place=Place(
                address=posting.value("address") or place.address,
                postcode=place.postcode,
                town=place.town,
            ),
            start_date=start_date(posting.value("start"), now=context.now),
            url=record.url,
            uid=record.key.rpartition("_")[2],
        )
    ]


KIND = Kind(
    name="lehrstellen-radar",
    record_type=RecordType.APPRENTICESHIP,
    summary="HWK Lehrstellen-Radar result pages (HTML, 15 per page)",
    spider="crawlers.spiders.lehrstellen_radar.LehrstellenRadarSpider",
    extractor="crawlers.extract.lehrstellen_radar.read_result_page",
    claims="crawlers.extract.lehrstellen_radar.claims",
    normalizer=read_posting,
    options=(
        Option(
            "postcode",
            str,
            "the postcode the search is around",
            required=True,
            check=lambda value: (
                None if POSTCODE.fullmatch(value) else "must be a German postcode of five digits"
            ),
        ),
        Option("radius_km", int, "kilometres around the postcode", default=25, check=between(1)),
        Option("max_pages", int, "result pages read at most", default=100, check=between(1)),
    ),
    default_url="https://www.lehrstellen-radar.de/5100,90,lsrlist.html",
)


def parse_posting(snippet: str) -> Posting:
    """The heading, place line and label → value pairs of one result's HTML."""
    root = lxml.html.fragment_fromstring(snippet, create_parent="div")
    anchors = root.xpath(".//*[@data-resultid]")
    anchor = anchors[0] if anchors else root
    posting = Posting(
        heading=_text(anchor.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//strong")),
        place=_text(anchor.xpath(".//p")),
    )
    for block in root.xpath(".//*[starts-with(@id, 'detail_')]"):
        for element in block.iter(*LABEL_TAGS):
            label = one_line(element.text_content()).rstrip(":").strip()
            value = _value_of(element)
            if label and label not in posting.pairs and value.lower() not in EMPTY_VALUES:
                posting.pairs[label] = value
    return posting


def _value_of(label: lxml.html.HtmlElement) -> str:
    """The text after a bold label up to the next label, else the next element's text."""
    owner = label
    if label.tag in ("strong", "b"):
        inline = [label.tail or ""]
        for sibling in label.itersiblings():
            if _has_label(sibling):
                break
            inline.append(_words(sibling))
        if text := one_line(" ".join(inline)):
            return text
        owner = label.getparent()
    following = owner.getnext() if owner is not None else None
    if following is None or _has_label(following):
        return ""
    items = following.xpath(".//li")
    if items:
        return ", ".join(one_line(item.text_content()) for item in items)
    return one_line(following.text_content())


def _has_label(element: lxml.html.HtmlElement) -> bool:
    return next(element.iter(*LABEL_TAGS), None) is not None


def _words(element: lxml.html.HtmlElement) -> str:
    return element.text_content() + (element.tail or "")


def _text(elements: list[lxml.html.HtmlElement]) -> str:
    return one_line(elements[0].text_content()) if elements else ""
