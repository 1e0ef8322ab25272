"""What crawls record and consult besides articles: captures, downloaded documents, and the
state that incremental crawls and backfills resume from. Mixed into `Archive`."""

from __future__ import annotations

from wardcrawler.clock import now
from wardcrawler.store import rows


class CrawlState:
    """Captures, document digests, and what the archive already holds (for resuming)."""

    def record_capture(self, row: dict) -> int:
        """Record where a fetched page is kept in the WARC files, linked to its article."""
        if row.get("article_key"):
            article = self._one(
                "select id from articles where ward = ? and article_key = ?",
                [row["ward"], row["article_key"]],
            )
            row = {**row, "article_id": article["id"] if article else None}
        return rows.insert(self.db, "captures", row)

    def save_attachment_file(self, ward: str, article_key: str, url: str, facts: dict) -> None:
        """Record the digest, size and type of a downloaded attachment."""
        self.db.execute(
            "update attachments set sha256 = :sha256, size = :size,"
            " content_type = :content_type, fetched_at = :fetched_at"
            " where url = :url and article_id ="
            " (select id from articles where ward = :ward and article_key = :key)",
            {**facts, "url": url, "ward": ward, "key": article_key},
        )

    def known_articles(self, ward: str) -> dict[str, tuple[str, str | None]]:
        """Stored, not vanished articles of a ward: key -> (url, posted_at)."""
        rows = self.db.query(
            "select article_key, url, posted_at from articles where ward = ? and gone_at is null",
            [ward],
        )
        return {r["article_key"]: (r["url"], r["posted_at"]) for r in rows}

    def processed_captures(self, wards: list[str]) -> set[tuple[str, str]]:
        """Web-archive captures already handled for these wards: (original URL, timestamp)."""
        marks = ",".join("?" * len(wards))
        rows = self.db.execute(
            f"select original, timestamp from wayback_processed where ward in ({marks})", wards
        )
        return {(original, timestamp) for original, timestamp in rows}

    def hashed_attachments(self, ward: str) -> set[str]:
        """URLs of a ward's documents already downloaded (with their digest)."""
        rows = self.db.query(
            "select t.url from attachments t join articles a on a.id = t.article_id"
            " where a.ward = ? and t.sha256 is not null",
            [ward],
        )
        return {r["url"] for r in rows}

    def pending_documents(self, ward: str) -> list[tuple[str, str]]:
        """Documents of a ward's stored articles never downloaded and never failed (a crawl
        stopped before their turn): (article key, URL)."""
        rows = self.db.execute(
            "select a.article_key, t.url from attachments t join articles a on a.id = t.article_id"
            " where a.ward = ? and a.gone_at is null and t.kind = 'document' and t.sha256 is null"
            " and not exists (select 1 from fetch_errors e where e.url = t.url)"
            " order by a.id, t.url",
            [ward],
        )
        return [(key, url) for key, url in rows]

    def listed_through(self, ward: str) -> set[str]:
        """Category pages of a ward whose listing was once read to its last page."""
        rows = self.db.query(
            "select url from categories where ward = ? and listed_through_at is not null", [ward]
        )
        return {r["url"] for r in rows}

    def mark_listed_through(self, category_id: int, seen: str | None = None) -> None:
        """Record that a category's listing was read to its last page (time never goes back)."""
        self.db.execute(
            "update categories set listed_through_at = max(coalesce(listed_through_at, ''), ?)"
            " where id = ?",
            [seen or now(), category_id],
        )
