"""Title conventions: cancellation prefixes ("ABGESAGT:", "Abgesagt –", "(abgesagt)", "Entfällt!").

A prefix is a cancellation word as a whole word followed by a separator (":", "!", a dash),
the word in brackets, or the word in capitals before a space ("ABGESAGT Konzert"). A title
that merely begins with a longer word ("Abgesagtes Konzert wird nachgeholt") or with the word
and no separator is a title and keeps every character.
"""

from __future__ import annotations

import re

CANCELLED_WORDS = r"(?:abgesagt|entf[äa]llt|f[äa]llt\s+aus|cancell?ed|storniert)"
SEPARATORS = r"[:!\-–—]"
CANCELLED_PREFIX = re.compile(
    rf"^\s*(?:[\[(]\s*{CANCELLED_WORDS}\s*[\])]\s*{SEPARATORS}*"
    rf"|{CANCELLED_WORDS}(?!\w)\s*{SEPARATORS}+)\s*",
    re.IGNORECASE,
)
SHOUTED_PREFIX = re.compile(
    r"^\s*(?:ABGESAGT|ENTFÄLLT|ENTFAELLT|FÄLLT AUS|CANCELL?ED|STORNIERT)\s+"
)


def strip_cancellation(title: str) -> tuple[str, bool]:
    """The title without a cancellation prefix, and whether there was one."""
    match = CANCELLED_PREFIX.match(title) or SHOUTED_PREFIX.match(title)
    if not match or not title[match.end() :].strip():
        return title.strip(), False
    return title[match.end() :].strip(), True
