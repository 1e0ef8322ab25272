"""What the articles page's search runs, through real Datasette and SQLite (no timings here:
bench/bench_search.py times them at a million articles).

A search's count is the index's count; its newest rows are found by walking the posted_at index
once it has many matches; a JSON search computes no facet unless asked; an unmarked word is the
OR of the index's spellings. Each answer is compared with the same question asked of SQLite
directly, the way Datasette asks it unplanned.
"""

from __future__ import annotations

import asyncio
import sqlite3
import urllib.parse

import pytest
from datasette.app import Datasette

from wardcrawler.normalize import content_hash
from wardcrawler.site import planner
from wardcrawler.site.plugin import prepare_connection
from wardcrawler.site.serve import (
    TEMPLATES,
    build_metadata,
    datasette_app,
    register_plugin,
    settings,
)
from wardcrawler.store.archive import Archive, ArticleRecord

WARDS = ["w1", "w2", "w3"]
SENTENCES = [
    "Đảng bộ phường họp bàn.",  # Đảng
    "Tổ dân phố đang triển khai.",  # đang
    "Thông báo đăng ký hồ sơ.",  # đăng
    "Các dạng biểu mẫu.",  # dạng
    "Cộng đồng dân cư góp ý.",
]
ARTICLES = 120


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """An archive of 120 articles over 3 wards, each with some of the sentences, posting
    dates not in id order, some without a date."""
    path = tmp_path_factory.mktemp("speed") / "wards.db"
    archive = Archive(path)
    for slug in WARDS:
        archive.save_ward({"slug": slug, "name": f"Phường {slug}", "province": "Hà Nội",
                           "district": None, "url": f"http://{slug}.example/",
                           "family": "hanoi-portal"})  # fmt: skip
    for i in range(ARTICLES):
        body = " ".join(s for k, s in enumerate(SENTENCES) if (i + k) % (k + 2) == 0) or "Tin."
        day = (i * 37) % 300
        posted = (
            None if i % 17 == 5 else f"2025-{1 + day // 28:02d}-{1 + day % 28:02d}T08:00:00+07:00"
        )
        archive.save_article(ArticleRecord(
            ward=WARDS[i % 3], article_key=str(i), url=f"http://{WARDS[i % 3]}.example/{i}.htm",
            title=f"Tin số {i}", posted_at=posted, posted_raw=posted, views=i, body=body,
            content_hash=content_hash(f"Tin số {i}", body), attachments=[],
        ))  # fmt: skip
    archive.close()
    return path


def traced(db, *paths: str) -> list[tuple[dict, list[str]]]:
    """Each path's JSON answer and the SQL Datasette ran for it (`?_trace=1`)."""

    async def run():
        register_plugin()  # as datasette_app builds it, with Datasette's SQL trace on
        ds = Datasette([str(db)], metadata=build_metadata(db), template_dir=str(TEMPLATES),
                       settings={**settings(), "trace_debug": True})  # fmt: skip
        await ds.invoke_startup()
        out = []
        for path in paths:
            answer = (await ds.client.get(path + ("&" if "?" in path else "?") + "_trace=1")).json()
            out.append((answer, [" ".join(t["sql"].split()) for t in answer["_trace"]["traces"]]))
        return out

    return asyncio.run(run())


def direct(db, sql: str, params=()) -> list:
    """SQL run on the archive as Datasette's connections run it (the archive's functions)."""
    connection = sqlite3.connect(db)
    prepare_connection(connection)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


MATCHES = "select rowid from articles_fts where articles_fts match escape_fts(?)"


def newest(db, query: str, where: str = "", params=()) -> list[int]:
    """The ids a search finds, newest first, as Datasette's own SQL orders them."""
    sql = (f"select id from articles where {where}rowid in ({MATCHES})"
           " order by posted_at desc, id")  # fmt: skip
    return [r[0] for r in direct(db, sql, [*params, query])]


def search_url(query: str, extra: str = "", size: int = 10) -> str:
    return f"/wards/articles.json?_search={urllib.parse.quote(query)}&_size={size}{extra}"


@pytest.mark.parametrize("query", ["Đảng", "dang", '"cong dong dan cu"', "khongcotu"])
def test_a_search_is_counted_by_the_index_alone_and_counts_what_articles_hold(db, query):
    ((answer, sqls),) = traced(db, search_url(query))
    counts = [s for s in sqls if s.startswith("select count(*) from articles")]
    assert counts == [
        "select count(*) from articles_fts where articles_fts match escape_fts(:search)"
    ]
    (expected,) = direct(db, f"select count(*) from articles where rowid in ({MATCHES})", [query])
    assert answer["filtered_table_rows_count"] == expected[0]


