"""The commands that read an archive: `serve`, `export`, `reparse` (from WARC files)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from wardcrawler.cli.options import DB_OPTION, SLUGS_OPTION, BadInput, archive_errors
from wardcrawler.paths import default_db
from wardcrawler.site.export import FORMATS
from wardcrawler.store.preflight import (
    ArchiveProblem,
    check_new_database,
    check_readable_archive,
    check_readable_database,
)


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
    with archive_errors(db):
        check_readable_database(db)
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
    if not valid_since(since):
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--since")
    with archive_errors(db):
        check_readable_archive(db)
        if ward and not known_ward(db, ward):
            raise BadInput(f"unknown ward {ward!r} in {db}")
    with archive_errors(db, output), written(output) as stream:
        for piece in lines(records(db, ward, since), fmt):
            stream.write(piece)


@contextmanager
def written(output: Path | None) -> Iterator:
    """Standard output, or a new file that replaces `output` only once it is complete."""
    if output is None:
        try:
            yield sys.stdout
            sys.stdout.flush()
        except BrokenPipeError:  # `wardcrawler export | head`: the reader has had enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    if not output.parent.is_dir():
        raise ArchiveProblem(output, f"its folder {output.parent} does not exist",
                             "create it, or choose another --output")  # fmt: skip
    partial = _partial(output)
    try:
        with partial.open("x", encoding="utf-8", newline="") as stream:
            yield stream
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, output)


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
    from wardcrawler.progress import progress_bar
    from wardcrawler.warc.reparse import reparse as rebuild

    if db.exists():
        raise BadInput(f"{db} exists: reparse builds a new database (choose another path)")
    with archive_errors(db, warc_dir):
        check_new_database(db)
        with progress_bar("reparse", "bytes", rate_of="captures") as bar:  # on a terminal only
            counts = built(db, lambda partial: rebuild(warc_dir, partial, bar=bar))
    figures = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    click.echo(f"wardcrawler: rebuilt {db} from {warc_dir}: {figures}")


def built(db: Path, build) -> dict:
    """`build(path)` a database under a temporary name beside `db`, renamed to `db` once whole
    (a failed build leaves nothing behind)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(db)
    try:
        counts = build(partial)
    except BaseException:
        for end in ("", "-wal", "-shm", "-journal"):
            Path(f"{partial}{end}").unlink(missing_ok=True)
        raise
    os.replace(partial, db)
    return counts


def _partial(path: Path) -> Path:
    """The temporary name of a file being written, beside it."""
    return path.with_name(f".{path.name}.partial-{os.getpid()}")


@click.command()
@DB_OPTION
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="WACZ file to write (FILE.wacz).")  # fmt: skip
@SLUGS_OPTION
@click.option("--since", default=None, metavar="YYYY-MM-DD",
              help="Only captures made on or after this date (UTC).")  # fmt: skip
@click.option("--warc-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the WARC files (default: warc/ beside the database).")  # fmt: skip
def wacz(db, output, slugs, since, warc_dir) -> None:
    """Package the archive's captures as a WACZ file that ReplayWeb.page and pywb replay.

    Example: wardcrawler wacz --db archive/wards.db --output wards.wacz --ward hn-phuc-loi
    """
    from wardcrawler.paths import warc_dir_beside
    from wardcrawler.warc.wacz import WaczError, write_wacz

    db = db or default_db()
    if output.suffix != ".wacz":
        raise BadInput(f"{output}: the output must be a .wacz file")
    with archive_errors(db):
        check_readable_database(db)
    partial = _partial(output).with_suffix(".wacz")
    try:
        pages = write_wacz(db, warc_dir or warc_dir_beside(db), partial, slugs, since)
    except WaczError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(str(exc)) from exc
    os.replace(partial, output)
    click.echo(f"wardcrawler: wrote {output}: {pages} article pages")
