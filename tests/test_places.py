import re
import string
from dataclasses import asdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.places.locations import (
    Place,
    distance_km,
    municipalities,
    normalize_place,
    official_town,
    parse_location,
    postcode_centroid,
)

HDH = "Heidenheim an der Brenz"


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("Heidenheim", HDH),
        ("Heidenheim a. d. Brenz", HDH),
        ("Heidenheim a.d.Brenz", HDH),
        ("Heidenheim/Brenz", HDH),
        ("HEIDENHEIM", HDH),
        ("  heidenheim   an der  brenz ", HDH),
        ("Heidenheim (Brenz)", HDH),
        ("Heidenheim-Schnaitheim", HDH),
        ("Giengen a.d. Brenz", "Giengen an der Brenz"),
        ("Koenigsbronn", "Königsbronn"),
        ("KÖNIGSBRONN", "Königsbronn"),
        ("Sontheim/Brenz", "Sontheim an der Brenz"),
        ("Steinheim a. A.", "Steinheim am Albuch"),
        ("Steinheim", "Steinheim am Albuch"),
        ("Herbrechtingen", "Herbrechtingen"),
        ("Niederstotzingen", "Niederstotzingen"),
        ("Dischingen", "Dischingen"),
        ("Gerstetten", "Gerstetten"),
        ("Hermaringen", "Hermaringen"),
        ("Nattheim", "Nattheim"),
    ],
)
def test_official_town_spellings(text, town):
    assert official_town(text) == town


@pytest.mark.parametrize(
    ("village", "town"),
    [
        ("Mergelstetten", HDH),
        ("Schnaitheim", HDH),
        ("Großkuchen", HDH),
        ("Grosskuchen", HDH),
        ("Oggenhausen", HDH),
        ("Hohenmemmingen", "Giengen an der Brenz"),
        ("Burgberg", "Giengen an der Brenz"),
        ("Bolheim", "Herbrechtingen"),
        ("Itzelberg", "Königsbronn"),
        ("Ochsenberg", "Königsbronn"),
        ("Zang", "Königsbronn"),
        ("Söhnstetten", "Steinheim am Albuch"),
        ("Soehnstetten", "Steinheim am Albuch"),
        ("Heldenfingen", "Gerstetten"),
        ("Dettingen am Albuch", "Gerstetten"),
        ("Fleinheim", "Nattheim"),
        ("Brenz", "Sontheim an der Brenz"),
        ("Frickingen", "Dischingen"),
        ("Ballmertshofen", "Dischingen"),
        ("Stetten ob Lontal", "Niederstotzingen"),
    ],
)
def test_official_town_villages(village, town):
    assert official_town(village) == town


@pytest.mark.parametrize("official", municipalities())
def test_official_names_are_official(official):
    assert official_town(official) == official


@pytest.mark.parametrize(
    ("text", "town"), [("Ulm", "Ulm"), (" Aalen ", "Aalen"), ("Neu-Ulm", "Neu-Ulm")]
)
def test_official_town_outside_the_county_is_kept(text, town):
    assert official_town(text) == town


@pytest.mark.parametrize("text", [None, "", "   ", " - "])
def test_official_town_blank(text):
    assert official_town(text) is None


@pytest.mark.parametrize(
    ("text", "place"),
    [
        (
            "Volkshochschule, Karlstraße 12, 89518 Heidenheim",
            Place("Volkshochschule", "Karlstraße 12", "89518", HDH),
        ),
        (
            "Rathaus Giengen, Marktplatz 7, 89537 Giengen a.d. Brenz",
            Place("Rathaus Giengen", "Marktplatz 7", "89537", "Giengen an der Brenz"),
        ),
        (
            "Integrationszentrum, Giengener Straße 149, 89522 Heidenheim",
            Place("Integrationszentrum", "Giengener Straße 149", "89522", HDH),
        ),
        ("Giengener Str. 149, 89522 Heidenheim", Place(None, "Giengener Straße 149", "89522", HDH)),
        ("Heidenheim", Place(town=HDH)),
        ("Online", Place(name="Online")),
        ("Stadtbibliothek (Heidenheim)", Place(name="Stadtbibliothek", town=HDH)),
        ("89518 Heidenheim, Karlstr. 12", Place(None, "Karlstraße 12", "89518", HDH)),
        (
            "Haus der Familie\nKarlstraße 12\n89518 Heidenheim",
            Place("Haus der Familie", "Karlstraße 12", "89518", HDH),
        ),
        ("Bürgerhaus Nattheim", Place(name="Bürgerhaus Nattheim", town="Nattheim")),
    ],
)
def test_parse_location_forms(text, place):
    assert parse_location(text) == place


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Karlstraße 12a", "Karlstraße 12a"),
        ("Karlstrasse 12", "Karlstraße 12"),
        ("Karlstr.12", "Karlstraße 12"),
        ("Schulweg 3-5", "Schulweg 3-5"),
        ("Hauptstraße 3/1", "Hauptstraße 3/1"),
        ("Am Marktplatz 7", "Am Marktplatz 7"),
        ("Alte Ulmer Straße 4", "Alte Ulmer Straße 4"),
        ("Kirchgasse 2", "Kirchgasse 2"),
        ("Lindenallee 9", "Lindenallee 9"),
        ("Südring 1", "Südring 1"),
        ("Brenzsteige 8", "Brenzsteige 8"),
        ("Mühldamm 2", "Mühldamm 2"),
    ],
)
def test_parse_location_streets(text, address):
    assert parse_location(text).address == address


def test_parse_location_keeps_unrecognised_text_in_the_name():
    place = parse_location("Haus der Familie, 1. OG, Raum 2, Karlstraße 12")
    assert place.name == "Haus der Familie, 1. OG, Raum 2"


