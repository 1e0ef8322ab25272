"""The SQLite archive: article upserts with their history, categories, search index.

Everything goes through sqlite-utils. Rows are only ever inserted or updated: nothing a crawl
stored is deleted by a later one (a vanished article gets `gone_at`; an edited one keeps its
previous text in `article_revisions`). Each article is written in one transaction, so a crawl
killed at any moment leaves a consistent database. WAL mode lets Datasette read while a crawl
writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from wardcrawler.clock import now
from wardcrawler.normalize import local_date
from wardcrawler.store import rows
from wardcrawler.store.crawl_state import CrawlState
from wardcrawler.store.schema import index_article, migrate
from wardcrawler.store.seed import make_shard
from wardcrawler.store.units import save_former_unit


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


class Archive(CrawlState):
    """One archive database file."""

    def __init__(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(path)
        self.db = sqlite_utils.Database(path)
        migrate(self.db)
        # Under WAL, NORMAL syncs at checkpoints, not at each commit: a crash of the program
        # loses nothing committed, a power cut at most the last commits (never consistency).
        self.db.execute("PRAGMA synchronous = NORMAL")
        self._provinces: dict[str, dict[str, str | None]] = {}
        # A shard's archive keeps no search index: the archive it is merged into indexes.
        found = self._one("select value from archive_meta where key = 'search_index'", [])
        self.indexed = not (found and found["value"] == "off")

    def make_shard(self, shard: str) -> None:
        """Make this the archive of shard `shard` (K/N): an id for merges, no search index."""
        make_shard(self.db, shard)
        self.indexed = False

    def close(self) -> None:
        """Commit, checkpoint the WAL and close the connection."""
        self.commit()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    # --- batches ---------------------------------------------------------------------------

    def batch(self) -> None:
        """Hold the writes that follow in one transaction until `commit` (a crawl commits every
        hundred items or two seconds: a kill loses the open batch, which the next run fetches
        again)."""
        if not self.db.conn.in_transaction:
            self.db.execute("BEGIN")

    def commit(self) -> None:
        """Commit the open batch, if any, and copy it into the database file while there is
        room (the WAL is then reused from its start: it stays the size of one batch)."""
        if self.db.conn.in_transaction:
            self.db.execute("COMMIT")
            self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    # --- wards and categories -------------------------------------------------------------

    def save_ward(self, row: dict) -> None:
        """Insert or update a ward row (its articles follow its official province; its former
        unit is copied in with its lineage)."""
        with self.db.atomic():
            if row.get("former_unit_code"):
                save_former_unit(self.db, row["former_unit_code"])
            self.db["wards"].upsert(row, pk="slug")
            self._provinces.pop(row["slug"], None)
            self.db.execute(
                "UPDATE articles SET province_code = ? WHERE ward = ? AND province_code IS NOT ?",
                [row.get("province_code"), row["slug"], row.get("province_code")],
            )

    def _province(self, ward: str) -> dict[str, str | None]:
        """The province of a ward, as registered and by official code (denormalised onto
        articles for faceting)."""
        if ward not in self._provinces:
            row = self._one("select province, province_code from wards where slug = ?", [ward])
            self._provinces[ward] = dict(row) if row else {"province": None, "province_code": None}
        return self._provinces[ward]

    def category_id(
        self, ward: str, url: str, name: str, rank: int = 0, seen: str | None = None
    ) -> int:
        """The id of a category page, creating it (or updating its rank, and its shown name
        unless this sighting is older than the one that named it)."""
        seen = seen or now()
        found = self._one(
            "select id, named_at from categories where ward = ? and url = ?", [ward, url]
        )
        if found:
            fresh = seen >= (found["named_at"] or "")
            update = {"rank": rank, **({"name": name, "named_at": seen} if fresh else {})}
            rows.update(self.db, "categories", found["id"], update)
            return found["id"]
        row = {"ward": ward, "name": name, "url": url, "rank": rank, "named_at": seen}
        return rows.insert(self.db, "categories", row)

    def record_listing(
        self,
        category_id: int,
        ward: str,
        article_key: str,
        seen: str | None = None,
        article_url: str | None = None,
    ) -> None:
        """Remember that a category lists an article (and by which URL); link a stored one."""
        entry = {"category_id": category_id, "article_key": article_key,
                 "article_url": article_url, "first_seen_at": seen or now()}  # fmt: skip
        rows.insert(self.db, "listing_entries", entry, ignore=True)
        article = self._one(
            "select id, url from articles where ward = ? and article_key = ?", [ward, article_key]
        )
        if article:
            with self.db.atomic():
                self.link_categories(article["id"], ward, article_key)
                self.prefer_url(article, ward, article_key)

    def prefer_url(self, article: dict, ward: str, article_key: str) -> None:
        """Give an article the URL of its first category (in the ward's order) listing it.

        One article has as many URLs as category pages listing it; choosing by category order,
        not by which listing came first, keeps the URL the same however a crawl ran.
        """
        best = self._one(
            "select e.article_url from listing_entries e join categories c on c.id = e.category_id"
            " where c.ward = ? and e.article_key = ? and e.article_url is not null"
            " order by c.rank, c.id limit 1",
            [ward, article_key],
        )
        if best and best["article_url"] != article["url"]:
            taken = self._one("select 1 from articles where url = ?", [best["article_url"]])
            if not taken:
                rows.update(self.db, "articles", article["id"], {"url": best["article_url"]})

    # --- articles -------------------------------------------------------------------------

    def save_article(
        self,
        record: ArticleRecord,
        seen: str | None = None,
        every_snapshot: bool = False,
        flags: dict[str, str | None] | None = None,
    ) -> str:
        """Insert or update an article with its history; returns new, updated or unchanged.

        `seen` is when the page was fetched (or captured by a web archive). A version older than
        the stored one only adds to the history. `every_snapshot` records the view counter of
        every fetch, not only of those that saw it change (web-archive captures). `flags` are
        the `posted_flag` and `text_flag` of this version (none when absent).
        """
        seen = seen or now()
        posted_date = local_date(record.posted_at)
        flags = flags or {}
        values = {
            "title": record.title,
            "posted_at": record.posted_at,
            "posted_raw": record.posted_raw,
            **self._province(record.ward),
            "posted_date": posted_date,
            "posted_month": posted_date[:7] if posted_date else None,
            "posted_year": int(record.posted_at[:4]) if record.posted_at else None,
            "views": record.views,
            "body": record.body,
            "content_hash": record.content_hash,
            "last_seen_at": seen,
            "gone_at": None,
            "gone_status": None,
            "gone_location": None,
            "posted_flag": flags.get("posted_flag"),
            "text_flag": flags.get("text_flag"),
        }
        with self.db.atomic():
            old = self._one(
                "select * from articles where ward = ? and article_key = ?",
                [record.ward, record.article_key],
            )
            if old and (seen < old["last_seen_at"] or seen < (old["gone_at"] or "")):
                return self._save_older(old, record, seen, every_snapshot)
            if old:
                article_id = old["id"]
                outcome = self._revise(old, record, seen)
                rows.update(self.db, "articles", article_id, values)
            else:
                row = {"ward": record.ward, "article_key": record.article_key, "url": record.url}
                row.update(values, first_seen_at=seen)
                article_id = rows.insert(self.db, "articles", row)
                outcome = "new"
            changed = not old or old["views"] != record.views
            if record.views is not None and (changed or every_snapshot):
                snapshot = {"article_id": article_id, "seen_at": seen, "views": record.views}
                rows.insert(self.db, "views_snapshots", snapshot)
            for attachment in record.attachments:
                row = {"article_id": article_id, **attachment}
                rows.upsert(self.db, "attachments", row, pk=("article_id", "url"))
            self.db.execute(
                "update captures set article_id = ? where ward = ? and article_key = ?"
                " and article_id is null",
                [article_id, record.ward, record.article_key],
            )
            if self.indexed:
                previous = (old["title"], old["body"]) if old else None
                index_article(self.db, article_id, record.title, record.body, previous)
            self.link_categories(article_id, record.ward, record.article_key)
            current = {"id": article_id, "url": old["url"] if old else record.url}
            self.prefer_url(current, record.ward, record.article_key)
        return outcome

    def _revise(self, old: dict, record: ArticleRecord, seen: str) -> str:
        """Keep the previous title and body when they changed; say what changed."""
        if old["content_hash"] != record.content_hash:
            revision = {"article_id": old["id"], "seen_at": old["last_seen_at"],
                        "replaced_at": seen, "title": old["title"], "body": old["body"],
                        "content_hash": old["content_hash"]}  # fmt: skip
            rows.insert(self.db, "article_revisions", revision)
        current = (old["content_hash"], old["views"], old["posted_at"], old["gone_at"])
        fresh = (record.content_hash, record.views, record.posted_at, None)
        return "unchanged" if current == fresh else "updated"

    def _save_older(self, old: dict, record: ArticleRecord, seen: str, every: bool) -> str:
        """A version older than the stored one (a late web-archive capture): history only."""
        before = self._one(
            "select views from views_snapshots where article_id = ? and seen_at <= ?"
            " order by seen_at desc, id desc limit 1",
            [old["id"], seen],
        )
        if record.views is not None and (every or not before or before["views"] != record.views):
            snapshot = {"article_id": old["id"], "seen_at": seen, "views": record.views}
            rows.insert(self.db, "views_snapshots", snapshot)
        known = self._one(
            "select 1 from article_revisions where article_id = ? and content_hash = ?",
            [old["id"], record.content_hash],
        )
        if record.content_hash != old["content_hash"] and not known:
            later = self._one(
                "select min(seen_at) at from article_revisions"
                " where article_id = ? and seen_at > ?",
                [old["id"], seen],
            )  # the next version known; when none is, the current one (its start is unknown)
            revision = {"article_id": old["id"], "seen_at": seen,
                        "replaced_at": later and later["at"], "title": record.title,
                        "body": record.body, "content_hash": record.content_hash}  # fmt: skip
            rows.insert(self.db, "article_revisions", revision)
            self.db.execute(  # the version before this one was replaced by it
                "update article_revisions set replaced_at = :seen where article_id = :id"
                " and seen_at = (select max(seen_at) from article_revisions"
                " where article_id = :id and seen_at < :seen)"
                " and (replaced_at is null or replaced_at > :seen)",
                {"id": old["id"], "seen": seen},
            )
        if seen < old["first_seen_at"]:
            rows.update(self.db, "articles", old["id"], {"first_seen_at": seen})
        return "unchanged"

    def mark_gone(
        self,
        ward: str,
        article_key: str,
        status: int,
        location: str | None,
        seen: str | None = None,
    ) -> bool:
        """Tombstone a stored article whose page vanished; False when no such article is stored."""
        with self.db.atomic():
            old = self._one(
                "select id, gone_at from articles where ward = ? and article_key = ?",
                [ward, article_key],
            )
            if not old:
                return False
            if not old["gone_at"]:
                gone = {"gone_at": seen or now(), "gone_status": status, "gone_location": location}
                rows.update(self.db, "articles", old["id"], gone)
        return True

    def link_categories(self, article_id: int, ward: str, article_key: str) -> None:
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

    def _one(self, sql: str, params: list) -> dict | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None
