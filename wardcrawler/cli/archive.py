"""The commands that read an archive: `serve`, `export`, `reparse` (from WARC files)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from wardcrawler.cli.options import DB_OPTION, BadInput
from wardcrawler.paths import default_db
from wardcrawler.site.export import FORMATS


@click.command()
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
    help="WARC files, for the raw pages of captures [warc/ (or STEM-warc/) beside the database].",
)
def serve(db, host, port, public, warc_dir) -> None:  # fmt: skip
    """Serve the archive with Datasette and the archive's site (metadata.yml beside the
    database, if any, is merged over the shipped metadata).

    Example: wardcrawler serve --db archive/wards.db --port 8001
    """
    from wardcrawler.site.serve import MetadataError, datasette_command

    db = db or default_db()
    if not db.exists():
        raise click.ClickException(f"{db}: no archive yet; run `wardcrawler crawl` first")
    host = host or ("0.0.0.0" if public else "127.0.0.1")
    try:
        command = datasette_command(db, host, port, public, warc_dir)
    except MetadataError as exc:
        raise BadInput(str(exc)) from exc
    os.execv(command[0], command)


@click.command()
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
    from wardcrawler.site.export import known_ward, lines, records, valid_since

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


@click.command()
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
    from wardcrawler.warc.reparse import reparse as rebuild

    if db.exists():
        raise BadInput(f"{db} exists: reparse builds a new database (choose another path)")
    counts = rebuild(warc_dir, db)
    figures = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    click.echo(f"wardcrawler: rebuilt {db} from {warc_dir}: {figures}")
