"""Matching, one rule per test: the same event from several sources becomes one listing, look-alikes
stay apart, what is unsure goes to staff as a suggestion; every link says why it was made."""

from __future__ import annotations

import pytest

from aggregator.events.matching import canonical_url, compare_titles
from aggregator.events.title_keys import title_key
from aggregator.review.decisions import open_suggestions
from benchmarks.matching import TARGET_PRECISION, TARGET_RECALL, evaluate, load_eval
from tests.support.matching import (
    BIB,
    RATHAUS,
    VHS,
    Item,
    all_events,
    crawl,
    ical_source,
    register,
    sources_of,
)


@pytest.fixture
def registered(store):
    register(
        store,
        ical_source("stadt"),
        ical_source("vhs"),
        ical_source("integreat", town=None),
        ical_source("giengen", town="Giengen an der Brenz"),
    )
    return store


def listings(store) -> list[tuple[str, set[str]]]:
    with store.transaction() as session:
        return [(event.title, sources_of(event)) for event in all_events(session)]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("„Sprachcafé“", "SPRACHCAFE"),
        ("Konzert: Kammerorchester", "Kammerorchester"),
        ("ABGESAGT: Elterncafé", "Eltern-Café"),
        ("Kammerorchester – Eintritt frei", "Kammerorchester"),
        ("Frühjahrsputz (Heidenheim)", "Frühjahrsputz"),
        ("Deutschkurs A1 (VHS)", "Deutsch A1"),
        ("Yoga für Anfänger*innen", "Yoga für Anfänger"),
        ("Philosophie im Gespräch II", "Philosophie im Gespräch 2"),
        ("12. Heidenheimer Stadtlauf 2027", "Heidenheimer Stadtlauf"),
    ],
)
def test_titles_are_compared_without_case_accents_quotes_prefixes_and_notes(one, other) -> None:
    assert compare_titles(title_key(one), title_key(other)).rule == "title-exact"


def test_what_tells_look_alikes_apart_is_kept_in_the_title_key() -> None:
    assert title_key("Lesung – Teil 2").numbers == {"2"}
    assert title_key("Deutschkurs B1 (VHS)").numbers == {"b1"}
    assert "nachmittag" in title_key("Mütterkurs Deutsch (nachmittags)").markers
    assert "englisch" in title_key("Englischkurs").markers


def test_urls_compare_without_scheme_www_slash_and_tracking() -> None:
    assert canonical_url("https://www.vhs.example/kurs/12/?utm_source=app#top") == (
        canonical_url("http://vhs.example/kurs/12")
    )
    assert canonical_url("https://vhs.example/kurs/12") != canonical_url("https://vhs.example/13")
    assert canonical_url("mailto:info@vhs.example") is None


def test_one_event_from_three_sources_is_one_listing_with_every_record(registered) -> None:
    crawl(
        registered,
        "stadt",
        Item("s1", "Sprachcafé im Rathaus", "2026-12-03 18:30", location=RATHAUS),
    )
    crawl(
        registered,
        "vhs",
        Item("v1", "SPRACHCAFÉ", "2026-12-03 18:30", location="Rathaus Heidenheim"),
    )
    crawl(registered, "integreat", Item("i1", "Sprachcafe", "2026-12-03 18:30", location="Rathaus"))
    assert listings(registered) == [("Sprachcafé im Rathaus", {"stadt", "vhs", "integreat"})]


def test_each_link_keeps_the_rule_and_score_that_made_it(registered) -> None:
    crawl(
        registered,
        "stadt",
        Item("s1", "Sprachcafé im Rathaus", "2026-12-03 18:30", location=RATHAUS),
    )
    crawl(registered, "vhs", Item("v1", "Sprachcafé", "2026-12-03 18:30", location=RATHAUS))
    crawl(registered, "integreat", Item("i1", "Sprachcafe im Rathaus", "2026-12-03 18:30"))
    with registered.transaction() as session:
        (event,) = all_events(session)
        why = {link.record.source_id: (link.rule, link.score) for link in event.links}
    assert why["stadt"] == ("record", None)
    assert why["vhs"][0] == "title-place" and 0 < why["vhs"][1] < 100
    assert why["integreat"] == ("title-exact", 100.0)


