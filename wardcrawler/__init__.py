"""wardcrawler: archive the news of Vietnamese ward portals."""

__version__ = "0.1.0"
