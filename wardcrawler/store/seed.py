"""A shard's archive, seeded with what the archive already holds of the shard's wards.

A shard crawls into its own database (`crawl --shard K/N --db SHARD.db --base ARCHIVE.db`), so
that workers never write the same file. Before it crawls, the rows its decisions read are copied
from the base archive for its wards only: the wards, their categories and listing entries, their
articles as stored (what was fetched, the text and counters a new version is compared with),
their documents' digests, the web-archive captures already handled, and the ledger's past runs
(for the broken-ward checks). History (views snapshots, revisions, captures, fetch errors) is not
copied: the shard adds to it and `merge` adds that to the archive's. A shard keeps no search
index (the archive it is merged into indexes what comes in): `archive_meta.search_index = off`.
A shard's database is seeded once, when it is new: a shard run again (a worker killed mid-run)
goes on from what its database holds.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import sqlite_utils

from wardcrawler.store.schema import SCHEMA_VERSION, TABLES

SEARCH_KEY, ID_KEY, SEED_RUNS_KEY = "search_index", "archive_id", "seed_runs_through"
# (table, which of the base's rows: a condition on the base's table `t`)
OF_ARTICLES = "(SELECT id FROM base.articles a JOIN temp.seed_wards w ON a.ward = w.slug)"
OF_CATEGORIES = "(SELECT id FROM base.categories c JOIN temp.seed_wards w ON c.ward = w.slug)"
OF_WARDS = "(SELECT w.former_unit_code FROM base.wards w JOIN temp.seed_wards s USING (slug))"
SEEDED = [
    ("former_units", f"t.code IN {OF_WARDS}"),  # what the wards point to (units: every archive's)
    ("unit_lineage", f"t.former_code IN {OF_WARDS}"),
    ("wards", "t.slug IN (SELECT slug FROM temp.seed_wards)"),
    ("categories", "t.ward IN (SELECT slug FROM temp.seed_wards)"),
    ("articles", "t.ward IN (SELECT slug FROM temp.seed_wards)"),
    ("article_categories", f"t.article_id IN {OF_ARTICLES}"),
    ("listing_entries", f"t.category_id IN {OF_CATEGORIES}"),
    ("attachments", f"t.article_id IN {OF_ARTICLES}"),
    ("wayback_processed", "t.ward IN (SELECT slug FROM temp.seed_wards)"),
    ("crawl_runs", "1"),  # what the broken-ward checks join on (not the stats: large, unread)
    ("crawl_run_wards", "t.ward IN (SELECT slug FROM temp.seed_wards)"),
]  # fmt: skip


RUN_COLUMNS = ["id", "started_at", "finished_at", "status", "mode"]


class SeedError(ValueError):
    """The base archive cannot seed a shard."""


def meta(db: sqlite_utils.Database, key: str) -> str | None:
    """A value of `archive_meta`."""
    row = db.execute("SELECT value FROM archive_meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO archive_meta (key, value) VALUES (?, ?)", [key, value])


def make_shard(db: sqlite_utils.Database, shard: str) -> None:
    """Mark `db` as the archive of shard `shard` (K/N): an id for merges, no search index."""
    if meta(db, ID_KEY) is None:
        set_meta(db, ID_KEY, str(uuid.uuid4()))
    set_meta(db, SEARCH_KEY, "off")
    set_meta(db, "shard", shard)


def seed(db: sqlite_utils.Database, base: Path, wards: list[str]) -> dict[str, int]:
    """Copy the base archive's rows of `wards` into `db`, once (a shard database seeded before is
    left as it is); returns rows copied per table. A base that does not exist holds nothing."""
    if meta(db, SEED_RUNS_KEY) is not None:
        return {}
    if not base.exists():
        set_meta(db, SEED_RUNS_KEY, "0")
        return {}
    check_base(base)
    copied: dict[str, int] = {}
    db.execute("ATTACH DATABASE ? AS base", [str(base)])
    try:
        with db.conn:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS seed_wards (slug TEXT PRIMARY KEY)")
            db.execute("DELETE FROM temp.seed_wards")
            db.conn.executemany("INSERT OR IGNORE INTO temp.seed_wards VALUES (?)",
                                [(w,) for w in wards])  # fmt: skip
            for table, where in SEEDED:
                wanted = RUN_COLUMNS if table == "crawl_runs" else TABLES[table]["columns"]
                columns = ", ".join(f"[{c}]" for c in wanted)
                copied[table] = db.execute(
                    f"INSERT OR IGNORE INTO main.[{table}] ({columns})"
                    f" SELECT {columns} FROM base.[{table}] t WHERE {where}"
                ).rowcount
            last = db.execute("SELECT max(id) FROM base.crawl_runs").fetchone()[0] or 0
            set_meta(db, SEED_RUNS_KEY, str(last))  # the shard's own runs come after these
    finally:
        db.execute("DETACH DATABASE base")
    return copied


def check_base(base: Path) -> None:
    """The base must be a wardcrawler archive of this schema, or not exist yet (nothing held)."""
    if not base.exists():
        return
    try:
        connection = sqlite3.connect(f"file:{base}?mode=ro", uri=True)
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        connection.close()
    except sqlite3.Error as exc:
        raise SeedError(f"{base}: cannot be read as an archive: {exc}") from exc
    if version != SCHEMA_VERSION:
        raise SeedError(
            f"{base}: archive schema {version}, this wardcrawler writes {SCHEMA_VERSION}"
            " (open it with this version first, e.g. `wardcrawler stats`)"
        )
