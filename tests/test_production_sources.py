"""The production sources.toml for Landkreis Heidenheim: valid, public, readable by Lotse, and
switched on only where its address is confirmed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from aggregator.kinds import KINDS
from aggregator.sources import is_private_host, load_sources

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources.toml"
LOTSE = str(Path(sys.executable).with_name("lotse"))  # the command the project installs


def test_lotse_sources_check_accepts_the_production_file() -> None:
    done = subprocess.run(
        [LOTSE, "sources", "check", "sources.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip() == "sources.toml: 11 sources, all valid"


def test_every_source_is_a_public_https_endpoint() -> None:
    for config in load_sources(SOURCES):
        assert config.url.startswith("https://"), config.id
        assert not config.allow_private and not is_private_host(config.url.split("/")[2])


def test_every_kind_in_use_is_registered() -> None:
    """Registered kinds have all their parts: tests/test_kinds.py."""
    kinds = {config.kind for config in load_sources(SOURCES)}
    assert kinds == {"integreat", "jsonld", "feed", "wp-events", "lehrstellen-radar", "ba-jobsuche"}
    assert kinds <= KINDS.keys()


def test_apprenticeship_searches_cover_heidenheim_within_25_km() -> None:
    by_kind = {config.kind: config for config in load_sources(SOURCES)}
    radar, jobsuche = by_kind["lehrstellen-radar"], by_kind["ba-jobsuche"]
    assert dict(radar.options) == {"postcode": "89518", "radius_km": 25}
    assert dict(jobsuche.options) == {"where": "Heidenheim an der Brenz", "radius_km": 25}
    assert radar.url == KINDS["lehrstellen-radar"].default_url
    assert jobsuche.url == KINDS["ba-jobsuche"].default_url


def test_the_integreat_source_asks_for_the_combined_form_of_the_v3_api() -> None:
    (integreat,) = [c for c in load_sources(SOURCES) if c.kind == "integreat"]
    assert integreat.url == (
        "https://cms.integreat-app.de/api/v3/landkreisheidenheim/de/events/?combine_recurring=True"
    )


def test_the_jobsuche_source_asks_the_v6_api() -> None:
    (jobsuche,) = [c for c in load_sources(SOURCES) if c.kind == "ba-jobsuche"]
    assert jobsuche.url.endswith("/jobboerse/jobsuche-service/pc/v6/jobs") and jobsuche.enabled


def test_the_parishes_and_the_library_are_at_their_public_hosts() -> None:
    hosts = {config.id: config.url.split("/")[2] for config in load_sources(SOURCES)}
    assert hosts["ev-kirchenbezirk-heidenheim"] == "www.heidenheim-evangelisch.de"
    assert hosts["ev-gesamtkirchengemeinde-heidenheim"] == "www.evangelisch-heidenheim.de"
    assert hosts["stadtbibliothek-heidenheim"] == "www.bibliothek-heidenheim.de"


def test_a_source_is_switched_on_exactly_when_no_comment_calls_its_address_unconfirmed() -> None:
    comments = comments_above_sources()
    for config in load_sources(SOURCES):
        unconfirmed = "UNCONFIRMED:" in comments[config.id]
        assert config.enabled is not unconfirmed, config.id
    assert sorted(c.id for c in load_sources(SOURCES) if c.enabled) == [
        "ba-jobsuche-heidenheim",
        "hwk-ulm-lehrstellen-radar",
    ]


def comments_above_sources() -> dict[str, str]:
    """Each source's id with the comment lines written right above its ``[[sources]]``."""
    parts = re.split(r"^\[\[sources\]\]$", SOURCES.read_text(encoding="utf-8"), flags=re.M)
    found = {}
    for before, table in zip(parts, parts[1:], strict=False):
        lines = before.rstrip("\n").splitlines()
        comment = []
        while lines and lines[-1].startswith("#"):
            comment.insert(0, lines.pop())
        source_id = re.search(r'^id = "([^"]+)"', table, re.MULTILINE)
        assert source_id is not None
        found[source_id[1]] = "\n".join(comment)
    return found
