"""Folding a shard's archive into the archive: `wardcrawler merge --into ARCHIVE.db SHARD.db...`.

Rows are copied, not re-read from the WARC files: a shard's rows are what the crawl's own store
code made of what it fetched, starting from the archive's state (`store.seed`), so copying them
gives what one process would have stored, and it is quick (reparsing would re-run extraction on
every page, about 10 ms each, and could not recover the listing and ledger rows). Rows are
matched by what they are about, never by id: an article by ward and key, a category by ward and
URL, a views snapshot by article, time and count, a revision by article, time and text, a
capture by WARC file and offset, a run by the shard it came from. What the archive lacks is
added; an article or category both hold takes the fields of the later observation, the earliest
`first_seen_at` and the latest `listed_through_at`. So a merge is idempotent (merging again
changes nothing) and the order of shards does not matter. The shard's WARC files are linked (or
copied) into the archive's WARC folder, and its captures point there. Each shard's runs join the
ledger as runs of their own (`crawl_runs.shard` says which). Nothing in the archive is deleted.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from wardcrawler.paths import warc_dir_beside
from wardcrawler.store.archive import Archive
from wardcrawler.store.schema import SCHEMA_VERSION, TABLES, index_article
from wardcrawler.store.seed import ID_KEY, SEED_RUNS_KEY

# Columns of an article that follow its latest observation (all but identity and first sight).
CURRENT = [c for c in TABLES["articles"]["columns"]
           if c not in ("id", "ward", "article_key", "first_seen_at")]  # fmt: skip


class MergeError(ValueError):
    """A shard that cannot be merged (not a shard, or a WARC file that clashes)."""


@dataclass
class Merged:
    """What one merge added or changed."""

    shard: str
    counts: dict[str, int] = field(default_factory=dict)
    runs: list[int] = field(default_factory=list)  # the archive's ids of the runs it added

    def add(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + max(n, 0)

    def line(self) -> str:
        shown = ", ".join(f"{k} {v}" for k, v in self.counts.items() if v)
        return f"{self.shard}: {shown or 'nothing new'}"


def merge_shard(into: Archive, shard_db: Path, warc_into: Path | None = None) -> Merged:
    """Fold the shard archive `shard_db` (with its WARC folder beside it) into `into`."""
    db = into.db
    _attach(into, shard_db)
    merged = Merged(str(shard_db))
    try:
        source = _source(db, shard_db)
        _copy_warcs(db, warc_dir_beside(shard_db), warc_into or warc_dir_beside(into.path))
        with db.atomic():
            _ensure_tables(db)
            _wards(into, merged)
            _categories(db, merged)
            _articles(into, merged)
            _history(db, merged)
            _runs(db, source, merged)
            _captures(db, merged)
    finally:
        db.execute("DETACH DATABASE shard")
    return merged


def _attach(into: Archive, shard_db: Path) -> None:
    if not shard_db.is_file():
        raise MergeError(f"{shard_db}: no such shard archive")
    into.commit()
    into.db.execute("ATTACH DATABASE ? AS shard", [str(shard_db)])


def _source(db, shard_db: Path) -> tuple[str, int]:
    """The shard's id and the last run it was seeded with (its own runs come after)."""
    found = {t for (t,) in db.execute("SELECT name FROM shard.sqlite_master WHERE type='table'")}
    if not {"articles", "archive_meta"} <= found:
        raise MergeError(f"{shard_db}: not a wardcrawler archive")
    version = db.execute("PRAGMA shard.user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        raise MergeError(f"{shard_db}: archive schema {version}, this wardcrawler merges "
                         f"{SCHEMA_VERSION} (open the shard with this version first)")  # fmt: skip
    rows = dict(db.execute("SELECT key, value FROM shard.archive_meta"))
    if ID_KEY not in rows:
        raise MergeError(f"{shard_db}: not a shard's archive (crawl --shard K/N makes them)")
    return rows[ID_KEY], int(rows.get(SEED_RUNS_KEY) or 0)