def test_the_same_detail_page_merges_across_sources(registered) -> None:
    page = "https://www.vhs-heidenheim.de/kurs/271-340"
    long_title = "Smartphone-Sprechstunde für Seniorinnen und Senioren"
    crawl(registered, "vhs", Item("v1", long_title, "2027-03-09 19:00", url=page))
    crawl(
        registered,
        "integreat",
        Item("i1", "Smartphone-Sprechstunde", "2027-03-09 19:00", url=f"{page}/?utm_source=app"),
    )
    with registered.transaction() as session:
        (event,) = all_events(session)
        assert {link.rule for link in event.links} == {"record", "url"}


def link_rules(store) -> dict[str, str]:
    """Source → the rule of its link, for a store holding one event."""
    with store.transaction() as session:
        (event,) = all_events(session)
        return {link.record.source_id: link.rule for link in event.links}


def test_a_misspelt_title_is_similar_enough(registered) -> None:
    crawl(
        registered, "stadt", Item("s1", "Fahrradbörse", "2027-05-15 10:00", location="Feuerwache")
    )
    crawl(registered, "integreat", Item("i1", "Fahradbörse", "2027-05-15 10:00"))
    assert link_rules(registered) == {"stadt": "record", "integreat": "title-similar"}


def test_a_longer_title_at_the_same_venue_merges(registered) -> None:
    hall = "Konzerthaus, Hugo-Rupf-Platz 1, 89522 Heidenheim"
    crawl(registered, "stadt", Item("s1", "Osterkonzert", "2027-04-03 20:00", location=hall))
    crawl(registered, "vhs", Item("v1", "Osterkonzert mit Chor", "2027-04-03 20:00", location=hall))
    assert link_rules(registered) == {"stadt": "record", "vhs": "title-venue"}


