"""The sources file (docs/contract.md §3): parsing and validation with every problem named.

A problem names the file, the source and the field, e.g.
``sources.toml: source 'vhs' (entry 2), field 'url': must be an http or https URL``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aggregator.categories import CATEGORIES
from aggregator.kinds import UnknownKind, kind_named
from aggregator.kinds.spec import Kind, Option
from aggregator.regions.region import DEFAULT_REGION, region_file
from aggregator.states import RecordType

COMMON_KEYS = {"id", "kind", "url", "categories", "town", "trusted", "every", "enabled"}
COMMON_KEYS |= {"allow_private", "name", "homepage", "in_region"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class SourceConfig:
    id: str
    kind: str
    url: str
    categories: tuple[str, ...] = ()
    town: str | None = None
    trusted: bool = False
    every_seconds: int = 6 * 3600
    enabled: bool = True
    allow_private: bool = False
    name: str | None = None
    homepage: str | None = None  # its public calendar page: the link of events without one
    options: Mapping[str, Any] = field(default_factory=dict)
    region: str = DEFAULT_REGION  # the sources file's `region`: a slug or a region file's path

    @property
    def record_type(self) -> RecordType:
        return kind_named(self.kind).record_type

    def option(self, name: str) -> Any:
        """The source's value of its kind's option ``name``, else the option's declared default
        (KeyError for a name the kind does not declare)."""
        return self.options.get(name, kind_named(self.kind).option(name).default)

    def option_values(self) -> dict[str, Any]:
        """Every option of the source's kind, by name: the source's value, else the default."""
        return {option.name: self.option(option.name) for option in kind_named(self.kind).options}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "url": self.url,
            "categories": list(self.categories),
            "town": self.town,
            "trusted": self.trusted,
            "every_seconds": self.every_seconds,
            "enabled": self.enabled,
            "allow_private": self.allow_private,
            "name": self.name,
            "homepage": self.homepage,
            "options": dict(self.options),
            "region": self.region,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceConfig:
        return cls(**{**data, "categories": tuple(data.get("categories", ()))})


class SourcesFileError(Exception):
    """An invalid sources file; ``problems`` holds every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_sources(path: Path | str) -> list[SourceConfig]:
    """Read and validate a sources file; raise SourcesFileError listing every problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesFileError([f"{path}: file not found"]) from None
    except UnicodeDecodeError as error:
        raise SourcesFileError([f"{path}: not UTF-8 text ({error.reason})"]) from None
    except tomllib.TOMLDecodeError as error:
        raise SourcesFileError([f"{path}: not valid TOML: {error}"]) from None
    return parse_sources(data, label=str(path), folder=path.parent)


def parse_sources(
    data: Mapping[str, Any], *, label: str, folder: Path = Path(".")
) -> list[SourceConfig]:
    """The sources of a sources file's data; a region file named by path is found relative to
    ``folder`` (the sources file's)."""
    problems: list[str] = []
    region = _region(data.get("region", DEFAULT_REGION), label, folder, problems)
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        raise SourcesFileError([f"{label}: needs at least one [[sources]] table"])
    configs: list[SourceConfig] = []
    seen: set[object] = set()
    for number, entry in enumerate(entries, start=1):
        where = _entry_label(label, number, entry)
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        config, entry_problems = _parse_entry(entry, where)
        problems += entry_problems
        source_id = entry.get("id")
        if isinstance(source_id, str) and source_id in seen:
            problems.append(f"{where}, field 'id': duplicate id '{source_id}'")
        seen.add(source_id)
        own = entry.get("in_region")  # a source of another region than the file's
        if config is not None:
            where_region = region if own is None else _region(own, where, folder, problems)
            configs.append(replace(config, region=where_region))
    if problems:
        raise SourcesFileError(problems)
    return configs


def _region(value: Any, label: str, folder: Path, problems: list[str]) -> str:
    """The region of the sources file (or of an entry's ``in_region``): a shipped region's slug,
    or a region file's path (relative to the sources file) made absolute."""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{label}: 'region' must be a region's slug or a region file's path")
        return DEFAULT_REGION
    path = region_file(value)
    if value.endswith(".toml"):  # named by path
        path = path if path.is_absolute() else (folder / path).resolve()
        value = str(path)
    if not path.is_file():
        problems.append(f"{label}: 'region': no region file {path} (regions/ has the shipped ones)")
        return DEFAULT_REGION
    return value


def _entry_label(label: str, number: int, entry: Any) -> str:
    source_id = entry.get("id") if isinstance(entry, dict) else None
    if isinstance(source_id, str) and source_id:
        return f"{label}: source '{source_id}' (entry {number})"
    return f"{label}: entry {number}"


def _parse_entry(entry: dict[str, Any], where: str) -> tuple[SourceConfig | None, list[str]]:
    problems: list[str] = []

    def problem(name: str, message: str) -> None:
        problems.append(f"{where}, field '{name}': {message}")

    source_id = _typed(entry, "id", str, problem, required=True)
    if source_id is not None and not SLUG.match(source_id):
        problem("id", "must be a slug: lowercase letters, digits and '-'")
    kind = _typed(entry, "kind", str, problem, required=True)
    declared = _kind(kind, problem)
    url = _typed(
        entry, "url", str, problem, required=declared is None or declared.default_url is None
    )
    if url is None and declared is not None:
        url = declared.default_url
    allow_private = _typed(entry, "allow_private", bool, problem) or False
    if url is not None:
        url_problem = check_url(url, allow_private=allow_private)
        if url_problem:
            problem("url", url_problem)
    homepage = _typed(entry, "homepage", str, problem)
    if homepage is not None and (homepage_problem := check_url(homepage, allow_private=True)):
        problem("homepage", homepage_problem)
    categories = _typed(entry, "categories", list, problem) or []
    for category in categories:
        if category not in CATEGORIES:
            problem("categories", f"unknown category {category!r}; known: {', '.join(CATEGORIES)}")
    every = _typed(entry, "every", str, problem)
    every_seconds = parse_interval(every) if every is not None else 6 * 3600
    if every_seconds is None:
        problem("every", f"{every!r} is not an interval like '30m', '6h' or '1d'")
    options = _options(entry, declared, problem)
    unknown = set(entry) - COMMON_KEYS - {option.name for option in _declared_options(declared)}
    for name in sorted(unknown):
        problem(name, "unknown key" + (f" for kind '{kind}'" if declared else ""))
    if problems or source_id is None or kind is None or declared is None or url is None:
        return None, problems
    return (
        SourceConfig(
            id=source_id,
            kind=kind,
            url=url,
            categories=tuple(categories),
            town=_typed(entry, "town", str, problem),
            trusted=_typed(entry, "trusted", bool, problem) or False,
            every_seconds=every_seconds or 6 * 3600,
            enabled=_typed(entry, "enabled", bool, problem) is not False,
            allow_private=allow_private,
            name=_typed(entry, "name", str, problem),
            homepage=homepage,
            options=options,
        ),
        problems,
    )


def _kind(name: str | None, problem: Callable[[str, str], None]) -> Kind | None:
    if name is None:
        return None
    try:
        return kind_named(name)
    except UnknownKind as error:
        problem("kind", str(error))
        return None


def _declared_options(kind: Kind | None) -> tuple[Option, ...]:
    return kind.options if kind else ()


def _options(
    entry: dict[str, Any], kind: Kind | None, problem: Callable[[str, str], None]
) -> dict[str, Any]:
    """The kind's options the entry gives, each of its declared type and passing its check."""
    options = {}
    for option in _declared_options(kind):
        value = _option(entry, option, problem)
        if value is not None:
            options[option.name] = value
    return options


def _option(entry: dict[str, Any], option: Option, problem: Callable[[str, str], None]) -> Any:
    value = _typed(entry, option.name, option.type, problem, required=option.required)
    refusal = option.check(value) if value is not None and option.check else None
    if refusal:
        problem(option.name, refusal)
        return None
    return value


def _typed(
    entry: dict[str, Any],
    name: str,
    expected: type,
    problem: Callable[[str, str], None],
    *,
    required: bool = False,
) -> Any:
    if name not in entry:
        if required:
            problem(name, "missing")
        return None
    value = entry[name]
    if expected is int and isinstance(value, bool) or not isinstance(value, expected):
        problem(name, f"must be {_TYPE_NAMES[expected]}, not {type(value).__name__}")
        return None
    if isinstance(value, str) and not value.strip():
        problem(name, "must not be empty")
        return None
    return value


_TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number", list: "a list"}


def parse_interval(text: str) -> int | None:
    """'6h' → 21600 seconds; None when the text is not an interval."""
    match = INTERVAL.match(text)
    if not match or int(match[1]) == 0:
        return None
    return int(match[1]) * UNIT_SECONDS[match[2]]


def check_url(url: str, *, allow_private: bool) -> str | None:
    """Why a source URL is refused (scheme, host), or None when it is fine as written."""
    try:
        parts = urlsplit(url.replace("\\", "/"))  # as crawlers read it: a backslash ends the host
    except ValueError as error:
        return f"not a URL ({error})"
    if parts.scheme not in ("http", "https"):
        return "must be an http or https URL"
    if not parts.hostname:
        return "has no host"
    if not allow_private and is_private_host(parts.hostname):
        return (
            f"host {parts.hostname} is on loopback or a private network; "
            "set allow_private = true for an intranet or test source"
        )
    return None


def is_private_host(host: str) -> bool:
    """A literal address that is not public, or a name that always means this machine."""
    if host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    address = literal_address(host)
    return address is not None and not is_public_address(address)


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global address; an IPv6 one that carries an IPv4 address (IPv4-mapped, 6to4, Teredo,
    NAT64 64:ff9b::/96) only if that one is global too (64:ff9b::7f00:1 is 127.0.0.1)."""
    if not address.is_global:
        return False
    if not isinstance(address, ipaddress.IPv6Address):
        return True
    teredo = address.teredo
    carried = [address.ipv4_mapped, address.sixtofour, teredo[1] if teredo else None]
    if address in NAT64:
        carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return all(inner.is_global for inner in carried if inner is not None)


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as one means, in every form a resolver accepts: "127.0.0.1",
    "[::1]", and the old IPv4 forms "2130706433", "0177.0.0.1", "0x7f.1", "127.1"; else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None
