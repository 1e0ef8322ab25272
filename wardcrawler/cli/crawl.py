"""The commands that fetch: `crawl` (live portals) and `backfill` (the Wayback Machine)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wardcrawler.cli.options import (
    DB_OPTION,
    FULL_OPTION,
    REFRESH_OPTION,
    SET_OPTION,
    SLUGS_OPTION,
    VERBOSE_OPTION,
    WARC_DIR_OPTION,
    WARDS_OPTION,
    check_registry,
    crawl_overrides,
    parse_overrides,
    parse_routes_option,
    resolve_options,
)
from wardcrawler.paths import default_db, warc_dir_for
from wardcrawler.portals.shards import parse_shard
from wardcrawler.store.seed import SeedError, check_base

AUTO = "auto"  # --processes auto


class Processes(click.ParamType):
    """--processes: a number of processes (1 or more), or `auto`."""

    name = "processes"

    def convert(self, value, param, ctx) -> int | str:
        if value == AUTO:
            return value
        try:
            count = int(value)
        except (TypeError, ValueError):
            count = 0
        if count < 1:
            self.fail(f"expected a number of processes (1 or more) or {AUTO!r}, got {value!r}")
        return count


@click.command()
@WARDS_OPTION
@DB_OPTION
@SLUGS_OPTION
@FULL_OPTION
@REFRESH_OPTION
@SET_OPTION
@WARC_DIR_OPTION
@click.option(
    "--shard",
    metavar="K/N",
    default=None,
    help="Only shard K of N of the wards (a stable share, by a hash of the slug).",
)
@click.option(
    "--base",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --shard: the archive the shard's new database is seeded from (what it holds).",
)
@click.option(
    "--processes",
    type=Processes(),
    default=AUTO,
    show_default=True,
    metavar="N|auto",
    help="Crawl in N shards at once (one process each) and merge them into the archive; auto: "
    "one per core, each with at least WARDCRAWLER_PORTALS_PER_PROCESS portals.",
)
@VERBOSE_OPTION
@resolve_options
def crawl(
    wards_file, db, slugs, full, refresh_days, warc_dir, settings, shard, base, processes,
    verbose, resolve, resolve_file,
) -> None:  # fmt: skip
    """Crawl every ward of the registry (or --ward SLUG) into the archive.

    Incremental by default: listings are read newest first until they show nothing new, and
    only new articles (plus those posted in the last --refresh-days) are fetched.

    Example: wardcrawler crawl --ward longbien-phucloi -s DOWNLOAD_DELAY=2
    """
    from wardcrawler.crawler.resolve import apply_routes
    from wardcrawler.crawler.runner import crawl_settings, run_crawl

    wards = check_registry(wards_file, slugs)
    check_shard_options(shard, base, processes)
    routes = parse_routes_option(resolve, resolve_file)
    overrides = crawl_overrides(settings, full, refresh_days, warc_dir)
    if shard:
        overrides["WARDCRAWLER_SHARD"] = shard
        overrides["WARDCRAWLER_BASE_DB"] = str(base or "")
    settings_ = crawl_settings(db or default_db(), wards_file, list(slugs), overrides)
    apply_routes(settings_, routes)
    if processes == AUTO:  # a shard is one process's work
        from wardcrawler.crawler.processes import processes_for

        processes = 1 if shard else processes_for(len(set(slugs)) or len(wards), settings_)
    if processes > 1:
        from wardcrawler.crawler.processes import run_processes

        passed = shard_options(wards_file, slugs, full, refresh_days, warc_dir, settings,
                               verbose, resolve, resolve_file)  # fmt: skip
        target = warc_dir_for(db or default_db(), warc_dir) if warc_dir else None
        sys.exit(run_processes(settings_, processes, passed, target, create_folder=db is None,
                               verbose=verbose))  # fmt: skip
    sys.exit(run_crawl(settings_, verbose, create_folder=db is None))


def check_shard_options(shard: str | None, base: Path | None, processes: int | str) -> None:
    """--shard must read K/N; --base goes with it; --processes N > 1 with neither."""
    if shard:
        try:
            parse_shard(shard)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--shard") from exc
        if processes not in (1, AUTO):
            raise click.UsageError("--shard crawls one shard: it does not go with --processes")
    elif base:
        raise click.UsageError("--base goes with --shard")
    if base:
        try:
            check_base(base)
        except SeedError as exc:
            raise click.BadParameter(str(exc), param_hint="--base") from exc


def shard_options(wards_file, slugs, full, refresh_days, warc_dir, settings, verbose, resolve,
                  resolve_file) -> list[str]:  # fmt: skip
    """The options of this crawl that each shard's crawl gets (`--processes`)."""
    options: list[str] = []
    if wards_file:
        options += ["--wards", str(wards_file)]
    for slug in slugs:
        options += ["--ward", slug]
    if full:
        options.append("--full")
    if refresh_days is not None:
        options += ["--refresh-days", str(refresh_days)]
    if warc_dir and warc_dir_for("", warc_dir) is None:
        options += ["--warc-dir", warc_dir]  # else each shard writes beside its own database
    for pair in settings:
        options += ["-s", pair]
    for route in resolve:
        options += ["--resolve", route]
    if resolve_file:
        options += ["--resolve-file", str(resolve_file)]
    if verbose:
        options.append("-v")
    return options


@click.command()
@WARDS_OPTION
@DB_OPTION
@SLUGS_OPTION
@click.option(
    "--from", "since", metavar="YYYY[MM[DD]]", default=None, help="Only captures from this date on."
)
@click.option(
    "--to", "until", metavar="YYYY[MM[DD]]", default=None, help="Only captures up to this date."
)
@click.option(
    "--archive-url",
    default=None,
    metavar="URL",
    help="The web archive [https://web.archive.org]; a mirror or a test double.",
)
@SET_OPTION
@VERBOSE_OPTION
def backfill(wards_file, db, slugs, since, until, archive_url, settings, verbose) -> None:
    """Archive what the Wayback Machine kept of the wards' (vanished) portals.

    Lists each ward's captures (host and aliases) with the CDX API, fetches the raw captures
    of article and listing pages (one request a second), extracts them like live pages.

    Example: wardcrawler backfill --ward longbien-phucloi --from 2020 --to 2025
    """
    from wardcrawler.crawler.runner import crawl_settings, run_crawl
    from wardcrawler.crawler.spiders.wayback import WaybackSpider

    check_registry(wards_file, slugs)
    overrides = parse_overrides(settings)
    for name, value in (("FROM", since), ("TO", until), ("ARCHIVE_URL", archive_url)):
        if value:
            overrides[f"WARDCRAWLER_{name}"] = value
    for value in (since, until):
        if value and not (value.isdigit() and 4 <= len(value) <= 14):
            raise click.BadParameter(f"expected YYYY[MM[DD[hhmmss]]], got {value!r}")
    settings_ = crawl_settings(db or default_db(), wards_file, list(slugs), overrides)
    sys.exit(run_crawl(settings_, verbose, WaybackSpider, create_folder=db is None))