def _ensure_tables(db) -> None:
    """The mapping tables of this merge, shard id -> the archive's id (temporary, emptied)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS map_articles (shard_id INTEGER PRIMARY KEY, id)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS map_categories (shard_id INTEGER PRIMARY KEY, id)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS map_runs (shard_id INTEGER PRIMARY KEY, id)")
    for table in ("map_articles", "map_categories", "map_runs"):
        db.execute(f"DELETE FROM temp.{table}")


def _columns(table: str, skip: tuple[str, ...] = ("id",)) -> list[str]:
    return [c for c in TABLES[table]["columns"] if c not in skip]


def _wards(into: Archive, merged: Merged) -> None:
    """The shard's wards, saved as a crawl saves them (with their former units)."""
    rows = into.db.execute("SELECT * FROM shard.wards")
    names = [d[0] for d in rows.description]
    have = {slug for (slug,) in into.db.execute("SELECT slug FROM wards")}
    for values in rows.fetchall():
        row = dict(zip(names, values, strict=True))
        into.save_ward(row)
        merged.add("wards new", row["slug"] not in have)


def _categories(db, merged: Merged) -> None:
    """Categories by ward and URL: the later naming wins, the latest read-through is kept."""
    columns = ", ".join(_columns("categories"))
    merged.add("categories", db.execute(
        f"INSERT INTO categories ({columns}) SELECT {columns} FROM shard.categories s"
        " WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.ward = s.ward AND c.url = s.url)"
    ).rowcount)  # fmt: skip
    db.execute(
        "UPDATE categories SET (name, rank, named_at) = (SELECT s.name, s.rank, s.named_at"
        " FROM shard.categories s WHERE s.ward = categories.ward AND s.url = categories.url)"
        " WHERE EXISTS (SELECT 1 FROM shard.categories s WHERE s.ward = categories.ward"
        " AND s.url = categories.url"
        " AND coalesce(s.named_at, '') > coalesce(categories.named_at, ''))"
    )
    db.execute(
        "UPDATE categories SET listed_through_at = (SELECT max(coalesce(s.listed_through_at, ''),"
        " coalesce(categories.listed_through_at, '')) FROM shard.categories s"
        " WHERE s.ward = categories.ward AND s.url = categories.url)"
        " WHERE EXISTS (SELECT 1 FROM shard.categories s WHERE s.ward = categories.ward"
        " AND s.url = categories.url"
        " AND s.listed_through_at > coalesce(categories.listed_through_at, ''))"
    )
    db.execute(
        "INSERT INTO temp.map_categories SELECT s.id, c.id FROM shard.categories s"
        " JOIN categories c ON c.ward = s.ward AND c.url = s.url"
    )
    merged.add("listing entries", db.execute(
        "INSERT OR IGNORE INTO listing_entries"
        " (category_id, article_key, article_url, first_seen_at)"
        " SELECT m.id, e.article_key, e.article_url, e.first_seen_at FROM shard.listing_entries e"
        " JOIN temp.map_categories m ON m.shard_id = e.category_id").rowcount)  # fmt: skip
    # the earliest sighting of each entry: one pass over the shard's entries, each looked up
    # by the archive's key (a correlated subquery per archive entry scanned the shard's entries
    # for every one: 27 s for 2,000 categories, 236 s for 4,000)
    db.execute(
        "UPDATE listing_entries SET first_seen_at = e.first_seen_at"
        " FROM (SELECT m.id AS category_id, e.article_key, min(e.first_seen_at) AS first_seen_at"
        " FROM shard.listing_entries e JOIN temp.map_categories m ON m.shard_id = e.category_id"
        " GROUP BY m.id, e.article_key) AS e"
        " WHERE listing_entries.category_id = e.category_id"
        " AND listing_entries.article_key = e.article_key"
        " AND listing_entries.first_seen_at > e.first_seen_at"
    )


