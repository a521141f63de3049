"""Matching: precision and recall on the labelled pairs; 10k and 100k records against all-pairs.

What is timed is the matcher core (aggregator.events.matching: a draft's profile with its normalized
title, then `rank` and `decide` against candidates) over generated drafts, with an in-memory
blocking index by local start minute and town standing in for `find_match`'s indexed query on
``start_at`` — not the database round trips. The naive baseline matches each draft against every
listing found so far (all pairs), measured on a sample and extrapolated quadratically.
"""

from __future__ import annotations

import gc
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.events.matching import MERGE, Profile, clear_caches, draft_profile, rank
from aggregator.normalize.drafts import EventDraft
from aggregator.places.locations import Place, municipalities, parse_location

BERLIN = ZoneInfo("Europe/Berlin")

EVAL_SET = Path(__file__).with_name("data") / "match_eval.json"
SIZES = (10_000, 100_000)
BASELINE_SAMPLE = 2_000
TARGET_PRECISION, TARGET_RECALL = 0.99, 0.95


@dataclass(frozen=True)
class LabelledPair:
    case: str
    a: Profile
    b: Profile
    same: bool


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    pairs: int
    false_merges: list[LabelledPair]
    missed: list[LabelledPair]


def load_eval(path: Path = EVAL_SET) -> list[LabelledPair]:
    """Every pair of records within a group: the same event if both belong to one event."""
    data = json.loads(path.read_text(encoding="utf-8"))
    towns = {source: spec.get("town") for source, spec in data["sources"].items()}
    pairs = []
    for group in data["groups"]:
        records = [
            (number, _record_profile(record, event["start"], towns))
            for number, event in enumerate(group["events"])
            for record in event["records"]
        ]
        for i, (event_a, a) in enumerate(records):
            for event_b, b in records[i + 1 :]:
                pairs.append(LabelledPair(group["case"], a, b, event_a == event_b))
    return pairs


def _record_profile(record: dict[str, Any], start: str, towns: dict[str, str | None]) -> Profile:
    source = record["source"]
    when = record.get("start", start)
    draft = EventDraft(
        title=record["title"],
        start=date.fromisoformat(when)
        if len(when) == 10
        else datetime.fromisoformat(when).replace(tzinfo=BERLIN),
        place=parse_location(record.get("location"), default_town=towns[source]),
        url=record.get("url"),
    )
    return draft_profile(draft, source, key=record["title"])


def evaluate(pairs: list[LabelledPair]) -> Scores:
    """Pairwise precision and recall of merging (a suggestion counts as not merged)."""
    merged = [pair for pair in pairs if _merges(pair.a, pair.b)]
    false_merges = [pair for pair in merged if not pair.same]
    missed = [pair for pair in pairs if pair.same and pair not in merged]
    true = len(merged) - len(false_merges)
    same = sum(pair.same for pair in pairs)
    return Scores(
        precision=true / len(merged) if merged else 1.0,
        recall=true / same if same else 1.0,
        pairs=len(pairs),
        false_merges=false_merges,
        missed=missed,
    )


def _merges(a: Profile, b: Profile) -> bool:
    found = rank(a, [b])
    return bool(found) and found[0][1].kind == MERGE


# --- Scale --------------------------------------------------------------------------------

_TOPICS = (
    "Sprachcafé",
    "Deutschkurs",
    "Yoga",
    "Elterncafé",
    "Seniorennachmittag",
    "Kinderflohmarkt",
    "Bücherflohmarkt",
    "Repair-Café",
    "Stadtführung",
    "Vorlesestunde",
    "Hausaufgabenhilfe",
    "Erste-Hilfe-Kurs",
    "Bewerbungstraining",
    "Kammerkonzert",
    "Orgelmatinee",
    "Spieleabend",
    "Lauftreff",
    "Nähcafé",
    "Computersprechstunde",
    "Frauenfrühstück",
)
_DETAILS = ("", "", "", " A1", " B1", " für Familien", " im Rathaus", " – Teil 2", " Nr. 3")
_SPELLINGS: tuple[Callable[[str], str], ...] = (
    lambda title: title,
    str.upper,
    lambda title: f"Konzert: {title}",
    lambda title: f"{title} – Eintritt frei",
    lambda title: f"ABGESAGT: {title}",
    lambda title: f"„{title}“ (Heidenheim)",
    lambda title: title.replace("é", "e").replace("-", " "),
)
_SOURCES = ("vhs", "stadt", "integreat", "kirche", "landkreis")


