"""When a crawl raises the alarm, and how the alarm reads: stored in English on the crawl run (the
run summary prints it), read back here for the desk's German (web/desk/plain.py) and the daily
e-mail (aggregator/notify.py).

A crawl that yields nothing raises it, on a source's first crawl as on any later one, with the
crawl's own problem texts; so does a crawl yielding ``ALARM_SHARE`` of the items of the last
successful crawl or fewer. A crawl with an alarm marks nothing gone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALARM_SHARE = 0.5  # the alarm's threshold: this share of last time's items, or fewer
PROBLEMS_SAID = 3  # problem texts an alarm repeats (the crawl run keeps them all)

_NOTHING = re.compile(r"^yielded (?:nothing|no items)(?: \(last time (\d+)\))?")
_FEWER = re.compile(r"^yielded (\d+) items, .*?last time's (\d+)")
_SAID = "; the crawl said: "


@dataclass(frozen=True)
class Alarm:
    """What an alarm says: the items this crawl yielded, the last successful crawl's (None when
    no crawl before succeeded, a first crawl say), and the crawl's problem texts."""

    items: int
    previous: int | None = None
    problems: tuple[str, ...] = ()

    @property
    def nothing(self) -> bool:
        return self.items == 0

    def __str__(self) -> str:
        if self.nothing:
            text = "yielded nothing" + (
                ", as did every crawl before"
                if self.previous is None
                else f" (last time {self.previous})"
            )
        else:
            text = f"yielded {self.items} items, {ALARM_SHARE:.0%} or less of last time's "
            text += str(self.previous)
        if self.problems:
            text += _SAID + " | ".join(self.problems[:PROBLEMS_SAID])
        return text


def alarm(items: int, previous: int | None, problems: list[str]) -> Alarm | None:
    """The alarm a crawl of ``items`` raises after one of ``previous`` items (None: none
    before), or None when it raises none."""
    if items == 0 or (previous and items <= previous * ALARM_SHARE):
        return Alarm(items, previous, tuple(problems))
    return None


def read_alarm(text: str) -> Alarm | None:
    """The alarm a stored text says (also the texts of earlier versions), None for another text."""
    problems = tuple(text.split(_SAID, 1)[1].split(" | ")) if _SAID in text else ()
    if found := _NOTHING.match(text):
        return Alarm(0, int(found[1]) if found[1] else None, problems)
    if found := _FEWER.match(text):
        return Alarm(int(found[1]), int(found[2]), problems)
    return None
