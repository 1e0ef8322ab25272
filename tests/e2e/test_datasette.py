"""Datasette on a crawled archive: the shipped configuration, search, facets, sort, serving."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import unicodedata
import urllib.request

import pytest
from markupsafe import escape
from parsel import Selector

from tests.helpers import datasette_get, free_port, query, wait_for_json
from wardcrawler.normalize import fold
from wardcrawler.site.serve import build_metadata


def get(db, path: str):
    """GET a path from a Datasette built as `wardcrawler serve` builds it."""
    return datasette_get(db, path)[0]


def test_articles_sorted_newest_first_with_facets(crawl):
    response = get(crawl.db, "/wards/articles.json?_shape=objects&_size=20")
    assert response.status_code == 200
    data = response.json()
    dates = [r["posted_at"] for r in data["rows"]]
    assert dates and dates == sorted(dates, reverse=True)
    assert {"ward", "category_names", "posted_year"} <= set(data["facet_results"])
    wards = {f["value"] for f in data["facet_results"]["ward"]["results"]}
    assert wards == {w["slug"] for w in crawl.truth["wards"]}


def test_search_with_and_without_diacritics(crawl):
    title = crawl.truth["articles"][0]["title"]
    words = " ".join(title.split()[:3])
    hits = {}
    for typed in (words, fold(words)):
        url = f"/wards/articles.json?_shape=objects&_size=max&_search={urllib.request.quote(typed)}"
        response = get(crawl.db, url)
        assert response.status_code == 200
        hits[typed] = {r["id"] for r in response.json()["rows"]}
    assert hits[words] and hits[words] <= hits[fold(words)]  # exact words, then every spelling


def test_metadata_titles_and_descriptions(crawl):
    data = get(crawl.db, "/-/metadata.json").json()
    assert data["title"].startswith("Kho lưu trữ") and "Ward news archive" in data["title"]
    tables = data["databases"]["wards"]["tables"]
    for table in ("wards", "articles", "categories", "attachments", "crawl_runs", "fetch_errors"):
        assert tables[table]["description"]


def test_html_page_is_readable_vietnamese(crawl):
    response = get(crawl.db, "/wards/articles")
    assert response.status_code == 200
    title = crawl.truth["articles"][0]["title"]
    html = unicodedata.normalize("NFC", response.text)
    assert "Phường" in html or "phường" in html
    assert "\\u" not in html[:2000]
    assert title.split()[0] in html


@pytest.mark.timeout(60)
def test_wardcrawler_serve_any_file_name(crawl, tmp_path):
    db = tmp_path / "my-archive.db"
    db.write_bytes(crawl.db.read_bytes())
    port = free_port()
    command = [sys.executable, "-m", "wardcrawler", "serve", "--db", str(db), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/my-archive/articles.json?_shape=objects&_size=1"
        data = wait_for_json(url, server, 30)
        assert data["rows"][0]["posted_at"] == max(a["posted_at"] for a in crawl.truth["articles"])
        assert "posted_year" in data["facet_results"]
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()


def test_every_column_of_every_table_is_described(crawl):
    import sqlite3

    tables = build_metadata(crawl.db)["databases"]["wards"]["tables"]
    connection = sqlite3.connect(crawl.db)
    names = [
        r[0]
        for r in connection.execute("select name from sqlite_master where type = 'table'")
        if not r[0].startswith(("articles_fts", "sqlite_"))
    ]
    for table in names:
        described = tables[table].get("columns", {})
        columns = [r[1] for r in connection.execute(f"pragma table_info([{table}])")]
        missing = [c for c in columns if c not in described]
        assert not missing, (table, missing)
    connection.close()


@pytest.mark.timeout(120)
def test_demo_crawls_and_serves_a_populated_archive(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "wardcrawler", "demo", "--db", str(tmp_path / "demo.db"),
               "--port", str(port)]  # fmt: skip
    demo = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/demo/articles.json?_shape=objects&_size=0"
        data = wait_for_json(url, demo, 90)
        assert data["filtered_table_rows_count"] > 100
    finally:
        demo.terminate()
        demo.wait(timeout=10)
        demo.stdout.close()


def test_article_page_reads_as_an_article(crawl):
    article = next(a for a in crawl.truth["articles"] if len(a["categories"]) > 1)
    db = sqlite3.connect(crawl.db)
    (article_id,) = db.execute(
        "select id from articles where ward = ? and article_key = ?",
        (article["ward"], article["key"]),
    ).fetchone()
    db.close()
    html = get(crawl.db, f"/wards/articles/{article_id}").text
    assert f"<h2>{escape(article['title'])}</h2>" in html
    first = article["body"].split("\n\n")[0]
    assert f"<p>{escape(first)}</p>" in html
    assert "Chuyên mục: " + ", ".join(sorted(article["categories"])) in html


def article_page(crawl) -> tuple[dict, dict, Selector]:
    article = crawl.truth["articles"][0]
    (row,) = query(crawl.db, "select * from articles where ward = ? and article_key = ?",
                   (article["ward"], article["key"]))  # fmt: skip
    html = get(crawl.db, f"/wards/articles/{row['id']}").text
    return article, row, Selector(text=html)


def test_article_page_shows_a_citation_to_copy(crawl):
    article, row, page = article_page(crawl)
    ward = next(w for w in crawl.truth["wards"] if w["slug"] == article["ward"])
    text = page.css("pre.citation-text::text").get()
    sql = ("select id from captures where kind = 'article' and article_id = ?"
           " order by fetched_at desc limit 1")  # fmt: skip
    (capture,) = query(crawl.db, sql, (row["id"],))
    for part in (ward["name"], article["title"], row["url"], row["content_hash"],
                 row["first_seen_at"][:10], row["last_seen_at"][:10], f"#{capture['id']}",
                 (row["posted_at"] or "")[:10]):  # fmt: skip
        assert part in text, part
    (csl,) = json.loads(page.css("pre.citation-csl::text").get())
    assert (csl["title"], csl["URL"]) == (article["title"], row["url"])
    if row["posted_at"]:
        assert csl["issued"]["date-parts"][0] == [int(x) for x in row["posted_at"][:10].split("-")]
    bib = page.css("pre.citation-bibtex::text").get()
    assert bib.startswith("@online{") and f"url = {{{row['url']}}}" in bib


def test_article_page_lists_every_capture_with_its_raw_page(crawl):
    _, row, page = article_page(crawl)
    ids = [c["id"] for c in query(crawl.db, "select id from captures where article_id = ?",
                                  (row["id"],))]  # fmt: skip
    links = page.css("ul.captures a::attr(href)").getall()
    assert ids and links == [f"/-/capture/{i}" for i in sorted(ids)]
    raw = get(crawl.db, links[0])
    assert raw.status_code == 200 and row["title"] in raw.text
