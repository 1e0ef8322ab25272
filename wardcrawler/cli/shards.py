"""Commands of a crawl spread over shards: `merge` (shard archives into the archive) and
`dispatch` (shards on Scrapyd nodes)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click
from scrapy.settings import SETTINGS_PRIORITIES, Settings

from wardcrawler.cli.options import (
    DB_OPTION,
    FULL_OPTION,
    REFRESH_OPTION,
    SET_OPTION,
    SLUGS_OPTION,
    WARC_DIR_OPTION,
    WARDS_OPTION,
    BadInput,
    archive_errors,
    check_registry,
    crawl_overrides,
    parse_routes_option,
    resolve_options,
)
from wardcrawler.paths import default_db, warc_dir_for
from wardcrawler.portals.registry import default_registry_path


@click.command()
@click.option(
    "--into",
    "into",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The archive to merge into (created if it does not exist).",
)
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The archive's WARC folder [a warc/ folder beside it].",
)
@click.argument("shards", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
def merge(into, warc_dir, shards) -> None:
    """Fold shard archives (each `crawl --shard K/N --db SHARD.db` leaves one, with its WARC
    folder beside it) into one archive; merging again changes nothing, in any order.

    Example: wardcrawler merge --into archive/wards.db /tmp/shard-1.db /tmp/shard-2.db
    """
    from wardcrawler.crawler.runner import EXIT_LOCKED, Locked, archive_lock
    from wardcrawler.progress import progress_bar
    from wardcrawler.store.archive import Archive
    from wardcrawler.store.merge import MergeError, merge_shard

    if into.resolve() in {s.resolve() for s in shards}:
        raise BadInput(f"{into} is one of the shards: merge it into another archive")
    try:
        with archive_lock(into), archive_errors(into):
            archive = Archive(into)
            try:
                with progress_bar("merge", "shards", total=len(shards)) as bar:  # a terminal's
                    for done, shard in enumerate(shards, 1):
                        merged = merge_shard(archive, shard, warc_dir)
                        archive.commit()
                        bar.update(done)
                        click.echo(f"wardcrawler: merged {merged.line()}")
            finally:
                archive.close()
    except Locked as exc:
        click.echo(f"wardcrawler: {exc}; exiting", err=True)
        sys.exit(EXIT_LOCKED)
    except MergeError as exc:
        raise BadInput(str(exc)) from exc


@click.command()
@click.option("--node", "nodes", multiple=True, required=True, metavar="URL",
              help="A Scrapyd node (repeatable): one shard each.")  # fmt: skip
@WARDS_OPTION
@DB_OPTION
@SLUGS_OPTION
@FULL_OPTION
@REFRESH_OPTION
@WARC_DIR_OPTION
@SET_OPTION
@resolve_options
def dispatch(nodes, wards_file, db, slugs, full, refresh_days, warc_dir, settings, resolve,
             resolve_file) -> None:  # fmt: skip
    """Crawl the registry as one shard per Scrapyd node and merge the shards into the archive.

    Deploys this wardcrawler to each node, schedules shard K of N on node K, runs a shard
    again where its job died, then merges. The nodes must see the archive's folder at the same
    path (an NFS mount, say): each shard writes to archive/shards/.

    Example: wardcrawler dispatch --node http://worker1:6800 --node http://worker2:6800
    """
    from wardcrawler.crawler.dispatch import dispatch as run_dispatch
    from wardcrawler.crawler.processes import staging_folder
    from wardcrawler.crawler.resolve import apply_routes
    from wardcrawler.crawler.runner import crawl_settings, preflight

    check_registry(wards_file, slugs)
    archive = (db or default_db()).resolve()
    off = warc_dir if warc_dir and warc_dir_for(archive, warc_dir) is None else None
    overrides = crawl_overrides(settings, full, refresh_days, off)  # shards write beside them
    with archive_errors(archive):
        preflight(crawl_settings(archive, wards_file, list(slugs), {}), create_folder=db is None)
    registry = staging_folder(archive) / "registry.toml"  # where every node can read it
    registry.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wards_file or default_registry_path(), registry)
    routed = Settings()
    apply_routes(routed, parse_routes_option(resolve, resolve_file))
    chosen = {"WARDCRAWLER_WARDS_FILE": str(registry), "WARDCRAWLER_WARDS": ",".join(slugs),
              **{k: _text(v) for k, v in routed.copy_to_dict().items()
                 if routed.getpriority(k) == SETTINGS_PRIORITIES["cmdline"]},
              **overrides}  # fmt: skip
    target = warc_dir_for(archive, warc_dir) if warc_dir else None
    sys.exit(run_dispatch(archive, [n.rstrip("/") for n in nodes], chosen, target))


def _text(value) -> str:
    """A setting as `setting=NAME=VALUE` carries it (dicts as JSON, as Scrapy reads them)."""
    return json.dumps(value) if isinstance(value, dict) else str(value)
