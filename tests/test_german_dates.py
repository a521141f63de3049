"""Golden tests for aggregator.dates.german, one small test per supported form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aggregator.dates.german import DateSpan, localize, parse_german_span

BERLIN = ZoneInfo("Europe/Berlin")

NOW = datetime(2027, 2, 10, 12, 0, tzinfo=BERLIN)
MONTH_NAMES = {
    1: ["Januar", "Jan", "Jan."],
    2: ["Februar", "Feb", "Feb."],
    3: ["März", "Mär", "Mär.", "Mrz", "Maerz"],
    4: ["April", "Apr", "Apr."],
    5: ["Mai"],
    6: ["Juni", "Jun", "Jun."],
    7: ["Juli", "Jul", "Jul."],
    8: ["August", "Aug", "Aug."],
    9: ["September", "Sep", "Sep.", "Sept", "Sept."],
    10: ["Oktober", "Okt", "Okt."],
    11: ["November", "Nov", "Nov."],
    12: ["Dezember", "Dez", "Dez."],
}


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def parse(text: str, *, now: datetime = NOW, default_date: date | None = None) -> DateSpan | None:
    return parse_german_span(text, now=now, default_date=default_date)


def timed(start: datetime, end: datetime | None = None) -> DateSpan:
    return DateSpan(start, end, all_day=False)


def all_day(first: date, last: date | None = None) -> DateSpan:
    return DateSpan(first, last, all_day=True)


# --- Dates with month names ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Samstag, 14. März 2027, 19:30 Uhr",
        "Sa., 14. März 2027 19:30",
        "So 14. Mär. 2027 um 19.30 Uhr",
        "Konzert am Sonntag, den 14. Maerz 2027 - Beginn 19:30 Uhr",
        "14\u00a0März\u00a02027, 19:30\u00a0Uhr",
    ],
)
def test_month_name_date_with_time(text: str) -> None:
    assert parse(text) == timed(at(2027, 3, 14, 19, 30))


def test_abbreviated_month_name_without_time_is_all_day() -> None:
    assert parse("14. Mär. 2027") == all_day(date(2027, 3, 14))


@pytest.mark.parametrize(
    ("name", "month"), [(name, month) for month, names in MONTH_NAMES.items() for name in names]
)
def test_every_month_name_and_abbreviation(name: str, month: int) -> None:
    assert parse(f"Fr., 3. {name} 2028") == all_day(date(2028, month, 3))


def test_month_name_inside_a_word_is_no_month() -> None:
    assert parse("Maifest 2027 mit 3 Bands") is None


# --- Numeric dates and times --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14.03.2027, 19.30 Uhr", at(2027, 3, 14, 19, 30)),
        ("14.03.27 19:30", at(2027, 3, 14, 19, 30)),
        ("14.3.2027 um 19 Uhr", at(2027, 3, 14, 19)),
        ("Am 14.03.2027 spielt die Band. Beginn 19 Uhr", at(2027, 3, 14, 19)),
        ("Einlass 18:30 Uhr, Konzert am 14.03.2027", at(2027, 3, 14, 18, 30)),
    ],
)
def test_numeric_date_with_time(text: str, expected: datetime) -> None:
    assert parse(text) == timed(expected)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("14.03.2027, 19:30–21:00 Uhr", at(2027, 3, 14, 19, 30), at(2027, 3, 14, 21)),
        ("14.03.2027, 19.30 - 21 Uhr", at(2027, 3, 14, 19, 30), at(2027, 3, 14, 21)),
        ("14.03.2027 von 10 bis 12 Uhr", at(2027, 3, 14, 10), at(2027, 3, 14, 12)),
        ("14.03.2027, 10-12 Uhr", at(2027, 3, 14, 10), at(2027, 3, 14, 12)),
        ("14.03.2027 von 19 Uhr bis 21.30 Uhr", at(2027, 3, 14, 19), at(2027, 3, 14, 21, 30)),
        ("14.03.2027 ab 20 bis 24 Uhr", at(2027, 3, 14, 20), at(2027, 3, 15)),
    ],
)
def test_time_range_on_a_date(text: str, start: datetime, end: datetime) -> None:
    assert parse(text) == timed(start, end)


def test_end_time_earlier_than_start_means_next_day() -> None:
    assert parse("Party am 14.03.2027, 22:00-03:00 Uhr") == timed(
        at(2027, 3, 14, 22), at(2027, 3, 15, 3)
    )


def test_ab_gives_start_only() -> None:
    assert parse("14.03.2027 ab 14 Uhr") == timed(at(2027, 3, 14, 14))


def test_end_time_only_gives_the_all_day_date() -> None:
    """Rule: with only "bis 17.30 Uhr" the start is unknown, so no start time is invented."""
    assert parse("Flohmarkt 14.03.2027 bis 17.30 Uhr") == all_day(date(2027, 3, 14))


@pytest.mark.parametrize("word", ["ganztägig", "ganztaegig", "Ganztägig"])
def test_all_day_word_wins_over_times(word: str) -> None:
    assert parse(f"14.03.2027, 10-18 Uhr, {word}") == all_day(date(2027, 3, 14))


# --- Dates without a year -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2027, 2, 10), date(2027, 10, 12)),
        (at(2027, 10, 12), date(2027, 10, 12)),
        (at(2027, 11, 1), date(2027, 10, 12)),  # 20 days ago: still this year's
        (at(2027, 11, 20), date(2028, 10, 12)),  # more than 30 days ago: next year's
    ],
)
def test_day_and_month_without_year(now: datetime, expected: date) -> None:
    assert parse("Herbstmarkt 12.10.", now=now) == all_day(expected)


def test_day_and_month_is_never_a_time() -> None:
    assert parse("12.10.") == all_day(date(2027, 10, 12))


def test_yearless_date_around_new_year_is_last_december() -> None:
    assert parse("Rückblick: Feier am 28.12.", now=at(2028, 1, 5)) == all_day(date(2027, 12, 28))


def test_yearless_month_name_date_with_time() -> None:
    assert parse("Sonntag, 14. März, 17 Uhr") == timed(at(2027, 3, 14, 17))


def test_yearless_leap_day_skips_to_a_leap_year() -> None:
    assert parse("29.02.", now=at(2029, 3, 15)) == all_day(date(2032, 2, 29))


def test_naive_now_is_berlin_wall_time() -> None:
    assert parse("12.10.", now=datetime(2027, 11, 20)) == all_day(date(2028, 10, 12))


# --- Start dates (apprenticeships) --------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["Beginn: 01.09.2027", "ab 01.09.2027", "Ausbildungsbeginn 1.9.2027"]
)
def test_start_date(text: str) -> None:
    assert parse(text) == all_day(date(2027, 9, 1))


# --- Ranges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("14.–16. März 2027", date(2027, 3, 14), date(2027, 3, 16)),
        ("14. bis 16. März 2027", date(2027, 3, 14), date(2027, 3, 16)),
        ("vom 1. bis 3. Mai 2027", date(2027, 5, 1), date(2027, 5, 3)),
        ("01.05.2027 - 03.05.2027", date(2027, 5, 1), date(2027, 5, 3)),
        ("14.-16.03.2027", date(2027, 3, 14), date(2027, 3, 16)),
        ("30. April bis 2. Mai 2027", date(2027, 4, 30), date(2027, 5, 2)),
        ("28.12.2027 - 02.01.2028", date(2027, 12, 28), date(2028, 1, 2)),
        ("2027-03-14 - 2027-03-16", date(2027, 3, 14), date(2027, 3, 16)),
        ("14.03.2027 19:00 bis 16.03.2027", date(2027, 3, 14), date(2027, 3, 16)),
    ],
)
def test_day_range_is_all_day_with_inclusive_last_day(text: str, first: date, last: date) -> None:
    assert parse(text) == all_day(first, last)


def test_yearless_range_end_rolls_into_next_year() -> None:
    assert parse("28.12. - 2.1.", now=at(2027, 12, 1)) == all_day(
        date(2027, 12, 28), date(2028, 1, 2)
    )


def test_timed_range_across_midnight() -> None:
    assert parse("14.03.2027 19:00 - 15.03.2027 02:00") == timed(
        at(2027, 3, 14, 19), at(2027, 3, 15, 2)
    )


def test_backwards_range_is_none() -> None:
    assert parse("16.03.2027 - 14.03.2027") is None


# --- ISO dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Termin: 2027-03-14", all_day(date(2027, 3, 14))),
        ("Termin: 2027-03-14T19:30", timed(at(2027, 3, 14, 19, 30))),
        ("2027-03-14 19:30", timed(at(2027, 3, 14, 19, 30))),
        ("2027-03-14T18:30:00Z", timed(at(2027, 3, 14, 19, 30))),
        ("2027-07-14T19:30:00+02:00", timed(at(2027, 7, 14, 19, 30))),
    ],
)
def test_iso_dates(text: str, expected: DateSpan) -> None:
    assert parse(text) == expected


# --- Times with a default date, relative days ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19 Uhr", timed(at(2027, 5, 1, 19))),
        ("ab 14 Uhr", timed(at(2027, 5, 1, 14))),
        ("10-12 Uhr", timed(at(2027, 5, 1, 10), at(2027, 5, 1, 12))),
        ("bis 17 Uhr", all_day(date(2027, 5, 1))),
        ("ganztägig", all_day(date(2027, 5, 1))),
    ],
)
def test_times_only_use_default_date(text: str, expected: DateSpan) -> None:
    assert parse(text, default_date=date(2027, 5, 1)) == expected


def test_date_in_text_beats_default_date() -> None:
    assert parse("14.03.2027, 19 Uhr", default_date=date(2027, 5, 1)) == timed(at(2027, 3, 14, 19))


def test_time_without_any_date_is_none() -> None:
    assert parse("Beginn 19 Uhr") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Heute, 19 Uhr", timed(at(2027, 2, 10, 19))),
        ("morgen ab 10:30", timed(at(2027, 2, 11, 10, 30))),
        ("übermorgen", all_day(date(2027, 2, 12))),
    ],
)
def test_relative_days(text: str, expected: DateSpan) -> None:
    assert parse(text) == expected


# --- dateparser fallback ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("März 14, 2027", all_day(date(2027, 3, 14))),
        ("März 14, 2027, 19:30 Uhr", timed(at(2027, 3, 14, 19, 30))),
        ("märz 14 um 19 uhr", timed(at(2027, 3, 14, 19))),
    ],
)
def test_fallback_for_month_first_dates(text: str, expected: DateSpan) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("text", ["im März 2027", "Samstag, 19 Uhr", "März 14, 2150"])
def test_fallback_stays_conservative(text: str) -> None:
    assert parse(text) is None


# --- Texts without a date -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Eintritt frei",
        "Raum 19",
        "Tel. 07321 12345",
        "Tel. 07321/38-0, Fax 07321/38-1000",
        "PLZ 89522",
        "89522 Heidenheim an der Brenz",
        "Preis 12.50 Euro, 3 Plätze frei",
        "Version 1.2.3",
        "192.168.1.10",
    ],
)
def test_text_without_a_date_is_none(text: str) -> None:
    assert parse(text) is None
    assert parse(text, default_date=date(2027, 5, 1)) is None


@pytest.mark.parametrize(
    "text", ["30.02.2027", "31.04.2027, 19 Uhr", "29.02.2027", "2027-02-30", "30. Februar 2027"]
)
def test_nonexistent_date_is_none(text: str) -> None:
    assert parse(text) is None


def test_leap_day_exists_in_leap_years() -> None:
    assert parse("29.02.2028") == all_day(date(2028, 2, 29))


# --- Daylight saving time -----------------------------------------------------------------


def test_localize_moves_a_nonexistent_time_forward_by_the_gap() -> None:
    local = localize(datetime(2027, 3, 28, 2, 30))
    assert local.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert (local.hour, local.minute, local.utcoffset()) == (3, 30, timedelta(hours=2))


def test_localize_takes_the_first_of_two_ambiguous_times() -> None:
    local = localize(datetime(2027, 10, 31, 2, 30))
    assert local.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert local.utcoffset() == timedelta(hours=2)


def test_localize_rejects_aware_datetimes() -> None:
    with pytest.raises(ValueError):
        localize(at(2027, 3, 14, 19))


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("28.03.2027, 02:30 Uhr", datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
        ("31.10.2027, 02:30 Uhr", datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
    ],
)
def test_parse_applies_the_dst_rule(text: str, utc: datetime) -> None:
    span = parse(text)
    assert span is not None
    # astimezone: by PEP 495, an ambiguous local time never equals an instant in another zone
    assert span.start.astimezone(UTC) == utc
    assert span.start.tzinfo is BERLIN


# --- Properties ---------------------------------------------------------------------------

wall_times = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)


def exists_in_berlin(naive: datetime) -> bool:
    return localize(naive).replace(tzinfo=None) == naive


def assert_parses_back(text: str, naive: datetime) -> None:
    span = parse(text)
    assert span is not None
    assert span.all_day is False
    assert span.start == localize(naive)
    assert span.start.replace(tzinfo=None) == naive


@given(wall_times)
def test_numeric_date_and_time_round_trip(naive: datetime) -> None:
    assume(exists_in_berlin(naive))
    assert_parses_back(f"{naive:%d.%m.%Y, %H:%M} Uhr", naive)


@given(wall_times, st.data())
def test_month_name_date_and_time_round_trip(naive: datetime, data: st.DataObject) -> None:
    assume(exists_in_berlin(naive))
    name = data.draw(st.sampled_from(MONTH_NAMES[naive.month]))
    assert_parses_back(f"{naive.day}. {name} {naive:%Y, %H:%M} Uhr", naive)


@settings(deadline=None)
@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    parse(text)
    parse(text, default_date=date(2027, 5, 1))


date_like_pieces = st.sampled_from(
    [
        *[name for names in MONTH_NAMES.values() for name in names],
        *map(str, range(0, 40)),
        "2027",
        "27",
        "0",
        "24",
        "99",
        ".",
        ":",
        "-",
        "–",
        " ",
        ", ",
        "bis",
        "ab",
        "von",
        "um",
        "Uhr",
        "heute",
        "ganztägig",
        "T",
        "Z",
        "+01:00",
    ]
)


@settings(deadline=None)
@given(st.lists(date_like_pieces, max_size=12).map("".join))
def test_never_raises_on_date_like_text(text: str) -> None:
    span = parse(text)
    if span is not None and not span.all_day:
        assert span.start.tzinfo is BERLIN
        assert span.end is None or span.end >= span.start


def at_two_on_the_last_sunday(year: int, month: int, minute: int) -> tuple[datetime, DateSpan]:
    """02:mm on the night the clocks change in ``month``, and how that text parses."""
    last = date(year, month + 1, 1) - timedelta(days=1)
    sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    naive = datetime(sunday.year, sunday.month, sunday.day, 2, minute)
    span = parse(f"{naive:%d.%m.%Y, %H:%M} Uhr")
    assert span is not None
    return naive, span


@given(st.integers(1981, 2100), st.integers(0, 59))
def test_a_time_the_spring_clocks_skip_shifts_forward(year: int, minute: int) -> None:
    """RFC 5545 §3.3.5: a wall time in the gap is read with the offset before the gap."""
    naive, span = at_two_on_the_last_sunday(year, 3, minute)
    assert span.start == naive.replace(tzinfo=UTC) - timedelta(hours=1)  # 02:mm at +01:00
    assert span.start.utcoffset() == timedelta(hours=2)  # shown as 03:mm summer time


@given(st.integers(1996, 2100), st.integers(0, 59))
def test_a_time_the_autumn_clocks_repeat_is_the_first_of_the_two(year: int, minute: int) -> None:
    naive, span = at_two_on_the_last_sunday(year, 10, minute)
    assert span.start.replace(tzinfo=None) == naive
    assert span.start.utcoffset() == timedelta(hours=2)  # still summer time
