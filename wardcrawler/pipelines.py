"""Thin Scrapy glue: validate -> normalise -> store, and the crawl-run ledger."""

from __future__ import annotations

from collections import Counter, defaultdict

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from wardcrawler.items import ArticlePage, ListingEntry, PageFailure
from wardcrawler.normalize import clean_text, content_hash, parse_posted, parse_views
from wardcrawler.store import Archive, ArticleRecord

PAGES_STAT = "wardcrawler/pages/{}"


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
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.category_ids: dict[tuple[str, str], int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path)
        spider = self.crawler.spider
        for ward in spider.wards:
            self.archive.save_ward(ward.row())
        self.run_id = self.archive.start_run([w.slug for w in spider.wards])

    def close_spider(self) -> None:
        stats = self.crawler.stats.get_stats()
        per_ward = {}
        for ward in self.crawler.spider.wards:
            counts = self.counts[ward.slug]
            per_ward[ward.slug] = {
                "pages": stats.get(PAGES_STAT.format(ward.slug), 0),
                "articles_new": counts["new"],
                "articles_updated": counts["updated"],
                "articles_unchanged": counts["unchanged"],
                "failed": counts["failed"],
            }
        self.archive.finish_run(self.run_id, per_ward, stats)
        self.archive.close()

    def process_item(self, item):
        if isinstance(item, ArticlePage):
            return self._article(item)
        if isinstance(item, ListingEntry):
            category = self._category(item.ward, item.category_url, item.category_name)
            self.archive.record_listing(category, item.ward, item.article_key)
            return item
        if isinstance(item, PageFailure):
            self.counts[item.ward]["failed"] += 1
            self.archive.record_error(
                self.run_id, item.ward, item.url, item.status, item.reason, item.html
            )
            return item
        raise DropItem(f"unknown item type {type(item).__name__}")

    def _article(self, page: ArticlePage) -> ArticlePage:
        record = to_record(page)
        if record.posted_at is None:
            self.archive.record_error(
                self.run_id, page.ward, page.url, 200, f"date not understood: {record.posted_raw!r}"
            )
        outcome = self.archive.save_article(record)
        self.counts[page.ward][outcome] += 1
        return page

    def _category(self, ward: str, url: str, name: str) -> int:
        key = (ward, url)
        if key not in self.category_ids:
            self.category_ids[key] = self.archive.category_id(ward, url, name)
        return self.category_ids[key]
