"""The `wardcrawler` command line: one click group (crawl, backfill, serve, export, reparse,
wards; demo and replica come from `cli_replica`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from wardcrawler.cli_options import (
    DB_OPTION,
    SET_OPTION,
    SLUGS_OPTION,
    VERBOSE_OPTION,
    WARDS_OPTION,
    BadInput,
    check_registry,
    parse_overrides,
)
from wardcrawler.cli_replica import demo, replica
from wardcrawler.export import FORMATS
from wardcrawler.paths import default_db


@click.group()
@click.version_option(package_name="wardcrawler")
def cli() -> None:
    """Archive the news of Vietnamese ward portals into SQLite and publish it with Datasette."""


@cli.command()
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
def crawl(wards_file, db, slugs, full, refresh_days, warc_dir, settings, verbose) -> None:
    """Crawl every ward of the registry (or --ward SLUG) into the archive.

    Incremental by default: listings are read newest first until they show nothing new, and
    only new articles (plus those posted in the last --refresh-days) are fetched.

    Example: wardcrawler crawl --ward longbien-phucloi -s DOWNLOAD_DELAY=2
    """
    from wardcrawler.crawl import crawl_settings, run_crawl

    check_registry(wards_file, slugs)
    overrides = parse_overrides(settings)
    if full:
        overrides["WARDCRAWLER_FULL"] = "True"
    if refresh_days is not None:
        overrides["WARDCRAWLER_REFRESH_DAYS"] = str(refresh_days)
    if warc_dir is not None:
        overrides["WARDCRAWLER_WARC_DIR"] = warc_dir
    db = db or default_db()
    sys.exit(run_crawl(crawl_settings(db, wards_file, list(slugs), overrides), verbose))


@cli.command()
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
    from wardcrawler.crawl import crawl_settings, run_crawl
    from wardcrawler.spiders.wayback import WaybackSpider

    check_registry(wards_file, slugs)
    overrides = parse_overrides(settings)
    for name, value in (("FROM", since), ("TO", until), ("ARCHIVE_URL", archive_url)):
        if value:
            overrides[f"WARDCRAWLER_{name}"] = value
    for value in (since, until):
        if value and not (value.isdigit() and 4 <= len(value) <= 14):
            raise click.BadParameter(f"expected YYYY[MM[DD[hhmmss]]], got {value!r}")
    db = db or default_db()
    settings_ = crawl_settings(db, wards_file, list(slugs), overrides)
    sys.exit(run_crawl(settings_, verbose, WaybackSpider))


@cli.command()
@DB_OPTION
@click.option(
    "--host", default=None, help="Address to listen on [127.0.0.1; 0.0.0.0 with --public]."
)
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--public", is_flag=True, help="Safe on the internet: all interfaces, strict SQL time limits."
)
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="WARC files, for the raw pages of captures [warc/ beside the database].",
)
def serve(db, host, port, public, warc_dir) -> None:  # fmt: skip
    """Serve the archive with Datasette and the configuration in archive/.

    Example: wardcrawler serve --db archive/wards.db --port 8001
    """
    from wardcrawler.serve import datasette_command

    db = db or default_db()
    if not db.exists():
        raise click.ClickException(f"{db}: no archive yet; run `wardcrawler crawl` first")
    host = host or ("0.0.0.0" if public else "127.0.0.1")
    command = datasette_command(db, host, port, public, warc_dir)
    os.execv(command[0], command)


@cli.command()
@DB_OPTION
@click.option("--ward", default=None, help="Only this ward's articles.")
@click.option("--since", default=None, metavar="YYYY-MM-DD",
              help="Only articles posted on or after this date (Vietnam time).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")  # fmt: skip
def export(db, ward, since, fmt, output) -> None:
    """Export articles with their categories and attachments, streamed (UTF-8).

    Example: wardcrawler export --ward longbien-phucloi --format csv --output phucloi.csv
    """
    from wardcrawler.export import known_ward, lines, records, valid_since

    db = db or default_db()
    if not db.exists():
        raise click.ClickException(f"{db}: no archive yet; run `wardcrawler crawl` first")
    if not valid_since(since):
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--since")
    if ward and not known_ward(db, ward):
        raise BadInput(f"unknown ward {ward!r} in {db}")
    stream = output.open("w", encoding="utf-8", newline="") if output else None
    try:
        for piece in lines(records(db, ward, since), fmt):
            (stream or sys.stdout).write(piece)
    finally:
        if stream:
            stream.close()


@cli.command()
@click.option(
    "--warc-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="Folder of WARC files written by `wardcrawler crawl`.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="New archive database to build (must not exist yet).",
)
def reparse(warc_dir, db) -> None:  # fmt: skip
    """Rebuild an archive from WARC files alone, without the network.

    Example: wardcrawler reparse --warc-dir archive/warc --db /tmp/rebuilt.db
    """
    from wardcrawler.reparse import reparse as rebuild

    if db.exists():
        raise BadInput(f"{db} exists: reparse builds a new database (choose another path)")
    counts = rebuild(warc_dir, db)
    figures = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    click.echo(f"wardcrawler: rebuilt {db} from {warc_dir}: {figures}")


@cli.command()
@WARDS_OPTION
def wards(wards_file) -> None:
    """Check the registry and list its wards.

    Example: wardcrawler wards --wards my-wards.toml
    """
    for ward in check_registry(wards_file, ()):
        categories = ", ".join(ward.categories) if ward.categories else "(discovered)"
        click.echo(f"{ward.slug}\t{ward.family_key}\t{ward.url}\t{categories}")


cli.add_command(demo)
cli.add_command(replica)
