"""Shards: a stable share of the registry each, seeded from the archive, merged back by what
the rows are about (real SQLite files, the store's own code)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from scrapy.settings import Settings

from wardcrawler.crawler.processes import processes_for, shares
from wardcrawler.normalize import content_hash
from wardcrawler.portals.registry import load_wards
from wardcrawler.portals.shards import Shard, all_shards, parse_shard, shard_index
from wardcrawler.site.search import fts_query
from wardcrawler.store.archive import Archive, ArticleRecord
from wardcrawler.store.merge import MergeError, merge_shard
from wardcrawler.store.seed import seed

WARD = {"slug": "w1", "name": "Phường Một", "province": "Hà Nội", "district": None,
        "url": "http://w1.example/", "family": "hanoi-portal"}  # fmt: skip


def test_every_ward_is_in_exactly_one_shard_and_the_shares_are_even():
    slugs = [w.slug for w in load_wards(None)] + [f"tinh-{i // 100}-xa-{i}" for i in range(3321)]
    for count in (2, 3, 7):
        owners = [[s for s in all_shards(count) if s.holds(slug)] for slug in slugs]
        assert all(len(o) == 1 for o in owners)
        sizes = Counter(o[0].index for o in owners)
        assert set(sizes) == set(range(1, count + 1))
        assert max(sizes.values()) < 1.15 * len(slugs) / count  # no shard much above its share


def test_a_ward_has_the_same_shard_in_every_process():
    """Not Python's hash, which is salted per process: another interpreter, another seed."""
    slugs = [w.slug for w in load_wards(None)] + [f"tinh-{i}-xa" for i in range(50)]
    code = ("import sys; from wardcrawler.portals.shards import shard_index; "
            "print([shard_index(s, 3) for s in sys.argv[1:]])")  # fmt: skip
    for seed_value in ("1", "2"):
        other = subprocess.run([sys.executable, "-c", code, *slugs], capture_output=True,
                               text=True, check=True, env={**os.environ,
                               "PYTHONHASHSEED": seed_value})  # fmt: skip
        assert other.stdout.strip() == str([shard_index(s, 3) for s in slugs])


@pytest.mark.parametrize("text", ["0/3", "4/3", "1", "a/b", "1/0", ""])
def test_a_bad_shard_is_refused_saying_why(text):
    with pytest.raises(ValueError, match="shard"):
        parse_shard(text)


def test_a_shard_reads_k_of_n():
    assert parse_shard(" 2/3 ") == Shard(2, 3) and str(Shard(2, 3)) == "2/3"


def article(key: str, title: str, views: int) -> ArticleRecord:
    body = f"Nội dung {title} ./."
    return ArticleRecord(
        ward="w1", article_key=key, url=f"http://w1.example/a/{key}.htm", title=title,
        posted_at="2025-09-15T06:30:00+07:00", posted_raw="", views=views, body=body,
        content_hash=content_hash(title, body),
    )  # fmt: skip


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def shard_of(tmp_path: Path, base: Path, name: str) -> Archive:
    shard = Archive(tmp_path / name / "wards.db")
    shard.make_shard("1/1")
    seed(shard.db, base, ["w1"])
    return shard


@pytest.fixture
def archive(tmp_path) -> Path:
    main = Archive(tmp_path / "main.db")
    main.save_ward(WARD)
    main.save_article(article("1", "Họp chi bộ", 5), seen="2025-10-01T00:00:00Z")
    main.close()
    return tmp_path / "main.db"


def test_a_shard_starts_from_what_the_archive_holds_and_adds_only_what_it_saw(tmp_path, archive):
    shard = shard_of(tmp_path, archive, "s")
    assert shard.known_articles("w1") == {"1": ("http://w1.example/a/1.htm",
                                                "2025-09-15T06:30:00+07:00")}  # fmt: skip
    assert shard.save_article(article("1", "Họp chi bộ (sửa)", 9),
                              seen="2025-10-02T00:00:00Z") == "updated"  # fmt: skip
    shard.save_article(article("2", "Thông báo", 1), seen="2025-10-02T00:00:00Z")
    shard.close()
    main = Archive(archive)
    merged = merge_shard(main, tmp_path / "s" / "wards.db")
    main.close()
    assert merged.counts["articles new"] == 1 and merged.counts["articles updated"] == 1
    assert rows(archive, "select article_key, title, views from articles order by 1") == [
        ("1", "Họp chi bộ (sửa)", 9), ("2", "Thông báo", 1)]  # fmt: skip
    assert rows(archive, "select title from article_revisions") == [("Họp chi bộ",)]
    assert rows(archive, "select views from views_snapshots order by id") == [(5,), (9,), (1,)]
    # the archive indexes what came in (the shard kept no index)
    with sqlite3.connect(archive) as connection:
        found = connection.execute("select rowid from articles_fts where articles_fts match ?",
                                   [fts_query("sua")]).fetchall()  # fmt: skip
    assert found == rows(archive, "select id from articles where article_key = '1'")


