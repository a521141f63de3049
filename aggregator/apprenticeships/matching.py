"""When two sources describe one apprenticeship: the same company, occupation and town.

- Companies compare by ``company_key``: case, umlauts, punctuation and spacing do not count,
  nor a legal form at the end ("GmbH", "GmbH & Co. KG", "e.K.", "AG", "UG (haftungsbeschränkt)",
  "KG", "OHG" …) nor an owner named after "Inh." ("Schreinerei Holz, Inh. Eva Maier e.K.").
- Occupations compare by the words of their Bundesagentur name
  (aggregator.occupations) without gender endings and small words; a name
  without a specialty matches the same name with one ("Elektroniker/in" and
  "Elektroniker/in - Energie- und Gebäudetechnik"), different occupations never do.
- Towns are the same official name (aggregator.places.locations); when both postings give a
  start date, the years agree.
- A listing is only matched by a posting from another source, and only while it is open: two
  postings of one source are two apprenticeships.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from aggregator.normalize.drafts import ApprenticeshipDraft
from aggregator.occupations import occupation_name
from aggregator.places.locations import fold
from aggregator.states import PostingStatus
from aggregator.store.models import Apprenticeship, ApprenticeshipLink

_OWNER = re.compile(r"[\s,;\-–]*\b(?:inh\.|inh\b|inhaber(?:in)?\b).*$", re.IGNORECASE)
_LEGAL_FORM = re.compile(
    r"""[\s,]*(?<!\w)(?:
        (?:gmbh|ug\s*\(haftungsbeschr(?:ä|ae)nkt\)|ug|ag|se)\s*(?:&|und|\+)\s*co\.?\s*(?:kgaa|kg|ohg)
      | g?gmbh | mbh | ag | kgaa | kg | ohg | gbr | se | eg | e\.\s*g\.
      | ug(?:\s*\(haftungsbeschr(?:ä|ae)nkt\))?
      | e\.?\s*k(?:fm|fr|frau|fm\.)?\. | e\.?\s*k\b | e\.\s*v\. | ev
      | (?:&|und|\+)\s*co\.?
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_SMALL_WORDS = frozenset({"fuer", "im", "in", "und", "der", "die", "das", "den", "mit", "r"})
_GENDER_ENDING = re.compile(r"/(?:-?in|-?frau|-?mann|r|koechin)\b")


def company_key(name: str | None) -> str:
    """What spellings of one company share ("Müller GmbH & Co. KG" → "mueller")."""
    text = _OWNER.sub("", " ".join((name or "").split()))
    while (shorter := _LEGAL_FORM.sub("", text)) != text:
        text = shorter
    return "".join(c for c in fold(text) if c.isalnum())


def occupation_words(name: str | None) -> tuple[str, ...]:
    """The words that tell an occupation apart ("Kaufmann/-frau für Büromanagement" →
    ("kaufmann", "bueromanagement")); hyphenated compounds count as one word."""
    text = _GENDER_ENDING.sub("", fold(occupation_name(name)))
    text = re.sub(r"(?<=\w)-(?=\w)", "", text.replace("kraftfahrzeug", "kfz"))
    return tuple(word for word in re.findall(r"[a-z0-9]+", text) if word not in _SMALL_WORDS)


def same_occupation(a: str | None, b: str | None) -> bool:
    """Equal words, or one name is the other without its specialty."""
    first, second = occupation_words(a), occupation_words(b)
    if not first or not second:
        return False
    shorter, longer = sorted((first, second), key=len)
    return longer[: len(shorter)] == shorter


def same_start(a: date | None, b: date | None) -> bool:
    return a is None or b is None or a.year == b.year


class MatchIndex:
    """The open listings of a region a source's new drafts may join, by town and company key:
    those no active record of that source describes. Read once per reconcile, when the first
    new draft asks; a listing leaves it once a draft joined it."""

    def __init__(self, session: Session, source_id: str, region: str) -> None:
        self.session, self.source_id, self.region = session, source_id, region
        self._open: dict[tuple[str, str], list[Apprenticeship]] | None = None

    def take(self, draft: ApprenticeshipDraft) -> Apprenticeship | None:
        """The listing this draft describes too, or None."""
        company, town = company_key(draft.company), draft.place.town
        if not company or not town or not occupation_words(draft.occupation):
            return None
        candidates = self._listings().get((town, company), [])
        for item in candidates:
            if same_occupation(item.occupation, draft.occupation) and same_start(
                item.start_date, draft.start_date
            ):
                candidates.remove(item)
                return item
        return None

    def _listings(self) -> dict[tuple[str, str], list[Apprenticeship]]:
        if self._open is None:
            query = (
                select(Apprenticeship)
                .where(
                    Apprenticeship.status == PostingStatus.OPEN,
                    Apprenticeship.town.is_not(None),
                    Apprenticeship.region == self.region,
                )
                .options(selectinload(Apprenticeship.links).selectinload(ApprenticeshipLink.record))
                .order_by(Apprenticeship.first_seen, Apprenticeship.id)
            )
            self._open = {}
            for item in self.session.scalars(query):
                if not any(self._ours(link) for link in item.links):
                    key = (item.town or "", company_key(item.company))
                    self._open.setdefault(key, []).append(item)
        return self._open

    def _ours(self, link: ApprenticeshipLink) -> bool:
        return link.active and link.record.source_id == self.source_id
