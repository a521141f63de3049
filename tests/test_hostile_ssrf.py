"""Source URLs reach only public hosts over http(s): the sources file refuses the rest unless a
source says ``allow_private = true``, and every request and every redirect of a crawl is checked
again — loopback, private, link-local and metadata addresses in every spelling a resolver
accepts (IPv6, IPv4-mapped, decimal, octal, hex, short forms, NAT64, 6to4) and host names that
resolve to them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

from aggregator.sources import SourceConfig, SourcesFileError, check_url, parse_sources
from crawlers.crawl import CrawlJob, crawl_sources
from crawlers.guard import PrivateHostGuard, refusal
from tests.conftest import FAST_CRAWL, FIXTURES, NOW, source
from tests.support.hostile import ICS, published
from tests.support.server import Reply
from workers.passes import run_pass

DNS = {
    "kalender.example.org": ["93.184.215.14"],
    "rebind.example.org": ["127.0.0.1"],
    "intern.example.org": ["10.1.2.3"],
    "dual.example.org": ["93.184.215.14", "192.168.0.7"],
    "v6.example.org": ["2606:2800:220:1::"],
    "v6-intern.example.org": ["fd12:3456::1"],
}
PRIVATE_SPELLINGS = [
    "127.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "2130706433",  # decimal
    "0177.0.0.1",  # octal
    "0x7f.0.0.1",  # hex
    "0x7f000001",
    "127.1",  # short form
    "0",  # 0.0.0.0 reaches this machine on Linux
    "[::]",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.10",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # cloud metadata
    "[fd00:ec2::254]",  # cloud metadata over IPv6
    "[fe80::1]",
    "[fc00::1]",
    "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "rebind.example.org",
    "intern.example.org",
    "dual.example.org",
    "v6-intern.example.org",
]


def fake_dns(host: str) -> list[str]:
    return DNS[host]


@pytest.mark.parametrize("host", PRIVATE_SPELLINGS)
def test_every_spelling_of_a_private_host_is_refused(host: str) -> None:
    reason = refusal(f"http://{host}:8080/kalender.ics", own_host=None, resolver=fake_dns)
    assert reason and "a loopback, private or link-local address" in reason


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/calendar,BEGIN:VCALENDAR",
        "file:///etc/passwd",
        "ftp://kalender.example.org/k.ics",
        "gopher://kalender.example.org:70/",
        "//kalender.example.org/k.ics",
    ],
)
def test_only_http_and_https_are_fetched(url: str) -> None:
    assert "only http and https are fetched" in refusal(url, own_host=None, resolver=fake_dns)


@pytest.mark.parametrize(
    "url",
    [
        "https://kalender.example.org/k.ics",
        "http://93.184.215.14/k.ics",
        "https://v6.example.org/k.ics",
        "http://[2606:2800:220:1::]/k.ics",
    ],
)
def test_public_hosts_pass(url: str) -> None:
    assert refusal(url, own_host=None, resolver=fake_dns) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://kalender.example.org@127.0.0.1/k.ics",  # the host is what follows the "@"
        "http://127.0.0.1#@kalender.example.org/k.ics",
        "http://127.0.0.1\\@kalender.example.org/k.ics",  # a backslash ends the host
    ],
)
def test_credentials_fragments_and_backslashes_do_not_hide_the_host(url: str) -> None:
    spider = SimpleNamespace(config=SourceConfig("k", "ical", "https://kalender.example.org/"))
    with pytest.raises(IgnoreRequest, match="host 127.0.0.1 is 127.0.0.1"):
        PrivateHostGuard(fake_dns).process_request(Request(url), spider)
    assert "127.0.0.1 is on loopback" in check_url(url, allow_private=False)


def test_allow_private_allows_the_own_host_and_no_other() -> None:
    own = "127.0.0.1"
    assert refusal("http://127.0.0.1:9000/k.ics", own_host=own, resolver=fake_dns) is None
    for host in ("2130706433", "[::1]", "10.0.0.1", "rebind.example.org"):
        assert refusal(f"http://{host}/k.ics", own_host=own, resolver=fake_dns)


def test_the_guard_middleware_asks_the_injected_resolver_for_every_request() -> None:
    asked: list[str] = []

    def resolver(host: str) -> list[str]:
        asked.append(host)
        return DNS[host]

    guard = PrivateHostGuard(resolver)
    spider = SimpleNamespace(config=SourceConfig("k", "ical", "https://kalender.example.org/k"))
    assert guard.process_request(Request("https://kalender.example.org/k.ics"), spider) is None
    with pytest.raises(IgnoreRequest, match="host rebind.example.org is 127.0.0.1"):
        guard.process_request(Request("https://rebind.example.org/k.ics"), spider)
    assert asked == ["kalender.example.org", "rebind.example.org"]


# --- The sources file -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "must be an http or https URL"),
        ("data:text/calendar,BEGIN:VCALENDAR", "must be an http or https URL"),
        ("file:///etc/passwd", "must be an http or https URL"),
        ("http://2130706433/k.ics", "host 2130706433 is on loopback or a private network"),
        ("http://0177.0.0.1/k.ics", "host 0177.0.0.1 is on loopback or a private network"),
        ("http://[::ffff:127.0.0.1]/k.ics", "is on loopback or a private network"),
        ("http://169.254.169.254/latest/", "is on loopback or a private network"),
        ("http://localhost:8000/k.ics", "host localhost is on loopback or a private network"),
    ],
)
def test_the_sources_file_refuses_what_staff_must_not_enter(url: str, message: str) -> None:
    entry = {"id": "quelle", "kind": "ical", "url": url}
    with pytest.raises(SourcesFileError) as refused:
        parse_sources({"sources": [entry]}, label="sources.toml")
    (problem,) = refused.value.problems
    assert problem.startswith("sources.toml: source 'quelle' (entry 1), field 'url': ")
    assert message in problem


def test_allow_private_lets_an_intranet_source_through_the_sources_file() -> None:
    assert check_url("http://2130706433/k.ics", allow_private=True) is None
    assert check_url("http://intranet.local/k.ics", allow_private=False) is None  # resolved later


# --- Through real crawls ----------------------------------------------------------------------


def test_redirects_from_the_allowed_host_to_other_private_hosts_are_refused(site) -> None:
    """``allow_private`` allows 127.0.0.1 (the source's own host): a redirect elsewhere on this
    machine, by another name or spelling, is refused before a byte is sent there. (w3lib 2.6
    and later write a numeric IPv4 host dotted, as browsers do: the request, and the refusal,
    name 127.0.0.2 then; older versions keep the spelling, which the guard reads itself.)"""
    port = site.port
    targets = {
        "name": f"http://localhost:{port}/ziel.ics",
        "decimal": f"http://2130706434:{port}/ziel.ics",  # 127.0.0.2
        "octal": f"http://0177.0.0.2:{port}/ziel.ics",
        "ipv6": f"http://[::1]:{port}/ziel.ics",
        "mapped": f"http://[::ffff:127.0.0.1]:{port}/ziel.ics",
        "metadata": "http://169.254.169.254/latest/meta-data/",
    }
    site.route("/ziel.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", ICS))
    jobs = [
        CrawlJob(
            source(
                name,
                "ical",
                site.route(f"/{name}.ics", Reply(status=302, headers={"Location": target})),
            )
        )
        for name, target in targets.items()
    ]
    jobs.append(CrawlJob(source("gut", "ical", site.url("/ziel.ics"))))
    results = crawl_sources(jobs, settings=FAST_CRAWL)
    for name, target in targets.items():
        requested = safe_url_string(target)  # the URL as Scrapy's request holds it
        assert results[name].status == "failed", name
        assert f"refused: {requested}" in results[name].error
        assert "a loopback, private or link-local address" in results[name].error
        assert f"(redirected: {site.url(f'/{name}.ics')} → {requested})" in results[name].error
    assert len(site.hits("/ziel.ics")) == 1  # the sound source's own request, nothing else
    assert (results["gut"].status, len(results["gut"].records)) == ("ok", 8)


def test_a_source_without_allow_private_reaches_no_spelling_of_this_machine(
    sqlite_store, site, tmp_path
) -> None:
    site.route("/k.ics", Reply.file(FIXTURES / "ical" / "stadt.ics", ICS))
    port = site.port
    hosts = {"dezimal": "2130706433", "oktal": "0177.0.0.1", "name": "localhost", "v6": "[::1]"}
    configs = [
        SourceConfig(id=name, kind="ical", url=f"http://{host}:{port}/k.ics")
        for name, host in hosts.items()
    ]
    configs.append(source("erlaubt", "ical", site.url("/k.ics"), trusted=True))
    report = run_pass(sqlite_store, configs, tmp_path, now=NOW, crawl_settings=FAST_CRAWL)
    summaries = {s.source_id: s for s in report.summaries}
    for name in hosts:
        assert summaries[name].status == "failed"
        assert "refused" in summaries[name].error and "loopback, private" in summaries[name].error
    assert len(site.hits("/k.ics")) == 1  # only the source that is allowed its own host
    assert "Sprachcafé im Rathaus" in published(tmp_path)
