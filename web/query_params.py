"""The query filters of the served feeds (docs/contract.md §4) and paging, read from a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.datastructures import QueryParams
from starlette.responses import PlainTextResponse

from aggregator.apprenticeships.queries import ApprenticeshipFilter
from aggregator.categories import CATEGORIES
from aggregator.events.queries import EventFilter

PER_PAGE, MAX_PER_PAGE = 50, 500


class BadQuery(ValueError):
    """A query parameter that cannot be read; answered with 400 and the reason."""

    def response(self) -> PlainTextResponse:
        return PlainTextResponse(str(self), status_code=400)


@dataclass(frozen=True)
class Paging:
    page: int  # from 1
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def event_filter(params: QueryParams) -> EventFilter:
    """``category``, ``town``, ``source``, ``from``, ``to`` (YYYY-MM-DD, inclusive) and ``q``."""
    category = params.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise BadQuery(f"unknown category {category!r}; known: {', '.join(CATEGORIES)}")
    return EventFilter(category=category, **_shared(params))


def apprenticeship_filter(params: QueryParams) -> ApprenticeshipFilter:
    """``town``, ``source``, ``q``; ``from`` and ``to`` bound the start date."""
    return ApprenticeshipFilter(**_shared(params))


def _shared(params: QueryParams) -> dict[str, Any]:
    """The filters events and apprenticeships share."""
    return {
        "town": params.get("town") or None,
        "source": params.get("source") or None,
        "date_from": _date(params, "from"),
        "date_to": _date(params, "to"),
        "q": params.get("q") or None,
    }


def paging(params: QueryParams) -> Paging:
    """``page`` (from 1) and ``per_page`` (1 to 500, default 50)."""
    page = _whole(params, "page", 1)
    per_page = _whole(params, "per_page", PER_PAGE)
    if page < 1:
        raise BadQuery(f"page={page} must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadQuery(f"per_page={per_page} must be between 1 and {MAX_PER_PAGE}")
    return Paging(page, per_page)


def _whole(params: QueryParams, name: str, default: int) -> int:
    value = params.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise BadQuery(f"{name}={value!r} is not a whole number") from None


def _date(params: QueryParams, name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name}={value!r} is not a date like 2026-12-03") from None
