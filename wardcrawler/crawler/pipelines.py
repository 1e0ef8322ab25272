"""The archive pipeline: items into the archive through the Recorder, and the crawl-run ledger.

Items are committed in batches: every `WARDCRAWLER_COMMIT_ITEMS` items, and at most
`WARDCRAWLER_COMMIT_SECONDS` after the first of a batch (checked at each item and response); one
commit per item cost a sync and rewrote the same pages to the WAL each time. A crawl killed
mid-batch leaves the archive as it was at the last commit, consistent; the next run fetches again
what the lost batch held.
"""

from __future__ import annotations

import sqlite3
from time import monotonic

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from wardcrawler.crawler.shared import (
    ARCHIVE_STAT,
    BROKEN_STAT,
    FIRST_STAT,
    LAST_STAT,
    PAGES_STAT,
    RUN_STAT,
    shared_archive,
    stop_for_archive,
)
from wardcrawler.items import PageFailure
from wardcrawler.store.ledger import RunLedger
from wardcrawler.store.preflight import problem_of
from wardcrawler.store.recorder import Recorder

UNSTORABLE = (OverflowError, ValueError, TypeError)  # archive errors (sqlite3.Error) stop the run


class ArchivePipeline:
    """Stores every item in the archive database and keeps the run's per-ward figures."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.batch_items = crawler.settings.getint("WARDCRAWLER_COMMIT_ITEMS", 100)
        self.batch_seconds = crawler.settings.getfloat("WARDCRAWLER_COMMIT_SECONDS", 2.0)
        self.pending, self.opened = 0, 0.0
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.commit_idle, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.archive = shared_archive(self.crawler)
        self.ledger = RunLedger(self.archive.db)
        full = self.crawler.settings.getbool("WARDCRAWLER_FULL")
        self.mode = self.crawler.spider.mode or ("full" if full else "incremental")
        wards = self.crawler.spider.wards
        for ward in wards:
            self.archive.save_ward(ward.row())
        run_id = self.ledger.start([w.slug for w in wards], self.mode)
        self.crawler.stats.set_value(RUN_STAT, run_id)
        self.recorder = Recorder(self.archive, self.ledger, run_id)

    def spider_closed(self, spider, reason: str) -> None:
        """Close the run in the ledger, with the reason Scrapy gives (known only now)."""
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        try:
            self.archive.commit()
            per_ward = {w.slug: self.figures(w.slug, stats) for w in spider.wards}
            broken = self.ledger.finish(self.recorder.run_id, per_ward, stats)
        except sqlite3.Error as exc:  # the run cannot even be closed: the archive is the problem
            problem = problem_of(exc, self.crawler.settings.get("WARDCRAWLER_DB"))
            self.crawler.stats.set_value(ARCHIVE_STAT, str(problem or exc))
            broken = {}
        finally:
            self.archive.close()
        broken.update(getattr(spider, "broken", {}))
        self.crawler.stats.set_value(BROKEN_STAT, broken)

    def figures(self, ward: str, stats: dict) -> dict:
        """The run's figures for one ward."""
        first, last = stats.get(FIRST_STAT.format(ward)), stats.get(LAST_STAT.format(ward))
        return {
            "pages": stats.get(PAGES_STAT.format(ward), 0),
            **self.recorder.figures(ward),
            "duration_seconds": round(last - first, 3) if first and last else 0.0,
        }

    def process_item(self, item):
        if not self.pending:
            self.archive.batch()
            self.opened = monotonic()
        self.pending += 1
        try:
            recorded = self.recorder.record(item)
        except UNSTORABLE as exc:  # a value SQLite cannot hold: the page is a failure, not lost
            reason = f"could not be stored: {type(exc).__name__}: {exc}"
            self.recorder.record(PageFailure(item.ward, url_of(item), None, reason))
            raise DropItem(reason) from exc
        finally:
            if self.pending >= self.batch_items or monotonic() - self.opened >= self.batch_seconds:
                self.commit()
        if not recorded:
            raise DropItem(f"unknown item type {type(item).__name__}")
        return item

    def commit(self) -> None:
        """Commit the items of the open batch."""
        self.pending = 0
        self.archive.commit()

    def commit_idle(self, **_) -> None:
        """At each response, commit a batch that has waited its time (no item came to commit
        it); a failure stops the crawl as a failing item would."""
        if self.pending and monotonic() - self.opened >= self.batch_seconds:
            try:
                self.commit()
            except sqlite3.Error as exc:
                db = self.crawler.settings.get("WARDCRAWLER_DB")
                stop_for_archive(self.crawler, problem_of(exc, db))


def url_of(item) -> str:
    """The page an item is about: its own URL, else the article or the listing it names."""
    for field in ("url", "article_url", "category_url"):
        if value := getattr(item, field, None):
            return value
    return ""
