"""Backfill from a (fake, local) Wayback Machine: vanished portals recovered into the archive."""

from __future__ import annotations

import json

import pytest

from tests.helpers import FAST, datasette_get, query, run_cli
from wardcrawler.replica import ReplicaServer
from wardcrawler.replica.wayback import WaybackReplica
from wardcrawler.wayback.cdx import capture_time

FIELDS = ("title", "posted_at", "views", "body")


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    """Two backfills of the same archive, the first one throttled now and then (429)."""
    folder = tmp_path_factory.mktemp("backfill")
    db = folder / "wards.db"
    with WaybackReplica(seed=0, rate_limit_every=60) as archive:
        archive.write(folder)
        command = ["backfill", "--wards", str(folder / "wards.toml"), "--db", str(db),
                   "--archive-url", archive.url, "-s", "DOWNLOAD_DELAY=0"]  # fmt: skip
        first = run_cli(*command)
        first_requests = list(archive.requests)
        archive.reset_requests()
        second = run_cli(*command)
        second_requests = list(archive.requests)
        truth = archive.ground_truth()
    return {"db": db, "truth": truth, "first": first, "second": second,
            "first_requests": first_requests, "second_requests": second_requests}  # fmt: skip


def stored(db):
    return {(r["ward"], r["article_key"]): r for r in query(db, "select * from articles")}


def test_backfill_ends_well(backfilled):
    assert backfilled["first"].returncode == 0, backfilled["first"].stderr[-2000:]
    assert "(backfill) finished" in backfilled["first"].stdout


def test_every_captured_article_once_and_nothing_else(backfilled):
    expected = {(a["ward"], a["key"]) for a in backfilled["truth"]["articles"]}
    rows = query(backfilled["db"], "select ward, article_key from articles")
    assert len(rows) == len({(r["ward"], r["article_key"]) for r in rows})
    assert {(r["ward"], r["article_key"]) for r in rows} == expected


@pytest.mark.parametrize("field", FIELDS)
def test_fields_of_the_latest_capture(backfilled, field):
    rows = stored(backfilled["db"])
    wrong = [
        (a["ward"], a["key"], a[field], rows[(a["ward"], a["key"])][field])
        for a in backfilled["truth"]["articles"]
        if rows[(a["ward"], a["key"])][field] != a[field]
    ]
    assert wrong == []


def test_categories_from_listing_captures(backfilled):
    rows = stored(backfilled["db"])
    for article in backfilled["truth"]["articles"]:
        row = rows[(article["ward"], article["key"])]
        assert sorted(json.loads(row["category_names"])) == sorted(article["categories"])


def test_view_history_across_capture_dates(backfilled):
    rows = stored(backfilled["db"])
    for article in backfilled["truth"]["articles"]:
        row = rows[(article["ward"], article["key"])]
        points = query(backfilled["db"], "select seen_at, views from views_snapshots"
                       " where article_id = ? order by seen_at, id", (row["id"],))  # fmt: skip
        expected = [(capture_time(c["timestamp"]), c["views"]) for c in article["captures"]
                    if c["views"] is not None]  # fmt: skip
        assert [(p["seen_at"], p["views"]) for p in points] == expected


def test_changed_titles_become_revisions_in_date_order(backfilled):
    rows = stored(backfilled["db"])
    checked = 0
    for article in backfilled["truth"]["articles"]:
        titles = list(dict.fromkeys(c["title"] for c in article["captures"]))
        if len(titles) < 2:
            continue
        row = rows[(article["ward"], article["key"])]
        revisions = query(backfilled["db"], "select title from article_revisions"
                          " where article_id = ? order by seen_at", (row["id"],))  # fmt: skip
        assert [r["title"] for r in revisions][: len(titles) - 1] == titles[:-1]
        checked += 1
    assert checked


def test_not_articles_are_failures_never_rows(backfilled):
    keys = {(a["ward"], a["key"]) for a in backfilled["truth"]["articles"]}
    assert set(stored(backfilled["db"])) == keys
    failed = query(backfilled["db"], "select original, timestamp, reason from wayback_processed"
                   " where outcome = 'failure'")  # fmt: skip
    failed_keys = {(f["original"], f["timestamp"]) for f in failed}
    article_traps = [n for n in backfilled["truth"]["not_articles"] if n.get("key")]
    assert article_traps
    missing = [n for n in article_traps if (n["original"], n["timestamp"]) not in failed_keys]
    assert missing == []
    errors = query(backfilled["db"], "select count(*) n from fetch_errors")
    assert errors[0]["n"] >= len(article_traps)


