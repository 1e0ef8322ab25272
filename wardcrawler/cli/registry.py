"""`wardcrawler wards`: check a registry and list its wards."""

from __future__ import annotations

import click

from wardcrawler.cli.options import WARDS_OPTION, check_registry
from wardcrawler.portals.registry import Ward
from wardcrawler.portals.units import became, current_units, former_units


@click.command()
@WARDS_OPTION
def wards(wards_file) -> None:
    """Check the registry and list its wards: slug, family, URL, categories, official unit.

    A unit code that does not exist, or names another unit than the ward's name, province and
    district, fails the check (exit code 2) with a message naming the file, ward and key.

    Example: wardcrawler wards --wards my-wards.toml
    """
    for ward in check_registry(wards_file, ()):
        categories = ", ".join(ward.categories) if ward.categories else "(discovered)"
        click.echo(f"{ward.slug}\t{ward.family_key}\t{ward.url}\t{categories}\t{unit_of(ward)}")


def unit_of(ward: Ward) -> str:
    """`unit 00136 Phường Phúc Lợi`, or a former unit and the current units it became part of."""
    if ward.code:
        return f"unit {ward.code} {current_units()[ward.code].name}"
    if ward.former_code:
        now = ", ".join(f"{c} {current_units()[c].name}" for c in became(ward.former_code))
        name = former_units()[ward.former_code].name
        return f"former unit {ward.former_code} {name} (now: {now})"
    return "no unit code"
