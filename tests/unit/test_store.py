"""The SQLite store: schema, upserts without duplicates, categories linked in any order."""

import json
import sqlite3

from wardcrawler.normalize import content_hash
from wardcrawler.site.search import fts_query
from wardcrawler.store.archive import Archive, ArticleRecord
from wardcrawler.store.schema import SCHEMA_VERSION

WARD = {
    "slug": "w1", "name": "Phường Một", "province": "Hà Nội", "district": None,
    "url": "http://w1.example/", "family": "hanoi-portal",
}  # fmt: skip


def record(**changes) -> ArticleRecord:
    values = dict(
        ward="w1", article_key="k1", url="http://w1.example/a/x-1.htm", title="Tiêu đề",
        posted_at="2023-09-15T06:30:00+07:00", posted_raw="06:30 15/09/2023", views=5,
        body="Đoạn một.\n\nĐoạn hai ./.", content_hash="",
        attachments=[{"url": "http://w1.example/f.pdf", "kind": "document", "name": "f.pdf"}],
    )  # fmt: skip
    values.update(changes)
    values["content_hash"] = content_hash(values["title"], values["body"])
    return ArticleRecord(**values)


def open_archive(tmp_path) -> Archive:
    archive = Archive(tmp_path / "a.db")
    archive.save_ward(WARD)
    return archive


def test_schema_wal_and_migration_is_idempotent(tmp_path):
    archive = open_archive(tmp_path)
    archive.close()
    again = Archive(tmp_path / "a.db")
    names = set(again.db.table_names())
    assert {"wards", "articles", "categories", "article_categories", "attachments",
            "crawl_runs", "crawl_run_wards", "fetch_errors", "articles_fts"} <= names  # fmt: skip
    assert again.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert again.db["wards"].count == 1


def test_save_twice_is_one_row_and_reports_outcome(tmp_path):
    archive = open_archive(tmp_path)
    assert archive.save_article(record()) == "new"
    assert archive.save_article(record()) == "unchanged"
    assert archive.save_article(record(views=7)) == "updated"
    rows = list(archive.db["articles"].rows)
    assert len(rows) == 1
    assert rows[0]["views"] == 7
    assert rows[0]["posted_date"] == "2023-09-15" and rows[0]["posted_year"] == 2023
    assert archive.db["attachments"].count == 1


def test_url_of_first_sighting_is_kept(tmp_path):
    archive = open_archive(tmp_path)
    archive.save_article(record())
    archive.save_article(record(url="http://w1.example/other/x-1.htm"))
    assert [r["url"] for r in archive.db["articles"].rows] == ["http://w1.example/a/x-1.htm"]


def test_categories_link_whether_listing_comes_before_or_after(tmp_path):
    archive = open_archive(tmp_path)
    news = archive.category_id("w1", "http://w1.example/tin", "Tin tức")
    party = archive.category_id("w1", "http://w1.example/dang", "Đảng bộ")
    archive.record_listing(news, "w1", "k1")  # listed before the article is stored
    archive.save_article(record())
    archive.record_listing(party, "w1", "k1")  # listed after
    archive.record_listing(party, "w1", "k1")  # seen twice
    row = next(archive.db["articles"].rows)
    assert json.loads(row["category_names"]) == ["Tin tức", "Đảng bộ"]
    assert archive.db["article_categories"].count == 2


def test_full_text_search_without_diacritics(tmp_path):
    archive = open_archive(tmp_path)
    archive.save_article(record(title="Đảng bộ phường Phúc Lợi họp dân"))
    archive.save_article(record(title="Đảng bộ phường Phúc Lợi họp dân, bản sửa"))  # reindexed
    for query in ("phuong phuc loi", "PHƯỜNG", "dang bo", "Đảng bộ", '"dang bo phuong"', "sua"):
        hits = archive.db.execute(
            "select rowid from articles_fts where articles_fts match ?", [fts_query(query)]
        ).fetchall()
        assert hits == [(1,)], query
    for query in ("khong", "đang", "bỏ"):  # absent, or other spellings of the words present
        sql = "select rowid from articles_fts where articles_fts match ?"
        assert not archive.db.execute(sql, [fts_query(query)]).fetchall(), query


def test_history_views_snapshots_revisions_and_tombstones(tmp_path):
    archive = open_archive(tmp_path)
    archive.save_article(record(views=5))
    archive.save_article(record(views=5))  # unchanged counter: no new snapshot
    archive.save_article(record(views=9, title="Tiêu đề đã sửa"))
    snapshots = [r["views"] for r in archive.db["views_snapshots"].rows]
    assert snapshots == [5, 9]
    (revision,) = archive.db["article_revisions"].rows
    assert revision["title"] == "Tiêu đề" and revision["replaced_at"] >= revision["seen_at"]
    assert next(archive.db["articles"].rows)["title"] == "Tiêu đề đã sửa"
    assert archive.mark_gone("w1", "k1", 410, None)
    assert not archive.mark_gone("w1", "nope", 404, None)
    row = next(archive.db["articles"].rows)
    assert row["gone_at"] and row["gone_status"] == 410
    assert archive.known_articles("w1") == {}
    assert archive.save_article(record(views=9, title="Tiêu đề đã sửa")) == "updated"  # back
    assert next(archive.db["articles"].rows)["gone_at"] is None


def test_listed_through(tmp_path):
    archive = open_archive(tmp_path)
    news = archive.category_id("w1", "http://w1.example/tin", "Tin tức")
    archive.category_id("w1", "http://w1.example/dang", "Đảng bộ")
    archive.mark_listed_through(news)
    assert archive.listed_through("w1") == {"http://w1.example/tin"}


