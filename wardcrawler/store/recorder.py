"""Items into the archive: normalise, store, count per ward. For the pipeline and reparse."""

from __future__ import annotations

from collections import Counter, defaultdict

from wardcrawler.items import (
    ArticleGone,
    ArticlePage,
    AttachmentFetched,
    ListedThrough,
    ListingEntry,
    PageFailure,
)
from wardcrawler.normalize import clean_text, content_hash, parse_posted, parse_views
from wardcrawler.store.archive import Archive, ArticleRecord
from wardcrawler.store.ledger import RunLedger


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


class Recorder:
    """Stores items of one run and keeps its per-ward counts."""

    def __init__(self, archive: Archive, ledger: RunLedger, run_id: int) -> None:
        self.archive, self.ledger, self.run_id = archive, ledger, run_id
        self.every_snapshot = False
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.category_ids: dict[tuple[str, str], int] = {}
        self.handlers = {
            ArticlePage: self._article,
            ListingEntry: self._listing,
            ListedThrough: self._listed_through,
            ArticleGone: self._gone,
            AttachmentFetched: self._attachment,
            PageFailure: self._failure,
        }

    def record(self, item) -> bool:
        """Store one item; False for an item of an unknown type."""
        handler = self.handlers.get(type(item))
        if handler is None:
            return False
        handler(item)
        return True

    def _article(self, page: ArticlePage) -> None:
        record = to_record(page)
        if record.posted_at is None:
            self.counts[page.ward]["parse_failures"] += 1
            reason = f"date not understood: {record.posted_raw!r}"
            self.ledger.record_error(self.run_id, page.ward, page.url, 200, reason)
        outcome = self.archive.save_article(record, page.seen_at, self.every_snapshot)
        self.counts[page.ward][outcome] += 1

    def _listing(self, item: ListingEntry) -> None:
        self.counts[item.ward]["listed"] += 1
        category = self._category(item)
        self.archive.record_listing(
            category, item.ward, item.article_key, item.seen_at, item.article_url
        )

    def _listed_through(self, item: ListedThrough) -> None:
        category = self._category(item)
        self.archive.mark_listed_through(category, item.seen_at)

    def _gone(self, item: ArticleGone) -> None:
        archive = self.archive
        if archive.mark_gone(item.ward, item.article_key, item.status, item.location, item.seen_at):
            self.counts[item.ward]["gone"] += 1
            return
        reason = f"HTTP {item.status}" + (f" to {item.location}" if item.location else "")
        self._failure(PageFailure(item.ward, item.url, item.status, reason))

    def _attachment(self, item: AttachmentFetched) -> None:
        facts = {"sha256": item.sha256, "size": item.size, "content_type": item.content_type,
                 "fetched_at": item.seen_at}  # fmt: skip
        self.archive.save_attachment_file(item.ward, item.article_key, item.url, facts)

    def _failure(self, item: PageFailure) -> None:
        parsed_badly = item.status == 200
        self.counts[item.ward]["parse_failures" if parsed_badly else "failed"] += 1
        self.ledger.record_error(
            self.run_id, item.ward, item.url, item.status, item.reason, item.html
        )

    def _category(self, item: ListingEntry | ListedThrough) -> int:
        key = (item.ward, item.category_url)
        if key not in self.category_ids:
            self.category_ids[key] = self.archive.category_id(
                item.ward, item.category_url, item.category_name, item.rank, item.seen_at
            )
        return self.category_ids[key]

    def figures(self, ward: str) -> dict:
        """This run's counts for one ward (pages and duration are the caller's)."""
        counts = self.counts[ward]
        return {
            "listed": counts["listed"],
            "articles_new": counts["new"],
            "articles_updated": counts["updated"],
            "articles_unchanged": counts["unchanged"],
            "articles_gone": counts["gone"],
            "failed": counts["failed"],
            "parse_failures": counts["parse_failures"],
        }
