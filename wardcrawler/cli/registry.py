"""`wardcrawler wards`: check a registry and list its wards."""

from __future__ import annotations

import click

from wardcrawler.cli.options import WARDS_OPTION, check_registry


@click.command()
@WARDS_OPTION
def wards(wards_file) -> None:
    """Check the registry and list its wards.

    Example: wardcrawler wards --wards my-wards.toml
    """
    for ward in check_registry(wards_file, ()):
        categories = ", ".join(ward.categories) if ward.categories else "(discovered)"
        click.echo(f"{ward.slug}\t{ward.family_key}\t{ward.url}\t{categories}")
