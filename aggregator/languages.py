"""The languages the newcomer pages speak (web/pages/i18n.py): the ones translations of a
listing are read and published in."""

from __future__ import annotations

SOURCE_LANGUAGE = "de"  # what the county's sources write in, and the pages' default
LANGUAGES: tuple[str, ...] = (SOURCE_LANGUAGE, "en", "ar", "uk", "tr", "fa", "ru")
RIGHT_TO_LEFT = frozenset({"ar", "fa"})
