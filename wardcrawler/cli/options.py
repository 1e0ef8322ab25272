"""Options and checks shared by the commands of the `wardcrawler` command line."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from wardcrawler.portals.registry import RegistryError, load_wards
from wardcrawler.store.preflight import ArchiveProblem, problem_of

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
FULL_OPTION = click.option(
    "--full",
    is_flag=True,
    help="Re-fetch every listing page and every stored article (updates all counters).",
)
REFRESH_OPTION = click.option(
    "--refresh-days",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Incremental runs re-fetch articles posted in the last N days [30].",
)
WARC_DIR_OPTION = click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    default=None,
    help='WARC files of every response [a warc/ folder beside the database; "off": none].',
)


def crawl_overrides(
    settings: tuple[str, ...], full: bool, refresh_days: int | None, warc_dir: str | None
) -> dict[str, str]:
    """The `-s` settings, with what --full, --refresh-days and --warc-dir say."""
    overrides = parse_overrides(settings)
    if full:
        overrides["WARDCRAWLER_FULL"] = "True"
    if refresh_days is not None:
        overrides["WARDCRAWLER_REFRESH_DAYS"] = str(refresh_days)
    if warc_dir is not None:
        overrides["WARDCRAWLER_WARC_DIR"] = warc_dir
    return overrides


def resolve_options(command):
    """`--resolve HOST=IP:PORT` (repeatable) and `--resolve-file FILE`, as `routes`."""
    command = click.option(
        "--resolve-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="HOST=IP:PORT entries, one a line (as --resolve).",
    )(command)
    return click.option(
        "--resolve",
        "resolve",
        multiple=True,
        metavar="HOST=IP:PORT",
        help="Send HOST's requests to IP:PORT over plain HTTP, Host header kept, as curl "
        "--resolve does (repeatable); when given, no other host is resolved at all.",
    )(command)


def parse_routes_option(resolve: tuple[str, ...], resolve_file: Path | None) -> dict[str, str]:
    """The `--resolve` map, or a usage error naming the bad entry."""
    from wardcrawler.crawler.resolve import ResolveError, routes_of

    try:
        return routes_of(resolve, resolve_file)
    except (ResolveError, OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--resolve") from exc


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


class ArchiveError(click.ClickException):
    """An archive that cannot be used: one line naming the file and what to do, exit code 4."""

    def __init__(self, problem: ArchiveProblem) -> None:
        super().__init__(str(problem))
        self.exit_code = problem.exit_code

    def show(self, file=None) -> None:
        click.echo(f"wardcrawler: {self.format_message()}", err=True)


@contextmanager
def archive_errors(db: Path, other: Path | None = None) -> Iterator[None]:
    """Turn the archive problems raised inside (checks, SQLite or disk errors) into ArchiveError
    (`other`: the folder or file that disk errors without a file name are about)."""
    try:
        yield
    except ArchiveProblem as exc:
        raise ArchiveError(exc) from exc
    except (sqlite3.Error, OSError) as exc:
        problem = problem_of(exc, db, other)
        if problem is None:
            raise
        raise ArchiveError(problem) from exc


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
