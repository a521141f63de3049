"""What every draft goes through after its kind's normalizer, whatever the kind."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from aggregator.categories import categorize
from aggregator.normalize.drafts import ApprenticeshipDraft, Draft
from aggregator.places.locations import normalize_place
from aggregator.states import EventStatus
from aggregator.text.cancellation import strip_cancellation
from aggregator.urls import web_url

if TYPE_CHECKING:
    from aggregator.sources import SourceConfig


def finish(draft: Draft, source: SourceConfig) -> Draft:
    """The draft with its place normalized, an event's categories and cancellation read from
    its text, and a URL that is no http(s) URL (javascript:, data:) dropped."""
    place = normalize_place(
        name=draft.place.name,
        address=draft.place.address,
        postcode=draft.place.postcode,
        town=draft.place.town,
        lat=draft.place.lat,
        lon=draft.place.lon,
        default_town=source.town,
    )
    if isinstance(draft, ApprenticeshipDraft):
        return replace(draft, place=place, url=web_url(draft.url))
    title, cancelled = strip_cancellation(draft.title)
    categories = categorize(
        title=title,
        description=draft.description,
        source_categories=source.categories,
        record_categories=draft.categories,
    )
    return replace(
        draft,
        title=title,
        place=place,
        url=web_url(draft.url),
        categories=tuple(categories),
        status=EventStatus.CANCELLED if cancelled else draft.status,
    )