def _articles(into: Archive, merged: Merged) -> None:
    """Articles by ward and key: new ones added, the later observation of others kept, each
    (re)indexed for search; then those, and any the shard saw listed anew, linked to the
    categories listing them and given the URL of the first (as `Archive.record_listing`)."""
    db = into.db
    changed = db.execute(
        "SELECT s.*, a.id AS main_id, a.title AS main_title, a.body AS main_body,"
        " a.last_seen_at AS main_seen, a.gone_at AS main_gone, a.first_seen_at AS main_first"
        " FROM shard.articles s LEFT JOIN articles a"
        " ON a.ward = s.ward AND a.article_key = s.article_key WHERE a.id IS NULL"
        " OR max(coalesce(s.last_seen_at, ''), coalesce(s.gone_at, ''))"
        " > max(coalesce(a.last_seen_at, ''), coalesce(a.gone_at, ''))"
        " OR s.first_seen_at < a.first_seen_at OR s.url IS NOT a.url"
        " OR s.category_names IS NOT a.category_names"
    )
    names = [d[0] for d in changed.description]
    touched = [_article(into, dict(zip(names, values, strict=True)), merged)
               for values in changed.fetchall()]  # fmt: skip
    db.execute(
        "INSERT INTO temp.map_articles SELECT s.id, a.id FROM shard.articles s"
        " JOIN articles a ON a.ward = s.ward AND a.article_key = s.article_key"
    )
    for article in touched:
        into.link_categories(article["id"], article["ward"], article["article_key"])
        into.prefer_url(article, article["ward"], article["article_key"])


def _article(into: Archive, row: dict, merged: Merged) -> dict:
    """Merge one shard article; returns its row with its id and URL in the archive."""
    db = into.db
    if row["main_id"] is None:
        columns = _columns("articles")
        cursor = db.execute(
            f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [row[c] for c in columns],
        )
        index_article(db, cursor.lastrowid, row["title"], row["body"])
        merged.add("articles new", 1)
        return {**row, "id": cursor.lastrowid}
    article_id = row["main_id"]
    later = max(row["last_seen_at"] or "", row["gone_at"] or "")
    if later > max(row["main_seen"] or "", row["main_gone"] or ""):
        db.execute(
            f"UPDATE articles SET {', '.join(f'{c} = ?' for c in CURRENT)} WHERE id = ?",
            [*(row[c] for c in CURRENT), article_id],
        )
        index_article(db, article_id, row["title"], row["body"],
                      (row["main_title"], row["main_body"]))  # fmt: skip
        merged.add("articles updated", 1)
    if (row["first_seen_at"] or "") < (row["main_first"] or ""):
        db.execute("UPDATE articles SET first_seen_at = ? WHERE id = ?",
                   [row["first_seen_at"], article_id])  # fmt: skip
    url = db.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()[0]
    return {**row, "id": article_id, "url": url}


def _history(db, merged: Merged) -> None:
    """Views snapshots, revisions, category links and documents, by what they are about."""
    merged.add("views snapshots", db.execute(
        "INSERT INTO views_snapshots (article_id, seen_at, views)"
        " SELECT m.id, v.seen_at, v.views FROM shard.views_snapshots v"
        " JOIN temp.map_articles m ON m.shard_id = v.article_id WHERE NOT EXISTS (SELECT 1"
        " FROM views_snapshots o WHERE o.article_id = m.id AND o.seen_at = v.seen_at"
        " AND o.views IS v.views) ORDER BY v.id").rowcount)  # fmt: skip
    merged.add("revisions", db.execute(
        "INSERT INTO article_revisions"
        " (article_id, seen_at, replaced_at, title, body, content_hash)"
        " SELECT m.id, r.seen_at, r.replaced_at, r.title, r.body, r.content_hash"
        " FROM shard.article_revisions r JOIN temp.map_articles m ON m.shard_id = r.article_id"
        " WHERE NOT EXISTS (SELECT 1 FROM article_revisions o WHERE o.article_id = m.id"
        " AND o.seen_at IS r.seen_at AND o.content_hash IS r.content_hash) ORDER BY r.id"
    ).rowcount)  # fmt: skip
    db.execute(
        "UPDATE article_revisions SET replaced_at = (SELECT min(r.replaced_at)"
        " FROM shard.article_revisions r JOIN temp.map_articles m ON m.shard_id = r.article_id"
        " WHERE m.id = article_revisions.article_id AND r.seen_at IS article_revisions.seen_at"
        " AND r.content_hash IS article_revisions.content_hash) WHERE replaced_at IS NULL"
        " AND article_id IN (SELECT id FROM temp.map_articles)"
    )
    db.execute(
        "INSERT OR IGNORE INTO article_categories (article_id, category_id)"
        " SELECT a.id, c.id FROM shard.article_categories l"
        " JOIN temp.map_articles a ON a.shard_id = l.article_id"
        " JOIN temp.map_categories c ON c.shard_id = l.category_id"
    )
    columns = _columns("attachments", ("article_id",))
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "url")
    merged.add("documents", db.execute(
        f"INSERT INTO attachments (article_id, {names}) SELECT m.id, {names}"
        " FROM shard.attachments t JOIN temp.map_articles m ON m.shard_id = t.article_id"
        f" WHERE true ON CONFLICT (article_id, url) DO UPDATE SET {updates}"
        " WHERE coalesce(excluded.fetched_at, '') > coalesce(attachments.fetched_at, '')"
    ).rowcount)  # fmt: skip


