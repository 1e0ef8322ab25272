"""The SQLite archive: schema and migrations, article upserts, run ledger, full-text search.

Everything goes through sqlite-utils. Rows are only ever inserted or updated: nothing a crawl
stored is deleted by a later one. The database runs in WAL mode so Datasette can read while a
crawl writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from wardcrawler.normalize import fold, local_date

SCHEMA_VERSION = 2
# Full-text search indexes the published text and a folded copy (no marks, đ -> d, lowercase),
# so `_search` matches whatever spelling people type; remove_diacritics 2 also folds letters
# with two marks (phường) and old/new tone placement (uỷ/ủy).
FTS_TOKENIZE = "unicode61 remove_diacritics 2"

TABLES: dict[str, dict] = {
    "wards": {
        "columns": {
            "slug": str, "name": str, "province": str, "district": str, "url": str, "family": str,
        },
        "pk": "slug",
    },
    "articles": {
        "columns": {
            "id": int, "ward": str, "province": str, "article_key": str, "url": str,
            "title": str, "posted_at": str, "posted_raw": str, "posted_date": str,
            "posted_month": str, "posted_year": int,
            "views": int, "body": str, "category_names": str, "content_hash": str,
            "first_seen_at": str, "last_seen_at": str,
        },
        "pk": "id",
        "foreign_keys": [("ward", "wards", "slug")],
        "not_null": {"ward", "article_key", "url", "title"},
    },
    "categories": {
        "columns": {"id": int, "ward": str, "name": str, "url": str},
        "pk": "id",
        "foreign_keys": [("ward", "wards", "slug")],
    },
    "article_categories": {
        "columns": {"article_id": int, "category_id": int},
        "pk": ("article_id", "category_id"),
        "foreign_keys": [("article_id", "articles", "id"), ("category_id", "categories", "id")],
    },
    "listing_entries": {
        "columns": {"category_id": int, "article_key": str, "first_seen_at": str},
        "pk": ("category_id", "article_key"),
        "foreign_keys": [("category_id", "categories", "id")],
    },
    "attachments": {
        "columns": {"article_id": int, "url": str, "kind": str, "name": str},
        "pk": ("article_id", "url"),
        "foreign_keys": [("article_id", "articles", "id")],
    },
    "crawl_runs": {
        "columns": {
            "id": int, "started_at": str, "finished_at": str, "status": str, "wards": str,
            "pages": int, "articles_new": int, "articles_updated": int,
            "articles_unchanged": int, "failed": int, "stats": str,
        },
        "pk": "id",
    },
    "crawl_run_wards": {
        "columns": {
            "run_id": int, "ward": str, "pages": int, "articles_new": int,
            "articles_updated": int, "articles_unchanged": int, "failed": int,
        },
        "pk": ("run_id", "ward"),
        "foreign_keys": [("run_id", "crawl_runs", "id"), ("ward", "wards", "slug")],
    },
    "fetch_errors": {
        "columns": {
            "id": int, "run_id": int, "ward": str, "url": str, "status": int, "reason": str,
            "seen_at": str, "html": str,
        },
        "pk": "id",
        "foreign_keys": [("run_id", "crawl_runs", "id")],
    },
}  # fmt: skip

INDEXES = [
    ("articles", ["ward", "article_key"], True),
    ("articles", ["url"], True),
    ("articles", ["posted_at"], False),
    ("categories", ["ward", "url"], True),
    ("fetch_errors", ["run_id"], False),
]


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class ArticleRecord:
    """A normalised article ready to store."""

    ward: str
    article_key: str
    url: str
    title: str
    posted_at: str | None
    posted_raw: str
    views: int | None
    body: str
    content_hash: str
    attachments: list[dict] = field(default_factory=list)


class Archive:
    """One archive database file."""

    def __init__(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(path)
        self.db = sqlite_utils.Database(path)
        self.migrate()

    def migrate(self) -> None:
        """Create or upgrade the schema to SCHEMA_VERSION (idempotent; never drops data)."""
        self.db.enable_wal()
        self.db.execute("PRAGMA foreign_keys = ON")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for name, spec in TABLES.items():
            table = self.db[name]
            if not table.exists():
                table.create(
                    spec["columns"],
                    pk=spec["pk"],
                    foreign_keys=spec.get("foreign_keys"),
                    not_null=spec.get("not_null"),
                )
            for column, kind in spec["columns"].items():
                if column not in table.columns_dict:
                    table.add_column(column, kind)
        for table, columns, unique in INDEXES:
            self.db[table].create_index(columns, unique=unique, if_not_exists=True)
        self.db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
            f"title, body, folded, tokenize='{FTS_TOKENIZE}')"
        )
        if 0 < version < 2:
            self._backfill_v2()
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _backfill_v2(self) -> None:
        """Version 2 added `articles.province` and `articles.posted_month`."""
        with self.db.conn:
            self.db.execute(
                "UPDATE articles SET posted_month = substr(posted_date, 1, 7),"
                " province = (SELECT province FROM wards WHERE slug = articles.ward)"
            )

    def close(self) -> None:
        """Checkpoint the WAL and close the connection."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    # --- wards and categories -------------------------------------------------------------

    def save_ward(self, row: dict) -> None:
        """Insert or update a ward row."""
        self.db["wards"].upsert(row, pk="slug")

    def _province(self, ward: str) -> str | None:
        """The province of a ward (denormalised onto articles for faceting)."""
        row = self._one("select province from wards where slug = ?", [ward])
        return row["province"] if row else None

    def category_id(self, ward: str, url: str, name: str) -> int:
        """The id of a category page, creating it (or updating its shown name)."""
        found = self._one("select id from categories where ward = ? and url = ?", [ward, url])
        if found:
            self.db["categories"].update(found["id"], {"name": name})
            return found["id"]
        return self.db["categories"].insert({"ward": ward, "name": name, "url": url}).last_pk

    def record_listing(self, category_id: int, ward: str, article_key: str) -> None:
        """Remember that a category lists an article; link it if the article is stored."""
        self.db["listing_entries"].insert(
            {"category_id": category_id, "article_key": article_key, "first_seen_at": now()},
            ignore=True,
        )
        article = self._one(
            "select id from articles where ward = ? and article_key = ?", [ward, article_key]
        )
        if article:
            self._link_categories(article["id"], ward, article_key)

    # --- articles -------------------------------------------------------------------------

    def save_article(self, record: ArticleRecord) -> str:
        """Insert or update an article; returns "new", "updated" or "unchanged"."""
        seen = now()
        posted_date = local_date(record.posted_at)
        existing = self._one(
            "select id, content_hash, views, posted_at from articles"
            " where ward = ? and article_key = ?",
            [record.ward, record.article_key],
        )
        values = {
            "title": record.title,
            "posted_at": record.posted_at,
            "posted_raw": record.posted_raw,
            "province": self._province(record.ward),
            "posted_date": posted_date,
            "posted_month": posted_date[:7] if posted_date else None,
            "posted_year": int(record.posted_at[:4]) if record.posted_at else None,
            "views": record.views,
            "body": record.body,
            "content_hash": record.content_hash,
            "last_seen_at": seen,
        }
        with self.db.conn:
            if existing:
                article_id = existing["id"]
                self.db["articles"].update(article_id, values)
                same = (existing["content_hash"], existing["views"], existing["posted_at"]) == (
                    record.content_hash,
                    record.views,
                    record.posted_at,
                )
                outcome = "unchanged" if same else "updated"
            else:
                row = {"ward": record.ward, "article_key": record.article_key, "url": record.url}
                row.update(values, first_seen_at=seen)
                article_id = self.db["articles"].insert(row).last_pk
                outcome = "new"
            self.db["attachments"].insert_all(
                ({"article_id": article_id, **a} for a in record.attachments),
                pk=("article_id", "url"),
                replace=True,
            )
            self._index(article_id, record.title, record.body)
            self._link_categories(article_id, record.ward, record.article_key)
        return outcome

    def _index(self, article_id: int, title: str, body: str) -> None:
        """(Re)index an article for search: its text as published, and folded (đ -> d)."""
        self.db.execute("DELETE FROM articles_fts WHERE rowid = ?", [article_id])
        self.db.execute(
            "INSERT INTO articles_fts (rowid, title, body, folded) VALUES (?, ?, ?, ?)",
            [article_id, title, body, fold(f"{title}\n{body}")],
        )

    def _link_categories(self, article_id: int, ward: str, article_key: str) -> None:
        """Link an article to every category listing it and refresh `category_names`."""
        self.db.execute(
            "insert or ignore into article_categories (article_id, category_id)"
            " select ?, e.category_id from listing_entries e"
            " join categories c on c.id = e.category_id"
            " where c.ward = ? and e.article_key = ?",
            [article_id, ward, article_key],
        )
        names = [
            r["name"]
            for r in self.db.query(
                "select distinct c.name from article_categories ac"
                " join categories c on c.id = ac.category_id"
                " where ac.article_id = ? order by c.name",
                [article_id],
            )
        ]
        self.db.execute(
            "update articles set category_names = ? where id = ?",
            [json.dumps(names, ensure_ascii=False), article_id],
        )

    # --- run ledger -----------------------------------------------------------------------

    def start_run(self, wards: list[str]) -> int:
        """Open a crawl run and return its id."""
        row = {"started_at": now(), "status": "running", "wards": json.dumps(wards)}
        return self.db["crawl_runs"].insert(row).last_pk

    def finish_run(self, run_id: int, per_ward: dict[str, dict], stats: dict) -> None:
        """Close a run with its per-ward figures and Scrapy's stats."""
        rows = [{"run_id": run_id, "ward": ward, **counts} for ward, counts in per_ward.items()]
        self.db["crawl_run_wards"].insert_all(rows, pk=("run_id", "ward"), replace=True)
        totals = {
            key: sum(c.get(key, 0) for c in per_ward.values())
            for key in ("pages", "articles_new", "articles_updated", "articles_unchanged", "failed")
        }
        self.db["crawl_runs"].update(
            run_id,
            {
                "finished_at": now(),
                "status": str(stats.get("finish_reason", "finished")),
                "stats": json.dumps(stats, default=str, ensure_ascii=False),
                **totals,
            },
        )

    def record_error(self, run_id: int, ward: str, url: str, status: int | None, reason: str,
                     html: str | None = None) -> None:  # fmt: skip
        """Record a page that could not be fetched or parsed (with its HTML when it was)."""
        self.db["fetch_errors"].insert(
            {
                "run_id": run_id,
                "ward": ward,
                "url": url,
                "status": status,
                "reason": reason,
                "seen_at": now(),
                "html": html,
            }  # fmt: skip
        )

    def _one(self, sql: str, params: list) -> dict | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None
