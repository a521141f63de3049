"""Cancellation prefixes: a cancellation word needs a word boundary and a separator; a title
that merely starts with a word beginning "Abgesagt…" is a title and keeps every character."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.text.cancellation import strip_cancellation


@pytest.mark.parametrize(
    ("title", "rest"),
    [
        ("Abgesagt: Konzert", "Konzert"),
        ("ABGESAGT – Konzert", "Konzert"),
        ("Abgesagt! Konzert", "Konzert"),
        ("(abgesagt) Konzert", "Konzert"),
        ("[ABGESAGT] Konzert", "Konzert"),
        ("Fällt aus: Yoga am Abend", "Yoga am Abend"),
        ("Entfällt – Sprachcafé", "Sprachcafé"),
        ("ABGESAGT Frauentreff", "Frauentreff"),
    ],
)
def test_a_cancellation_prefix_is_removed(title: str, rest: str) -> None:
    assert strip_cancellation(title) == (rest, True)


@pytest.mark.parametrize(
    "title",
    [
        "Abgesagtes Konzert wird nachgeholt",
        "ABGESAGTES Konzert wird nachgeholt",
        "Abgesagt Konzert",
        "Entfälltes Treffen",
        "Storniertes Angebot",
        "Abgesagt:",
    ],
)
def test_a_title_that_only_starts_like_a_prefix_is_kept_whole(title: str) -> None:
    assert strip_cancellation(title) == (title, False)


WORDS = st.sampled_from(["Abgesagt", "abgesagt", "ABGESAGT", "Entfällt", "Storniert", "Fällt"])
LETTERS = st.text(st.characters(categories=["Ll", "Lu"]), min_size=1, max_size=6)


@settings(max_examples=300, derandomize=True)
@given(word=WORDS, tail=LETTERS, rest=st.text(max_size=30))
def test_no_title_beginning_with_a_longer_word_loses_characters(word, tail, rest) -> None:
    title = f"{word}{tail}{rest}"
    stripped, cancelled = strip_cancellation(title)
    assert (stripped, cancelled) == (title.strip(), False)


@settings(max_examples=500, derandomize=True)
@given(title=st.text(max_size=40))
def test_a_confirmed_title_keeps_every_character(title: str) -> None:
    stripped, cancelled = strip_cancellation(title)
    if cancelled:
        assert title.strip().endswith(stripped) and stripped
    else:
        assert stripped == title.strip()