def generate(count: int, *, seed: int = 5) -> list[tuple[EventDraft, str]]:
    """About ``count`` drafts (with their source) over a year in the county: real events, each
    told by one to three sources in their own spelling, at quarter hours between 8:00 and 21:45
    (some all-day), in one of its towns (some with no town)."""
    rng = random.Random(seed)
    first_day = date(2027, 1, 1)
    towns = (*municipalities(), None)
    drafts: list[tuple[EventDraft, str]] = []
    while len(drafts) < count:
        day = first_day + timedelta(days=rng.randrange(365))
        start: date | datetime = day
        if rng.random() > 0.05:
            start = datetime(day.year, day.month, day.day, 8, tzinfo=BERLIN) + timedelta(
                minutes=15 * rng.randrange(56)
            )
        title = rng.choice(_TOPICS) + rng.choice(_DETAILS)
        place = Place(town=rng.choice(towns))
        for source in rng.sample(_SOURCES, rng.randint(1, 3)):
            spelling = rng.choice(_SPELLINGS)(title)
            drafts.append((EventDraft(title=spelling, start=start, place=place), source))
    return drafts[:count]


def match_blocked(drafts: list[tuple[EventDraft, str]]) -> int:
    """Profile each draft and match it against the listings of its minute and town (or of no
    town); returns how many listings result."""
    blocks: dict[Any, dict[str | None, list[Profile]]] = {}
    listings = 0
    for number, (draft, source) in enumerate(drafts):
        profile = draft_profile(draft, source, key=number)
        by_town = blocks.setdefault(profile.block, {})
        town = min(profile.towns, default=None)
        if town is None:
            nearby = [listing for bucket in by_town.values() for listing in bucket]
        else:
            nearby = by_town.get(town, []) + by_town.get(None, [])
        merged = _merge_into(profile, nearby)
        if merged is None:
            by_town.setdefault(town, []).append(profile)
            listings += 1
        else:
            bucket = by_town[min(merged.towns, default=None)]
            bucket[bucket.index(merged)] = _absorb(merged, profile)
    return listings


def match_all_pairs(drafts: list[tuple[EventDraft, str]]) -> int:
    """The naive way: match each draft against every listing so far."""
    every: list[Profile] = []
    for number, (draft, source) in enumerate(drafts):
        profile = draft_profile(draft, source, key=number)
        merged = _merge_into(profile, every)
        if merged is None:
            every.append(profile)
        else:
            every[every.index(merged)] = _absorb(merged, profile)
    return len(every)


def _merge_into(profile: Profile, listings: list[Profile]) -> Profile | None:
    """The listing the draft merges into, if any."""
    found = rank(profile, listings)
    return found[0][0] if found and found[0][1].kind == MERGE else None


def _absorb(listing: Profile, draft: Profile) -> Profile:
    """A listing that now also has the draft's record linked."""
    return replace(
        listing,
        titles=tuple(dict.fromkeys(listing.titles + draft.titles)),
        urls=listing.urls | draft.urls,
        addresses=listing.addresses | draft.addresses,
        venues=listing.venues | draft.venues,
        place_words=listing.place_words | draft.place_words,
        sources=listing.sources | draft.sources,
    )


def _timed(
    match: Callable[[list[tuple[EventDraft, str]]], int], sizes: tuple[int, ...]
) -> dict[int, float]:
    """The best of three rounds per size (the sizes take turns, so a busy moment of the machine
    hits them alike), each with cold caches and the garbage collector paused, as timeit does."""
    drafts = {size: generate(size) for size in sizes}
    best = dict.fromkeys(sizes, float("inf"))
    for _ in range(3):
        for size in sizes:
            clear_caches()
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                match(drafts[size])
                best[size] = min(best[size], time.perf_counter() - started)
            finally:
                gc.enable()
    return best


def run() -> None:
    scores = evaluate(load_eval())
    print(
        f"   labelled pairs: {scores.pairs}; precision {scores.precision:.3f} "
        f"(target ≥ {TARGET_PRECISION}), recall {scores.recall:.3f} (target ≥ {TARGET_RECALL})"
    )
    for label, wrong in (("false merge", scores.false_merges), ("missed", scores.missed)):
        for pair in wrong:
            print(f"     {label}: {pair.case}: {pair.a.key!r} / {pair.b.key!r}")
    times = _timed(match_blocked, SIZES)
    for size in SIZES:
        print(f"   {size:>7,} records, blocked: {times[size]:6.2f} s")
    small, large = SIZES
    print(f"   ratio {large:,}/{small:,}: {times[large] / times[small]:.1f} (target < 15)")
    naive = _timed(match_all_pairs, (BASELINE_SAMPLE,))[BASELINE_SAMPLE]
    for size in SIZES:
        estimate = naive * (size / BASELINE_SAMPLE) ** 2
        print(
            f"   {size:>7,} records, all pairs: ~{estimate:,.0f} s "
            f"(measured {naive:.2f} s on {BASELINE_SAMPLE:,}, scaled by n²)"
        )
