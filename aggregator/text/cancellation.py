"""Title conventions: cancellation prefixes ("ABGESAGT:", "Abgesagt –", "Entfällt:")."""

from __future__ import annotations

import re

CANCELLED_WORDS = r"(abgesagt|entf[äa]llt|f[äa]llt aus|cancell?ed|storniert)"
CANCELLED_PREFIX = re.compile(
    rf"^\s*[\[(]?\s*{CANCELLED_WORDS}\s*[\])]?\s*[:!\-–—]*\s*", re.IGNORECASE
)


def strip_cancellation(title: str) -> tuple[str, bool]:
    """The title without a cancellation prefix, and whether there was one."""
    match = CANCELLED_PREFIX.match(title)
    if not match or not title[match.end() :].strip():
        return title.strip(), False
    return title[match.end() :].strip(), True
