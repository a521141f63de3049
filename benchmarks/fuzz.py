"""Fuzz: mutated corpus documents into every reader for a fixed budget; a crash is any exception but
a refusal (Unreadable) or a record problem (RecordProblem).

`make fuzz` (not part of `make bench`) or `python -m benchmarks.fuzz [--examples N] [--seconds S]`.
For each registered source kind (aggregator/kinds/: its extractor and its normalizer), hypothesis
draws a seed document — the real-world corpus (`tests/corpus/`, or the folder LOTSE_CORPUS names)
and the test fixtures of that kind — and mutates it: flipped and inserted bytes, cuts, deletions,
repeated slices, splices with another seed, and tokens that break the format (``BEGIN:VEVENT``,
``<!ENTITY``, ``RRULE:FREQ=SECONDLY``, ``null`` …). The document goes through the kind's
extractor as a spider hands it over (a Document with the source's options), and every record it
yields (the listing's copies of detail pages too) through aggregator.kinds.normalize at one of
three clocks. Generation is derandomized: the same budget runs the same examples. Each kind gets
an equal share of the examples and of the seconds, whichever runs out first. A record problem
raised by normalization's safety net ("cannot read record: …", an exception a reader did not
foresee) is no crash, but is counted and shown. Exit status 1 when anything crashed."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from scrapy.utils.misc import load_object

from aggregator.crawl_result import RawRecord
from aggregator.kinds import KINDS, normalize
from aggregator.normalize.context import Context, RecordProblem
from aggregator.sources import SourceConfig
from crawlers.extract.document import Document
from crawlers.extract.records import Extractor, Unreadable

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = Path(os.environ.get("LOTSE_CORPUS", ROOT / "tests" / "corpus"))
URL = "https://quelle.example/liste/seite.html"
CLOCKS = (
    datetime(2011, 10, 1, tzinfo=UTC),  # the corpus's older events fall into the window
    datetime(2019, 6, 1, tzinfo=UTC),
    datetime(2026, 11, 25, 8, tzinfo=UTC),
)
TOKENS = [
    b"\r\n", b"\n", b"\r", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\\", b"\\n", b"\r\n ",
    b"BEGIN:VEVENT\r\n", b"END:VEVENT\r\n", b"BEGIN:VCALENDAR\r\n", b"END:VCALENDAR\r\n",
    b"BEGIN:VTIMEZONE\r\n", b"UID:", b"DTSTART:20270230T100000\r\n", b"DTSTART;TZID=Nowhere:",
    b"DTSTART;VALUE=DATE:99991231\r\n", b"RRULE:FREQ=SECONDLY\r\n", b"RRULE:FREQ=DAILY;COUNT=",
    b"RECURRENCE-ID:", b"EXDATE:", b"X-WR-TIMEZONE:Mars/Olympus\r\n", b"DURATION:P9999W\r\n",
    b"<!ENTITY a \"aaaa\">", b"<!DOCTYPE rss [", b"]>", b"&a;", b"<![CDATA[", b"]]>", b"&#0;",
    b"<item>", b"</item>", b"<entry>", b"ev:startdate", b"<script>", b"</script>",
    b'<script type="application/ld+json">', b'{"@type": "Event", "startDate": ', b"@graph",
    b'"2027-02-30T10:00"', b'"2027-03-28T02:30:00"', b"null", b"[]", b"{}", b'""', b"1e999",
    b"-0", b'"\\ud800"', b",", b"]", b"}", b"data-resultid", b'id="detail_', b"page=",
    b"stellenangebote", b"refnr", b"recurrence_rule", b"DTSTART:20261201T000000\\nRRULE:",
    b"datesCache", b"lastPage", b'"0000-00-00 00:00:00"', b'"jeweils"', b'"UNTIL": ',
]  # fmt: skip


@dataclass(frozen=True)
class Fuzzed:
    """One source kind: its seeds and its extractor (named by its declaration)."""

    name: str
    seeds: tuple[bytes, ...]
    extract: Extractor


@dataclass
class Outcome:
    examples: int = 0
    records: int = 0
    refused: int = 0
    problems: int = 0
    caught: Counter[str] = field(default_factory=Counter)  # the safety net's, by error type
    crashes: list[str] = field(default_factory=list)


SEEDS = {  # kind → globs under the corpus and the test fixtures
    "ical": ["ics/*", "ical/*.ics", "desk/*.ics", "pages/*.ics", "hostile/*.ics"],
    "feed": ["feeds/*", "feed/*", "hostile/*.xml"],
    "jsonld": ["html/*", "jsonld/*.html", "hostile/jsonld.html", "hostile/no-markup.html"],
    "integreat": ["json/integreat-cms__*", "integreat/*.json", "hostile/*integreat.json"],
    "wp-events": ["json/city-scrapers__hacc_event.json", "wp_events/*.json", "hostile/*wp*.json"],
    "ba-jobsuche": ["json/jobsuche__*", "ba/*.json", "hostile/ba.json"],
    "toubiz": ["toubiz/*.json"],
    "evangelische-termine": ["evangelische_termine/*.json"],
    "lehrstellen-radar": ["lehrstellen_radar/*.html", "hostile/*radar*.html"],
}
OPTIONS = {"jsonld": {"follow": "a"}}  # read the follow selector's links too


def kinds() -> list[Fuzzed]:
    """Every registered kind with its seed documents, from the corpus and the test fixtures."""
    stale = SEEDS.keys() - KINDS.keys()
    if stale:
        raise SystemExit(f"seed globs for kinds nobody declares: {', '.join(sorted(stale))}")
    found = []
    for kind in KINDS.values():
        if kind.name not in SEEDS:
            raise SystemExit(f"no seed globs for the kind {kind.name}: add them to SEEDS")
        paths = [
            p
            for pattern in SEEDS[kind.name]
            for root in (CORPUS, FIXTURES)
            for p in root.glob(pattern)
        ]
        seeds = tuple(sorted({path.read_bytes() for path in paths if path.is_file()}))
        if not seeds:
            raise SystemExit(f"no seed documents for {kind.name}: is the corpus at {CORPUS}?")
        found.append(Fuzzed(kind.name, seeds, load_object(kind.extractor)))
    return found


def mutate(seed: bytes, steps: list[tuple], other: bytes) -> bytes:
    """The seed changed step by step; positions wrap around the document's current length."""
    document = bytearray(seed)
    for step in steps:
        at = step[1] % (len(document) + 1)
        if step[0] == "flip" and document:
            document[at % len(document)] ^= step[2] or 1
        elif step[0] == "insert":
            document[at:at] = step[2]
        elif step[0] == "cut":
            del document[at:]
        elif step[0] == "delete":
            del document[at : at + step[2]]
        elif step[0] == "repeat":
            document[at:at] = bytes(document[at : at + step[2]]) * step[3]
        elif step[0] == "splice":
            document[at:] = other[step[2] % (len(other) + 1) :]
    return bytes(document)


