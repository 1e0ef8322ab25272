"""The search index keeps no copy of the text (schema 11), and archives of schema 10 migrate.

Schema 10's index kept everything it indexed in its own content table: the search terms and the
whole text as published, a second and third copy beside `articles`. Schema 11's is contentless:
it holds where each token occurs and nothing else, so an article's entry is changed by deleting
the values it was indexed with (`index_article`'s `previous`), never by looking them up.
Snippets never needed the index's copy: `vi_snippet` marks the words in `articles`' text.
"""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest
import sqlite_utils

from wardcrawler.normalize import fold
from wardcrawler.search_terms import index_text
from wardcrawler.site.search import (
    MAX_SPELLINGS,
    IndexedSpellings,
    fold_same_length,
    fts_query,
    vi_query,
    vi_snippet,
)
from wardcrawler.store import schema
from wardcrawler.store.archive import Archive
from wardcrawler.store.schema import (
    FTS_INSERT,
    FTS_SQL,
    FTS_TOKENIZE,
    SCHEMA_VERSION,
    NotIndexedThatWay,
    index_article,
    migrate,
)

WARD = {"slug": "w1", "name": "Phường Một", "province": "Hà Nội", "district": None,
        "url": "http://w1.example/", "family": "hanoi-portal"}  # fmt: skip
TEXTS = {  # article_key: (title, body)
    "party": ("Đảng bộ phường họp", "Nghị quyết của Đảng ủy phường Phúc Lợi."),
    "now": ("Tổ dân phố đang triển khai", "Công việc đang làm."),
    "city": ("Thành uỷ chỉ đạo", "Ban Thường vụ Thành ủy kiểm tra."),
}
# Schema 10's index, as that version created and filled it.
SCHEMA_10_FTS = ("CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, published,"
                 f' tokenize="{FTS_TOKENIZE}")')  # fmt: skip
SEARCH = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid"


def schema_10_archive(path) -> dict[str, int]:
    """An archive as schema 10 left it (its index with its own copy of the text): the ids."""
    archive = Archive(path)
    archive.save_ward(WARD)
    db = archive.db
    db.execute("DROP TABLE articles_fts")
    db.execute(SCHEMA_10_FTS)
    ids = {}
    for key, (title, body) in TEXTS.items():
        row = {"ward": "w1", "article_key": key, "url": f"http://w1.example/{key}.htm",
               "title": title, "body": body}  # fmt: skip
        ids[key] = db["articles"].insert(row).last_pk
        db.execute(
            "INSERT INTO articles_fts (rowid, title, body, published) VALUES (?, ?, ?, ?)",
            [ids[key], index_text(title), index_text(body), f"{title}\n{body}"],
        )
    db.execute("PRAGMA user_version = 10")
    archive.close()
    return ids


def hits(db: sqlite_utils.Database, query: str, raw: bool = False) -> list[int]:
    """Ids of the articles a search finds (`raw`: an FTS5 query as typed)."""
    return [r[0] for r in db.execute(SEARCH, [query if raw else fts_query(query)])]


def fts_tables(db: sqlite_utils.Database) -> set[str]:
    """The index's table and shadow tables."""
    rows = db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'articles_fts%'")
    return {r[0] for r in rows}


def test_a_schema_10_archive_gets_an_index_without_a_copy_of_the_text(tmp_path):
    ids = schema_10_archive(tmp_path / "v10.db")
    before = sqlite3.connect(tmp_path / "v10.db")
    assert "articles_fts_content" in {
        r[0] for r in before.execute("SELECT name FROM sqlite_master")
    }
    before.close()
    db = Archive(tmp_path / "v10.db").db
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 12
    assert db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone() == (
        FTS_SQL,
    )
    assert "articles_fts_content" not in fts_tables(db)
    assert db.execute("SELECT title, body, published FROM articles_fts").fetchall() == [
        (None, None, None)
    ] * len(TEXTS)  # nothing of the text is kept by the index
    assert hits(db, "Đảng") == [ids["party"]]
    assert hits(db, "dang") == [ids["party"], ids["now"]]
    assert hits(db, "Thành uỷ") == hits(db, "thanh uy") == [ids["city"]]
    assert hits(db, '"phuc loi"') == [ids["party"]]
    assert hits(db, 'published: "thành ủy"', raw=True) == [ids["city"]]  # raw: as published
    ranked = db.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank",
        [fts_query("dang")],
    ).fetchall()
    assert sorted(r[0] for r in ranked) == [ids["party"], ids["now"]]  # bm25 needs no text


def test_an_index_of_this_layout_is_not_rebuilt(tmp_path, monkeypatch):
    schema_10_archive(tmp_path / "a.db")
    Archive(tmp_path / "a.db").close()

    def rebuild(db):
        raise AssertionError("rebuilt again")

    monkeypatch.setattr(schema, "_index_all", rebuild)
    Archive(tmp_path / "a.db").close()


