"""The apprenticeship page's search form: what a visitor typed and chose, read leniently (a page
explains, it does not answer 400), and turned into aggregator.apprenticeships.search's search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from aggregator.apprenticeships.queries import ApprenticeshipFilter, open_apprenticeships
from aggregator.apprenticeships.search import (
    START,
    ApprenticeshipSearch,
    Hit,
    SearchError,
    search_apprenticeships,
)
from aggregator.regions.active import using_region
from aggregator.regions.region import Region
from feeds.catalog import town_slug

DISTANCES = (5, 10, 20, 30, 50)  # km, the choices of the form
DEFAULT_KM = 20
PER_PAGE = 30  # keeps a page light on a weak connection


@dataclass(frozen=True)
class JobForm:
    q: str = ""
    town: str = ""  # a town's slug
    postcode: str = ""
    km: int = DEFAULT_KM
    year: int | None = None
    page: int = 1

    @classmethod
    def of(cls, params: QueryParams) -> Self:
        """The form as sent; a distance or year that is not offered counts as not chosen."""
        km = params.get("km", "")
        year = params.get("year", "")
        page = params.get("page", "")
        return cls(
            q=params.get("q", "").strip(),
            town=params.get("town", "").strip(),
            postcode=params.get("postcode", "").strip(),
            km=int(km) if km.isdigit() and int(km) in DISTANCES else DEFAULT_KM,
            year=int(year) if year.isdigit() else None,
            page=max(1, int(page)) if page.isdigit() else 1,
        )

    def search(
        self, towns: dict[str, str], region: str, *, near: bool = True
    ) -> ApprenticeshipSearch:
        """The search in a region: nearest first from the postcode (when one is given and
        ``near``), else earliest start first."""
        where = ApprenticeshipFilter(q=self.q or None, town=towns.get(self.town), region=region)
        if near and self.postcode:
            return ApprenticeshipSearch(where, postcode=self.postcode, km=self.km, year=self.year)
        return ApprenticeshipSearch(where, year=self.year, sort=START)


@dataclass(frozen=True)
class Choices:
    towns: dict[str, str]  # slug → name, of the towns with open apprenticeships
    years: list[int]  # the years open apprenticeships start in


@dataclass(frozen=True)
class Found:
    hits: list[Hit]  # all of them
    unknown_postcode: bool  # the postcode is not one we can measure from: searched without it

    def page(self, number: int) -> list[Hit]:
        """The hits on a page (from 1) of PER_PAGE."""
        return self.hits[(number - 1) * PER_PAGE : number * PER_PAGE]

    def pages(self) -> int:
        return max(1, -(-len(self.hits) // PER_PAGE))


def choices(session: Session, region: str) -> Choices:
    """What the form offers: the towns and start years of a region's open apprenticeships."""
    items = open_apprenticeships(session, ApprenticeshipFilter(region=region))
    towns = sorted({item.town for item in items if item.town})
    years = sorted({item.start_date.year for item in items if item.start_date})
    return Choices({town_slug(town): town for town in towns}, years)


def find(session: Session, form: JobForm, towns: dict[str, str], region: Region) -> Found:
    """A region's apprenticeships the form asks for, nearest first when a postcode of the
    region's table of places is given."""
    with using_region(region):
        try:
            return Found(search_apprenticeships(session, form.search(towns, region.slug)), False)
        except SearchError:
            hits = search_apprenticeships(session, form.search(towns, region.slug, near=False))
            return Found(hits, unknown_postcode=bool(form.postcode))
