"""The sources file: every problem named with file, source and field; `lotse` exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aggregator.sources import SourcesFileError, load_sources, parse_interval

GOOD = """
[[sources]]
id = "vhs-heidenheim"
kind = "ical"
url = "https://example.org/vhs.ics"
categories = ["sprache"]
town = "Heidenheim an der Brenz"
trusted = true
every = "6h"

[[sources]]
id = "hwk-ulm"
kind = "lehrstellen-radar"
postcode = "89518"
radius_km = 25
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SourcesFileError) as caught:
        load_sources(write(tmp_path, text))
    return caught.value.problems


def test_a_valid_file_gives_its_sources_with_defaults(tmp_path: Path) -> None:
    vhs, hwk = load_sources(write(tmp_path, GOOD))
    assert (vhs.id, vhs.kind, vhs.trusted, vhs.every_seconds) == (
        "vhs-heidenheim",
        "ical",
        True,
        21600,
    )
    assert vhs.categories == ("sprache",)
    assert hwk.url.startswith("https://www.lehrstellen-radar.de/")  # the kind's public default
    assert hwk.options == {"postcode": "89518", "radius_km": 25}
    assert (hwk.trusted, hwk.enabled, hwk.record_type) == (False, True, "apprenticeship")


def test_an_option_the_source_leaves_out_has_its_declared_default(tmp_path: Path) -> None:
    _, hwk = load_sources(write(tmp_path, GOOD.replace("radius_km = 25\n", "")))
    assert dict(hwk.options) == {"postcode": "89518"}
    assert (hwk.option("postcode"), hwk.option("radius_km"), hwk.option("max_pages")) == (
        "89518",
        25,
        100,
    )
    with pytest.raises(KeyError, match="no option 'per_page'"):
        hwk.option("per_page")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('id = "a"\nkind = "rss"\nurl = "https://x.org/"', "field 'kind': unknown kind 'rss'"),
        ('id = "a"\nkind = "ical"', "field 'url': missing"),
        ('id = "a"\nkind = "ical"\nurl = "ftp://x.org/a.ics"', "must be an http or https URL"),
        ('id = "a"\nkind = "ical"\nurl = "http://127.0.0.1/a.ics"', "allow_private = true"),
        ('id = "a"\nkind = "ical"\nurl = "http://10.0.0.5/a.ics"', "private network"),
        ('id = "A b"\nkind = "ical"\nurl = "https://x.org/"', "field 'id': must be a slug"),
        ('id = "a"\nkind = "ical"\nurl = "https://x.org/"\ncategories = ["kultur"]', "'kultur'"),
        ('id = "a"\nkind = "ical"\nurl = "https://x.org/"\nevery = "often"', "field 'every'"),
        ('id = "a"\nkind = "ical"\nurl = "https://x.org/"\ntrusted = "yes"', "true or false"),
        ('id = "a"\nkind = "ical"\nurl = "https://x.org/"\npostcode = "1"', "field 'postcode'"),
        ('id = "a"\nkind = "lehrstellen-radar"', "field 'postcode': missing"),
        ('id = "a"\nkind = "ba-jobsuche"\nwhere = "x"\nradius_km = "9"', "a whole number"),
        (
            'id = "a"\nkind = "ba-jobsuche"\nwhere = "x"\nradius_km = 0',
            "field 'radius_km': must be 1 or more, not 0",
        ),
        (
            'id = "a"\nkind = "lehrstellen-radar"\npostcode = "8951"',
            "field 'postcode': must be a German postcode of five digits",
        ),
        (
            'id = "a"\nkind = "wp-events"\nurl = "https://x.org/"\nper_page = 101',
            "field 'per_page': must be from 1 to 100, not 101",
        ),
        (
            'id = "a"\nkind = "jsonld"\nurl = "https://x.org/"\nmax_pages = 0',
            "field 'max_pages': must be 1 or more, not 0",
        ),
    ],
)
def test_each_problem_names_file_source_and_field(
    tmp_path: Path, entry: str, expected: str
) -> None:
    (problem,) = problems_of(tmp_path, f"[[sources]]\n{entry}\n")
    assert problem.startswith(f"{tmp_path / 'sources.toml'}: source 'a' (entry 1)") or (
        "entry 1" in problem
    )
    assert expected in problem


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = GOOD + '\n[[sources]]\nid = "vhs-heidenheim"\nkind = "ical"\nurl = "gopher://x"\n'
    problems = problems_of(tmp_path, text)
    assert any("duplicate id 'vhs-heidenheim'" in p for p in problems)
    assert any("entry 3" in p and "field 'url'" in p for p in problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[sources]\nid=", "not valid TOML"),
        ("title = 'no sources'", "needs at least one [[sources]] table"),
    ],
)
def test_broken_files_are_named(tmp_path: Path, text: str, expected: str) -> None:
    (problem,) = problems_of(tmp_path, text)
    assert problem.startswith(str(tmp_path / "sources.toml"))
    assert expected in problem


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesFileError, match="file not found"):
        load_sources(tmp_path / "nope.toml")


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("6h", 21600), ("1d", 86400)])
def test_intervals(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


def lotse(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lotse", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_sources_check_exits_2_and_prints_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sources]]\nid = "x"\nkind = "nope"\n')
    done = lotse("sources", "check", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert "source 'x' (entry 1), field 'kind': unknown kind 'nope'" in done.stderr
    assert "field 'url': missing" in done.stderr


def test_sources_check_accepts_a_valid_file(tmp_path: Path) -> None:
    done = lotse("sources", "check", str(write(tmp_path, GOOD)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 sources" in done.stdout


def test_run_exits_2_on_an_invalid_file_before_touching_anything(tmp_path: Path) -> None:
    write(tmp_path, '[[sources]]\nid = "x"\nkind = "ical"\nurl = "file:///etc/passwd"\n')
    done = lotse("run", cwd=tmp_path)
    assert done.returncode == 2
    assert "sources.toml: source 'x' (entry 1), field 'url'" in done.stderr
    assert not (tmp_path / "lotse.db").exists()
    assert not (tmp_path / "public").exists()