def test_a_filtered_search_is_counted_over_articles(db):
    ((answer, sqls),) = traced(db, search_url("dang", "&ward=w2"))
    counted = 'select count(*) from articles where "ward" = :p0 and rowid in'
    assert any(s.startswith(counted) for s in sqls)
    (expected,) = direct(
        db, f"select count(*) from articles where ward = 'w2' and rowid in ({MATCHES})", ["dang"]
    )
    assert answer["filtered_table_rows_count"] == expected[0] > 0


PLANS = {  # (WALK_FROM, ASK_FROM): the rows query's search clause
    (10_000, 10): "where rowid in (select rowid from articles_fts",  # Datasette's: look up, sort
    (1, 0): "+rowid in (select rowid from articles_fts",  # walk posted_at, matches collected
    (1, 10**9): "exists (select 1 from articles_fts where",  # walk posted_at, each one asked
}


@pytest.mark.parametrize(("walk_from", "ask_from"), list(PLANS))
def test_the_newest_matches_come_in_the_same_order_whatever_the_plan(
    db, monkeypatch, walk_from, ask_from
):
    monkeypatch.setattr(planner, "WALK_FROM", walk_from)
    monkeypatch.setattr(planner, "ASK_FROM", ask_from)
    others = set(PLANS.values()) - {PLANS[walk_from, ask_from]}
    ids, path = [], search_url("dang")
    while path:
        ((answer, sqls),) = traced(db, path)
        rows = [s for s in sqls if s.startswith("select id, ward")]
        assert len(rows) == 1
        assert PLANS[walk_from, ask_from] in rows[0]
        assert not any(other in rows[0] for other in others)
        ids += [row[0] for row in answer["rows"]]
        path = answer["next_url"] and answer["next_url"].replace("http://localhost", "")
        path = path and path.replace("&_trace=1", "")
    assert ids == newest(db, "dang") and len(ids) > 20  # every page, none twice, none missed


@pytest.mark.parametrize("ask_from", [0, 10**9])
def test_a_walked_search_with_a_filter_finds_what_sqlite_finds(db, monkeypatch, ask_from):
    monkeypatch.setattr(planner, "WALK_FROM", 1)
    monkeypatch.setattr(planner, "ASK_FROM", ask_from)
    ((answer, sqls),) = traced(db, search_url("Đảng", "&ward=w1", size=100))
    assert any(PLANS[1, ask_from] in s for s in sqls)
    found = [r[0] for r in answer["rows"]]
    assert found == newest(db, "Đảng", "ward = ? and ", ["w1"]) and len(found) > 5


def test_a_json_search_computes_no_facet_unless_asked(db):
    (plain, plain_sqls), (asked, _), (listing, _) = traced(
        db, search_url("dang"), search_url("dang", "&_facet=ward"), "/wards/articles.json?_size=1"
    )
    assert plain["facet_results"] == {} and not any("group by" in s for s in plain_sqls)
    assert plain["filtered_table_rows_count"] > 0  # counted all the same
    wards = {f["value"]: f["count"] for f in asked["facet_results"]["ward"]["results"]}
    expected = direct(db, f"select ward, count(*) from articles where rowid in ({MATCHES})"
                          " group by ward", ["dang"])  # fmt: skip
    assert wards == dict(expected)
    assert {"ward", "province", "posted_year", "posted_month"} <= set(listing["facet_results"])


def test_the_html_search_page_shows_the_tables_facets(db):
    async def run():
        ds = datasette_app(db)
        await ds.invoke_startup()
        return await ds.client.get("/wards/articles?_search=dang")

    html = asyncio.run(run()).text
    for column in ("ward", "province", "category_names", "posted_year", "posted_month"):
        assert f'data-column="{column}"' in html, column


def test_an_unmarked_word_is_the_or_of_the_index_spellings(db):
    (query,) = direct(db, "select escape_fts(?)", ["dang"])
    assert query[0] == '{title body} : (("dang_0d" OR "dang_0d1b" OR "dang_0dr" OR "dang_j"))'
    (phrase,) = direct(db, "select escape_fts(?)", ['"dang ky"'])
    assert phrase[0] == '{title body} : ("dang_" * + "ky_" *)'  # a phrase keeps its prefixes
