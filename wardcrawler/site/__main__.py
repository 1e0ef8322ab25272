"""`python -m wardcrawler.site serve DB ...`: Datasette's command line with the archive's plugin."""

from datasette.cli import cli

from wardcrawler.site.serve import register_plugin

if __name__ == "__main__":
    register_plugin()
    cli(prog_name="datasette")
