"""End to end: `wardcrawler crawl` against the replica portals, compared with their ground truth."""

from __future__ import annotations

import json
import unicodedata
import urllib.robotparser
from urllib.parse import urlsplit

import pytest

from tests.helpers import FAST, run_cli
from tests.helpers import query as rows

FIELDS = ("title", "posted_at", "views", "body")


def archived(db) -> dict[tuple[str, str], dict]:
    return {(r["ward"], r["article_key"]): r for r in rows(db, "select * from articles")}


def test_crawl_exits_zero(crawl):
    assert crawl.result.returncode == 0, crawl.result.stderr[-3000:]


def test_every_listed_article_archived_once_and_nothing_else(crawl):
    expected = {(a["ward"], a["key"]) for a in crawl.truth["articles"]}
    got = archived(crawl.db)
    assert len(rows(crawl.db, "select id from articles")) == len(got)
    assert set(got) == expected


@pytest.mark.parametrize("field", FIELDS)
def test_field_exactly_as_ground_truth(crawl, field):
    got = archived(crawl.db)
    wrong = [
        (a["ward"], a["key"], a[field], got[(a["ward"], a["key"])][field])
        for a in crawl.truth["articles"]
        if got.get((a["ward"], a["key"])) and got[(a["ward"], a["key"])][field] != a[field]
    ]
    assert wrong == []


def test_categories_as_ground_truth(crawl):
    got = archived(crawl.db)
    for article in crawl.truth["articles"]:
        row = got[(article["ward"], article["key"])]
        assert sorted(json.loads(row["category_names"])) == sorted(article["categories"]), row
        linked = rows(
            crawl.db,
            "select c.name from article_categories ac join categories c on c.id = ac.category_id"
            " where ac.article_id = ?",
            (row["id"],),
        )
        assert sorted(r["name"] for r in linked) == sorted(article["categories"])


def test_attachments_as_ground_truth(crawl):
    got = archived(crawl.db)
    for article in crawl.truth["articles"]:
        row = got[(article["ward"], article["key"])]
        stored = rows(crawl.db, "select url from attachments where article_id = ?", (row["id"],))
        assert sorted(r["url"] for r in stored) == sorted(article["attachments"])


def test_canonical_url_is_served_and_keeps_identity(crawl):
    import urllib.request

    from wardcrawler.extract.urls import article_id
    from wardcrawler.portals.families import FAMILIES

    families = {w["slug"]: FAMILIES[w["family"]] for w in crawl.truth["wards"]}
    for row in archived(crawl.db).values():
        assert article_id(families[row["ward"]], row["url"]) == row["article_key"], row["url"]
    for row in list(archived(crawl.db).values())[:40]:
        with urllib.request.urlopen(row["url"], timeout=10) as response:
            assert response.status == 200


def test_stored_text_is_nfc(crawl):
    for row in archived(crawl.db).values():
        for field in ("title", "body", "posted_raw"):
            assert unicodedata.is_normalized("NFC", row[field] or ""), (row["url"], field)


def test_robots_txt_obeyed(crawl):
    slugs = {w["slug"]: w["url"] for w in crawl.truth["wards"]}
    parsers = {}
    for slug, url in slugs.items():
        parser = urllib.robotparser.RobotFileParser(url.rstrip("/") + "/robots.txt")
        parser.read()
        parsers[slug] = parser
    served = [r for r in crawl.replica.requests if not r[2].startswith("/robots.txt")]
    assert served
    for slug, _method, path, _status in served:
        assert parsers[slug].can_fetch("wardcrawler", slugs[slug].rstrip("/") + path), path


def test_failures_recorded_with_status(crawl):
    errors = rows(crawl.db, "select url, status, reason from fetch_errors")
    dead = {e["url"] for e in errors if e["status"] == 404}
    for url in crawl.truth["dead_links"]:
        assert any(urlsplit(url).path in d for d in dead), (url, dead)


def test_malformed_page_kept_with_reason_and_not_stored_as_article(crawl):
    assert crawl.truth["malformed"]
    errors = rows(crawl.db, "select url, status, reason, html from fetch_errors where status = 200")
    for url in crawl.truth["malformed"]:
        (error,) = [e for e in errors if urlsplit(e["url"]).path == urlsplit(url).path]
        assert error["reason"] == "no title found"
        assert "Bài viết đang cập nhật" in error["html"]
        assert not rows(crawl.db, "select id from articles where url = ?", (url,))


def test_run_ledger(crawl):
    (run,) = rows(crawl.db, "select * from crawl_runs")
    assert run["status"] == "finished" and run["finished_at"]
    assert run["articles_new"] == len(crawl.truth["articles"])
    per_ward = rows(crawl.db, "select * from crawl_run_wards")
    assert {r["ward"] for r in per_ward} == {w["slug"] for w in crawl.truth["wards"]}
    assert all(r["pages"] > 0 for r in per_ward)


def test_second_crawl_adds_no_rows_and_costs_little(crawl):
    before = rows(crawl.db, "select id, url, first_seen_at from articles order by id")
    first_requests = len(crawl.replica.requests)
    result = run_cli("crawl", "--wards", str(crawl.registry), "--db", str(crawl.db), *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("wardcrawler: run 2 (incremental) finished")
    assert result.stderr == ""  # quiet on success: cron mails nothing
    second_requests = len(crawl.replica.requests) - first_requests
    assert second_requests <= first_requests / 3
    after = rows(crawl.db, "select id, url, first_seen_at from articles order by id")
    assert after == before
    run = rows(crawl.db, "select * from crawl_runs order by id desc limit 1")[0]
    assert (run["articles_new"], run["mode"], run["exit_code"]) == (0, "incremental", 0)


def test_full_crawl_refetches_everything_and_adds_no_rows(crawl):
    before = rows(crawl.db, "select id, url, first_seen_at from articles order by id")
    result = run_cli("crawl", "--full", "--wards", str(crawl.registry), "--db", str(crawl.db),
                     *FAST)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert rows(crawl.db, "select id, url, first_seen_at from articles order by id") == before
    run = rows(crawl.db, "select * from crawl_runs order by id desc limit 1")[0]
    assert run["mode"] == "full"
    assert (run["articles_new"], run["articles_unchanged"]) == (0, len(before))
