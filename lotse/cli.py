"""The `lotse` command line (docs/contract.md §2)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from aggregator.config import Settings
from aggregator.regions.check import check_region
from aggregator.regions.region import load_region
from aggregator.sources import SourceConfig, SourcesFileError, load_sources
from aggregator.states import Role
from aggregator.store import Store
from lotse.summary import summary_table
from workers.passes import PassReport
from workers.passes import run_pass as run_in_process

EXIT_INVALID = 2


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        sys.exit(EXIT_INVALID)
    sys.exit(args.handler(args) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lotse", description=__doc__)
    commands = parser.add_subparsers()

    run = commands.add_parser("run", help="one full pass: crawl, normalize, deduplicate, publish")
    run.add_argument("--sources", type=Path, default=Path("sources.toml"))
    run.add_argument("--out", type=Path, default=Path("public"))
    run.set_defaults(handler=cmd_run)

    serve = commands.add_parser("serve", help="serve the feeds and pages over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=cmd_serve)

    sources = commands.add_parser("sources", help="work with a sources file")
    sources_commands = sources.add_subparsers()
    check = sources_commands.add_parser("check", help="validate a sources file")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=cmd_sources_check)
    trial = sources_commands.add_parser(
        "try", help="what a URL is, its first items, and the entry to add for it (stores nothing)"
    )
    trial.add_argument("url")
    trial.add_argument(
        "--allow-private", action="store_true", help="the host may be on loopback or an intranet"
    )
    trial.add_argument("--json", action="store_true", help="one JSON object, for machines")
    trial.add_argument(
        "--sources", type=Path, default=Path("sources.toml"), help="propose an id it has not"
    )
    trial.set_defaults(handler=cmd_sources_try)
    regions = sources_commands.add_parser(
        "integreat-regions", help="list the regions of the Integreat CMS, to find a region's slug"
    )
    regions.add_argument(
        "--search", help="only regions whose slug, name, postcode or towns say this"
    )
    regions.add_argument("--base-url", default=None, help="the CMS (default: the public one)")
    regions.set_defaults(handler=cmd_integreat_regions)

    regions = commands.add_parser("regions", help="work with region files (docs/regions.md)")
    regions_commands = regions.add_subparsers()
    region_check = regions_commands.add_parser("check", help="validate a region file")
    region_check.add_argument("file", type=Path)
    region_check.set_defaults(handler=cmd_regions_check)

    staff = commands.add_parser("staff", help="staff accounts of the review desk")
    staff_commands = staff.add_subparsers()
    add = staff_commands.add_parser("add", help="add an account (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", choices=list(Role), default=Role.EDITOR)
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(handler=cmd_staff_add)
    listing = staff_commands.add_parser("list", help="every account, its role and sessions")
    listing.set_defaults(handler=cmd_staff_list)
    for verb, active in (("disable", False), ("enable", True)):
        change = staff_commands.add_parser(
            verb, help=f"{verb} an account" + ("; its sessions end at once" if not active else "")
        )
        change.add_argument("name")
        change.set_defaults(handler=cmd_staff_active, active=active)
    role = staff_commands.add_parser("set-role", help="make an account editor or admin")
    role.add_argument("name")
    role.add_argument("role", choices=list(Role))
    role.set_defaults(handler=cmd_staff_role)
    regions_of = staff_commands.add_parser(
        "set-regions", help="the regions an account works on (none given: every region)"
    )
    regions_of.add_argument("name")
    regions_of.add_argument("regions", nargs="*", metavar="REGION")
    regions_of.set_defaults(handler=cmd_staff_regions)
    reset = staff_commands.add_parser(
        "reset-password", help="set a new password (asks for it); the account's sessions end"
    )
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    reset.set_defaults(handler=cmd_staff_reset)
    notify = staff_commands.add_parser(
        "notify", help="send the daily e-mail to staff who want it (cron, once a day)"
    )
    notify.set_defaults(handler=cmd_staff_notify)

    demo = commands.add_parser("demo", help="run the bundled demo county, then serve it")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--no-serve", action="store_true", help="stop after the pass")
    demo.add_argument("--region", help="another region's demo (examples/demo-<region>)")
    demo.set_defaults(handler=cmd_demo)
    return parser


def cmd_sources_check(args: argparse.Namespace) -> int:
    configs = _sources_or_problems(args.file)
    if configs is None:
        return EXIT_INVALID
    print(f"{args.file}: {len(configs)} sources, all valid")
    return 0


def cmd_sources_try(args: argparse.Namespace) -> int:
    from lotse.sources_try import try_command

    return try_command(
        args.url, allow_private=args.allow_private, as_json=args.json, sources=args.sources
    )


def cmd_integreat_regions(args: argparse.Namespace) -> int:
    from crawlers.integreat_regions import (
        DEFAULT_BASE,
        RegionsUnreadable,
        fetch_regions,
        matching,
    )

    base = args.base_url or DEFAULT_BASE
    try:
        found = matching(fetch_regions(base), args.search)
    except RegionsUnreadable as error:
        print(f"cannot list the Integreat regions: {error}", file=sys.stderr)
        return 1
    if not found:
        print(f"no Integreat region matches {args.search!r}", file=sys.stderr)
        return 1
    for region in found:
        print(region.describe(base))
    return 0


def cmd_regions_check(args: argparse.Namespace) -> int:
    problems = check_region(args.file)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_INVALID
    region = load_region(args.file)
    print(
        f"{args.file}: region '{region.slug}' ({region.name}), "
        f"{len(region.municipalities)} municipalities, {len(region.places)} postcode areas, valid"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    configs = _sources_or_problems(args.sources)
    if configs is None:
        return EXIT_INVALID
    settings = Settings.from_env()
    store = Store(settings.database_url)
    report = run_pass(store, settings, configs, args.out)
    print(summary_table(report.summaries))
    return 0


def _sources_or_problems(path: Path) -> list[SourceConfig] | None:
    """The sources of a valid file; else every problem printed to stderr and None."""
    try:
        return load_sources(path)
    except SourcesFileError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return None


def run_pass(
    store: Store, settings: Settings, configs: list[SourceConfig], out: Path
) -> PassReport:
    """In-process without a broker, else on the Celery workers; same feeds either way."""
    now = datetime.now(UTC)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if settings.broker_url:
        from workers.distributed import run_pass_on_workers

        return run_pass_on_workers(store, configs, out, now=now, progress=progress)
    return run_in_process(store, configs, out, now=now, progress=progress)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from lotse.serve import serving_app, sources_file
    from workers.logs import serve_log_config

    settings = Settings.from_env()
    app = serving_app(Store(settings.database_url), settings, sources=sources_file())
    uvicorn.run(app, host=args.host, port=args.port, log_config=serve_log_config())
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    from lotse.staff import add_staff_command

    return add_staff_command(args.name, role=args.role, password_stdin=args.password_stdin)


def cmd_staff_list(args: argparse.Namespace) -> int:
    from lotse.staff import list_command

    return list_command()


def cmd_staff_active(args: argparse.Namespace) -> int:
    from lotse.staff import set_active_command

    return set_active_command(args.name, active=args.active)


def cmd_staff_role(args: argparse.Namespace) -> int:
    from lotse.staff import set_role_command

    return set_role_command(args.name, args.role)


def cmd_staff_regions(args: argparse.Namespace) -> int:
    from lotse.staff import set_regions_command

    return set_regions_command(args.name, args.regions)


def cmd_staff_reset(args: argparse.Namespace) -> int:
    from lotse.staff import reset_password_command

    return reset_password_command(args.name, password_stdin=args.password_stdin)


def cmd_staff_notify(args: argparse.Namespace) -> int:
    from lotse.notify import notify_command

    return notify_command()


def cmd_demo(args: argparse.Namespace) -> int:
    from lotse.demo import run_demo

    return run_demo(port=args.port, serve=not args.no_serve, region=args.region)
