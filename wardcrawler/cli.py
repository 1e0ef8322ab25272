"""The `wardcrawler` command line: crawl, serve, demo, wards, replica."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import click

from wardcrawler.export import FORMATS
from wardcrawler.paths import archive_dir, default_db
from wardcrawler.portals.registry import RegistryError, load_wards

DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Archive database (default: archive/wards.db).",
)
WARDS_OPTION = click.option(
    "--wards",
    "wards_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Registry TOML file (default: the registry shipped in the package).",
)

SLUGS_OPTION = click.option("--ward", "slugs", multiple=True, help="Only this ward (repeatable).")
SET_OPTION = click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Scrapy setting, as with `scrapy crawl -s` (repeatable).",
)
VERBOSE_OPTION = click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")


def parse_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    """`NAME=VALUE` pairs as given to `scrapy crawl -s`."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        overrides[name] = value
    return overrides


class BadInput(click.ClickException):
    """A bad registry or an unknown ward: exit code 2, like other usage errors."""

    exit_code = 2


def check_registry(wards_file: Path | None, slugs: tuple[str, ...]) -> list:
    """Load the registry or stop with its error (file, ward and key)."""
    try:
        wards = load_wards(wards_file)
    except RegistryError as exc:
        raise BadInput(str(exc)) from exc
    unknown = sorted(set(slugs) - {w.slug for w in wards})
    if unknown:
        raise BadInput(f"unknown ward slug(s): {', '.join(unknown)}")
    return wards


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
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette port.")
@click.option("--no-serve", is_flag=True, help="Crawl the replicas, then exit without serving.")
def demo(db, host, port, no_serve) -> None:
    """Offline demo: start the replica portals, crawl them afresh, serve the result.

    Example: wardcrawler demo --port 8001
    """
    from wardcrawler.replica import ReplicaServer
    from wardcrawler.serve import datasette_command

    db = db or archive_dir() / "demo.db"
    warc_dir = db.with_name(f"{db.stem}-warc")
    for old in (db, *db.parent.glob(f"{db.name}-*"), *warc_dir.glob("*.warc.gz")):
        old.unlink(
            missing_ok=True
        )  # the replica's ports change every run: the demo archive starts afresh
    with ReplicaServer() as replica, tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "wards.toml"
        registry.write_text(replica.registry_toml(), encoding="utf-8")
        click.echo(f"replica portals: {len(replica.wards)} wards on 127.0.0.1; crawling into {db}")
        command = [sys.executable, "-m", "wardcrawler", "crawl", "--wards", str(registry),
                   "--db", str(db), "--warc-dir", str(warc_dir), "-s", "DOWNLOAD_DELAY=0",
                   "-s", "AUTOTHROTTLE_ENABLED=False"]  # fmt: skip
        code = subprocess.call(command)
        if code:
            raise click.ClickException(f"demo crawl failed with exit code {code}")
    click.echo(f"archive ready: {db} (WARC files in {warc_dir})")
    if not no_serve:
        click.echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)", nl=True)
        command = datasette_command(db, host, port, warc_dir=warc_dir)
        sys.stdout.flush()
        os.execv(command[0], command)  # the replica is no longer needed: Datasette takes over


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
    from wardcrawler.export import lines, records

    db = db or default_db()
    if not db.exists():
        raise click.ClickException(f"{db}: no archive yet; run `wardcrawler crawl` first")
    if since:
        try:
            date.fromisoformat(since)
        except ValueError as exc:
            raise click.BadParameter("expected YYYY-MM-DD", param_hint="--since") from exc
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


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for wards.toml (registry) and truth.json (ground truth).",
)
@click.option("--seed", default=0, show_default=True, help="Content seed.")
@click.option("--advance-on-signal", is_flag=True,
              help="On SIGUSR1, apply one night of changes to the portals.")  # fmt: skip
def replica(out, seed, advance_on_signal) -> None:
    """Serve the replica portals on 127.0.0.1 until interrupted.

    Example: wardcrawler replica --out /tmp/replica --advance-on-signal
    """
    from wardcrawler.replica import serve_forever

    serve_forever(out, seed=seed, advance_on_signal=advance_on_signal)
