"""`lotse sources try URL`: what the URL is, its first items, and the entry to add for it
(crawlers/try_source.py finds them; this prints them). Reads only; stores nothing."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from aggregator.source_trial import Trial
from aggregator.sources_edit import Destination, entry_toml
from crawlers.try_source import try_url

EXIT_NOTHING = 2


def try_command(
    url: str, *, allow_private: bool, as_json: bool, sources: Path, now: datetime | None = None
) -> int:
    """Print what was found (``as_json``: one JSON object); exit 2 when nothing is readable.
    The entry is proposed for ``sources`` (an id it has not, read in its region); ``now``: the
    clock (tests)."""
    now = now or datetime.now(UTC)
    trial = try_url(url, now=now, allow_private=allow_private, into=Destination.of(sources))
    if as_json:
        print(json.dumps(trial.to_json(), ensure_ascii=False, indent=2))
    elif trial.readable:
        print(report(trial))
    else:
        print(trial.why, file=sys.stderr)
    return 0 if trial.readable else EXIT_NOTHING


def report(trial: Trial) -> str:
    """The kind, the count, the first items, the problems and the entry, for people."""
    lines = [f"{trial.url}: kind {trial.kind}, {trial.items} items read", "", "First items:"]
    for item in trial.first:
        place = f" — {item.place}" if item.place else ""
        cancelled = " (cancelled)" if item.cancelled else ""
        lines.append(f"  {_when(item.start):<16}  {item.title}{cancelled}{place}")
    lines += ["", f"Problems: {len(trial.problems) or 'none'}"]
    lines += [f"  {problem}" for problem in trial.problems]
    lines += ["", "Add to the sources file:", "", entry_toml(trial.entry).rstrip()]
    return "\n".join(lines)


def _when(start: datetime | date | None) -> str:
    if isinstance(start, datetime):
        return start.strftime("%Y-%m-%d %H:%M")
    return start.isoformat() if start is not None else "–"