def test_captures_record_their_source(backfilled):
    captures = query(backfilled["db"], "select * from captures where kind = 'article'")
    assert captures and all(c["source"] == "web-archive" for c in captures)
    assert all(c["capture_timestamp"] and "/web/" in c["archive_url"] for c in captures)
    unlinked = query(
        backfilled["db"],
        "select count(*) n from captures c join wayback_processed w on w.original = c.url"
        " and w.timestamp = c.capture_timestamp"
        " where w.outcome = 'article' and c.article_id is null",
    )
    assert unlinked[0]["n"] == 0


def test_throttling_honoured_without_losing_a_capture(backfilled):
    throttled = [r for r in backfilled["first_requests"] if r[2] == 429]
    assert throttled
    busy = query(backfilled["db"], "select count(*) n from fetch_errors where reason like '%busy%'")
    assert busy[0]["n"] == 0


def test_second_backfill_replays_no_capture(backfilled):
    assert backfilled["second"].returncode == 0, backfilled["second"].stderr[-2000:]
    replays = [r for r in backfilled["second_requests"] if "/web/" in r[1]]
    assert replays == []
    runs = query(backfilled["db"], "select mode, articles_new from crawl_runs order by id")
    assert [r["mode"] for r in runs] == ["backfill", "backfill"] and runs[1]["articles_new"] == 0


def test_an_article_found_live_and_in_the_archive_is_one_row(tmp_path):
    db = tmp_path / "wards.db"
    with ReplicaServer(seed=0, slow_seconds=0.1) as live:
        live.write(tmp_path / "live")
        result = run_cli("crawl", "--wards", str(tmp_path / "live" / "wards.toml"), "--db",
                         str(db), *FAST)  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        live_truth = live.ground_truth()
    with WaybackReplica(seed=0, rate_limit_every=0) as archive:
        archive.write(tmp_path / "archive")
        registry = tmp_path / "archive" / "wards.toml"
        result = run_cli("backfill", "--wards", str(registry), "--db", str(db),
                         "--archive-url", archive.url, "-s", "DOWNLOAD_DELAY=0")  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        archived = archive.ground_truth()
    live_keys = {(a["ward"], a["key"]) for a in live_truth["articles"]}
    archived_keys = {(a["ward"], a["key"]) for a in archived["articles"]}
    assert live_keys & archived_keys
    rows = query(db, "select ward, article_key, title from articles")
    assert len(rows) == len(live_keys | archived_keys)
    sources = query(
        db,
        "select a.ward, a.article_key, group_concat(distinct c.source) s from articles a"
        " join captures c on c.article_id = a.id group by a.id",
    )
    both = [r for r in sources if set(r["s"].split(",")) == {"live", "web-archive"}]
    assert len(both) == len(live_keys & archived_keys)


def test_raw_page_of_a_web_archive_capture_is_the_archive_copy(backfilled):
    (row,) = query(backfilled["db"], "select id, archive_url from captures"
                   " where source = 'web-archive' order by id limit 1")  # fmt: skip

    (response,) = datasette_get(backfilled["db"], f"/-/capture/{row['id']}")
    assert response.status_code == 302
    assert response.headers["location"] == row["archive_url"]


def test_the_article_page_shows_revisions_with_changes_and_the_view_history(backfilled):
    from parsel import Selector

    from tests.helpers import datasette_get

    rows = stored(backfilled["db"])
    article = next(a for a in backfilled["truth"]["articles"]
                   if len(dict.fromkeys(c["title"] for c in a["captures"])) >= 2)  # fmt: skip
    titles = list(dict.fromkeys(c["title"] for c in article["captures"]))
    row = rows[(article["ward"], article["key"])]
    (response,) = datasette_get(backfilled["db"], f"/wards/articles/{row['id']}")
    page = Selector(text=response.text)
    revisions = query(backfilled["db"], "select title from article_revisions where article_id = ?",
                      (row["id"],))  # fmt: skip
    shown = page.css("details.revision")
    assert len(shown) == len(revisions)
    newest = "".join(shown[0].css("pre span::text").getall())
    assert f"-{titles[-2]}" in newest and f"+{titles[-1]}" in newest  # what changed, newest first
    points = query(backfilled["db"], "select views from views_snapshots where article_id = ?"
                   " order by seen_at",
                   (row["id"],))  # fmt: skip
    assert len(page.css("svg.views-chart circle")) == (len(points) if len(points) > 1 else 0)
    cells = page.css("table.views-history td:nth-child(2)::text").getall()
    assert cells == [f"{p['views']:,}" for p in points]
