"""Scheduled crawls against portals that change between runs: incremental, full, history,
tombstones, the lock, SIGKILL safety and broken-ward alerts."""

from __future__ import annotations

import fcntl
import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.helpers import FAST, query, run_cli
from wardcrawler.replica import ReplicaServer

COMPARED = "ward, article_key, title, body, views, posted_at, category_names, gone_status"


def crawl(registry, db, *args):
    result = run_cli("crawl", "--wards", str(registry), "--db", str(db), *FAST, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """A first crawl, one night of changes, an incremental crawl, then a full crawl."""
    folder = tmp_path_factory.mktemp("schedule")
    with ReplicaServer(seed=7, slow_seconds=0.2) as replica:
        replica.write(folder)
        registry, db = folder / "wards.toml", folder / "wards.db"
        crawl(registry, db)
        first_requests = len(replica.requests)
        before = {(r["ward"], r["article_key"]): r for r in query(db, "select * from articles")}
        changes = replica.advance()
        replica.reset_requests()
        crawl(registry, db)
        incremental = {
            "requests": len(replica.requests),
            "rows": query(db, "select ward, article_key from articles"),
            "truth": replica.ground_truth(),
        }
        crawl(registry, db, "--full")
        yield {
            "db": db, "registry": registry, "replica": replica, "before": before,
            "changes": changes, "first_requests": first_requests, "incremental": incremental,
            "truth": replica.ground_truth(),
        }  # fmt: skip


def test_incremental_run_archives_every_new_article_cheaply(nights):
    incremental = nights["incremental"]
    keys = [(r["ward"], r["article_key"]) for r in incremental["rows"]]
    assert len(keys) == len(set(keys))
    for ward, new_keys in nights["changes"]["new"].items():
        for key in new_keys:
            assert (ward, key) in set(keys), (ward, key)
    assert incremental["requests"] <= nights["first_requests"] / 3, (
        incremental["requests"], nights["first_requests"])  # fmt: skip


def test_full_run_updates_counters_titles_and_bodies(nights):
    stored = {
        (r["ward"], r["article_key"]): r for r in query(nights["db"], "select * from articles")
    }
    for article in nights["truth"]["articles"]:
        row = stored[(article["ward"], article["key"])]
        assert (row["title"], row["views"], row["body"]) == (
            article["title"], article["views"], article["body"])  # fmt: skip


def test_edited_title_and_body_keep_the_old_version(nights):
    for ward, key in [*nights["changes"]["title"].items(), *nights["changes"]["body"].items()]:
        old = nights["before"][(ward, key)]
        revisions = query(
            nights["db"],
            "select r.* from article_revisions r join articles a on a.id = r.article_id"
            " where a.ward = ? and a.article_key = ?",
            (ward, key),
        )
        assert [(r["title"], r["body"]) for r in revisions] == [(old["title"], old["body"])]


def test_view_count_history(nights):
    for ward, counters in nights["changes"]["views"].items():
        for key, views in counters.items():
            points = query(
                nights["db"],
                "select s.views from views_snapshots s join articles a on a.id = s.article_id"
                " where a.ward = ? and a.article_key = ? order by s.id",
                (ward, key),
            )
            assert [p["views"] for p in points] == [nights["before"][(ward, key)]["views"], views]


def test_removed_articles_keep_their_row_with_gone_at(nights):
    gone = nights["truth"]["gone"]
    assert gone
    for entry in gone:
        (row,) = query(
            nights["db"],
            "select * from articles where ward = ? and article_key = ?",
            (entry["ward"], entry["key"]),
        )
        assert row["gone_at"] and row["gone_status"] == entry["status"]
        assert row["title"] == nights["before"][(entry["ward"], entry["key"])]["title"]
        if entry["location"]:
            assert row["gone_location"] == entry["location"]
    run = query(nights["db"], "select * from crawl_runs order by id desc limit 1")[0]
    assert run["articles_gone"] == len(gone)


def test_ledger_has_per_ward_figures_for_every_run(nights):
    runs = query(nights["db"], "select id, mode, exit_code from crawl_runs order by id")
    assert [(r["mode"], r["exit_code"]) for r in runs] == [
        ("incremental", 0), ("incremental", 0), ("full", 0)]  # fmt: skip
    figures = query(nights["db"], "select * from crawl_run_wards where run_id = 2")
    assert sum(f["articles_new"] for f in figures) == sum(
        len(v) for v in nights["changes"]["new"].values())  # fmt: skip
    assert all(f["duration_seconds"] >= 0 and f["listed"] > 0 for f in figures)


def test_a_second_run_exits_at_once_while_one_holds_the_lock(nights):
    lock = nights["db"].with_name(nights["db"].name + ".lock")
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.truncate(0)
        handle.write("4242")
        handle.flush()
        started = time.monotonic()
        result = run_cli("crawl", "--wards", str(nights["registry"]), "--db", str(nights["db"]))
        assert time.monotonic() - started < 20
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert result.returncode == 75
    assert "another crawl (pid 4242) is writing to" in result.stderr


def test_broken_ward_is_reported_with_exit_code_3(tmp_path):
    with ReplicaServer(seed=3) as replica:
        registry = tmp_path / "wards.toml"
        text = replica.registry_toml()
        closed = "http://127.0.0.1:9/"  # nothing listens on the discard port
        text = text.replace(replica.wards[0].url, closed, 1)
        registry.write_text(text, encoding="utf-8")
        result = run_cli("crawl", "--wards", str(registry), "--db", str(tmp_path / "w.db"),
                         *FAST, "-s", "RETRY_TIMES=0")  # fmt: skip
    assert result.returncode == 3
    slug = replica.wards[0].slug
    assert f"wardcrawler: broken ward {slug}: yielded nothing" in result.stderr
    assert "[scrapy.core.engine] INFO" in result.stderr  # the whole log, on failure
    (run,) = query(tmp_path / "w.db", "select broken_wards, exit_code from crawl_runs")
    assert list(json.loads(run["broken_wards"])) == [slug] and run["exit_code"] == 3


def stored(db) -> int:
    """Articles stored so far (0 while the crawl has not made its tables yet)."""
    try:
        return query(db, "select count(*) n from articles")[0]["n"]
    except sqlite3.OperationalError:
        return 0


def snapshot(db):
    articles = query(db, f"select {COMPARED} from articles order by ward, article_key")
    links = query(
        db,
        "select a.ward, a.article_key, c.name from article_categories ac"
        " join articles a on a.id = ac.article_id join categories c on c.id = ac.category_id"
        " order by 1, 2, 3",
    )
    files = query(
        db,
        "select a.ward, a.article_key, t.url from attachments t"
        " join articles a on a.id = t.article_id order by 1, 2, 3",
    )
    return articles, links, files


def test_sigkill_mid_crawl_then_a_new_run_gives_the_same_database(tmp_path):
    with ReplicaServer(seed=5, slow_seconds=0.2) as replica:
        replica.write(tmp_path)
        registry = tmp_path / "wards.toml"
        killed, clean = tmp_path / "killed.db", tmp_path / "clean.db"
        command = [sys.executable, "-m", "wardcrawler", "crawl", "--wards", str(registry),
                   "--db", str(killed), "-s", "DOWNLOAD_DELAY=0.05",
                   "-s", "AUTOTHROTTLE_ENABLED=False"]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and stored(killed) <= 20:
                time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        partial = query(killed, "select count(*) n from articles")[0]["n"]
        assert 0 < partial < len(replica.ground_truth()["articles"]), partial
        assert query(killed, "pragma integrity_check")[0]["integrity_check"] == "ok"
        crawl(registry, killed)
        crawl(registry, clean)
    assert snapshot(killed) == snapshot(clean)


def test_an_interrupted_run_is_recorded_as_such_and_not_judged(tmp_path):
    with ReplicaServer(seed=2, slow_seconds=0.1) as replica:
        replica.write(tmp_path)
        registry, db = str(tmp_path / "wards.toml"), str(tmp_path / "w.db")
        stop_early = ["-s", "CLOSESPIDER_PAGECOUNT=10"]
        result = run_cli("crawl", "--wards", registry, "--db", db, *FAST, *stop_early)
    assert result.returncode == 1
    (run,) = query(tmp_path / "w.db", "select status, broken_wards, exit_code from crawl_runs")
    assert run["status"] == "closespider_pagecount"
    assert (json.loads(run["broken_wards"]), run["exit_code"]) == ({}, 1)
    assert "closespider_pagecount" in result.stderr