def test_the_rebuild_indexes_every_article_across_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(schema, "REBUILD_BATCH", 2)
    ids = schema_10_archive(tmp_path / "a.db")
    db = Archive(tmp_path / "a.db").db
    assert hits(db, "phuong") == [ids["party"]]
    assert db.execute("SELECT count(*) FROM articles_fts_docsize").fetchone() == (len(TEXTS),)


@pytest.fixture
def db() -> sqlite_utils.Database:
    database = sqlite_utils.Database(memory=True)
    migrate(database)
    return database


def test_reindexing_with_the_previous_text_leaves_no_trace_of_it(db):
    index_article(db, 7, "Đảng bộ phường họp", "Nghị quyết.")
    index_article(db, 7, "Tổ dân phố đang họp", "Công việc.", previous=("Đảng bộ phường họp",
                                                                      "Nghị quyết."))  # fmt: skip
    assert hits(db, "Đảng") == hits(db, "nghi") == []
    assert hits(db, "dang") == hits(db, "đang") == hits(db, "viec") == [7]
    assert hits(db, "published: nghị", raw=True) == []
    db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
    index_article(db, 7, "Tổ dân phố đang họp", "Công việc.",
                  previous=("Tổ dân phố đang họp", "Công việc."))  # unchanged  # fmt: skip
    assert hits(db, "dang") == [7]
    assert db.execute("SELECT count(*) FROM articles_fts_docsize").fetchone() == (1,)


def test_reindexing_without_the_previous_text_is_refused(db):
    index_article(db, 7, "Đảng bộ phường họp", None)
    with pytest.raises(NotIndexedThatWay, match="previous"):
        index_article(db, 7, "Tổ dân phố", None)
    assert hits(db, "Đảng") == [7] and hits(db, "pho") == []  # the index is as it was


@pytest.mark.parametrize("text", [
    "Đảng bộ phường Phúc Lợi", unicodedata.normalize("NFD", "Thành uỷ, hoà giải"), "İĐđẠ\u0301 x",
    "\u4e2d\u6587 \U0001f600 \uffff", "",
])  # fmt: skip
def test_snippets_fold_each_character_as_fold_does(text):
    assert fold_same_length(text) == "".join((fold(c) or " ")[0] for c in text)
    assert len(fold_same_length(text)) == len(text)  # positions map back to the text


def test_a_snippet_marks_the_words_of_a_contentless_index_hit(db):
    body = unicodedata.normalize("NFD", "Ban Thường vụ Thành uỷ họp.")
    index_article(db, 3, "Tin", body)
    assert hits(db, "thanh uy") == [3]
    assert vi_snippet(body, "thanh uy") == "Ban Thường vụ <mark>Thành</mark> <mark>uỷ</mark> họp."


def test_an_unmarked_word_is_read_as_the_or_of_the_spellings_the_index_holds(db):
    for article_id, text in enumerate(["Đảng bộ", "đang làm", "đăng ký", "dạng mẫu", "dang"], 1):
        index_article(db, article_id, text, None)
    spellings = IndexedSpellings(db.conn)
    assert spellings("dang_") == ["dang_", "dang_0d", "dang_0d1b", "dang_0dr", "dang_j"]
    assert spellings("khong_") == [] and spellings("dang") is None  # a prefix ends with "_"
    for query in ("dang", "dang bo", "Đảng", '"dang ky"', "dang OR", "zzz"):
        ored = vi_query(query, spellings)
        assert hits(db, ored, raw=True) == hits(db, query), query  # the same rows either way
    assert vi_query("dang", spellings) == (
        '{title body} : (("dang_" OR "dang_0d" OR "dang_0d1b" OR "dang_0dr" OR "dang_j"))'
    )
    assert vi_query('"dang ky"', spellings) == vi_query('"dang ky"')  # a phrase: its prefixes


def test_a_word_of_more_spellings_than_an_or_should_hold_stays_a_prefix_query(db):
    tokens = " ".join(f"dang_{n}" for n in range(MAX_SPELLINGS + 1))  # a hostile text's marks
    db.execute(FTS_INSERT, [9, tokens, "", tokens])
    spellings = IndexedSpellings(db.conn)
    assert len(spellings("dang_")) > MAX_SPELLINGS
    assert vi_query("dang", spellings) == vi_query("dang") == '{title body} : ("dang_" *)'


def test_without_an_index_the_query_is_the_prefix_query(tmp_path):
    connection = sqlite3.connect(tmp_path / "empty.db")
    assert IndexedSpellings(connection)("dang_") is None
    assert vi_query("dang", IndexedSpellings(connection)) == vi_query("dang")