def test_a_longer_title_at_an_unknown_venue_is_suggested(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Osterkonzert", "2027-04-03 20:00"))
    crawl(registered, "vhs", Item("v1", "Osterkonzert mit dem Kammerchor", "2027-04-03 20:00"))
    assert len(listings(registered)) == 2
    with registered.transaction() as session:
        assert [s.rule for s in open_suggestions(session)] == ["title-subset"]


def test_different_start_times_are_different_events(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Sprachcafé", "2027-03-04 18:30", location=RATHAUS))
    crawl(registered, "integreat", Item("i1", "Sprachcafé", "2027-03-04 19:00", location=RATHAUS))
    assert len(listings(registered)) == 2


def test_an_all_day_event_and_a_timed_one_on_that_day_stay_apart(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Maimarkt", "2027-05-01"))
    crawl(registered, "integreat", Item("i1", "Maimarkt", "2027-05-01 10:00"))
    assert len(listings(registered)) == 2


def test_all_day_events_match_on_their_day(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Weihnachtsmarkt", "2026-12-05", end="2026-12-06"))
    crawl(registered, "integreat", Item("i1", "Weihnachtsmarkt (Heidenheim)", "2026-12-05"))
    assert listings(registered) == [("Weihnachtsmarkt", {"stadt", "integreat"})]


def test_other_towns_stay_apart(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Seniorennachmittag", "2027-01-27 14:30"))
    crawl(registered, "giengen", Item("g1", "Seniorennachmittag", "2027-01-27 14:30"))
    assert len(listings(registered)) == 2


def test_a_record_without_a_town_matches_one_with_a_town(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Seniorennachmittag", "2027-01-27 14:30"))
    crawl(registered, "integreat", Item("i1", "Seniorennachmittag", "2027-01-27 14:30"))
    assert listings(registered) == [("Seniorennachmittag", {"stadt", "integreat"})]


def test_level_codes_at_one_time_and_venue_stay_apart_without_a_suggestion(registered) -> None:
    crawl(registered, "vhs", Item("v1", "Deutschkurs A1", "2027-01-11 09:00", location=VHS))
    crawl(
        registered,
        "integreat",
        Item("i1", "Deutschkurs B1 (VHS)", "2027-01-11 09:00", location=VHS),
    )
    assert len(listings(registered)) == 2
    with registered.transaction() as session:
        assert open_suggestions(session) == []


def test_near_identical_titles_at_other_hours_of_one_venue_stay_apart(registered) -> None:
    crawl(registered, "vhs", Item("v1", "Deutschkurs A1", "2027-01-12 09:00", location=VHS))
    crawl(registered, "integreat", Item("i1", "Deutschkurs B1", "2027-01-12 14:00", location=VHS))
    assert len(listings(registered)) == 2


def test_a_title_plus_a_part_number_is_suggested_not_merged(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Lesung", "2027-02-10 19:00", location=BIB))
    crawl(registered, "integreat", Item("i1", "Lesung – Teil 2", "2027-02-10 19:00", location=BIB))
    assert len(listings(registered)) == 2
    with registered.transaction() as session:
        (suggestion,) = open_suggestions(session)
        titles = {suggestion.event_a.title, suggestion.event_b.title}
        assert titles == {"Lesung", "Lesung – Teil 2"}
        assert suggestion.rule == "title-number" and suggestion.state == "open"


def test_the_same_title_at_another_address_is_suggested_not_merged(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Sprachcafé", "2027-01-21 18:30", location=RATHAUS))
    crawl(registered, "integreat", Item("i1", "Sprachcafé", "2027-01-21 18:30", location=BIB))
    assert len(listings(registered)) == 2
    with registered.transaction() as session:
        (suggestion,) = open_suggestions(session)
        assert suggestion.rule == "title-exact+other-venue"


def test_records_of_one_source_are_never_merged(registered) -> None:
    crawl(
        registered,
        "vhs",
        Item("v1", "Yoga", "2027-02-01 18:00", location=VHS),
        Item("v2", "Yoga", "2027-02-01 18:00", location=VHS),
    )
    assert listings(registered) == [("Yoga", {"vhs"}), ("Yoga", {"vhs"})]


def test_a_listing_goes_to_the_record_of_a_source_that_fits_it_best(registered) -> None:
    crawl(registered, "integreat", Item("i1", "Sprachcafé im Rathaus", "2027-01-14 16:00"))
    crawl(
        registered,
        "stadt",
        Item("s1", "Sprachcafé", "2027-01-14 16:00"),  # alone it would join the listing above
        Item("s2", "Sprachcafé im Rathaus", "2027-01-14 16:00"),
    )
    assert sorted(listings(registered)) == [
        ("Sprachcafé", {"stadt"}),
        ("Sprachcafé im Rathaus", {"integreat", "stadt"}),
    ]


def test_a_cancellation_in_one_source_joins_the_event_and_cancels_it(registered) -> None:
    crawl(registered, "stadt", Item("s1", "ABGESAGT: Elterncafé", "2027-02-04 10:00"))
    crawl(registered, "integreat", Item("i1", "Eltern-Café", "2027-02-04 10:00"))
    with registered.transaction() as session:
        (event,) = all_events(session)
        assert (event.title, event.status) == ("Elterncafé", "cancelled")
        assert sources_of(event) == {"stadt", "integreat"}


def test_the_labelled_set_meets_the_precision_and_recall_targets() -> None:
    scores = evaluate(load_eval())
    assert scores.pairs >= 150
    assert scores.precision >= TARGET_PRECISION, scores.false_merges
    assert scores.recall >= TARGET_RECALL, scores.missed
