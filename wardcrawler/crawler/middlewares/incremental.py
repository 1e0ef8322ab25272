"""Incremental crawling: a spider middleware that spends requests only on what may have changed.

Like scrapy-deltafetch, it reads what the archive already holds. In the default (incremental)
mode it drops requests for stored articles and for documents already downloaded, and stops
following a category's pager once a listing page shows nothing new (a category whose listing
was never read to its end is still paged through, so an interrupted first crawl is completed).
In both modes it re-fetches stored articles by their stored URL: all of them with
`WARDCRAWLER_FULL` (which also tombstones those that vanished), else those posted within
`WARDCRAWLER_REFRESH_DAYS`, whose views and text still change; and the documents of stored
articles that a stopped crawl left undownloaded (and that never failed). A category already
read to its end is paged through for at most `WARDCRAWLER_CATCHUP_LISTING_PAGES` pages of new
articles in one incremental run (a pager that keeps showing new links is a trap, not a night's
news): the stop is recorded, and `--full` reads the category through.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scrapy import Request
from scrapy.crawler import Crawler

from wardcrawler.crawler.shared import PAGER_STOPPED_STAT, shared_archive
from wardcrawler.items import ListingEntry, PageFailure
from wardcrawler.normalize import VIETNAM_TZ
from wardcrawler.portals.registry import netloc_of

SKIPPED_STAT = "wardcrawler/incremental/skipped_known_articles"
STOPPED_STAT = "wardcrawler/incremental/stopped_paging"
REFRESH_STAT = "wardcrawler/incremental/refreshed_articles"


class IncrementalMiddleware:
    """Skips known articles and exhausted pagers; schedules the refresh set."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.full = settings.getbool("WARDCRAWLER_FULL")
        self.refresh_days = settings.getint("WARDCRAWLER_REFRESH_DAYS", 30)
        self.known: dict[str, dict[str, tuple[str, str | None]]] = {}
        self.through: dict[str, set[str]] = {}
        self.hashed: dict[str, set[str]] = {}
        self.pending: dict[str, list[tuple[str, str]]] = {}
        self.catchup = settings.getint("WARDCRAWLER_CATCHUP_LISTING_PAGES", 20)
        self.paged: dict[tuple[str, str], int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        return cls(crawler)

    async def process_start(self, start):
        spider = self.crawler.spider
        self.load(spider.wards)  # before any response can come back
        async for item in start:
            yield item
        since = (datetime.now(VIETNAM_TZ) - timedelta(days=self.refresh_days)).isoformat()
        for ward in spider.wards:
            for key, (url, posted_at) in self.known[ward.slug].items():
                if self.full or (posted_at or "") >= since:
                    self.crawler.stats.inc_value(REFRESH_STAT)
                    yield spider.article_request(ward, url, key)
            for key, url in self.pending[ward.slug]:  # a refreshed article's own is filtered
                if spider.attachment_limit and netloc_of(url) in ward.netlocs:
                    yield spider.attachment_request(ward, url, key)

    def load(self, wards) -> None:
        """Read what the archive holds for these wards."""
        archive = shared_archive(self.crawler)
        for ward in wards:
            self.known[ward.slug] = archive.known_articles(ward.slug)
            self.through[ward.slug] = archive.listed_through(ward.slug)
            self.hashed[ward.slug] = archive.hashed_attachments(ward.slug)
            self.pending[ward.slug] = archive.pending_documents(ward.slug)

    async def process_spider_output(self, response, result):
        if self.full:
            async for item in result:
                yield item
            return
        if response.meta.get("kind") != "listing":
            hashed = self.hashed.get(response.meta.get("ward"), set())
            async for item in result:
                if not (isinstance(item, Request) and item.meta.get("kind") == "attachment"
                        and item.url in hashed):  # fmt: skip
                    yield item
            return
        output = [item async for item in result]
        for item in self.filter(response, output):
            yield item

    def filter(self, response, output: list) -> list:
        """Drop requests for stored articles, and pager links once a listing shows nothing new."""
        ward = response.meta["ward"]
        known = self.known.get(ward, {})
        entries = [i for i in output if isinstance(i, ListingEntry)]
        stale = all(e.article_key in known for e in entries)
        category = response.request.cb_kwargs.get("category")
        through = category in self.through.get(ward, set())
        stop_paging = stale and through
        kept = []
        for item in output:
            kind = item.meta.get("kind") if isinstance(item, Request) else None
            if kind == "article" and item.meta.get("article_key") in known:
                self.crawler.stats.inc_value(SKIPPED_STAT)
            elif kind == "listing" and stop_paging:
                self.crawler.stats.inc_value(STOPPED_STAT)
            elif kind == "listing" and through and self.caught_up(ward, category):
                kept.append(self.catchup_stopped(ward, category, item.url))
            else:
                kept.append(item)
        return kept

    def caught_up(self, ward: str, category: str) -> bool:
        """Whether this run has read as many new pages of a read-through category as it may."""
        pages = self.paged[(ward, category)] = self.paged.get((ward, category), 0) + 1
        return pages >= self.catchup

    def catchup_stopped(self, ward: str, category: str, url: str) -> PageFailure:
        """The record of a read-through category whose pager kept showing new articles."""
        self.crawler.stats.inc_value(PAGER_STOPPED_STAT)
        reason = (f"pager stopped after {self.catchup} pages of new articles of {category} "
                  "(WARDCRAWLER_CATCHUP_LISTING_PAGES): crawl --full reads it through")  # fmt: skip
        return PageFailure(ward, url, None, reason)
