"""Thin Scrapy glue: validate -> normalise -> store, and the crawl-run ledger."""

from __future__ import annotations

from collections import Counter, defaultdict

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from wardcrawler.items import ArticleGone, ArticlePage, ListedThrough, ListingEntry, PageFailure
from wardcrawler.ledger import RunLedger
from wardcrawler.normalize import clean_text, content_hash, parse_posted, parse_views
from wardcrawler.store import Archive, ArticleRecord

PAGES_STAT = "wardcrawler/pages/{}"
FIRST_STAT = "wardcrawler/first_response/{}"
LAST_STAT = "wardcrawler/last_response/{}"
BROKEN_STAT = "wardcrawler/broken"
RUN_STAT = "wardcrawler/run_id"


def to_record(page: ArticlePage) -> ArticleRecord:
    """Normalise the fields an article page showed into a storable record."""
    fields = page.fields
    title = clean_text(fields.title)
    body = "\n\n".join(fields.paragraphs)
    posted = parse_posted(fields.posted_raw)
    return ArticleRecord(
        ward=page.ward,
        article_key=page.article_key,
        url=page.url,
        title=title,
        posted_at=posted.iso if posted else None,
        posted_raw=fields.posted_raw,
        views=parse_views(fields.views_raw),
        body=body,
        content_hash=content_hash(title, body),
        attachments=[{"url": a.url, "kind": a.kind, "name": a.name} for a in fields.attachments],
    )


class ArchivePipeline:
    """Stores every item in the archive database and keeps the run's per-ward figures."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("WARDCRAWLER_DB")
        self.mode = "full" if crawler.settings.getbool("WARDCRAWLER_FULL") else "incremental"
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.category_ids: dict[tuple[str, str], int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path)
        self.ledger = RunLedger(self.archive.db)
        wards = self.crawler.spider.wards
        for ward in wards:
            self.archive.save_ward(ward.row())
        self.run_id = self.ledger.start([w.slug for w in wards], self.mode)
        self.crawler.stats.set_value(RUN_STAT, self.run_id)

    def close_spider(self) -> None:
        stats = self.crawler.stats.get_stats()
        per_ward = {w.slug: self.figures(w.slug, stats) for w in self.crawler.spider.wards}
        broken = self.ledger.finish(self.run_id, per_ward, stats)
        self.crawler.stats.set_value(BROKEN_STAT, broken)
        self.archive.close()

    def figures(self, ward: str, stats: dict) -> dict:
        """The run's figures for one ward."""
        counts = self.counts[ward]
        first, last = stats.get(FIRST_STAT.format(ward)), stats.get(LAST_STAT.format(ward))
        return {
            "pages": stats.get(PAGES_STAT.format(ward), 0),
            "listed": counts["listed"],
            "articles_new": counts["new"],
            "articles_updated": counts["updated"],
            "articles_unchanged": counts["unchanged"],
            "articles_gone": counts["gone"],
            "failed": counts["failed"],
            "parse_failures": counts["parse_failures"],
            "duration_seconds": round(last - first, 3) if first and last else 0.0,
        }

    def process_item(self, item):
        handler = {
            ArticlePage: self._article,
            ListingEntry: self._listing,
            ListedThrough: self._listed_through,
            ArticleGone: self._gone,
            PageFailure: self._failure,
        }.get(type(item))
        if handler is None:
            raise DropItem(f"unknown item type {type(item).__name__}")
        handler(item)
        return item

    def _article(self, page: ArticlePage) -> None:
        record = to_record(page)
        if record.posted_at is None:
            self.counts[page.ward]["parse_failures"] += 1
            reason = f"date not understood: {record.posted_raw!r}"
            self.ledger.record_error(self.run_id, page.ward, page.url, 200, reason)
        self.counts[page.ward][self.archive.save_article(record)] += 1

    def _listing(self, item: ListingEntry) -> None:
        self.counts[item.ward]["listed"] += 1
        category = self._category(item.ward, item.category_url, item.category_name)
        self.archive.record_listing(category, item.ward, item.article_key)

    def _listed_through(self, item: ListedThrough) -> None:
        category = self._category(item.ward, item.category_url, item.category_name)
        self.archive.mark_listed_through(category)

    def _gone(self, item: ArticleGone) -> None:
        if self.archive.mark_gone(item.ward, item.article_key, item.status, item.location):
            self.counts[item.ward]["gone"] += 1
            return
        reason = f"HTTP {item.status}" + (f" to {item.location}" if item.location else "")
        self._failure(PageFailure(item.ward, item.url, item.status, reason))

    def _failure(self, item: PageFailure) -> None:
        parsed_badly = item.status == 200
        self.counts[item.ward]["parse_failures" if parsed_badly else "failed"] += 1
        self.ledger.record_error(
            self.run_id, item.ward, item.url, item.status, item.reason, item.html
        )

    def _category(self, ward: str, url: str, name: str) -> int:
        key = (ward, url)
        if key not in self.category_ids:
            self.category_ids[key] = self.archive.category_id(ward, url, name)
        return self.category_ids[key]
