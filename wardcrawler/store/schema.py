"""The archive's tables, indexes and migrations (applied by `Archive` on open)."""

from __future__ import annotations

import sqlite_utils

from wardcrawler.normalize import is_future
from wardcrawler.search_terms import index_text
from wardcrawler.store.units import create_views, refresh_units

SCHEMA_VERSION = 12  # 12: shards (`crawl_runs.shard`, `merged_runs`)
# Full-text search: `title` and `body` hold each word as a search term (`search_terms`: the
# folded word and its marks, tone placement normalised), which the archive's Datasette queries
# (`site.search.vi_query`): a word typed with marks finds exactly it, one typed without any finds
# every spelling. `published` holds the text as published, for `_searchmode=raw` queries
# (remove_diacritics 2 folds marks there, but not đ). `_` joins a term's two halves.
# The index is contentless (schema 11): it keeps where each token occurs, never a copy of what it
# indexed (the text is in `articles`, snippets are made from there: `site.search.vi_snippet`),
# so changing an article's entry takes the values it was indexed with (`index_article`).
FTS_TOKENIZE = "unicode61 remove_diacritics 2 tokenchars '_'"
FTS_COLUMNS = ["title", "body", "published"]
FTS_SQL = (
    f"CREATE VIRTUAL TABLE articles_fts USING fts5({', '.join(FTS_COLUMNS)}, content='',"
    f' tokenize="{FTS_TOKENIZE}")'
)
FTS_INSERT = "INSERT INTO articles_fts (rowid, title, body, published) VALUES (?, ?, ?, ?)"
FTS_DELETE = (
    "INSERT INTO articles_fts (articles_fts, rowid, title, body, published)"
    " VALUES ('delete', ?, ?, ?, ?)"
)
REBUILD_BATCH = 500  # articles per batch of the rebuild