def test_local_month_and_province_are_stored(tmp_path):
    archive = open_archive(tmp_path)
    archive.save_article(record(posted_at="2023-10-01T00:30:00+07:00"))
    row = next(archive.db["articles"].rows)
    assert (row["posted_date"], row["posted_month"], row["province"]) == (
        "2023-10-01",
        "2023-10",
        "Hà Nội",
    )


def test_migrates_a_version_1_archive_without_losing_rows(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        """
        create table wards (slug text primary key, name text, province text, district text,
                            url text, family text);
        create table articles (id integer primary key, ward text, article_key text, url text,
                               title text, posted_at text, posted_raw text, posted_date text,
                               posted_year integer, views integer, body text,
                               category_names text, content_hash text, first_seen_at text,
                               last_seen_at text);
        insert into wards values ('w1', 'Phường Một', 'Hà Nội', null, 'http://w1/', 'hanoi-portal');
        insert into articles (ward, article_key, url, title, posted_date)
            values ('w1', 'k', 'http://w1/k-1.htm', 'T', '2024-02-03');
        pragma user_version = 1;
        """
    )
    db.close()
    archive = Archive(path)
    (row,) = archive.db["articles"].rows
    assert (row["title"], row["posted_month"], row["province"]) == ("T", "2024-02", "Hà Nội")
    assert archive.db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    assert [r["views"] for r in archive.db["views_snapshots"].rows] == []


def test_an_older_capture_never_undoes_a_tombstone(tmp_path):
    archive = open_archive(tmp_path)
    archive.save_article(record(title="Bản mới"), seen="2026-01-01T00:00:00+00:00")
    archive.mark_gone("w1", "k1", 404, None, seen="2026-03-01T00:00:00+00:00")
    archive.save_article(record(title="Bản cũ"), seen="2026-02-01T00:00:00+00:00")
    row = next(archive.db["articles"].rows)
    assert (row["gone_status"], row["title"]) == (404, "Bản mới")
    assert [r["title"] for r in archive.db["article_revisions"].rows] == ["Bản cũ"]


def test_older_versions_are_history_in_date_order(tmp_path):
    archive = open_archive(tmp_path)
    archive.save_article(record(title="v3", views=30), seen="2026-01-01T00:00:00+00:00")
    for title, views, year in (("v1", 10, 2020), ("v2", 20, 2021)):
        seen = f"{year}-01-01T00:00:00+00:00"
        archive.save_article(record(title=title, views=views), seen=seen, every_snapshot=True)
    revisions = list(
        archive.db.query("select title, replaced_at from article_revisions order by seen_at")
    )
    assert revisions == [
        {"title": "v1", "replaced_at": "2021-01-01T00:00:00+00:00"},
        {"title": "v2", "replaced_at": None},
    ]
    assert [
        r["views"] for r in archive.db.query("select views from views_snapshots order by seen_at")
    ] == [10, 20, 30]
    row = next(archive.db["articles"].rows)
    assert (row["title"], row["first_seen_at"]) == ("v3", "2020-01-01T00:00:00+00:00")


def test_an_older_listing_keeps_the_newer_category_name(tmp_path):
    archive = open_archive(tmp_path)
    first = archive.category_id("w1", "http://w1/tin", "Tin tức mới", seen="2026-01-01")
    again = archive.category_id("w1", "http://w1/tin", "Tin tức cũ", seen="2019-01-01")
    assert first == again
    assert archive.db["categories"].get(first)["name"] == "Tin tức mới"


def test_an_older_search_index_layout_is_rebuilt(tmp_path):
    path = tmp_path / "old.db"
    archive = Archive(path)
    archive.save_ward(WARD)
    archive.save_article(record(title="Đảng bộ phường"))
    archive.db.execute("DROP TABLE articles_fts")
    archive.db["articles"].enable_fts(["title", "body"], fts_version="FTS5", create_triggers=True)
    archive.close()
    again = Archive(path)
    sql = "select rowid from articles_fts where articles_fts match ?"
    assert again.db.execute(sql, [fts_query("dang bo")]).fetchall() == [(1,)]
    assert again.db.execute(sql, [fts_query("Đảng bộ")]).fetchall() == [(1,)]
    again.save_article(record(title="Đảng bộ phường", views=8))  # no error: the index fits


def test_a_folded_search_index_of_schema_8_is_rebuilt_with_exact_terms(tmp_path):
    path = tmp_path / "v8.db"
    archive = Archive(path)
    archive.save_ward(WARD)
    archive.save_article(record(title="Đảng bộ phường"))
    archive.save_article(record(article_key="k2", url="http://w1.example/a/y-2.htm",
                                title="Tổ dân phố đang họp"))  # fmt: skip
    archive.db.execute("DROP TABLE articles_fts")
    archive.db.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, folded,"
                       " tokenize='unicode61 remove_diacritics 2')")  # fmt: skip
    archive.db.execute("INSERT INTO articles_fts (rowid, title, body, folded) SELECT id, title,"
                       " body, lower(title) FROM articles")  # fmt: skip
    archive.db.execute("PRAGMA user_version = 8")
    archive.close()
    again = Archive(path)
    sql = "select rowid from articles_fts where articles_fts match ?"
    assert again.db.execute(sql, [fts_query("Đảng")]).fetchall() == [(1,)]
    assert again.db.execute(sql, [fts_query("đang")]).fetchall() == [(2,)]
    assert sorted(again.db.execute(sql, [fts_query("dang")]).fetchall()) == [(1,), (2,)]
    assert again.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_archive_from_a_newer_wardcrawler_is_refused(tmp_path):
    import pytest

    from wardcrawler.store.schema import NewerArchive

    db = sqlite3.connect(tmp_path / "new.db")
    db.execute(f"pragma user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(NewerArchive):
        Archive(tmp_path / "new.db")
