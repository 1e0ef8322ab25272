"""ArchivePipeline: the run opened and closed in the ledger, items stored through the Recorder."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from wardcrawler.crawler.pipelines import ArchivePipeline
from wardcrawler.crawler.shared import (
    ARCHIVE_STAT,
    BROKEN_STAT,
    FIRST_STAT,
    LAST_STAT,
    PAGES_STAT,
    RUN_STAT,
    shared_archive,
)
from wardcrawler.crawler.spiders.base import RegistrySpider
from wardcrawler.crawler.spiders.wards import WardsSpider
from wardcrawler.crawler.spiders.wayback import WaybackSpider
from wardcrawler.extract.article import ArticleFields, Attachment
from wardcrawler.items import (
    ArticleGone,
    ArticlePage,
    CaptureDone,
    ListedThrough,
    ListingEntry,
    PageFailure,
)

REGISTRY = """
[[ward]]
slug = "w1"
name = "Phường Một"
province = "Hà Nội"
district = "Quận Một"
url = "http://w1.example/"
family = "hanoi-portal"
categories = ["tin-tuc"]

[[ward]]
slug = "w2"
name = "Xã Hai"
province = "Hải Phòng"
url = "http://w2.example/"
family = "liferay-view-content"
"""

NEWS = "http://w1.example/tin-tuc"

Make = Callable[..., tuple[ArchivePipeline, Crawler]]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    """Build the pipeline on a crawler of the two-ward registry, its spider opened."""
    registry = tmp_path / "wards.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    crawlers: list[Crawler] = []
    built: list[ArchivePipeline] = []  # signals hold receivers weakly: keep them alive

    def build(spidercls: type[RegistrySpider] = WardsSpider,
              **settings: Any) -> tuple[ArchivePipeline, Crawler]:  # fmt: skip
        crawler = get_crawler(
            spidercls,
            {
                "WARDCRAWLER_DB": str(tmp_path / "wards.db"),
                "WARDCRAWLER_WARDS_FILE": str(registry),
                "WARDCRAWLER_ARCHIVE_URL": "http://127.0.0.1:9",
                "EXTENSIONS_BASE": {},
                "WARDCRAWLER_COMMIT_ITEMS": 1,  # each item committed: read back at once
                **settings,
            },
        )  # no extensions: only the pipeline hears spider_closed
        crawlers.append(crawler)
        crawler.spider = crawler._create_spider()
        pipeline = build_from_crawler(ArchivePipeline, crawler)
        pipeline.open_spider()
        built.append(pipeline)
        return pipeline, crawler

    yield build
    for crawler in crawlers:  # the tests that do not close the run
        with suppress(sqlite3.ProgrammingError):
            shared_archive(crawler).close()


def query(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    """Rows of the archive, read through a connection of its own."""
    with closing(sqlite3.connect(db)) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql, params)]


def close(crawler: Crawler, reason: str) -> None:
    """Scrapy's spider_closed signal, as the engine sends it; no receiver may fail."""
    results = crawler.signals.send_catch_log(signals.spider_closed, spider=crawler.spider,
                                             reason=reason)  # fmt: skip
    assert [result for _, result in results if isinstance(result, Failure)] == []


def article(key: str = "1000000001", views: str = "Lượt xem: 1.234",
            paragraphs: tuple[str, ...] = ("Đoạn một.", "Đoạn hai.")) -> ArticlePage:  # fmt: skip
    fields = ArticleFields(
        title="  Họp\u00a0dân   phố ", posted_raw="06:30 15/09/2023", views_raw=views,
        paragraphs=list(paragraphs), category="Tin tức",
        attachments=[Attachment("http://w1.example/files/qd.pdf", "document", "qd.pdf")],
    )  # fmt: skip
    return ArticlePage("w1", key, f"http://w1.example/tin-tuc/hop-{key}.htm", fields,
                       "2026-01-05T03:00:00+00:00")  # fmt: skip


def entry(key: str) -> ListingEntry:
    return ListingEntry("w1", NEWS, "Tin tức", key, "2026-01-05T02:59:00+00:00",
                        f"http://w1.example/tin-tuc/hop-{key}.htm")  # fmt: skip


