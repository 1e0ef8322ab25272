"""The commands around the offline replica portals: `demo` and `replica`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

import click

from wardcrawler.cli.options import DB_OPTION, archive_errors
from wardcrawler.paths import archive_dir
from wardcrawler.store.preflight import check_readable_database


def is_demo_archive(db: Path) -> bool:
    """Whether `db` is absent, or an archive of replica wards only (safe to start afresh)."""
    if not db.exists():
        return True
    try:
        with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            slugs = [row[0] for row in conn.execute("select slug from wards")]
    except sqlite3.Error:
        return False
    return all(slug.startswith("replica-") for slug in slugs)


@click.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette port.")
@click.option("--no-serve", is_flag=True, help="Crawl the replicas, then exit without serving.")
def demo(db, host, port, no_serve) -> None:
    """Offline demo: start the replica portals, crawl them afresh, serve the result.

    Example: wardcrawler demo --port 8001
    """
    from wardcrawler.replica import ReplicaServer
    from wardcrawler.site.serve import datasette_command

    db = db or archive_dir() / "demo.db"
    if db.exists():
        with archive_errors(db):
            check_readable_database(db)
    if not is_demo_archive(db):
        raise click.ClickException(f"{db} holds real wards: the demo only replaces its own archive")
    db.parent.mkdir(parents=True, exist_ok=True)
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


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for wards.toml (registry) and truth.json (ground truth).",
)
@click.option("--seed", default=0, show_default=True, help="Content seed.")
@click.option("--advance-on-signal", is_flag=True,
              help="On SIGUSR1, apply one night of changes to the portals.")  # fmt: skip
@click.option("--web-archive", is_flag=True,
              help="Serve a fake Wayback Machine of the portals' past instead.")  # fmt: skip
@click.option("--rate-limit-every", default=17, show_default=True, type=click.IntRange(min=0),
              help="With --web-archive: answer 429 to every Nth request (0: never).")  # fmt: skip
def replica(out, seed, advance_on_signal, web_archive, rate_limit_every) -> None:
    """Serve the replica portals (or, with --web-archive, their web archive) on 127.0.0.1
    until interrupted, writing the registry and the ground truth to --out.

    Portals print one "slug url" line per ward; the web archive prints its URL.

    Example: wardcrawler replica --out /tmp/replica --advance-on-signal
    """
    from wardcrawler.replica import serve_forever

    if web_archive and advance_on_signal:
        raise click.UsageError("--advance-on-signal applies to the portals, not --web-archive")
    serve_forever(out, seed=seed, advance_on_signal=advance_on_signal,
                  web_archive=web_archive, rate_limit_every=rate_limit_every)  # fmt: skip