def _runs(db, source: tuple[str, int], merged: Merged) -> None:
    """The shard's own runs join the ledger once each, with their wards and fetch errors."""
    shard_id, seeded = source
    db.execute(
        "INSERT INTO temp.map_runs SELECT shard_run, run_id FROM merged_runs WHERE shard = ?",
        [shard_id],
    )
    columns = _columns("crawl_runs")
    names = ", ".join(columns)
    new = db.execute(
        "SELECT id FROM shard.crawl_runs WHERE id > ? AND id NOT IN"
        " (SELECT shard_id FROM temp.map_runs) ORDER BY id", [seeded]).fetchall()  # fmt: skip
    for (shard_run,) in new:
        run_id = db.execute(
            f"INSERT INTO crawl_runs ({names}) SELECT {names} FROM shard.crawl_runs WHERE id = ?",
            [shard_run],
        ).lastrowid
        db.execute("INSERT INTO merged_runs VALUES (?, ?, ?)", [shard_id, shard_run, run_id])
        merged.runs.append(run_id)
        db.execute("INSERT INTO temp.map_runs VALUES (?, ?)", [shard_run, run_id])
        for table in ("crawl_run_wards", "fetch_errors"):
            cols = _columns(table, ("id", "run_id"))
            db.execute(
                f"INSERT INTO {table} (run_id, {', '.join(cols)}) SELECT ?, {', '.join(cols)}"
                f" FROM shard.{table} WHERE run_id = ? ORDER BY rowid",
                [run_id, shard_run])  # fmt: skip
    merged.add("runs", len(new))
    db.execute(
        "UPDATE crawl_runs SET shard = (SELECT value FROM shard.archive_meta WHERE key = 'shard')"
        " WHERE id IN (SELECT id FROM temp.map_runs) AND shard IS NULL"
    )
    columns = _columns("wayback_processed", ("run_id",))
    names = ", ".join(columns)
    db.execute(
        f"INSERT OR IGNORE INTO wayback_processed (run_id, {names}) SELECT m.id, {names}"
        " FROM shard.wayback_processed w LEFT JOIN temp.map_runs m ON m.shard_id = w.run_id"
        " WHERE w.run_id IS NULL OR w.run_id > ?", [seeded])  # fmt: skip


def _captures(db, merged: Merged) -> None:
    """Captures by WARC file and offset, pointing at the archive's article and run."""
    columns = _columns("captures", ("id", "run_id", "article_id"))
    names = ", ".join(columns)
    merged.add("captures", db.execute(
        f"INSERT OR IGNORE INTO captures (run_id, article_id, {names})"
        f" SELECT r.id, a.id, {', '.join('c.' + c for c in columns)} FROM shard.captures c"
        " LEFT JOIN temp.map_runs r ON r.shard_id = c.run_id"
        " LEFT JOIN temp.map_articles a ON a.shard_id = c.article_id"
        " ORDER BY c.id").rowcount)  # fmt: skip


def _copy_warcs(db, source: Path, target: Path) -> None:
    """The WARC files the shard's captures point to, linked or copied into `target`."""
    names = [n for (n,) in db.execute(
        "SELECT DISTINCT warc_file FROM shard.captures WHERE warc_file IS NOT NULL")]  # fmt: skip
    if names:
        target.mkdir(parents=True, exist_ok=True)
    for name in names:
        have, want = target / name, source / name
        if have.exists():
            if have.stat().st_size != want.stat().st_size and not os.path.samefile(have, want):
                raise MergeError(f"{have}: a different WARC file of that name is in the archive")
            continue
        try:
            os.link(want, have)
        except OSError:
            partial = have.with_name(have.name + ".partial")
            shutil.copyfile(want, partial)
            partial.rename(have)