def test_open_spider_saves_the_wards_and_starts_an_incremental_run(make: Make, tmp_path: Path):
    _, crawler = make()
    db = tmp_path / "wards.db"
    wards = query(db, "select * from wards order by slug")
    assert [(w["slug"], w["name"], w["province"], w["district"], w["url"], w["family"])
            for w in wards] == [
        ("w1", "Phường Một", "Hà Nội", "Quận Một", "http://w1.example/", "hanoi-portal"),
        ("w2", "Xã Hai", "Hải Phòng", None, "http://w2.example/", "liferay-view-content"),
    ]  # fmt: skip
    (run,) = query(db, "select * from crawl_runs")
    assert (run["status"], run["mode"], run["finished_at"]) == ("running", "incremental", None)
    assert json.loads(run["wards"]) == ["w1", "w2"]
    assert crawler.stats.get_value(RUN_STAT) == run["id"]


def test_full_setting_starts_a_full_run(make: Make, tmp_path: Path):
    make(WARDCRAWLER_FULL=True)
    assert query(tmp_path / "wards.db", "select mode from crawl_runs") == [{"mode": "full"}]


def test_the_spiders_own_mode_names_the_run(make: Make, tmp_path: Path):
    make(WaybackSpider, WARDCRAWLER_FULL=True)
    assert query(tmp_path / "wards.db", "select mode from crawl_runs") == [{"mode": "backfill"}]


def test_only_the_chosen_wards_are_saved_and_named_in_the_run(make: Make, tmp_path: Path):
    make(WARDCRAWLER_WARDS="w2")
    db = tmp_path / "wards.db"
    assert query(db, "select slug from wards") == [{"slug": "w2"}]
    assert json.loads(query(db, "select wards from crawl_runs")[0]["wards"]) == ["w2"]


def test_each_run_gets_its_own_ledger_row(make: Make, tmp_path: Path):
    _, first = make()
    close(first, "finished")
    _, second = make()
    assert second.stats.get_value(RUN_STAT) == first.stats.get_value(RUN_STAT) + 1
    assert query(tmp_path / "wards.db", "select status from crawl_runs order by id") == [
        {"status": "finished"}, {"status": "running"}]  # fmt: skip


def test_article_page_is_stored_normalised(make: Make, tmp_path: Path):
    pipeline, _ = make()
    item = article()
    assert pipeline.process_item(item) is item
    (row,) = query(tmp_path / "wards.db", "select * from articles")
    assert (row["ward"], row["article_key"], row["province"]) == ("w1", "1000000001", "Hà Nội")
    assert row["title"] == "Họp dân phố"
    assert row["posted_at"] == "2023-09-15T06:30:00+07:00" and row["views"] == 1234
    assert row["body"] == "Đoạn một.\n\nĐoạn hai."
    assert row["first_seen_at"] == row["last_seen_at"] == "2026-01-05T03:00:00+00:00"
    (attachment,) = query(tmp_path / "wards.db", "select * from attachments")
    assert (attachment["url"], attachment["kind"]) == ("http://w1.example/files/qd.pdf", "document")


def test_listing_items_record_the_category_and_its_end(make: Make, tmp_path: Path):
    pipeline, _ = make()
    for item in (entry("1000000001"), entry("1000000002"),
                 ListedThrough("w1", NEWS, "Tin tức", "2026-01-05T03:01:00+00:00")):  # fmt: skip
        assert pipeline.process_item(item) is item
    pipeline.process_item(article("1000000001"))
    db = tmp_path / "wards.db"
    (category,) = query(db, "select * from categories")
    assert (category["ward"], category["url"], category["name"]) == ("w1", NEWS, "Tin tức")
    assert category["listed_through_at"] == "2026-01-05T03:01:00+00:00"
    keys = query(db, "select article_key from listing_entries order by article_key")
    assert [k["article_key"] for k in keys] == ["1000000001", "1000000002"]
    assert query(db, "select category_names from articles") == [{"category_names": '["Tin tức"]'}]


