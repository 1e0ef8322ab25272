"""The commands that fetch: `crawl` (live portals) and `backfill` (the Wayback Machine)."""

from __future__ import annotations

import sys

import click

from wardcrawler.cli.options import (
    DB_OPTION,
    SET_OPTION,
    SLUGS_OPTION,
    VERBOSE_OPTION,
    WARDS_OPTION,
    check_registry,
    parse_overrides,
    parse_routes_option,
    resolve_options,
)
from wardcrawler.paths import default_db


@click.command()
@WARDS_OPTION
@DB_OPTION
@SLUGS_OPTION
@click.option(
    "--full",
    is_flag=True,
    help="Re-fetch every listing page and every stored article (updates all counters).",
)
@click.option(
    "--refresh-days",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Incremental runs re-fetch articles posted in the last N days [30].",
)
@SET_OPTION
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    default=None,
    help='WARC files of every response [a warc/ folder beside the database; "off": none].',
)
@VERBOSE_OPTION
@resolve_options
def crawl(
    wards_file, db, slugs, full, refresh_days, warc_dir, settings, verbose, resolve, resolve_file
) -> None:
    """Crawl every ward of the registry (or --ward SLUG) into the archive.

    Incremental by default: listings are read newest first until they show nothing new, and
    only new articles (plus those posted in the last --refresh-days) are fetched.

    Example: wardcrawler crawl --ward longbien-phucloi -s DOWNLOAD_DELAY=2
    """
    from wardcrawler.crawler.resolve import apply_routes
    from wardcrawler.crawler.runner import crawl_settings, run_crawl

    check_registry(wards_file, slugs)
    routes = parse_routes_option(resolve, resolve_file)
    overrides = parse_overrides(settings)
    if full:
        overrides["WARDCRAWLER_FULL"] = "True"
    if refresh_days is not None:
        overrides["WARDCRAWLER_REFRESH_DAYS"] = str(refresh_days)
    if warc_dir is not None:
        overrides["WARDCRAWLER_WARC_DIR"] = warc_dir
    settings_ = crawl_settings(db or default_db(), wards_file, list(slugs), overrides)
    apply_routes(settings_, routes)
    sys.exit(run_crawl(settings_, verbose, create_folder=db is None))


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