def test_merging_twice_or_an_older_shard_changes_nothing(tmp_path, archive):
    old = shard_of(tmp_path, archive, "old")
    old.save_article(article("1", "Họp chi bộ", 5), seen="2025-10-01T12:00:00Z")
    old.close()
    new = shard_of(tmp_path, archive, "new")
    new.save_article(article("1", "Họp chi bộ", 7), seen="2025-10-03T00:00:00Z")
    new.close()
    main = Archive(archive)
    merge_shard(main, tmp_path / "new" / "wards.db")
    main.commit()
    state = rows(archive, "select views, last_seen_at from articles")
    merge_shard(main, tmp_path / "new" / "wards.db")
    merge_shard(main, tmp_path / "old" / "wards.db")  # an older look at the same article
    main.close()
    assert rows(archive, "select views, last_seen_at from articles") == state == [
        (7, "2025-10-03T00:00:00Z")]  # fmt: skip
    assert rows(archive, "select count(*) from crawl_runs") == [(0,)]  # the shards ran no crawl
    assert rows(archive, "select views from views_snapshots order by seen_at") == [(5,), (7,)]


@pytest.mark.parametrize("order", [("early", "late"), ("late", "early")])
def test_a_listing_entry_keeps_its_earliest_sighting_whatever_the_order(tmp_path, order):
    main = Archive(tmp_path / "main.db")
    main.save_ward(WARD)
    category = main.category_id("w1", "http://w1.example/tin-tuc", "Tin tức")
    main.record_listing(category, "w1", "1", seen="2025-10-05T00:00:00Z")
    main.record_listing(category, "w1", "2", seen="2025-10-05T00:00:00Z")
    main.close()
    sightings = {"early": "2025-10-01T00:00:00Z", "late": "2025-10-09T00:00:00Z"}
    for name, seen in sightings.items():  # each shard saw entry 1 (and one of its own) anew
        shard = Archive(tmp_path / name / "wards.db")
        shard.make_shard("1/1")
        shard.save_ward(WARD)
        again = shard.category_id("w1", "http://w1.example/tin-tuc", "Tin tức")
        shard.record_listing(again, "w1", "1", seen=seen)
        shard.record_listing(again, "w1", f"only-{name}", seen=seen)
        shard.close()
    main = Archive(tmp_path / "main.db")
    for name in (*order, *order):  # twice: nothing more changes
        merge_shard(main, tmp_path / name / "wards.db")
    main.close()
    assert rows(tmp_path / "main.db", "select article_key, first_seen_at from listing_entries"
                " order by 1") == [("1", sightings["early"]), ("2", "2025-10-05T00:00:00Z"),
                                   ("only-early", sightings["early"]),
                                   ("only-late", sightings["late"])]  # fmt: skip


def test_a_database_that_is_no_shard_is_refused(tmp_path, archive):
    other = Archive(tmp_path / "other.db")
    other.close()
    main = Archive(archive)
    with pytest.raises(MergeError, match="not a shard"):
        merge_shard(main, tmp_path / "other.db")
    main.close()


def test_a_warc_file_of_the_same_name_and_other_content_is_refused(tmp_path, archive):
    shard = shard_of(tmp_path, archive, "s")
    capture = {"ward": "w1", "kind": "article", "url": "http://w1.example/a/1.htm",
               "warc_file": "x.warc.gz", "warc_offset": 0, "warc_length": 3}  # fmt: skip
    shard.record_capture(capture)
    shard.close()
    (tmp_path / "s" / "warc").mkdir()
    (tmp_path / "s" / "warc" / "x.warc.gz").write_bytes(b"abc")
    (tmp_path / "warc").mkdir()
    (tmp_path / "warc" / "x.warc.gz").write_bytes(b"other")
    main = Archive(archive)
    with pytest.raises(MergeError, match="different WARC file"):
        merge_shard(main, tmp_path / "s" / "wards.db")
    main.close()
    assert rows(archive, "select count(*) from captures") == [(0,)]


def test_processes_auto_takes_every_core_once_portals_fill_them():
    settings = Settings({"WARDCRAWLER_PORTALS_PER_PROCESS": 200})
    cores = len(os.sched_getaffinity(0))
    assert processes_for(3321 * cores, settings) == cores  # the country: every core
    assert processes_for(3, settings) == 1  # the replica: one process
    assert processes_for(0, settings) == 1
    assert processes_for(400, settings) == min(cores, 2)
    assert processes_for(5, Settings({"WARDCRAWLER_PORTALS_PER_PROCESS": 0})) == min(cores, 5)


def test_shards_share_the_crawls_response_budget_and_a_total_given_on_the_command_line():
    defaults = Settings(
        {"WARDCRAWLER_RESPONSE_BUDGET_BYTES": 16_000_000, "CONCURRENT_REQUESTS": 16}
    )
    assert shares(defaults, 2) == ["-s", "WARDCRAWLER_RESPONSE_BUDGET_BYTES=8000000"]
    given = Settings({"WARDCRAWLER_RESPONSE_BUDGET_BYTES": 0})
    given.set("CONCURRENT_REQUESTS", 5, priority="cmdline")
    assert shares(given, 3) == ["-s", "CONCURRENT_REQUESTS=1"]  # 0: no budget, none to share
    given.set("WARDCRAWLER_MAX_CONCURRENT_REQUESTS", 100, priority="cmdline")
    assert shares(given, 2)[-2:] == ["-s", "WARDCRAWLER_MAX_CONCURRENT_REQUESTS=50"]