TABLES: dict[str, dict] = {
    # Official units (store.units refreshes them from the units packages; never typed by hand).
    "units": {
        "columns": {
            "code": str, "name": str, "kind": str, "province_code": str, "province": str,
            "lat": float, "lon": float,
        },
        "pk": "code",
    },
    "former_units": {
        "columns": {
            "code": str, "name": str, "kind": str, "province_code": str, "province": str,
            "district_code": str, "district": str, "lat": float, "lon": float,
        },
        "pk": "code",
    },
    "unit_lineage": {
        "columns": {"former_code": str, "unit_code": str},
        "pk": ("former_code", "unit_code"),
        "foreign_keys": [("former_code", "former_units", "code"), ("unit_code", "units", "code")],
    },
    "archive_meta": {"columns": {"key": str, "value": str}, "pk": "key"},
    "wards": {
        "columns": {
            "slug": str, "name": str, "province": str, "district": str, "url": str, "family": str,
            "unit_code": str, "former_unit_code": str, "province_code": str,
        },
        "pk": "slug",
        "foreign_keys": [
            ("unit_code", "units", "code"), ("former_unit_code", "former_units", "code"),
        ],
    },
    "articles": {
        "columns": {
            "id": int, "ward": str, "province": str, "province_code": str, "article_key": str,
            "url": str, "title": str, "posted_at": str, "posted_raw": str, "posted_date": str,
            "posted_month": str, "posted_year": int,
            "views": int, "body": str, "category_names": str, "content_hash": str,
            "first_seen_at": str, "last_seen_at": str,
            "gone_at": str, "gone_status": int, "gone_location": str,
            "posted_flag": str, "text_flag": str,
        },
        "pk": "id",
        "foreign_keys": [("ward", "wards", "slug")],
        "not_null": {"ward", "article_key", "url", "title"},
    },
    "views_snapshots": {
        "columns": {"id": int, "article_id": int, "seen_at": str, "views": int},
        "pk": "id",
        "foreign_keys": [("article_id", "articles", "id")],
    },
    "article_revisions": {
        "columns": {
            "id": int, "article_id": int, "seen_at": str, "replaced_at": str, "title": str,
            "body": str, "content_hash": str,
        },
        "pk": "id",
        "foreign_keys": [("article_id", "articles", "id")],
    },
    "categories": {
        "columns": {
            "id": int, "ward": str, "name": str, "url": str, "rank": int, "named_at": str,
            "listed_through_at": str,
        },
        "pk": "id",
        "foreign_keys": [("ward", "wards", "slug")],
    },
    "article_categories": {
        "columns": {"article_id": int, "category_id": int},
        "pk": ("article_id", "category_id"),
        "foreign_keys": [("article_id", "articles", "id"), ("category_id", "categories", "id")],
    },
    "listing_entries": {
        "columns": {
            "category_id": int, "article_key": str, "article_url": str, "first_seen_at": str,
        },
        "pk": ("category_id", "article_key"),
        "foreign_keys": [("category_id", "categories", "id")],
    },
    "attachments": {
        "columns": {
            "article_id": int, "url": str, "kind": str, "name": str, "sha256": str, "size": int,
            "content_type": str, "fetched_at": str,
        },
        "pk": ("article_id", "url"),
        "foreign_keys": [("article_id", "articles", "id")],
    },
    "captures": {
        "columns": {
            "id": int, "run_id": int, "ward": str, "kind": str, "url": str, "article_key": str,
            "article_id": int, "fetched_at": str, "status": int, "content_type": str,
            "warc_file": str, "warc_offset": int, "warc_length": int, "payload_digest": str,
            "source": str, "capture_timestamp": str, "archive_url": str,
        },
        "pk": "id",
        "foreign_keys": [("article_id", "articles", "id"), ("ward", "wards", "slug")],
    },
    "wayback_processed": {
        "columns": {
            "ward": str, "original": str, "timestamp": str, "statuscode": str, "mimetype": str,
            "digest": str, "outcome": str, "reason": str, "run_id": int, "processed_at": str,
        },
        "pk": ("original", "timestamp"),
        "foreign_keys": [("ward", "wards", "slug")],
    },
    "crawl_runs": {
        "columns": {
            "id": int, "started_at": str, "finished_at": str, "status": str, "mode": str,
            "wards": str, "pages": int, "articles_new": int, "articles_updated": int,
            "articles_unchanged": int, "articles_gone": int, "failed": int,
            "parse_failures": int, "duration_seconds": float, "broken_wards": str,
            "exit_code": int, "stats": str, "shard": str,
        },
        "pk": "id",
    },
    # Runs of shard archives merged into this one (`store.merge`): each joins the ledger once.
    "merged_runs": {
        "columns": {"shard": str, "shard_run": int, "run_id": int},
        "pk": ("shard", "shard_run"),
        "foreign_keys": [("run_id", "crawl_runs", "id")],
    },
    "crawl_run_wards": {
        "columns": {
            "run_id": int, "ward": str, "pages": int, "listed": int, "articles_new": int,
            "articles_updated": int, "articles_unchanged": int, "articles_gone": int,
            "failed": int, "parse_failures": int, "duration_seconds": float, "broken": str,
            "articles_parsed": int, "views_missing": int, "body_missing": int,
            "date_missing": int,
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
    ("article_revisions", ["article_id"], False),
    ("views_snapshots", ["article_id"], False),
    ("captures", ["article_id"], False),
    ("captures", ["ward", "article_key"], False),
    ("captures", ["warc_file", "warc_offset"], True),
]


class NewerArchive(RuntimeError):
    """The archive was written by a newer wardcrawler."""


def migrate(db: sqlite_utils.Database) -> None:
    """Create or upgrade the schema to SCHEMA_VERSION (idempotent; never drops data)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise NewerArchive(f"archive schema {version} is newer than this wardcrawler's")
    db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    for name, spec in TABLES.items():
        table = db[name]
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
        _add_foreign_keys(table, spec.get("foreign_keys", []))
    for table, columns, unique in INDEXES:
        db[table].create_index(columns, unique=unique, if_not_exists=True)
    _search_index(db)
    if 0 < version < 2:
        _backfill_v2(db)
    if 0 < version < 3:
        _backfill_v3(db)
    if 0 < version < 5:
        db.execute("UPDATE captures SET source = 'live' WHERE source IS NULL")
    if 0 < version < 8:
        _backfill_v8(db)
    refresh_units(db)  # version 10: official units (`articles.province_code` set by save_ward)
    create_views(db)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _add_foreign_keys(table: sqlite_utils.db.Table, wanted: list[tuple[str, str, str]]) -> None:
    """Foreign keys of columns added to an existing table (the table is rebuilt, rows kept)."""
    have = {(fk.column, fk.other_table, fk.other_column) for fk in table.foreign_keys}
    missing = [fk for fk in wanted if fk not in have]
    if missing:
        table.db.add_foreign_keys([(table.name, *fk) for fk in missing])


def _search_index(db: sqlite_utils.Database) -> None:
    """The FTS5 index of articles; one of another layout (older columns, or schema 10's copy of
    the text inside the index) is dropped and rebuilt."""
    found = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
    if found and found[0] == FTS_SQL:
        return
    with db.atomic():
        if found:
            for trigger in db.triggers:
                if trigger.table == "articles" and trigger.name.startswith("articles_a"):
                    db.execute(f"DROP TRIGGER [{trigger.name}]")
            db.execute("DROP TABLE articles_fts")
        db.execute(FTS_SQL)
        _index_all(db)


def _index_all(db: sqlite_utils.Database) -> None:
    """Index every article into an empty index, batch by batch (one prepared insert)."""
    rows = db.execute("SELECT id, title, body FROM articles")
    while batch := rows.fetchmany(REBUILD_BATCH):
        db.conn.executemany(FTS_INSERT, _indexed_rows(batch))


def _indexed_rows(batch: list[tuple[int, str, str | None]]) -> list[tuple]:
    """FTS_INSERT's parameters for rows of (id, title, body)."""
    return [(article_id, *indexed(title, body)) for article_id, title, body in batch]


def indexed(title: str, body: str | None) -> tuple[str, str, str]:
    """The values an article is indexed with (FTS_COLUMNS): its words as search terms, and its
    text as published."""
    return index_text(title), index_text(body), f"{title}\n{body or ''}"


class NotIndexedThatWay(ValueError):
    """An article's entry changed without the values it was indexed with."""


def index_article(
    db: sqlite_utils.Database,
    article_id: int,
    title: str,
    body: str | None,
    previous: tuple[str, str | None] | None = None,
) -> None:
    """(Re)index one article for search (`previous`: the title and body it was indexed with,
    None for an article not indexed yet)."""
    if previous is not None:
        if tuple(previous) == (title, body):
            return
        db.execute(FTS_DELETE, [article_id, *indexed(*previous)])
    elif db.execute("SELECT 1 FROM articles_fts_docsize WHERE id = ?", [article_id]).fetchone():
        raise NotIndexedThatWay(
            f"article {article_id} is indexed already: index_article needs `previous`, the title"
            " and body it was indexed with (a contentless index cannot look them up)"
        )
    db.execute(FTS_INSERT, [article_id, *indexed(title, body)])


def _backfill_v2(db: sqlite_utils.Database) -> None:
    """Version 2 added `articles.province` and `articles.posted_month`."""
    with db.atomic():
        db.execute(
            "UPDATE articles SET posted_month = substr(posted_date, 1, 7),"
            " province = (SELECT province FROM wards WHERE slug = articles.ward)"
        )


def _backfill_v3(db: sqlite_utils.Database) -> None:
    """Version 3 added view-count history: the counters stored so far are its first points."""
    with db.atomic():
        db.execute(
            "INSERT INTO views_snapshots (article_id, seen_at, views)"
            " SELECT id, last_seen_at, views FROM articles WHERE views IS NOT NULL"
        )


def _backfill_v8(db: sqlite_utils.Database) -> None:
    """Version 8 added `posted_flag` and `text_flag`: a posting date later than the fetch that
    stored it is no date for facets (`posted_raw` keeps it), and text holding U+FFFD is flagged."""
    rows = db.query("SELECT id, posted_at, last_seen_at FROM articles WHERE posted_at IS NOT NULL")
    future = [r["id"] for r in rows if is_future(r["posted_at"], r["last_seen_at"])]
    with db.atomic():
        for article_id in future:
            db.execute(
                "UPDATE articles SET posted_flag = 'future', posted_at = NULL, posted_date = NULL,"
                " posted_month = NULL, posted_year = NULL WHERE id = ?",
                [article_id],
            )
        db.execute(
            "UPDATE articles SET text_flag = 'replacement characters (U+FFFD)'"
            " WHERE instr(title, char(65533)) OR instr(body, char(65533))"
        )
