"""The sources file changed in place (aggregator/sources_edit.py): comments and order kept, the
file valid afterwards or untouched, a stale form refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aggregator.sources import SourcesFileError, load_sources
from aggregator.sources_edit import (
    Destination,
    StaleEntry,
    add_source,
    change_source,
    entry_digest,
    entry_toml,
    propose_id,
    read_entry,
)

ROOT = Path(__file__).resolve().parents[1]
NEW = {"id": "vhs-neu", "name": "VHS (neu)", "kind": "ical", "url": "https://vhs.example/k.ics"}
SMALL = """# Quellen des Landkreises
# (Kommentare bleiben)

[[sources]]
id = "vhs"   # die Volkshochschule
kind = "ical"
url = "https://vhs.example/kalender.ics"
town = "Heidenheim an der Brenz"  # wo nichts steht

# Die Kirche: noch zu prüfen
[[sources]]
id = "kirche"
kind = "ical"
url = "https://kirche.example/termine.ics"
"""


@pytest.fixture
def production(tmp_path: Path) -> Path:
    """A copy of the project's own sources file, with all its comments."""
    return Path(shutil.copy(ROOT / "sources.toml", tmp_path / "sources.toml"))


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def comments(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.lstrip().startswith("#")]


def test_a_new_source_is_appended_and_every_comment_stays(production: Path) -> None:
    before, count = comments(production), len(load_sources(production))
    add_source(production, NEW)
    assert comments(production) == before
    configs = load_sources(production)
    assert (len(configs), configs[-1].id, configs[-1].name) == (count + 1, "vhs-neu", "VHS (neu)")


def test_the_new_entry_is_a_table_of_its_own_after_a_blank_line(small: Path) -> None:
    add_source(small, NEW)
    assert small.read_text().endswith(
        '\n\n[[sources]]\nid = "vhs-neu"\nname = "VHS (neu)"\n'
        'kind = "ical"\nurl = "https://vhs.example/k.ics"\n'
    )


def test_a_first_source_makes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    add_source(path, NEW)
    assert [config.id for config in load_sources(path)] == ["vhs-neu"]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({**NEW, "id": "vhs"}, "duplicate id 'vhs'"),
        ({**NEW, "categories": ["kultur"]}, "unknown category 'kultur'"),
        ({**NEW, "url": "ftp://vhs.example/"}, "must be an http or https URL"),
    ],
)
def test_an_entry_that_would_make_the_file_invalid_changes_nothing(small, entry, problem) -> None:
    with pytest.raises(SourcesFileError, match=problem):
        add_source(small, entry)
    assert small.read_text() == SMALL


def test_a_change_keeps_the_comments_and_places_a_new_key_in_its_entry(small: Path) -> None:
    change_source(small, "vhs", {"name": "Volkshochschule", "trusted": True, "town": "Giengen"})
    text = small.read_text()
    assert comments(small) == comments_of(SMALL)
    assert 'town = "Giengen"  # wo nichts steht' in text
    assert 'trusted = true\n\n# Die Kirche: noch zu prüfen\n[[sources]]\nid = "kirche"' in text
    (vhs, kirche) = load_sources(small)
    assert (vhs.name, vhs.trusted, vhs.town, kirche.trusted) == (
        "Volkshochschule",
        True,
        "Giengen",
        False,
    )


def comments_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def test_none_removes_a_key(small: Path) -> None:
    change_source(small, "vhs", {"town": None})
    assert load_sources(small)[0].town is None
    assert "wo nichts steht" not in small.read_text()


def test_categories_and_enabled_are_set(small: Path) -> None:
    change_source(small, "kirche", {"categories": ["familie", "sprache"], "enabled": False})
    kirche = load_sources(small)[1]
    assert (kirche.categories, kirche.enabled) == (("familie", "sprache"), False)


def test_a_change_from_a_stale_form_is_refused(small: Path) -> None:
    seen = entry_digest(read_entry(small, "vhs"))
    change_source(small, "vhs", {"name": "Erste Änderung"}, digest=seen)
    with pytest.raises(StaleEntry, match="inzwischen geändert"):
        change_source(small, "vhs", {"name": "Zweite Änderung"}, digest=seen)
    assert load_sources(small)[0].name == "Erste Änderung"


def test_an_invalid_change_changes_nothing(small: Path) -> None:
    with pytest.raises(SourcesFileError, match="unknown category"):
        change_source(small, "vhs", {"categories": ["kultur"]})
    assert small.read_text() == SMALL


def test_only_the_desk_keys_are_changed_here(small: Path) -> None:
    with pytest.raises(ValueError, match="not editable here: url"):
        change_source(small, "vhs", {"url": "https://anders.example/"})
    with pytest.raises(KeyError):
        change_source(small, "gibtsnicht", {"name": "x"})


@pytest.mark.parametrize(
    ("url", "taken", "proposed"),
    [
        ("https://www.vhs-heidenheim.de/kurse.ics", [], "vhs-heidenheim-de"),
        (
            "https://Kalender.Stadt.example/x",
            ["kalender-stadt-example"],
            "kalender-stadt-example-2",
        ),
        ("http://127.0.0.1:8080/a.ics", [], "127-0-0-1"),
    ],
)
def test_an_id_is_proposed_from_the_host(url: str, taken: list[str], proposed: str) -> None:
    assert propose_id(url, taken) == proposed


def test_the_entry_text_is_what_the_file_would_hold(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(entry_toml({**NEW, "categories": ("sprache",), "town": None}))
    (config,) = load_sources(path)
    assert (config.categories, config.town) == (("sprache",), None)
    assert Destination.of(path).ids == ("vhs-neu",)


def test_a_destination_knows_the_files_ids_and_region(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('region = "stadt-augsburg"\n' + entry_toml(NEW))
    into = Destination.of(path)
    assert (into.ids, dict(into.keys)) == (("vhs-neu",), {"region": "stadt-augsburg"})
    assert into.config({**NEW, "id": "zweite"}).region == "stadt-augsburg"
    assert Destination.of(tmp_path / "fehlt.toml").ids == ()
