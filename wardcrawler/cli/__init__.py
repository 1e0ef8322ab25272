"""The `wardcrawler` command line: one click group, its commands in the modules beside this one."""

from __future__ import annotations

import click

from wardcrawler.cli.archive import export, reparse, serve, wacz
from wardcrawler.cli.crawl import backfill, crawl
from wardcrawler.cli.discover import discover
from wardcrawler.cli.probe import probe
from wardcrawler.cli.registry import wards
from wardcrawler.cli.replica import demo, replica
from wardcrawler.cli.shards import dispatch, merge


@click.group()
@click.version_option(package_name="wardcrawler")
def cli() -> None:
    """Archive the news of Vietnamese ward portals into SQLite and publish it with Datasette."""


for command in (
    crawl,
    backfill,
    discover,
    probe,
    serve,
    export,
    reparse,
    merge,
    dispatch,
    wacz,
    wards,
    demo,
    replica,
):
    cli.add_command(command)