@pytest.mark.parametrize(
    "item",
    [{"title": "a dict"},
     CaptureDone("w1", "http://w1.example/", "20240101000000", "other", None, "200",
                 "text/html", "D", "ignored", None, None, None, "2024-01-01T00:00:00+00:00")],
    ids=["dict", "web-archive capture"],
)  # fmt: skip
def test_unknown_item_is_dropped(make: Make, tmp_path: Path, item: Any):
    pipeline, _ = make()
    with pytest.raises(DropItem, match="unknown item type"):
        pipeline.process_item(item)
    db = tmp_path / "wards.db"
    for table in ("articles", "categories", "fetch_errors", "wayback_processed", "captures"):
        assert query(db, f"select count(*) n from {table}") == [{"n": 0}]


def test_gone_article_is_tombstoned_and_an_unknown_one_is_a_failure(make: Make, tmp_path: Path):
    pipeline, _ = make()
    pipeline.process_item(article("1000000001"))
    pipeline.process_item(ArticleGone("w1", "1000000001", "http://w1.example/x", 404, None,
                                      "2026-02-01T00:00:00+00:00"))  # fmt: skip
    pipeline.process_item(ArticleGone("w1", "1000000009", "http://w1.example/y", 301,
                                      "http://w1.example/"))  # fmt: skip
    db = tmp_path / "wards.db"
    gone = query(db, "select gone_at, gone_status from articles")
    assert gone == [{"gone_at": "2026-02-01T00:00:00+00:00", "gone_status": 404}]
    (error,) = query(db, "select url, status, reason from fetch_errors")
    assert error == {"url": "http://w1.example/y", "status": 301,
                     "reason": "HTTP 301 to http://w1.example/"}  # fmt: skip


def test_spider_closed_closes_the_run_with_per_ward_figures(make: Make, tmp_path: Path):
    pipeline, crawler = make()
    stats = crawler.stats
    stats.set_value(PAGES_STAT.format("w1"), 5)
    stats.set_value(FIRST_STAT.format("w1"), 1_700_000_000.0)
    stats.set_value(LAST_STAT.format("w1"), 1_700_000_012.25)
    for item in (
        entry("1000000001"), entry("1000000002"),
        article("1000000001"), article("1000000001"),  # new, then unchanged
        article("1000000002"), article("1000000002", views="Lượt xem: 9"),  # new, then updated
        ArticleGone("w1", "1000000002", "http://w1.example/tin-tuc/hop-1000000002.htm", 410),
        PageFailure("w1", "http://w1.example/tin-tuc?page=9", 503, "HTTP 503"),
        PageFailure("w1", "http://w1.example/tin-tuc/hop-1000000003.htm", 200, "no title found",
                    "<html></html>"),
    ):  # fmt: skip
        pipeline.process_item(item)
    close(crawler, "finished")
    db = tmp_path / "wards.db"
    (run,) = query(db, "select * from crawl_runs")
    assert run["status"] == "finished" and run["finished_at"] is not None
    assert (run["pages"], run["articles_new"], run["articles_updated"]) == (5, 2, 1)
    assert (run["articles_unchanged"], run["articles_gone"]) == (1, 1)
    assert (run["failed"], run["parse_failures"]) == (1, 1)
    assert json.loads(run["stats"])["finish_reason"] == "finished"
    rows = {r["ward"]: r for r in query(db, "select * from crawl_run_wards")}
    assert rows["w1"] == {
        "run_id": run["id"], "ward": "w1", "pages": 5, "listed": 2, "articles_new": 2,
        "articles_updated": 1, "articles_unchanged": 1, "articles_gone": 1, "failed": 1,
        "parse_failures": 1, "duration_seconds": 12.25, "broken": None,
        "articles_parsed": 4, "views_missing": 0, "body_missing": 0, "date_missing": 0,
    }  # fmt: skip
    assert (rows["w2"]["pages"], rows["w2"]["listed"], rows["w2"]["duration_seconds"]) == (
        0,
        0,
        0.0,
    )
    assert rows["w2"]["broken"].startswith("yielded nothing")
    assert stats.get_value(BROKEN_STAT) == {"w2": rows["w2"]["broken"]}
    assert json.loads(run["broken_wards"]) == {"w2": rows["w2"]["broken"]}
    errors = query(db, "select run_id, status, html from fetch_errors order by id")
    assert errors == [{"run_id": run["id"], "status": 503, "html": None},
                      {"run_id": run["id"], "status": 200, "html": "<html></html>"}]  # fmt: skip


