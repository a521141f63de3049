"""schema.org items as JSON-LD-shaped dicts: their types, and microdata read into that shape.

Types are compared by their last segment, so "Event", "schema:Event" and
"https://schema.org/Event" are one type; every subtype of Event counts as an event.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import extruct

EVENT_TYPES = frozenset(
    {
        "Event",
        "BroadcastEvent",
        "BusinessEvent",
        "ChildrensEvent",
        "ComedyEvent",
        "CourseInstance",
        "DanceEvent",
        "DeliveryEvent",
        "EducationEvent",
        "EventSeries",
        "ExhibitionEvent",
        "Festival",
        "FoodEvent",
        "Hackathon",
        "LiteraryEvent",
        "MusicEvent",
        "OnDemandEvent",
        "PublicationEvent",
        "SaleEvent",
        "ScreeningEvent",
        "SocialEvent",
        "SportsEvent",
        "TheaterEvent",
        "VisualArtsEvent",
    }
)
JOB_POSTING = "JobPosting"
COURSE = "Course"
PARTS = {"EventSeries": "subEvent", COURSE: "hasCourseInstance"}  # a whole's dated parts


def types_of(item: dict[str, Any]) -> set[str]:
    """The item's types by their last segment ("https://schema.org/Event" → "Event")."""
    declared = item.get("@type") or item.get("type") or []
    declared = declared if isinstance(declared, list) else str(declared).split()
    return {str(name).rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1] for name in declared}


def is_event(item: dict[str, Any]) -> bool:
    return bool(types_of(item) & EVENT_TYPES)


def is_job_posting(item: dict[str, Any]) -> bool:
    return JOB_POSTING in types_of(item)


def is_course(item: dict[str, Any]) -> bool:
    return COURSE in types_of(item)


def parts_of(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The dated parts of an EventSeries (``subEvent``) or a Course (``hasCourseInstance``);
    empty for any other item (or a whole that lists none)."""
    found: list[Any] = []
    for kind, name in PARTS.items():
        if kind in types_of(item):
            value = item.get(name) or []
            found += value if isinstance(value, list) else [value]
    return [part for part in found if isinstance(part, dict)]


def microdata_items(html: str, base_url: str | None) -> list[dict[str, Any]]:
    """The microdata items of an HTML text, shaped like JSON-LD (extruct's uniform form)."""
    found = extruct.extract(html, base_url=base_url, syntaxes=["microdata"], uniform=True)
    return [item for item in found.get("microdata", []) if isinstance(item, dict)]


def item_url(item: dict[str, Any], base: str | None) -> str | None:
    """The item's own URL, absolute; None where it has none (or says ``false``)."""
    value = item.get("url")
    value = value[0] if isinstance(value, list) and value else value
    if not isinstance(value, str) or not value.strip():
        return None
    return urljoin(base or "", value.strip())
