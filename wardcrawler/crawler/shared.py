"""State a crawl's components share: the one archive connection, the stat keys they fill, and
the way any of them stops a crawl whose archive cannot be written.

Spiders, middlewares and pipelines all import from here, so none of them depends on another.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from wardcrawler.portals.registry import Ward, netloc_of
from wardcrawler.store.archive import Archive
from wardcrawler.store.preflight import ArchiveProblem
from wardcrawler.store.seed import seed

logger = logging.getLogger(__name__)

PAGES_STAT = "wardcrawler/pages/{}"
FIRST_STAT = "wardcrawler/first_response/{}"
LAST_STAT = "wardcrawler/last_response/{}"
BROKEN_STAT = "wardcrawler/broken"
RUN_STAT = "wardcrawler/run_id"
ARCHIVE_STAT = "wardcrawler/archive_problem"
ARCHIVE_REASON = "archive_unusable"  # the finish reason of a crawl stopped for its archive
PAGER_STOPPED_STAT = "wardcrawler/pager_stopped"  # categories whose pager a guard stopped


def shared_archive(crawler: Crawler) -> Archive:
    """The one connection to the archive that this crawl's components share (a shard's archive
    is marked and seeded from `WARDCRAWLER_BASE_DB` when first opened)."""
    archive = getattr(crawler, "_wardcrawler_archive", None)
    if archive is None:
        archive = Archive(crawler.settings.get("WARDCRAWLER_DB"))
        shard, base = (
            crawler.settings.get("WARDCRAWLER_SHARD"),
            crawler.settings.get("WARDCRAWLER_BASE_DB"),
        )
        if shard:
            archive.make_shard(shard)
            if base:
                seed(archive.db, Path(base), [w.slug for w in crawler.spider.wards])
        crawler._wardcrawler_archive = archive
    return archive


def ward_of(crawler: Crawler, request: Request) -> Ward | None:
    """The ward a request belongs to (robots.txt requests carry none: found by host)."""
    ward = request.cb_kwargs.get("ward")
    if isinstance(ward, Ward):
        return ward
    return ward_at(crawler, request.url)


def ward_at(crawler: Crawler, url: str) -> Ward | None:
    """The ward whose site `url` is on (None for any other host, a web archive's say)."""
    return _by_host(crawler.spider).get(netloc_of(url))


def _by_host(spider: object) -> dict[str, Ward]:
    """The spider's wards by host (the first ward of a host wins), built once for each length
    of the list (a spider may add wards as it starts): thousands of wards, one lookup each."""
    wards = getattr(spider, "wards", [])
    known = getattr(spider, "_wards_by_host", None)
    if known is None or known[0] != len(wards):
        index: dict[str, Ward] = {}
        for ward in wards:
            for host in ward.netlocs:
                index.setdefault(host, ward)
        known = (len(wards), index)
        spider._wards_by_host = known  # type: ignore[attr-defined]
    return known[1]


def stop_for_archive(crawler: Crawler, problem: ArchiveProblem) -> None:
    """Record why the archive cannot be written and close the spider (once); `report` then
    prints the problem and exits with code 4. Any component may call it."""
    if crawler.stats.get_value(ARCHIVE_STAT):
        return
    crawler.stats.set_value(ARCHIVE_STAT, str(problem))
    logger.error("stopping the crawl: %s", problem)
    deferred_from_coro(crawler.engine.close_spider_async(reason=ARCHIVE_REASON))
