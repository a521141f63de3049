import pytest

from aggregator.categories import (
    CATEGORIES,
    CATEGORY_NAMES,
    FALSE_FRIENDS,
    KEYWORDS,
    STRONG_KEYWORDS,
    categorize,
)


def test_every_category_has_a_name_and_keywords():
    assert set(CATEGORY_NAMES) == set(CATEGORIES)
    assert set(KEYWORDS) == set(CATEGORIES)
    assert set(STRONG_KEYWORDS) <= set(CATEGORIES)


def test_keywords_are_folded():
    words = [w for table in (KEYWORDS, STRONG_KEYWORDS) for kws in table.values() for w in kws]
    words += [*FALSE_FRIENDS, *(w for friends in FALSE_FRIENDS.values() for w in friends)]
    assert all(w == w.lower() and w.isascii() for w in words)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Sprachkurs A1", ["sprache"]),
        ("Deutschkurse für Frauen", ["sprache"]),
        ("Sprachcafé", ["sprache"]),
        ("Sprachcafe", ["sprache"]),
        ("Integrationskurs", ["sprache"]),
        ("Gesundheitstag", ["gesundheit"]),
        ("Sprechstunde beim Arzt", ["gesundheit"]),
        ("Grippeimpfung", ["gesundheit"]),
        ("Beratung Gesundheit", ["gesundheit"]),
        ("Kinderflohmarkt", ["alltag-freizeit", "familie"]),
        ("Elternabend", ["familie"]),
        ("Babys im Alltag", ["familie"]),
        ("Jugendhaus offen", ["familie"]),
        ("Ausbildungsmesse", ["arbeit-bildung"]),
        ("Bewerbungstraining", ["arbeit-bildung"]),
        ("Weiterbildung Pflegehilfe", ["gesundheit", "arbeit-bildung"]),
        ("Jobs in der Region", ["arbeit-bildung"]),
        ("Konzert im Park", ["alltag-freizeit"]),
        ("Sommerfest", ["alltag-freizeit"]),
        ("Fest der Kulturen", ["alltag-freizeit"]),
        ("Lesung mit Musik", ["alltag-freizeit"]),
        ("Sportnachmittag", ["alltag-freizeit"]),
        ("Wanderung zur Burg", ["alltag-freizeit"]),
        ("Café International", ["alltag-freizeit"]),
        ("Frauentreff", ["alltag-freizeit"]),
        ("Erste-Hilfe-Kurs", ["gesundheit"]),
    ],
)
def test_title_keywords(title, expected):
    assert categorize(title=title) == expected


@pytest.mark.parametrize(
    "title",
    ["Kurs", "Workshop", "Treffen im Rathaus", "Offene Sprechstunde", "Infoabend", "Beratung"],
)
def test_generic_titles_have_no_category(title):
    assert categorize(title=title) == []


@pytest.mark.parametrize(
    "title",
    [
        "Transport von Möbeln",  # sport
        "Deutschland-Abend",  # deutsch
        "Vortrag über Einwanderung",  # wander
        "Ansprache des Bürgermeisters",  # sprach
        "Informationen zum Arbeitsmarkt für Ehrenamtliche",  # markt (arbeit still counts)
        "Fahrt mit dem Bus",  # short keywords are whole words: "fest" not in "Fahrt"
    ],
)
def test_false_friends_do_not_count(title):
    assert "alltag-freizeit" not in categorize(title=title)
    assert "sprache" not in categorize(title=title)


def test_arbeitsmarkt_is_work():
    assert categorize(title="Arbeitsmarkt aktuell") == ["arbeit-bildung"]


def test_jugendarbeit_is_family_not_work():
    assert categorize(title="Offene Jugendarbeit") == ["familie"]


def test_short_keywords_are_whole_words():
    assert categorize(title="Kindheitserinnerungen") == []  # "kind" only as a word
    assert categorize(title="Ein Kind, ein Buch") == ["familie"]


def test_description_counts_only_strong_keywords():
    concert = categorize(title="Konzert", description="Für Kinder und Erwachsene, mit Musik.")
    assert concert == ["alltag-freizeit"]
    assert categorize(title="Treffpunkt", description="Mit Deutschkurs für Anfänger") == [
        "sprache",
        "alltag-freizeit",
    ]
    assert categorize(title="Aktion", description="Impfung ohne Termin") == ["gesundheit"]
    assert categorize(title="Tag der offenen Tür", description="Große Ausbildungsmesse") == [
        "arbeit-bildung"
    ]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["Sprachkurs"], ["sprache"]),
        (["language"], ["sprache"]),
        (["health"], ["gesundheit"]),
        (["Kinder", "Familie"], ["familie"]),
        (["family", "kids"], ["familie"]),
        (["Sport"], ["alltag-freizeit"]),
        (["Kultur", "Theater"], ["alltag-freizeit"]),
        (["Ausbildung"], ["arbeit-bildung"]),
        (["career"], ["arbeit-bildung"]),
        (["alltag-freizeit", "arbeit-bildung"], ["alltag-freizeit", "arbeit-bildung"]),
        (["Kurs", "Workshop"], []),
    ],
)
def test_record_categories(words, expected):
    assert categorize(title="Termin", record_categories=words) == expected


def test_source_categories_are_kept_when_valid():
    found = categorize(title="Termin", source_categories=["familie", "unknown", "sprache"])
    assert found == ["sprache", "familie"]


def test_result_is_unique_and_in_category_order():
    found = categorize(
        title="Kinderkonzert und Deutschkurs",
        description="Impfung",
        source_categories=["familie", "arbeit-bildung"],
        record_categories=["Kinder", "Sprache"],
    )
    assert found == ["sprache", "gesundheit", "alltag-freizeit", "familie", "arbeit-bildung"]


def test_nothing_matches():
    assert categorize(title="", description="") == []
