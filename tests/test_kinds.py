"""Every registered source kind has all its parts, and the docs say what the registry says.

A kind is declared once (aggregator/kinds/<kind>.py) and listed in aggregator/kinds ``DECLARED``;
these tests then name what it still lacks: a spider Scrapy finds under the kind's name, an
extractor ``(Document) -> Extraction``, a normalizer, options with a type and a help line, and
its row in docs/contract.md §3. Scrapy's own commands work on the project (``scrapy list``,
``scrapy crawl <kind> -a source=<id>``).
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.utils.misc import load_object

from aggregator.kinds import DECLARED, KINDS, UnknownKind, kind_named
from aggregator.kinds.spec import Option
from aggregator.sources import check_url
from aggregator.states import RecordType
from crawlers.extract.document import Document
from crawlers.extract.records import Extraction, Unreadable
from crawlers.spiders import spider_for
from crawlers.spiders.base import SourceSpider
from tests.conftest import FIXTURES
from tests.support.server import FixtureServer, Reply

ROOT = Path(__file__).resolve().parents[1]
SCRAPY = str(Path(sys.executable).with_name("scrapy"))  # the command the project installs
NAMES = [kind.name for kind in DECLARED]


def test_each_kind_is_registered_once_under_its_name() -> None:
    assert len(KINDS) == len(DECLARED) == 9
    assert all(KINDS[kind.name] is kind for kind in DECLARED)


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(
        UnknownKind, match="unknown kind 'rss'; known: ba-jobsuche, evangelische-termine, feed"
    ):
        kind_named("rss")


@pytest.mark.parametrize("name", NAMES)
def test_the_spider_resolves_and_is_named_by_the_kind(name: str) -> None:
    spider = spider_for(name)
    assert spider is load_object(KINDS[name].spider)
    assert issubclass(spider, SourceSpider) and spider.name == name


@pytest.mark.parametrize("name", NAMES)
def test_the_extractor_reads_a_document_into_an_extraction(name: str) -> None:
    extract = load_object(KINDS[name].extractor)
    assert list(inspect.signature(extract).parameters) == ["document"]
    try:
        found = extract(Document("https://quelle.example/", b"", options={}))
    except Unreadable:
        return
    assert isinstance(found, Extraction)


@pytest.mark.parametrize("name", NAMES)
def test_the_claim_check_takes_a_document_and_leaves_an_empty_one(name: str) -> None:
    """``lotse sources try`` asks each kind's ``claims`` whether a fetched document is its own."""
    assert KINDS[name].claims, f"kind '{name}' declares no claims check"
    claims = load_object(KINDS[name].claims)
    assert list(inspect.signature(claims).parameters) == ["document"]
    assert claims(Document("https://quelle.example/", b"", options={})) is None


@pytest.mark.parametrize("name", NAMES)
def test_the_declaration_is_complete(name: str) -> None:
    kind = KINDS[name]
    assert isinstance(kind.record_type, RecordType)
    assert kind.summary.strip() and "|" not in kind.summary
    assert callable(kind.normalizer)
    assert kind.default_url is None or check_url(kind.default_url, allow_private=False) is None
    assert len({option.name for option in kind.options}) == len(kind.options)


@pytest.mark.parametrize(
    "option", [o for kind in DECLARED for o in kind.options], ids=lambda option: option.name
)
def test_every_option_has_a_type_a_help_line_and_a_default_it_accepts(option: Option) -> None:
    assert option.type in (str, int)
    assert option.help.strip() and "\n" not in option.help and "|" not in option.help
    assert not (option.required and option.default is not None)
    if option.default is not None:
        assert isinstance(option.default, option.type)
        assert option.check is None or option.check(option.default) is None


def test_a_kind_without_an_option_says_which_it_has() -> None:
    with pytest.raises(KeyError, match=r"no option 'page_size' \(its options: per_page, max_pages"):
        KINDS["wp-events"].option("page_size")


def test_aggregator_imports_nothing_of_crawlers_feeds_workers_or_lotse() -> None:
    outside = ("crawlers", "feeds", "workers", "lotse")
    found = []
    for path in (ROOT / "aggregator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in outside]
    assert found == []


@pytest.mark.parametrize(
    "module", ["aggregator.kinds", "aggregator.normalize.context", "aggregator.sources"]
)
def test_each_module_of_the_declarations_imports_first_without_a_cycle(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


# --- the docs ---------------------------------------------------------------------------------


def option_text(option: Option) -> str:
    notes = [option.help]
    if option.required:
        notes.append("required")
    if option.default is not None:
        notes.append(f"default {option.default}")
    return f"`{option.name}` ({'; '.join(notes)})"


def kinds_table() -> list[str]:
    """The table of docs/contract.md §3 as the registry says it."""
    rows = ["| kind | what it reads | extra keys |", "| --- | --- | --- |"]
    for kind in DECLARED:
        options = ", ".join(option_text(option) for option in kind.options) or "—"
        rows.append(f"| `{kind.name}` | {kind.summary} | {options} |")
    return rows


def test_the_contract_lists_exactly_the_registered_kinds_with_their_options() -> None:
    lines = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("| kind | what it reads | extra keys |")
    end = next(n for n in range(start, len(lines)) if not lines[n].startswith("|"))
    expected = kinds_table()
    assert lines[start:end] == expected, "docs/contract.md §3 should read:\n" + "\n".join(expected)


def test_the_readme_names_the_three_steps_of_a_new_kind() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Add a source kind", 1)[1].split("\n## ", 1)[0]
    for named in ("crawlers/extract/", "crawlers/spiders/", "aggregator/kinds/", "DECLARED"):
        assert named in section
    assert "DECLARED" in (ROOT / "aggregator" / "kinds" / "__init__.py").read_text()


# --- Scrapy's own commands --------------------------------------------------------------------


def scrapy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRAPY, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_scrapy_list_names_every_kind() -> None:
    done = scrapy("list")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == sorted(NAMES)


@pytest.fixture
def sources_file(tmp_path: Path, site: FixtureServer) -> dict[str, str]:
    body = (FIXTURES / "county" / "vhs.ics").read_bytes()
    url = site.route("/vhs.ics", Reply(body, headers={"Content-Type": "text/calendar"}))
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[sources]]\nid = "vhs"\nkind = "ical"\nurl = "{url}"\nallow_private = true\n'
    )
    return {"LOTSE_SOURCES": str(path)}


def test_scrapy_crawl_writes_the_items_of_a_source(sources_file, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    done = scrapy("crawl", "ical", "-a", "source=vhs", "-O", str(out), env=sources_file)
    assert done.returncode == 0, done.stderr
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert items and all(item["fmt"] == "ical" for item in items)
    assert all(item["payload"].startswith("BEGIN:VCALENDAR") for item in items)
    assert len({item["key"] for item in items}) == len(items)


@pytest.mark.parametrize(
    ("kind", "source_id", "message"),
    [
        ("ical", "nope", "no source 'nope'; known: vhs"),
        ("feed", "vhs", "source 'vhs' is of kind 'ical', not 'feed'"),
    ],
)
def test_scrapy_crawl_of_a_source_it_cannot_crawl_says_why(
    sources_file, kind: str, source_id: str, message: str
) -> None:
    done = scrapy("crawl", kind, "-a", f"source={source_id}", env=sources_file)
    assert done.returncode != 0
    assert message in done.stderr
