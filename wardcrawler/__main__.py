"""`python -m wardcrawler` runs the command line."""

from wardcrawler.cli import cli

cli()
