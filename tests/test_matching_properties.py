"""Properties of the matcher (aggregator.events.matching.decide) over generated drafts: whatever the
titles, places and times, it answers the same both ways round and every time, never joins two
different start times or two records of one source, and never merges titles that name
different numbers or levels."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.events.matching import MERGE, clear_caches, decide, draft_profile
from aggregator.events.title_keys import title_key
from aggregator.normalize.drafts import EventDraft
from aggregator.places.locations import Place

BERLIN = ZoneInfo("Europe/Berlin")

WORDS = [
    "Sprachcafé", "Deutsch", "Kurs", "Lesung", "Konzert", "Kammerchor", "Osterkonzert", "Teil",
    "Flohmarkt", "für", "Kinder", "Senioren", "Anfänger", "im", "Rathaus", "Heidenheimer",
    "Stadtbibliothek", "Vortrag", "Englisch", "Spanisch", "Abend", "ABGESAGT:", "–", "Eintritt",
    "frei", "(VHS)", "„Jazz“", "Café", "Elterncafé", "Treff", "A1", "B1", "2", "II", "3.",
]  # fmt: skip
PLACES = [
    Place(),
    Place(name="Rathaus", address="Grabenstraße 15", town="Heidenheim an der Brenz"),
    Place(name="Volkshochschule", address="Karlstraße 12", town="Heidenheim an der Brenz"),
    Place(name="VHS", town="Heidenheim an der Brenz"),
    Place(name="Stadtbibliothek", town="Giengen an der Brenz"),
    Place(town="Herbrechtingen"),
]  # fmt: skip
STARTS = [
    datetime(2026, 12, 3, 18, 30, tzinfo=BERLIN),
    datetime(2026, 12, 3, 18, 30, 40, tzinfo=BERLIN),  # the same minute
    datetime(2026, 12, 3, 19, 0, tzinfo=BERLIN),
    datetime(2026, 12, 4, 18, 30, tzinfo=BERLIN),
    date(2026, 12, 3),
    date(2026, 12, 4),
]
URLS = [None, "https://vhs.example/kurs/17", "https://www.vhs.example/kurs/17/?utm_source=x"]

titles = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
drafts = st.builds(
    lambda title, start, place, url: EventDraft(title=title, start=start, place=place, url=url),
    titles,
    st.sampled_from(STARTS),
    st.sampled_from(PLACES),
    st.sampled_from(URLS),
)
sources = st.sampled_from(["vhs", "stadt", "kirche"])


def verdict(a: EventDraft, source_a: str, b: EventDraft, source_b: str):
    return decide(draft_profile(a, source_a, key="a"), draft_profile(b, source_b, key="b"))


def minute(start: datetime | date) -> datetime | date:
    return start.replace(second=0) if isinstance(start, datetime) else start


@settings(max_examples=400, deadline=None)
@given(a=drafts, b=drafts, source_a=sources, source_b=sources)
def test_matching_answers_the_same_both_ways_round(a, b, source_a, source_b) -> None:
    there, back = verdict(a, source_a, b, source_b), verdict(b, source_b, a, source_a)
    assert (there is None) == (back is None)
    if there is not None:
        assert (there.kind, there.rule, there.score) == (back.kind, back.rule, back.score)


@settings(max_examples=300, deadline=None)
@given(a=drafts, b=drafts, source_a=sources, source_b=sources)
def test_matching_is_deterministic(a, b, source_a, source_b) -> None:
    first = verdict(a, source_a, b, source_b)
    clear_caches()
    assert verdict(a, source_a, b, source_b) == first == verdict(a, source_a, b, source_b)


@settings(max_examples=300, deadline=None)
@given(a=drafts, b=drafts, source_a=sources, source_b=sources)
def test_different_start_times_are_never_one_event(a, b, source_a, source_b) -> None:
    if minute(a.start) != minute(b.start) or type(a.start) is not type(b.start):
        assert verdict(a, source_a, b, source_b) is None


@settings(max_examples=300, deadline=None)
@given(a=drafts, b=drafts, source=sources)
def test_two_records_of_one_source_are_never_one_event(a, b, source) -> None:
    assert verdict(a, source, b, source) is None


@settings(max_examples=300, deadline=None)
@given(a=drafts, b=drafts, source_a=sources, source_b=sources)
def test_titles_naming_different_numbers_or_levels_never_merge(a, b, source_a, source_b) -> None:
    numbers_a, numbers_b = title_key(a.title).numbers, title_key(b.title).numbers
    found = verdict(a, source_a, b, source_b)
    if numbers_a and numbers_b and numbers_a != numbers_b:
        assert found is None or found.kind != MERGE


@settings(max_examples=200, deadline=None)
@given(draft=drafts, other=st.sampled_from(["stadt", "kirche"]))
def test_the_same_event_from_two_sources_is_one(draft, other) -> None:
    if title_key(draft.title).core:
        found = verdict(draft, "vhs", draft, other)
        assert found is not None and found.kind == MERGE


def test_the_generated_drafts_reach_every_rule() -> None:
    """The strategies are not too narrow: these pairs from the vocabulary merge, suggest, or
    stay apart (the properties above are not vacuous)."""
    start = STARTS[0]
    lesung = EventDraft(title="Lesung", start=start)
    teil = EventDraft(title="Lesung – Teil 2", start=start)
    kurs = EventDraft(title="Deutsch Kurs A1", start=start)
    assert verdict(lesung, "vhs", lesung, "stadt").kind == MERGE
    assert verdict(lesung, "vhs", teil, "stadt").kind == "suggest"
    assert verdict(kurs, "vhs", EventDraft(title="Deutsch Kurs B1", start=start), "stadt") is None
    assert verdict(lesung, "vhs", EventDraft(title="Lesung", start=STARTS[2]), "stadt") is None
    assert (
        draft_profile(lesung, "vhs").block
        == draft_profile(EventDraft(title="x", start=start + timedelta(seconds=40)), "vhs").block
    )
