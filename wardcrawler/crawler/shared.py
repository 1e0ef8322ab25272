"""State a crawl's components share: the one archive connection, and the stat keys they fill.

Spiders, middlewares and pipelines all import from here, so none of them depends on another.
"""

from __future__ import annotations

from scrapy.crawler import Crawler

from wardcrawler.store.archive import Archive

PAGES_STAT = "wardcrawler/pages/{}"
FIRST_STAT = "wardcrawler/first_response/{}"
LAST_STAT = "wardcrawler/last_response/{}"
BROKEN_STAT = "wardcrawler/broken"
RUN_STAT = "wardcrawler/run_id"


def shared_archive(crawler: Crawler) -> Archive:
    """The one connection to the archive that this crawl's components share."""
    archive = getattr(crawler, "_wardcrawler_archive", None)
    if archive is None:
        archive = Archive(crawler.settings.get("WARDCRAWLER_DB"))
        crawler._wardcrawler_archive = archive
    return archive