def test_interrupted_run_is_closed_with_its_reason_and_not_judged(make: Make, tmp_path: Path):
    _, crawler = make()
    close(crawler, "shutdown")
    (run,) = query(tmp_path / "wards.db", "select status, broken_wards from crawl_runs")
    assert run == {"status": "shutdown", "broken_wards": "{}"}
    wards = query(tmp_path / "wards.db", "select ward, broken from crawl_run_wards order by ward")
    assert wards == [{"ward": "w1", "broken": None}, {"ward": "w2", "broken": None}]
    assert crawler.stats.get_value(BROKEN_STAT) == {}


def test_wards_the_spider_found_broken_are_reported(make: Make, tmp_path: Path):
    pipeline, crawler = make(WaybackSpider)
    spider = crawler.spider
    assert isinstance(spider, WaybackSpider)
    w1 = next(w for w in spider.wards if w.slug == "w1")
    for item in spider.listing_incomplete(w1, "http://127.0.0.1:9/cdx", "HTTP 502"):
        pipeline.process_item(item)
    close(crawler, "finished")
    assert crawler.stats.get_value(BROKEN_STAT) == {
        "w1": "web-archive listing incomplete (HTTP 502)"}  # fmt: skip
    (run,) = query(tmp_path / "wards.db", "select mode, failed from crawl_runs")
    assert run == {"mode": "backfill", "failed": 1}  # a backfill is not judged by the ledger


def test_spider_closed_closes_the_shared_archive(make: Make):
    _, crawler = make()
    archive = shared_archive(crawler)
    close(crawler, "finished")
    with pytest.raises(sqlite3.ProgrammingError):
        archive.db.execute("select 1")


def test_an_unstorable_listing_entry_is_a_failure_naming_its_article(make: Make, tmp_path: Path):
    pipeline, _ = make()
    url = "http://w1.example/tin-tuc/hop-1000000003.htm"
    unstorable = ListingEntry("w1", NEWS, "Tin tức", "1000000003", None, url, rank=2**70)
    with pytest.raises(DropItem, match="could not be stored"):
        pipeline.process_item(unstorable)
    (error,) = query(tmp_path / "wards.db", "select url, reason from fetch_errors")
    assert error["url"] == url and "OverflowError" in error["reason"]


def test_the_archive_is_closed_even_when_the_run_cannot_be(make: Make, tmp_path: Path):
    _, crawler = make()
    archive = shared_archive(crawler)
    with closing(sqlite3.connect(tmp_path / "wards.db")) as other:
        other.execute("drop table crawl_run_wards")  # closing the run now fails in SQLite
        other.commit()
    close(crawler, "finished")
    assert crawler.stats.get_value(ARCHIVE_STAT)  # the problem is reported ...
    with pytest.raises(sqlite3.ProgrammingError):  # ... and the archive closed all the same
        archive.db.execute("select 1")


def test_items_are_committed_in_batches(make: Make, tmp_path: Path):
    """Three items per batch: the third commits them all, the fourth waits for the close."""
    pipeline, crawler = make(WARDCRAWLER_COMMIT_ITEMS=3)
    db = tmp_path / "wards.db"
    pipeline.process_item(entry("1000000001"))
    pipeline.process_item(entry("1000000002"))
    assert query(db, "select * from listing_entries") == []
    pipeline.process_item(entry("1000000003"))
    assert len(query(db, "select * from listing_entries")) == 3
    pipeline.process_item(entry("1000000004"))
    assert len(query(db, "select * from listing_entries")) == 3
    close(crawler, "finished")
    assert len(query(db, "select * from listing_entries")) == 4


def test_a_batch_waits_at_most_its_seconds(make: Make, tmp_path: Path):
    """With no item to commit it, a batch older than its time is committed at a response."""
    pipeline, crawler = make(WARDCRAWLER_COMMIT_ITEMS=100, WARDCRAWLER_COMMIT_SECONDS=0.05)
    pipeline.process_item(entry("1000000001"))
    assert query(tmp_path / "wards.db", "select * from listing_entries") == []
    time.sleep(0.1)
    crawler.signals.send_catch_log(signals.response_received)
    assert len(query(tmp_path / "wards.db", "select * from listing_entries")) == 1
