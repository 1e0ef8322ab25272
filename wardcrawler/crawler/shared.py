"""State a crawl's components share: the one archive connection, and the stat keys they fill.

Spiders, middlewares and pipelines all import from here, so none of them depends on another.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler

from wardcrawler.portals.registry import Ward, netloc_of
from wardcrawler.store.archive import Archive

PAGES_STAT = "wardcrawler/pages/{}"
FIRST_STAT = "wardcrawler/first_response/{}"
LAST_STAT = "wardcrawler/last_response/{}"
BROKEN_STAT = "wardcrawler/broken"
RUN_STAT = "wardcrawler/run_id"
PAGER_STOPPED_STAT = "wardcrawler/pager_stopped"  # categories whose pager a guard stopped


def shared_archive(crawler: Crawler) -> Archive:
    """The one connection to the archive that this crawl's components share."""
    archive = getattr(crawler, "_wardcrawler_archive", None)
    if archive is None:
        archive = Archive(crawler.settings.get("WARDCRAWLER_DB"))
        crawler._wardcrawler_archive = archive
    return archive


def ward_of(crawler: Crawler, request: Request) -> Ward | None:
    """The ward a request belongs to (robots.txt requests carry none: found by host)."""
    ward = request.cb_kwargs.get("ward")
    if isinstance(ward, Ward):
        return ward
    host = netloc_of(request.url)
    return next((w for w in getattr(crawler.spider, "wards", []) if host in w.netlocs), None)