position = st.integers(0, 1 << 20)
steps = st.one_of(
    st.tuples(st.just("flip"), position, st.integers(0, 255)),
    st.tuples(st.just("insert"), position, st.sampled_from(TOKENS) | st.binary(max_size=8)),
    st.tuples(st.just("cut"), position),
    st.tuples(st.just("delete"), position, st.integers(1, 64)),
    st.tuples(st.just("repeat"), position, st.integers(1, 200), st.integers(2, 40)),
    st.tuples(st.just("splice"), position, position),
)


def fuzz(kind: Fuzzed, examples: int, seconds: float) -> Outcome:
    """Run one kind's share of the budget."""
    outcome = Outcome()
    deadline = time.monotonic() + seconds
    documents = st.builds(
        mutate,
        st.sampled_from(kind.seeds),
        st.lists(steps, max_size=6),
        st.sampled_from(kind.seeds),
    )

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(document=documents, now=st.sampled_from(CLOCKS))
    def one(document: bytes, now: datetime) -> None:
        if time.monotonic() < deadline:
            outcome.examples += 1
            read(kind, document, now, outcome)

    one()
    return outcome


def read(kind: Fuzzed, body: bytes, now: datetime, outcome: Outcome) -> None:
    """Extract and normalize one document as a pass would; note what happened."""
    source = SourceConfig(id="fuzz", kind=kind.name, url=URL, options=OPTIONS.get(kind.name, {}))
    document = Document(URL, body, options=source.option_values())
    try:
        extraction = kind.extract(document)
    except Unreadable:
        outcome.refused += 1
        return
    except Exception:  # noqa: BLE001 - any other exception is what we look for
        outcome.crashes.append(_crash(kind, "extract", body))
        return
    context = Context(source, now)
    listed = (copy for copy in extraction.details.values() if copy)
    for record in [*extraction.records, *listed]:
        raw = RawRecord(record.key, record.fmt, record.payload, record.url, now)
        outcome.records += 1
        try:
            normalize(raw, context)
        except RecordProblem as problem:
            outcome.problems += 1
            if str(problem).startswith("cannot read record: "):
                outcome.caught[type(problem.__cause__).__name__] += 1
        except Exception:  # noqa: BLE001
            outcome.crashes.append(_crash(kind, f"normalize {record.key!r}", body))


def _crash(kind: Fuzzed, stage: str, document: bytes) -> str:
    return f"{kind.name} {stage}: {traceback.format_exc(limit=-3)}  document: {document[:300]!r}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=35_000, help="in all (default 35,000)")
    parser.add_argument("--seconds", type=float, default=420, help="in all (default 420)")
    options = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # icalendar's guesses about odd TZIDs, once per document
    found = kinds()
    share, started = options.examples // len(found), time.perf_counter()
    print(f"fuzz: {share} examples or {options.seconds / len(found):.0f} s per kind, seeds from "
          f"{CORPUS} and {FIXTURES}")  # fmt: skip
    crashes = []
    for kind in found:
        began = time.perf_counter()
        outcome = fuzz(kind, share, options.seconds / len(found))
        caught = ", ".join(f"{name} {n}" for name, n in outcome.caught.most_common()) or "none"
        print(
            f"  {kind.name:18} {len(kind.seeds):3} seeds {outcome.examples:6} examples "
            f"{time.perf_counter() - began:6.1f} s  {outcome.records:7} records "
            f"{outcome.refused:5} refused {outcome.problems:6} record problems "
            f"(safety net: {caught})  crashes: {len(outcome.crashes)}",
            flush=True,
        )
        crashes += outcome.crashes
    print(f"fuzz: {len(crashes)} crashes in {time.perf_counter() - started:.1f} s")
    for crash in crashes[:10]:
        print(crash)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
