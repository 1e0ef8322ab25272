"""Researchers' Datasette: Vietnamese search, relevance, local-time facets, feeds, downloads."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import urllib.parse
from datetime import datetime
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.helpers import datasette_get, run_cli
from wardcrawler.normalize import fold
from wardcrawler.site.serve import SHIPPED_METADATA

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# (spellings with marks: the same words; the same typed without any mark)
SPELLING_GROUPS = [
    (["Đảng bộ", "đảng bộ", "ĐẢNG BỘ"], ["dang bo", "DANG BO"]),
    (["Thành uỷ", "thành ủy", "THÀNH ỦY", "thành uỷ"], ["thanh uy"]),
    (['"Đảng bộ phường"'], ['"dang bo phuong"']),
    (["phòng cháy", "PHÒNG CHÁY"], ["phong chay"]),
]


fetch = datasette_get


def search_ids(db, queries):
    paths = [
        "/wards/articles.json?_shape=objects&_size=max&_col=id&_search=" + urllib.parse.quote(q)
        for q in queries
    ]
    return [{r["id"] for r in response.json()["rows"]} for response in fetch(db, *paths)]


@pytest.mark.parametrize("group", SPELLING_GROUPS, ids=lambda g: g[0][0])
def test_every_spelling_finds_the_same_articles(crawl, group):
    marked, plain = group
    exact, folded = search_ids(crawl.db, marked), search_ids(crawl.db, plain)
    assert exact[0], f"no article matches {marked[0]!r}"
    assert all(r == exact[0] for r in exact), dict(zip(marked, map(len, exact), strict=True))
    assert all(r == folded[0] for r in folded)
    assert exact[0] <= folded[0]


def texts_of(db_path) -> dict[int, str]:
    db = sqlite3.connect(db_path)
    return dict(db.execute("select id, title || ' ' || body from articles"))


def test_search_matches_what_the_text_says(crawl):
    (ids,) = search_ids(crawl.db, ["thanh uy"])
    words = {i: re.findall(r"\w+", fold(t)) for i, t in texts_of(crawl.db).items()}
    expected = {i for i, w in words.items() if "thanh" in w and "uy" in w}
    assert ids == expected


def test_a_search_with_marks_finds_only_those_words(crawl):
    (ids,) = search_ids(crawl.db, ["Thành uỷ"])
    texts = texts_of(crawl.db)
    words = {i: set(re.findall(r"\w+", t.lower().replace("ủy", "uỷ"))) for i, t in texts.items()}
    assert ids == {i for i, w in words.items() if {"thành", "uỷ"} <= w}


def test_relevance_search_page_ranks_and_highlights(crawl):
    (response,) = fetch(crawl.db, "/wards/search.json?_shape=objects&q=chi+thi+24")
    rows = response.json()["rows"]
    seed = "Chi bộ tổ dân phố số 2, Đảng bộ phường Phúc Lợi tổ chức sinh hoạt chính trị, tư tưởng"
    assert seed in [r["title"] for r in rows]
    assert (
        "<mark>Chỉ</mark> <mark>thị</mark> số <mark>24</mark>"
        in rows[[r["title"] for r in rows].index(seed)]["snippet"]
    )
    assert {"ward_name", "categories", "posted_date", "url"} <= set(rows[0])
    db = sqlite3.connect(crawl.db)
    texts = dict(db.execute("select id, title || ' ' || body from articles"))
    for row in rows:
        words = re.findall(r"\w+", fold(texts[row["id"]]))
        assert {"chi", "thi", "24"} <= set(words), row["title"]


def test_relevance_search_filters_by_ward_and_dates(crawl):
    ward = crawl.truth["wards"][0]["slug"]
    (everywhere, one_ward, dated) = fetch(
        crawl.db,
        "/wards/search.json?_shape=objects&q=phuong",
        f"/wards/search.json?_shape=objects&q=phuong&ward={ward}",
        "/wards/search.json?_shape=objects&q=phuong&since=2025-01-01&until=2025-12-31",
    )
    everywhere, one_ward, dated = (r.json()["rows"] for r in (everywhere, one_ward, dated))
    assert len(one_ward) < len(everywhere)
    assert dated and all("2025-01-01" <= r["posted_date"] <= "2025-12-31" for r in dated)


def test_search_page_html_renders_highlights(crawl):
    (response,) = fetch(crawl.db, "/wards/search?q=thanh+uy")
    assert response.status_code == 200
    assert "<mark>Thành</mark> <mark>uỷ</mark>" in response.text


def test_empty_or_odd_queries_do_not_error(crawl):
    for q in ["", '"', "24-CT/TU", "AND OR NOT", "(*)"]:
        (response,) = fetch(crawl.db, "/wards/search.json?q=" + urllib.parse.quote(q))
        assert response.status_code == 200, (q, response.text[:300])


def test_date_facets_are_vietnam_local_dates(crawl):
    db = sqlite3.connect(crawl.db)
    rows = db.execute("select posted_at, posted_date, posted_month, posted_year from articles")
    for posted_at, day, month, year in rows:
        assert posted_at[:10] == day and day[:7] == month and int(day[:4]) == year
    (response,) = fetch(crawl.db, "/wards/articles.json?_facet=posted_month&_facet=province")
    facets = response.json()["facet_results"]
    months = {f["value"]: f["count"] for f in facets["posted_month"]["results"]}
    counted = dict(db.execute("select posted_month, count(*) from articles group by 1"))
    for month, count in months.items():
        assert counted[month] == count
    provinces = {w["province"] for w in crawl.truth["wards"]}  # every replica ward has articles
    assert {f["value"] for f in facets["province"]["results"]} == provinces


@pytest.mark.parametrize("query", ["newest_per_ward", "articles_per_month", "coverage",
                                   "most_viewed", "downloads"])  # fmt: skip
def test_canned_queries_answer(crawl, query):
    (response,) = fetch(crawl.db, f"/wards/{query}.json?_shape=objects")
    assert response.status_code == 200
    assert response.json()["rows"]


def test_coverage_per_ward(crawl):
    (response,) = fetch(crawl.db, "/wards/coverage.json?_shape=objects")
    rows = {r["ward"]: r for r in response.json()["rows"]}
    for ward in crawl.truth["wards"]:
        articles = [a for a in crawl.truth["articles"] if a["ward"] == ward["slug"]]
        row = rows[ward["slug"]]
        assert row["articles"] == len(articles)
        assert row["last_article"] == max(a["posted_at"] for a in articles)
        assert row["last_successful_crawl"]


def test_atom_feeds(crawl):
    ward = crawl.truth["wards"][0]["slug"]
    ward_feed, search_feed = fetch(
        crawl.db, f"/wards/ward_feed.atom?ward={ward}", "/wards/search_feed.atom?q=dang+bo"
    )
    namespace = {"a": "http://www.w3.org/2005/Atom"}
    for response in (ward_feed, search_feed):
        assert response.status_code == 200
        entries = ElementTree.fromstring(response.content).findall("a:entry", namespace)
        assert entries
    titles = [e.find("a:title", namespace).text for e in ElementTree.fromstring(ward_feed.content)
              .findall("a:entry", namespace)]  # fmt: skip
    newest = max((a for a in crawl.truth["articles"] if a["ward"] == ward),
                 key=lambda a: a["posted_at"])  # fmt: skip
    assert titles[0] == newest["title"]


def test_dashboard_page(crawl):
    (response,) = fetch(crawl.db, "/-/dashboards/overview")
    assert response.status_code == 200
    assert "Articles per month per ward" in response.text


def test_download_every_article_with_categories_as_jsonl(crawl):
    (response,) = fetch(crawl.db, "/-/download/articles.jsonl")
    assert response.status_code == 200
    assert "\\u" not in response.text and "Phường" in response.text
    records = [json.loads(line) for line in response.text.splitlines()]
    assert len(records) == len(crawl.truth["articles"])
    by_key = {(r["ward"], r["article_key"]): r for r in records}
    for article in crawl.truth["articles"]:
        record = by_key[(article["ward"], article["key"])]
        assert sorted(record["categories"]) == sorted(article["categories"])
        assert sorted(a["url"] for a in record["attachments"]) == sorted(article["attachments"])


def test_download_one_ward_as_csv(crawl):
    ward = crawl.truth["wards"][-1]["slug"]
    (response, missing) = fetch(
        crawl.db, f"/-/download/articles.csv?ward={ward}", "/-/download/articles.csv?ward=nowhere"
    )
    assert 'filename="wards-' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == sum(a["ward"] == ward for a in crawl.truth["articles"])
    assert all(json.loads(r["categories"]) for r in rows)
    assert missing.status_code == 404


def test_export_command_matches_download(crawl, tmp_path):
    out = tmp_path / "all.jsonl"
    result = run_cli("export", "--db", str(crawl.db), "--format", "jsonl", "--output", str(out))
    assert result.returncode == 0, result.stderr
    (response,) = fetch(crawl.db, "/-/download/articles.jsonl")
    assert out.read_text(encoding="utf-8") == response.text
    since = run_cli("export", "--db", str(crawl.db), "--since", "2025-07-01", "--format", "json")
    records = json.loads(since.stdout)
    assert records and all(r["posted_at"] >= "2025-07-01" for r in records)
    assert len(records) == sum(a["posted_at"] >= "2025-07-01" for a in crawl.truth["articles"])


def test_public_serving_is_locked_down(crawl):
    robots, settings, database = fetch(
        crawl.db, "/robots.txt", "/-/settings.json", "/wards.db", public=True
    )
    assert "Disallow: /*?" in robots.text and "Disallow: /-/" in robots.text
    assert settings.json()["sql_time_limit_ms"] == 1000
    assert database.status_code == 403


def test_datasette_reads_while_a_crawl_holds_a_write_lock(crawl):
    writer = sqlite3.connect(crawl.db, isolation_level=None)
    writer.execute("begin immediate")
    writer.execute("update articles set views = views where id = 1")
    try:
        (response,) = fetch(crawl.db, "/wards/articles.json?_search=dang+bo")
        assert response.status_code == 200 and response.json()["rows"]
    finally:
        writer.execute("rollback")
        writer.close()


def test_a_folded_word_that_is_ambiguous_is_exact_only_when_typed_with_marks(tmp_path):
    """`dang` is also `dạng` (form): `Đảng bộ` finds only the party, `dang bo` both."""
    from wardcrawler.normalize import content_hash
    from wardcrawler.store.archive import Archive, ArticleRecord

    archive = Archive(tmp_path / "wards.db")
    archive.save_ward({"slug": "w", "name": "Phường", "province": "Hà Nội", "district": None,
                       "url": "http://w.example/", "family": "hanoi-portal"})  # fmt: skip
    for key, title in (("1", "Đảng bộ phường họp"), ("2", "Các dạng bộ hồ sơ"), ("3", "Khác")):
        url, body = f"http://w.example/a/x-{key}.htm", "Nội dung."
        record = ArticleRecord(
            "w", key, url, title, None, "", None, body, content_hash(title, body)
        )
        archive.save_article(record)
    archive.close()
    results = search_ids(tmp_path / "wards.db", ["Đảng bộ", "đảng bộ", "ĐẢNG BỘ"])
    assert results == [{1}, {1}, {1}]
    assert search_ids(tmp_path / "wards.db", ["dang bo", "DANG BO"]) == [{1, 2}, {1, 2}]


def test_the_crawl_health_chart_labels_runs_by_number_and_local_date(crawl):
    metadata = yaml.safe_load(SHIPPED_METADATA.read_text("utf-8"))
    chart = metadata["plugins"]["datasette-dashboards"]["overview"]["charts"]["crawl-health"]
    x = chart["display"]["encoding"]["x"]
    assert x["type"] == "ordinal" and x["sort"]["field"] == "run_id"  # run 10 after run 9
    sql = urllib.parse.quote(chart["query"])
    (response,) = fetch(crawl.db, f"/wards.json?_shape=objects&sql={sql}")
    rows = response.json()["rows"]
    db = sqlite3.connect(crawl.db)
    started = dict(db.execute("select id, started_at from crawl_runs"))
    assert rows
    for row in rows:
        local = datetime.fromisoformat(started[row["run_id"]]).astimezone(VIETNAM)
        assert row["run"] == f"Lần {row['run_id']} · {local.date().isoformat()}"
