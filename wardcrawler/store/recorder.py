"""Items into the archive: normalise, store, count per ward. For the pipeline and reparse."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from wardcrawler.items import (
    ArticleGone,
    ArticlePage,
    AttachmentFetched,
    ListedThrough,
    ListingEntry,
    PageFailure,
)
from wardcrawler.normalize import (
    clean_text,
    content_hash,
    impossible_date,
    legacy_font_texts,
    parse_views,
    trusted_posting,
)
from wardcrawler.reading import NO_DATE
from wardcrawler.store.archive import Archive, ArticleRecord
from wardcrawler.store.ledger import RunLedger

REPLACEMENT = "\ufffd"


@dataclass
class Notes:
    """What is unusual about an article's stored text and date: the flags stored with it, and
    the problems recorded in `fetch_errors` (with whether each counts as a parse failure)."""

    posted_flag: str | None = None  # future, impossible, not understood: why no posted_at
    text_flags: list[str] = field(default_factory=list)
    problems: list[tuple[str, bool]] = field(default_factory=list)

    def columns(self) -> dict[str, str | None]:
        """The flag columns of the article's row."""
        return {"posted_flag": self.posted_flag, "text_flag": "; ".join(self.text_flags) or None}


def to_record(page: ArticlePage) -> ArticleRecord:
    """Normalise the fields an article page showed into a storable record."""
    return read_article(page)[0]


def read_article(page: ArticlePage) -> tuple[ArticleRecord, Notes]:
    """The storable record of an article page, and what is unusual about it."""
    fields, notes = page.fields, Notes()
    texts = [clean_text(fields.title), *map(clean_text, fields.paragraphs)]
    texts, legacy = legacy_font_texts(texts)
    title, body = texts[0], "\n\n".join(p for p in texts[1:] if p)
    posted_raw = clean_text(fields.posted_raw)
    posted_at, notes.posted_flag = trusted_posting(posted_raw, page.seen_at)
    notes.text_flags = [f for f in (page.text_flag, *legacy) if f]
    _note_problems(notes, title, body, posted_raw)
    record = ArticleRecord(
        ward=page.ward,
        article_key=page.article_key,
        url=page.url,
        title=title,
        posted_at=posted_at,
        posted_raw=posted_raw,
        views=parse_views(fields.views_raw),
        body=body,
        content_hash=content_hash(title, body),
        attachments=[
            {"url": a.url, "kind": a.kind, "name": clean_text(a.name)} for a in fields.attachments
        ],
    )
    return record, notes


def _note_problems(notes: Notes, title: str, body: str, raw: str) -> None:
    """The problems of an article worth a `fetch_errors` row (the article is stored anyway)."""
    flag = notes.posted_flag
    if flag == "impossible":
        notes.problems.append((f"impossible date {impossible_date(raw)}", True))
    elif flag == "not understood":
        notes.problems.append((f"date not understood: {raw!r}", True))
    elif flag == "future":
        reason = f"posting date in the future: {raw!r} is over a day after the fetch"
        notes.problems.append((f"{reason}; kept in posted_raw, not used as the date", False))
    where = [name for name, text in (("title", title), ("body", body)) if REPLACEMENT in text]
    if where:
        notes.text_flags.append("replacement characters (U+FFFD)")
        reason = f"U+FFFD replacement characters in the {' and '.join(where)}"
        notes.problems.append((f"{reason}: text lost before or in decoding (see the WARC)", False))
    for flag in notes.text_flags:
        if flag.startswith("legacy font text suspected"):
            reason = f"{flag}: kept as shown, its conversion does not read as Vietnamese"
            notes.problems.append((reason, False))


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
        record, notes = read_article(page)
        for reason, parse_failure in notes.problems:
            self.counts[page.ward]["parse_failures"] += parse_failure
            self.ledger.record_error(self.run_id, page.ward, page.url, 200, reason)
        columns = notes.columns()
        outcome = self.archive.save_article(record, page.seen_at, self.every_snapshot, columns)
        counts = self.counts[page.ward]
        counts[outcome] += 1
        counts["parsed"] += 1  # what a theme change may empty: counted on each page parsed
        counts["views_missing"] += record.views is None
        counts["body_missing"] += not record.body

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
        reason = item.reason or f"HTTP {item.status}" + (
            f" to {item.location}" if item.location else ""
        )
        self._failure(PageFailure(item.ward, item.url, item.status, reason))

    def _attachment(self, item: AttachmentFetched) -> None:
        facts = {"sha256": item.sha256, "size": item.size, "content_type": item.content_type,
                 "fetched_at": item.seen_at}  # fmt: skip
        self.archive.save_attachment_file(item.ward, item.article_key, item.url, facts)

    def _failure(self, item: PageFailure) -> None:
        parsed_badly = item.status == 200
        self.counts[item.ward]["parse_failures" if parsed_badly else "failed"] += 1
        self.counts[item.ward]["date_missing"] += parsed_badly and no_date(item.reason)
        self.ledger.record_error(
            self.run_id, item.ward, item.url, item.status, item.reason, item.html
        )

    def _category(self, item: ListingEntry | ListedThrough) -> int:
        key = (item.ward, item.category_url)
        if key not in self.category_ids:
            name = clean_text(item.category_name)
            self.category_ids[key] = self.archive.category_id(
                item.ward, item.category_url, name, item.rank, item.seen_at
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
            "articles_parsed": counts["parsed"],
            "views_missing": counts["views_missing"],
            "body_missing": counts["body_missing"],
            "date_missing": counts["date_missing"],
        }


def no_date(reason: str) -> bool:
    """Whether an article page was refused for its posted date: none found, or no calendar's."""
    return reason == NO_DATE or reason.startswith("impossible date ")