def test_parse_location_village_as_town_stays_in_the_name():
    place = parse_location("Gemeindehaus, 89522 Heidenheim-Mergelstetten")
    assert place == Place("Gemeindehaus, Mergelstetten", None, "89522", HDH)


def test_parse_location_town_after_postcode_then_name():
    assert parse_location("89518 Heidenheim Stadtbibliothek") == Place(
        "Stadtbibliothek", None, "89518", HDH
    )


def test_parse_location_neighbour_town():
    assert parse_location("Stadthalle, Aalen") == Place(name="Stadthalle", town="Aalen")


def test_parse_location_town_from_postcode():
    assert parse_location("Karlstraße 12, 89518").town == HDH


def test_parse_location_shared_postcode_leaves_the_town_open():
    assert parse_location("Am Marktplatz 7, 89129").town is None


def test_parse_location_shared_postcode_keeps_the_texts_town():
    assert parse_location("Rathaus, 89129 Öllingen").town == "Öllingen"


def test_default_town_fills_a_missing_town():
    assert parse_location("Jugendhaus", default_town="Giengen").town == "Giengen an der Brenz"


def test_default_town_does_not_override_the_text():
    assert parse_location("Rathaus, Nattheim", default_town="Heidenheim").town == "Nattheim"


def test_default_town_not_for_online_places():
    assert parse_location("Online (Zoom)", default_town="Heidenheim").town is None


@pytest.mark.parametrize("text", [None, "", "  \n "])
def test_parse_location_blank(text):
    assert parse_location(text) == Place()


def test_normalize_place_fields():
    place = normalize_place(
        name="  Volkshochschule ",
        address="Karlstr. 12",
        postcode="D-89518",
        town="Heidenheim a.d.Brenz",
        lat="48.677",
        lon=10.152,
    )
    assert place == Place("Volkshochschule", "Karlstraße 12", "89518", HDH, 48.677, 10.152)


def test_normalize_place_town_from_postcode():
    assert normalize_place(postcode="89564").town == "Nattheim"


def test_normalize_place_postcode_beats_default_town():
    assert normalize_place(postcode="70173", default_town="Heidenheim").town is None


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(None, 10.1), (48.6, None), (0.0, 0.0), (91.0, 10.0), ("x", "y"), (float("nan"), 1.0)],
)
def test_normalize_place_drops_bad_coordinates(lat, lon):
    place = normalize_place(lat=lat, lon=lon)
    assert (place.lat, place.lon) == (None, None)


@pytest.mark.parametrize(
    "postcode",
    [
        "89518",
        "89520",
        "89522",
        "89537",
        "89542",
        "89168",
        "89561",
        "89547",
        "89568",
        "89551",
        "89564",
        "89567",
        "89555",
    ],
)
def test_county_postcodes_have_their_town(postcode):
    assert postcode_centroid(postcode) is not None
    assert normalize_place(postcode=postcode).town in municipalities()


def test_postcode_centroid_unknown():
    assert postcode_centroid("10115") is None


def test_distance_heidenheim_giengen():
    # town centres: about 9 km as the crow flies (about 12 km by road)
    assert 8 <= distance_km(postcode_centroid("89518"), postcode_centroid("89537")) <= 14


def test_distance_heidenheim_ulm():
    assert 30 <= distance_km(postcode_centroid("89518"), postcode_centroid("89073")) <= 40


def test_distance_to_itself_is_zero():
    assert distance_km((48.6, 10.1), (48.6, 10.1)) == 0


# --- Properties -------------------------------------------------------------------------------

_FRAGMENTS = [
    "Heidenheim",
    "Heidenheim a. d. Brenz",
    "Heidenheim a.d.Brenz",
    "Heidenheim/Brenz",
    "HEIDENHEIM",
    "Giengen a.d. Brenz",
    "Koenigsbronn",
    "Sontheim/Brenz",
    "Steinheim a. A.",
    "Steinheim",
    "Mergelstetten",
    "Heidenheim-Schnaitheim",
    "Stetten ob Lontal",
    "Brenz",
    "Ulm",
    "Aalen",
    "Karlstraße 12",
    "Giengener Str. 149",
    "Am Marktplatz 7a",
    "Schulweg 3-5",
    "89518",
    "89129",
    "89537 Giengen",
    "Rathaus",
    "Online",
    "(Heidenheim)",
    "(",
    ")",
    ",",
    ";",
    "\n",
    "-",
    "/",
]
_ALPHABET = string.ascii_letters + string.digits + "äöüÄÖÜß .,;()/-\n"
locations = st.lists(
    st.one_of(st.sampled_from(_FRAGMENTS), st.text(alphabet=_ALPHABET, max_size=15)), max_size=8
).map(" ".join)


def _fold(text: str) -> str:
    return text.casefold().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"}))


@given(st.text())
def test_parse_location_never_raises(text):
    assert isinstance(parse_location(text, default_town="Heidenheim"), Place)


@given(locations)
def test_parse_location_loses_no_word(text):
    place = parse_location(text)
    kept = _fold(" | ".join(filter(None, (place.name, place.address, place.postcode, place.town))))
    for word in re.findall(r"[^\W_]+", text):
        # a town's spelling is replaced by its official name
        assert _fold(word) in kept or official_town(word) == place.town, word


@given(locations)
def test_normalize_place_is_a_fixed_point(text):
    place = parse_location(text, default_town="Heidenheim")
    assert normalize_place(**asdict(place)) == place


@given(st.one_of(st.sampled_from(_FRAGMENTS), st.text()))
def test_official_town_is_idempotent(text):
    assert official_town(official_town(text)) == official_town(text)
