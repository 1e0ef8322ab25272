"""Thin Scrapy glue: items into the archive through the Recorder, and the crawl-run ledger."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from wardcrawler.ledger import RunLedger
from wardcrawler.recorder import Recorder
from wardcrawler.store import Archive

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


class ArchivePipeline:
    """Stores every item in the archive database and keeps the run's per-ward figures."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.mode = "full" if crawler.settings.getbool("WARDCRAWLER_FULL") else "incremental"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.archive = shared_archive(self.crawler)
        self.ledger = RunLedger(self.archive.db)
        self.mode = self.crawler.spider.mode or self.mode
        wards = self.crawler.spider.wards
        for ward in wards:
            self.archive.save_ward(ward.row())
        run_id = self.ledger.start([w.slug for w in wards], self.mode)
        self.crawler.stats.set_value(RUN_STAT, run_id)
        self.recorder = Recorder(self.archive, self.ledger, run_id)

    def close_spider(self) -> None:
        stats = self.crawler.stats.get_stats()
        per_ward = {w.slug: self.figures(w.slug, stats) for w in self.crawler.spider.wards}
        broken = self.ledger.finish(self.recorder.run_id, per_ward, stats)
        self.crawler.stats.set_value(BROKEN_STAT, broken)
        self.archive.close()

    def figures(self, ward: str, stats: dict) -> dict:
        """The run's figures for one ward."""
        first, last = stats.get(FIRST_STAT.format(ward)), stats.get(LAST_STAT.format(ward))
        return {
            "pages": stats.get(PAGES_STAT.format(ward), 0),
            **self.recorder.figures(ward),
            "duration_seconds": round(last - first, 3) if first and last else 0.0,
        }

    def process_item(self, item):
        if not self.recorder.record(item):
            raise DropItem(f"unknown item type {type(item).__name__}")
        return item
