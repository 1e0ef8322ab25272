"""Options and checks shared by the commands of the `wardcrawler` command line."""

from __future__ import annotations

from pathlib import Path

import click

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
