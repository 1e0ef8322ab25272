"""`wardcrawler dispatch` on two real Scrapyd nodes (127.0.0.1, two ports): deployed, one shard
each, one job killed mid-run and run again, the shards merged into one archive that holds what
a single crawl holds, nothing doubled."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port
from tests.helpers import query as rows

SCRAPYD = Path(sys.executable).with_name("scrapyd")
SLOW = ["-s", "DOWNLOAD_DELAY=0.2", "-s", "AUTOTHROTTLE_ENABLED=False"]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def start_node(folder: Path) -> tuple[subprocess.Popen, str]:
    """A Scrapyd node of its own (config, eggs, logs, queue) on a free loopback port."""
    folder.mkdir(parents=True)
    port = free_port()
    (folder / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n"
        "max_proc = 2\neggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\n"
    )
    with (folder / "scrapyd.log").open("w") as log:  # the child keeps its own descriptor
        process = subprocess.Popen([str(SCRAPYD)], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            get(f"{url}/daemonstatus.json")
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"scrapyd did not start: {(folder / 'scrapyd.log').read_text()}")


def running_jobs(nodes: list[str]) -> list[tuple[str, int]]:
    found = []
    for node in nodes:
        try:
            jobs = get(f"{node}/listjobs.json?project=wardcrawler")
        except OSError:
            continue
        found += [(node, job["pid"]) for job in jobs.get("running", []) if job.get("pid")]
    return found


def articles_in(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            return connection.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def dispatched(crawl, tmp_path_factory):
    """Two nodes; a dispatch over them; one job SIGKILLed once its shard holds articles."""
    root = tmp_path_factory.mktemp("dispatch")
    nodes = [start_node(root / f"node{i}") for i in (1, 2)]
    urls = [url for _, url in nodes]
    db = root / "archive" / "wards.db"
    db.parent.mkdir()
    command = [sys.executable, "-m", "wardcrawler", "dispatch", "--node", urls[0], "--node",
               urls[1], "--wards", str(crawl.registry), "--db", str(db), *SLOW]  # fmt: skip
    dispatch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and dispatch.poll() is None:
        shards = list((root / "archive" / "shards").glob("*/wards.db"))
        running = running_jobs(urls)
        if running and any(articles_in(s) >= 5 for s in shards):
            killed = running[0]
            os.kill(killed[1], signal.SIGKILL)
        time.sleep(0.2)
    out, err = dispatch.communicate(timeout=600)
    for process, _ in nodes:
        process.terminate()
        process.wait(timeout=30)
    return {"db": db, "code": dispatch.returncode, "out": out, "err": err, "killed": killed,
            "root": root}  # fmt: skip


def test_the_dispatch_ends_well_after_a_job_was_killed(dispatched):
    assert dispatched["killed"] is not None, "no job ran long enough to be killed"
    assert dispatched["code"] == 0, dispatched["err"][-3000:]
    lines = dispatched["out"].splitlines()
    assert len(lines) == 1 and lines[0].startswith("wardcrawler: run "), dispatched["out"]
    assert " finished in " in lines[0] and ": 10 wards, " in lines[0], lines[0]


def test_the_merged_archive_holds_every_article_of_a_single_crawl_once(dispatched, crawl):
    fields = "ward, article_key, url, title, posted_at, views, body, category_names"
    single = rows(crawl.db, f"select {fields} from articles order by ward, article_key")
    merged = rows(dispatched["db"], f"select {fields} from articles order by ward, article_key")
    assert merged == single
    expected = {(a["ward"], a["key"]) for a in crawl.truth["articles"]}
    assert {(r["ward"], r["article_key"]) for r in merged} == expected


def test_nothing_is_doubled(dispatched, crawl):
    per_article = ("select a.ward, a.article_key, count(v.id) n from articles a"
                   " left join views_snapshots v on v.article_id = a.id group by a.id"
                   " order by 1, 2")  # fmt: skip
    assert rows(dispatched["db"], per_article) == rows(crawl.db, per_article)
    links = "select count(*) n from article_categories"
    assert rows(dispatched["db"], links) == rows(crawl.db, links)
    documents = "select url, sha256 from attachments order by url"
    assert rows(dispatched["db"], documents) == rows(crawl.db, documents)


def test_the_ledger_has_each_shard_run_and_the_killed_one(dispatched):
    runs = rows(dispatched["db"], "select shard, status from crawl_runs order by id")
    assert sorted(r["shard"] for r in runs if r["status"] == "finished") == ["1/2", "2/2"]
    assert [r["status"] for r in runs].count("running") == 1  # the killed job's, as it was left


def test_every_capture_is_readable_beside_the_merged_archive(dispatched):
    from wardcrawler.warc.reader import read_capture

    captures = rows(dispatched["db"], "select * from captures")
    assert captures and not list((dispatched["root"] / "archive" / "shards").glob("*/wards.db"))
    for capture in captures:
        path = dispatched["db"].parent / "warc" / capture["warc_file"]
        record = read_capture(path, capture["warc_offset"])
        assert record.url == capture["url"]
