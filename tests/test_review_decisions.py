"""Staff decisions outlive re-crawls: approvals, rejections, corrections (until the source
changes that field), merges, splits and dismissed suggestions, each over three more crawls; and
every decision is in the review log."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from aggregator.review import decisions
from aggregator.review.undo import undo
from aggregator.store.models import Apprenticeship, Event, KeepApart, ReviewLog
from tests.conftest import NOW
from tests.support.matching import (
    BIB,
    RATHAUS,
    Item,
    all_events,
    crawl,
    ical_source,
    published_bytes,
    register,
    sources_of,
)

LATER = [NOW + timedelta(hours=6 * n) for n in range(1, 6)]
AT = "2027-01-14 16:00"
SPRACHCAFE = Item("s1", "Sprachcafé", AT, "2027-01-14 18:00", RATHAUS)
SOMMERFEST = Item("s2", "Sommerfest", "2027-06-12 14:00", location="Brenzpark, Heidenheim")


@pytest.fixture
def registered(store):
    integreat = ical_source("integreat", trusted=False, town=None)
    register(store, ical_source("stadt"), ical_source("vhs"), integreat)
    return store


def feed(store, now=NOW) -> dict[str, dict]:
    """The published events (events.json) by id."""
    body = published_bytes(store, now)["events.json"]
    return {event["id"]: event for event in json.loads(body)["events"]}


def only_event(store, title: str) -> str:
    with store.transaction() as session:
        (event,) = [e for e in all_events(session) if e.title == title]
        return event.id


def decide(store, decision, event_id: str, **kwargs):
    """Take one staff decision on an event in its own transaction."""
    with store.transaction() as session:
        return decision(session, session.get(Event, event_id), actor="anna", now=NOW, **kwargs)


def log(store) -> list[tuple[str, str, str, str]]:
    with store.transaction() as session:
        rows = session.scalars(select(ReviewLog).order_by(ReviewLog.id))
        return [(row.actor, row.action, row.target_type, row.target_id) for row in rows]


def state(store, event_id: str) -> str:
    with store.transaction() as session:
        return session.get(Event, event_id).review_state


def test_an_approval_outlives_three_recrawls(registered) -> None:
    naehcafe = Item("i1", "Nähcafé", AT, location="Integrationszentrum")
    crawl(registered, "integreat", naehcafe)  # untrusted: waits for review
    event_id = only_event(registered, "Nähcafé")
    assert feed(registered) == {}
    decide(registered, decisions.approve, event_id)
    renamed = Item("i1", "Nähcafé International", AT, location="Integrationszentrum")
    for item, now in zip((naehcafe, renamed, renamed), LATER, strict=False):
        crawl(registered, "integreat", item, now=now)
        assert feed(registered, now)[event_id]["title"] == item.title
    assert log(registered) == [("anna", "approve", "event", event_id)]


def test_a_rejection_outlives_three_recrawls_and_a_new_trusted_source(registered) -> None:
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    event_id = only_event(registered, "Sprachcafé")
    decide(registered, decisions.reject, event_id, reason="kein Angebot für Neuzugewanderte")
    renamed = Item("s1", "Sprachcafé Deutsch", AT, location=RATHAUS)
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST, now=LATER[0])
    crawl(registered, "stadt", renamed, SOMMERFEST, now=LATER[1])
    crawl(registered, "vhs", Item("v1", "Sprachcafé Deutsch", AT, location=RATHAUS), now=LATER[2])
    assert event_id not in feed(registered, LATER[2])
    assert state(registered, event_id) == "rejected"
    with registered.transaction() as session:
        assert sources_of(session.get(Event, event_id)) == {"stadt", "vhs"}
        (row,) = session.scalars(select(ReviewLog))
        assert row.detail["reason"] == "kein Angebot für Neuzugewanderte"


def test_a_correction_stays_published_when_the_source_changes_that_field(registered) -> None:
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    event_id = only_event(registered, "Sprachcafé")
    corrected = {"title": "Sprachcafé Deutsch", "start": "2027-01-14T16:30", "location": BIB}
    decide(registered, decisions.correct, event_id, fields=corrected)
    described = Item(
        "s1", "Sprachcafé", AT, "2027-01-14 18:00", RATHAUS, "https://stadt.example/sc"
    )
    for now in LATER[:3]:
        crawl(registered, "stadt", described, SOMMERFEST, now=now)  # a change of another field
        shown = feed(registered, now)[event_id]
        assert shown["title"] == "Sprachcafé Deutsch"
        assert shown["start"] == "2027-01-14T16:30:00+01:00"
        assert shown["location"]["address"] == "Marienstraße 3"
        assert shown["url"] == "https://stadt.example/sc"
    retitled = Item("s1", "Sprachcafé im Rathaus", AT, "2027-01-14 18:00", RATHAUS)
    crawl(registered, "stadt", retitled, SOMMERFEST, now=LATER[3])
    assert feed(registered, LATER[3])[event_id]["title"] == "Sprachcafé Deutsch"  # still published
    with registered.transaction() as session:
        event = session.get(Event, event_id)
        assert event.review_state == "published"
        [conflict] = decisions.conflicts_of(event)
        assert (conflict.group, conflict.was, conflict.theirs, conflict.ours) == (
            "title",
            {"title": "Sprachcafé"},
            {"title": "Sprachcafé im Rathaus"},
            {"title": "Sprachcafé Deutsch"},
        )
    crawl(registered, "stadt", retitled, SOMMERFEST, now=LATER[4])  # the same again: no new row
    assert log(registered) == [
        ("anna", "correct", "event", event_id),
        ("lotse", "conflict", "event", event_id),
    ]
    with registered.transaction() as session:
        decisions.take_theirs(
            session, session.get(Event, event_id), "title", actor="anna", now=LATER[4]
        )
    assert feed(registered, LATER[4])[event_id]["title"] == "Sprachcafé im Rathaus"
    with registered.transaction() as session:
        event = session.get(Event, event_id)
        assert decisions.conflicts_of(event) == [] and set(event.overrides) == {"start", "location"}


def test_a_source_agreeing_with_a_correction_raises_no_conflict(registered) -> None:
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    event_id = only_event(registered, "Sprachcafé")
    decide(registered, decisions.correct, event_id, fields={"title": "Sprachcafé Deutsch"})
    agreed = Item("s1", "Sprachcafé Deutsch", AT, "2027-01-14 18:00", RATHAUS)
    crawl(registered, "stadt", agreed, SOMMERFEST, now=LATER[0])
    with registered.transaction() as session:
        event = session.get(Event, event_id)
        assert decisions.conflicts_of(event) == []
        assert event.overrides["title"]["base"] == {"title": "Sprachcafé Deutsch"}
    with registered.transaction() as session:  # kept as the value: the source may change again
        unchanged = decisions.correct(
            session,
            session.get(Event, event_id),
            actor="anna",
            fields={"title": " Sprachcafé  Deutsch "},
            now=LATER[0],
        )
        assert unchanged == []


def test_a_correction_raises_sequence_once(registered) -> None:
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    event_id = only_event(registered, "Sprachcafé")
    decide(registered, decisions.correct, event_id, fields={"categories": ["sprache", "familie"]})
    for now in LATER[:3]:
        crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST, now=now)
    with registered.transaction() as session:
        event = session.get(Event, event_id)
        assert (event.sequence, event.categories) == (1, ["sprache", "familie"])


def test_a_merge_outlives_three_recrawls(registered) -> None:
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    crawl(registered, "vhs", Item("v1", "Treffpunkt Sprache", AT, location="Rathaus"))
    primary, other = (
        only_event(registered, "Sprachcafé"),
        only_event(registered, "Treffpunkt Sprache"),
    )
    with registered.transaction() as session:
        merged = decisions.merge(
            session, session.get(Event, primary), session.get(Event, other), actor="anna", now=NOW
        )
        assert merged.id == primary
    renamed = Item("v1", "Treffpunkt Sprache am Nachmittag", AT, location="Rathaus")
    for item, now in zip((renamed, renamed, renamed), LATER, strict=False):
        crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST, now=now)
        crawl(registered, "vhs", item, now=now)
        shown = feed(registered, now)
        assert other not in shown
        assert [ref["source"] for ref in shown[primary]["sources"]] == ["stadt", "vhs"]
    with registered.transaction() as session:
        assert session.get(Event, other).review_state == "merged"  # kept, retired
        assert len(all_events(session)) == 3
    assert log(registered) == [("anna", "merge", "event", primary)]


def vhs_split_off(store) -> tuple[str, str]:
    """Stadt's and vhs's Sprachcafé matched into one event, vhs split off: both ids."""
    crawl(store, "stadt", SPRACHCAFE, SOMMERFEST)
    crawl(store, "vhs", Item("v1", "Sprachcafe", AT, location="Rathaus"))
    event_id = only_event(store, "Sprachcafé")
    with store.transaction() as session:
        event = session.get(Event, event_id)
        (vhs_link,) = [link for link in event.links if link.record.source_id == "vhs"]
        return event_id, decisions.split(session, event, [vhs_link.id], actor="anna", now=NOW).id


def test_a_split_outlives_three_recrawls_even_when_the_source_renames_its_record(
    registered,
) -> None:
    event_id, new_id = vhs_split_off(registered)
    renamed_uid = Item("v1-neu", "Sprachcafe", AT, location="Rathaus")
    for item, now in zip((renamed_uid, renamed_uid, renamed_uid), LATER, strict=False):
        crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST, now=now)
        crawl(registered, "vhs", item, now=now)
        shown = feed(registered, now)
        assert [ref["source"] for ref in shown[event_id]["sources"]] == ["stadt"]
        assert [ref["source"] for ref in shown[new_id]["sources"]] == ["vhs"]
    assert log(registered) == [("anna", "split", "event", event_id)]


def test_undoing_a_merge_after_a_split_keeps_the_two_apart_again(registered) -> None:
    """Split, merged back by hand, the merge undone: the split's decision holds again, so a
    new record of the split-off source does not join the event it was split from."""
    event_id, new_id = vhs_split_off(registered)
    with registered.transaction() as session:
        decisions.merge(
            session, session.get(Event, event_id), session.get(Event, new_id), actor="anna", now=NOW
        )
    with registered.transaction() as session:
        (merge_row,) = session.scalars(select(ReviewLog).where(ReviewLog.action == "merge"))
        undo(session, merge_row, actor="anna", now=NOW)
        pins = [
            tuple(row) for row in session.execute(select(KeepApart.event_id, KeepApart.source_id))
        ]
    assert sorted(pins) == sorted([(event_id, "vhs"), (new_id, "stadt")])
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST, now=LATER[0])
    crawl(registered, "vhs", Item("v1-neu", "Sprachcafe", AT, location="Rathaus"), now=LATER[0])
    shown = feed(registered, LATER[0])
    assert [ref["source"] for ref in shown[event_id]["sources"]] == ["stadt"]


def test_a_dismissed_suggestion_stays_dismissed(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Lesung", "2027-02-10 19:00", location=BIB), SOMMERFEST)
    crawl(registered, "vhs", Item("v1", "Lesung – Teil 2", "2027-02-10 19:00", location=BIB))
    with registered.transaction() as session:
        (suggestion,) = decisions.open_suggestions(session)
        decisions.dismiss_suggestion(session, suggestion.id, actor="anna", now=NOW)
        suggestion_id = suggestion.id
    changed = Item("v1", "Lesung – Teil 2 (ausgebucht)", "2027-02-10 19:00", location=BIB)
    for now in LATER[:3]:
        crawl(registered, "vhs", changed, now=now)
        with registered.transaction() as session:
            assert decisions.open_suggestions(session) == []
    with registered.transaction() as session, pytest.raises(ValueError, match="already dismissed"):
        decisions.dismiss_suggestion(session, suggestion_id, actor="anna", now=NOW)
    assert log(registered) == [("anna", "dismiss", "suggestion", str(suggestion_id))]


def test_merging_a_suggested_pair_closes_the_suggestion(registered) -> None:
    crawl(registered, "stadt", Item("s1", "Lesung", "2027-02-10 19:00", location=BIB), SOMMERFEST)
    crawl(registered, "vhs", Item("v1", "Lesung – Teil 2", "2027-02-10 19:00", location=BIB))
    with registered.transaction() as session:
        (suggestion,) = decisions.open_suggestions(session)
        decisions.merge(session, suggestion.event_a, suggestion.event_b, actor="anna", now=NOW)
        assert suggestion.state == "merged" and decisions.open_suggestions(session) == []


def test_decisions_that_cannot_be_taken_are_refused(registered) -> None:
    crawl(registered, "stadt", SPRACHCAFE, SOMMERFEST)
    crawl(registered, "vhs", Item("v1", "Sprachcafe", AT, location="Rathaus"))
    with registered.transaction() as session:
        event = next(e for e in all_events(session) if e.title == "Sprachcafé")
        with pytest.raises(ValueError, match="itself"):
            decisions.merge(session, event, event, actor="anna", now=NOW)
        with pytest.raises(ValueError, match="at least one link"):
            decisions.split(session, event, [link.id for link in event.links], actor="a", now=NOW)
        with pytest.raises(ValueError, match="cannot correct series"):
            decisions.correct(session, event, actor="anna", fields={"series": "x"}, now=NOW)
        with pytest.raises(ValueError, match="unknown status"):
            decisions.correct(session, event, actor="anna", fields={"status": "x"}, now=NOW)
        with pytest.raises(ValueError, match="end must come after"):
            decisions.correct(
                session,
                event,
                actor="anna",
                fields={"start": date(2027, 1, 3), "end": date(2027, 1, 2)},
                now=NOW,
            )
    assert log(registered) == []


def test_apprenticeships_are_approved_and_rejected_with_a_log_row(store) -> None:
    with store.transaction() as session:
        posting = Apprenticeship(
            id="a1", title="Ausbildung Elektroniker", first_seen=NOW, last_seen=NOW, updated_at=NOW
        )
        session.add(posting)
        session.flush()
        decisions.approve(session, posting, actor="anna", now=NOW)
        assert posting.review_state == "published"
        decisions.reject(session, posting, actor="anna", reason="Stelle besetzt", now=NOW)
        assert posting.review_state == "rejected"
    assert log(store) == [
        ("anna", "approve", "apprenticeship", "a1"),
        ("anna", "reject", "apprenticeship", "a1"),
    ]


def test_an_apprenticeship_correction_stands_and_a_source_change_is_a_conflict(store) -> None:
    from aggregator.apprenticeships import corrections
    from tests.support.apprenticeships import ingest, jobs_result, jobs_source

    config = jobs_source(trusted=True)
    ingest(store, [config], jobs_result(config.id, "page-1.json"))
    with store.transaction() as session:
        item = session.scalars(select(Apprenticeship).order_by(Apprenticeship.id)).first()
        item_id, title = item.id, item.title
        changed = corrections.correct(
            session, item, actor="anna", fields={"title": "Ausbildung (m/w/d) ab 2027"}, now=NOW
        )
        assert changed == ["title"] and item.version == 2
    result = jobs_result(config.id, "page-1.json")
    result.records = [
        type(raw)(raw.key, raw.fmt, raw.payload.replace(title, f"{title} – neu"), raw.url, NOW)
        for raw in result.records
    ]
    ingest(store, [config], result, now=LATER[0])
    with store.transaction() as session:
        item = session.get(Apprenticeship, item_id)
        assert (item.title, item.review_state) == ("Ausbildung (m/w/d) ab 2027", "published")
        [conflict] = decisions.conflicts_of(item)
        assert conflict.theirs == {"title": f"{title} – neu"}
        corrections.settle(session, item, "title", keep=False, actor="anna", now=LATER[0])
        assert item.title == f"{title} – neu" and item.overrides == {}
    assert [row[1] for row in log(store)] == ["correct", "conflict", "take-theirs"]
