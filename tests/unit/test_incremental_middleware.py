"""IncrementalMiddleware: which listing pages, articles and documents a crawl requests or drops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from wardcrawler.crawler.middlewares.incremental import (
    REFRESH_STAT,
    SKIPPED_STAT,
    STOPPED_STAT,
    IncrementalMiddleware,
)
from wardcrawler.crawler.shared import shared_archive
from wardcrawler.crawler.spiders.wards import WardsSpider
from wardcrawler.extract.urls import category_url
from wardcrawler.items import ListingEntry
from wardcrawler.normalize import VIETNAM_TZ, content_hash
from wardcrawler.portals.registry import Ward
from wardcrawler.store.archive import Archive, ArticleRecord

REGISTRY = """
[[ward]]
slug = "w1"
name = "Phường Một"
province = "Hà Nội"
url = "http://w1.example/"
family = "hanoi-portal"
categories = ["tin-tuc", "thong-bao"]

[[ward]]
slug = "w2"
name = "Phường Hai"
province = "Hà Nội"
url = "http://w2.example/"
family = "hanoi-portal"
categories = ["tin-tuc"]
"""

NEWS = category_url("http://w1.example/", "tin-tuc")
NOTICES = category_url("http://w1.example/", "thong-bao")

Make = Callable[..., tuple[IncrementalMiddleware, WardsSpider]]


def days_ago(days: int) -> str:
    """A posted date `days` before now, as the archive stores it (Vietnam time, seconds)."""
    return (datetime.now(VIETNAM_TZ) - timedelta(days=days)).replace(microsecond=0).isoformat()


def article_url(ward: str, key: str) -> str:
    return f"http://{ward}.example/tin-tuc/bai-viet-{key}.htm"


def store_article(archive: Archive, ward: str, key: str, posted_at: str | None) -> None:
    """An article a previous crawl stored."""
    body = f"Nội dung {key}."
    archive.save_article(
        ArticleRecord(
            ward=ward, article_key=key, url=article_url(ward, key), title=f"Bài {key}",
            posted_at=posted_at, posted_raw=posted_at or "", views=1, body=body,
            content_hash=content_hash(f"Bài {key}", body),
        )
    )  # fmt: skip


def seed(db: Path, setup: Callable[[Archive], Any]) -> None:
    """Write what earlier crawls left in the archive, then close it."""
    archive = Archive(db)
    try:
        for slug in ("w1", "w2"):
            url = f"http://{slug}.example/"
            archive.save_ward({"slug": slug, "name": slug, "province": "Hà Nội", "district": None,
                               "url": url, "family": "hanoi-portal"})  # fmt: skip
        setup(archive)
    finally:
        archive.close()


def listed_through(archive: Archive, ward: str, url: str) -> None:
    """A category whose listing an earlier crawl read to its last page."""
    archive.mark_listed_through(archive.category_id(ward, url, "Tin tức"))


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    """Build the middleware on a crawler of the two-ward registry (and close its archive)."""
    registry = tmp_path / "wards.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    crawlers: list[Crawler] = []

    def build(**settings: Any) -> tuple[IncrementalMiddleware, WardsSpider]:
        crawler = get_crawler(
            WardsSpider,
            {"WARDCRAWLER_DB": str(tmp_path / "wards.db"),
             "WARDCRAWLER_WARDS_FILE": str(registry), **settings},
        )  # fmt: skip
        crawler.spider = crawler._create_spider()
        crawlers.append(crawler)
        return build_from_crawler(IncrementalMiddleware, crawler), crawler.spider

    yield build
    for crawler in crawlers:
        shared_archive(crawler).close()


def run(coroutine: Any) -> Any:
    """Run a coroutine on a private event loop (no reactor)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


async def collect(results: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in results]


async def stream(items: Iterable[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


def start(mw: IncrementalMiddleware, spider: WardsSpider) -> list[Any]:
    """What the crawl starts with, through the middleware (which reads the archive first)."""
    return run(collect(mw.process_start(spider.start())))


def ward(spider: WardsSpider, slug: str = "w1") -> Ward:
    return next(w for w in spider.wards if w.slug == slug)


def listing_page(spider: WardsSpider, category: str = NEWS) -> HtmlResponse:
    """A listing page of one of w1's categories, as its request asked for it."""
    request = spider.listing_request(ward(spider), category)
    return HtmlResponse(category, body=b"<html><body></body></html>", request=request)


def listing_output(spider: WardsSpider, keys: list[str], category: str = NEWS) -> list[Any]:
    """What the spider yields for a w1 listing page of `keys`: entries, article requests, pager."""
    here = ward(spider)
    entries = [ListingEntry("w1", category, "Tin tức", k, None, article_url("w1", k)) for k in keys]
    articles = [spider.article_request(here, article_url("w1", k), k) for k in keys]
    pager = spider.listing_request(here, f"{category}?page=2", category)
    return [*entries, *articles, pager]


def through_middleware(mw: IncrementalMiddleware, response: HtmlResponse,
                       output: list[Any]) -> list[Any]:  # fmt: skip
    return run(collect(mw.process_spider_output(response, stream(output))))


def requested(kept: list[Any], kind: str) -> list[str]:
    return [r.url for r in kept if isinstance(r, Request) and r.meta.get("kind") == kind]


def pager_kept(kept: list[Any]) -> bool:
    return any("page=2" in url for url in requested(kept, "listing"))


def test_stored_article_is_not_requested_again_from_a_listing(make: Make, tmp_path: Path):
    seed(tmp_path / "wards.db", lambda a: store_article(a, "w1", "1000000001", days_ago(200)))
    mw, spider = make()
    start(mw, spider)
    kept = through_middleware(
        mw, listing_page(spider), listing_output(spider, ["1000000001", "1000000002"])
    )
    assert requested(kept, "article") == [article_url("w1", "1000000002")]
    assert [e.article_key for e in kept if isinstance(e, ListingEntry)] == [
        "1000000001",
        "1000000002",
    ]
    assert spider.crawler.stats.get_value(SKIPPED_STAT) == 1


def test_full_mode_requests_stored_articles_from_listings(make: Make, tmp_path: Path):
    seed(tmp_path / "wards.db", lambda a: store_article(a, "w1", "1000000001", days_ago(200)))
    mw, spider = make(WARDCRAWLER_FULL=True)
    start(mw, spider)
    output = listing_output(spider, ["1000000001", "1000000002"])
    kept = through_middleware(mw, listing_page(spider), output)
    assert kept == output
    assert spider.crawler.stats.get_value(SKIPPED_STAT) is None


def test_article_stored_for_another_ward_is_still_requested(make: Make, tmp_path: Path):
    seed(tmp_path / "wards.db", lambda a: store_article(a, "w2", "1000000001", days_ago(200)))
    mw, spider = make()
    start(mw, spider)
    kept = through_middleware(mw, listing_page(spider), listing_output(spider, ["1000000001"]))
    assert requested(kept, "article") == [article_url("w1", "1000000001")]


def test_vanished_article_is_requested_again_when_listed(make: Make, tmp_path: Path):
    def vanished(archive: Archive) -> None:
        store_article(archive, "w1", "1000000001", days_ago(200))
        archive.mark_gone("w1", "1000000001", 404, None)

    seed(tmp_path / "wards.db", vanished)
    mw, spider = make()
    start(mw, spider)
    kept = through_middleware(mw, listing_page(spider), listing_output(spider, ["1000000001"]))
    assert requested(kept, "article") == [article_url("w1", "1000000001")]


def test_pager_stops_when_a_listed_through_category_shows_nothing_new(make: Make, tmp_path: Path):
    def setup(archive: Archive) -> None:
        store_article(archive, "w1", "1000000001", days_ago(200))
        listed_through(archive, "w1", NEWS)

    seed(tmp_path / "wards.db", setup)
    mw, spider = make()
    start(mw, spider)
    kept = through_middleware(mw, listing_page(spider), listing_output(spider, ["1000000001"]))
    assert not pager_kept(kept)
    assert [e.article_key for e in kept if isinstance(e, ListingEntry)] == ["1000000001"]
    assert spider.crawler.stats.get_value(STOPPED_STAT) == 1


def test_pager_continues_in_a_category_never_listed_through(make: Make, tmp_path: Path):
    def setup(archive: Archive) -> None:  # an interrupted first crawl: only notices read through
        store_article(archive, "w1", "1000000001", days_ago(200))
        listed_through(archive, "w1", NOTICES)

    seed(tmp_path / "wards.db", setup)
    mw, spider = make()
    start(mw, spider)
    kept = through_middleware(mw, listing_page(spider), listing_output(spider, ["1000000001"]))
    assert pager_kept(kept)
    assert spider.crawler.stats.get_value(STOPPED_STAT) is None


def test_pager_continues_when_a_listing_shows_a_new_article(make: Make, tmp_path: Path):
    def setup(archive: Archive) -> None:
        store_article(archive, "w1", "1000000001", days_ago(200))
        listed_through(archive, "w1", NEWS)

    seed(tmp_path / "wards.db", setup)
    mw, spider = make()
    start(mw, spider)
    output = listing_output(spider, ["1000000001", "1000000002"])
    kept = through_middleware(mw, listing_page(spider), output)
    assert pager_kept(kept)


def test_full_mode_pages_through_listings_showing_nothing_new(make: Make, tmp_path: Path):
    def setup(archive: Archive) -> None:
        store_article(archive, "w1", "1000000001", days_ago(200))
        listed_through(archive, "w1", NEWS)

    seed(tmp_path / "wards.db", setup)
    mw, spider = make(WARDCRAWLER_FULL="True")
    start(mw, spider)
    kept = through_middleware(mw, listing_page(spider), listing_output(spider, ["1000000001"]))
    assert pager_kept(kept)


def test_downloaded_document_is_not_requested_again(make: Make, tmp_path: Path):
    done, pending = "http://w1.example/files/done.pdf", "http://w1.example/files/pending.pdf"

    def setup(archive: Archive) -> None:
        store_article(archive, "w1", "1000000001", days_ago(200))
        (article_id,) = archive.db.execute("select id from articles").fetchone()
        archive.db["attachments"].insert_all(
            [
                {"article_id": article_id, "url": url, "kind": "document", "name": url}
                for url in (done, pending)
            ]
        )
        facts = {"sha256": "ab" * 32, "size": 3, "content_type": "application/pdf",
                 "fetched_at": days_ago(100)}  # fmt: skip
        archive.save_attachment_file("w1", "1000000001", done, facts)

    seed(tmp_path / "wards.db", setup)
    mw, spider = make()
    start(mw, spider)
    here = ward(spider)
    page = spider.article_request(here, article_url("w1", "1000000001"), "1000000001")
    response = HtmlResponse(page.url, body=b"<html></html>", request=page)
    output = [spider.attachment_request(here, done, "1000000001"),
              spider.attachment_request(here, pending, "1000000001")]  # fmt: skip
    assert requested(through_middleware(mw, response, output), "attachment") == [pending]


def test_full_mode_downloads_documents_again(make: Make, tmp_path: Path):
    done = "http://w1.example/files/done.pdf"

    def setup(archive: Archive) -> None:
        store_article(archive, "w1", "1000000001", days_ago(200))
        (article_id,) = archive.db.execute("select id from articles").fetchone()
        archive.db["attachments"].insert(
            {"article_id": article_id, "url": done, "kind": "document", "name": "done.pdf"}
        )
        facts = {"sha256": "ab" * 32, "size": 3, "content_type": "application/pdf",
                 "fetched_at": days_ago(100)}  # fmt: skip
        archive.save_attachment_file("w1", "1000000001", done, facts)

    seed(tmp_path / "wards.db", setup)
    mw, spider = make(WARDCRAWLER_FULL=True)
    start(mw, spider)
    here = ward(spider)
    page = spider.article_request(here, article_url("w1", "1000000001"), "1000000001")
    response = HtmlResponse(page.url, body=b"<html></html>", request=page)
    output = [spider.attachment_request(here, done, "1000000001")]
    assert requested(through_middleware(mw, response, output), "attachment") == [done]


def test_incremental_start_refreshes_only_articles_posted_within_the_window(
    make: Make, tmp_path: Path
):
    def setup(archive: Archive) -> None:
        store_article(archive, "w1", "1000000001", days_ago(2))
        store_article(archive, "w1", "1000000002", days_ago(45))
        store_article(archive, "w1", "1000000003", None)  # date never understood
        store_article(archive, "w2", "2000000001", days_ago(29))

    seed(tmp_path / "wards.db", setup)
    mw, spider = make()
    started = start(mw, spider)
    listings = ["http://w1.example/tin-tuc", "http://w1.example/thong-bao",
                "http://w2.example/tin-tuc"]  # fmt: skip
    assert [r.url for r in started[:3]] == listings  # the crawl's own start first
    refreshed = started[3:]
    assert [r.url for r in refreshed] == [article_url("w1", "1000000001"),
                                          article_url("w2", "2000000001")]  # fmt: skip
    assert [r.meta["kind"] for r in refreshed] == ["article", "article"]
    assert [r.cb_kwargs["ward"].slug for r in refreshed] == ["w1", "w2"]
    assert spider.requested["w1"] == {"1000000001"}  # a listing will not ask for it again
    assert spider.crawler.stats.get_value(REFRESH_STAT) == 2


def test_refresh_window_follows_the_setting(make: Make, tmp_path: Path):
    def setup(archive: Archive) -> None:
        store_article(archive, "w1", "1000000001", days_ago(2))
        store_article(archive, "w1", "1000000002", days_ago(45))

    seed(tmp_path / "wards.db", setup)
    mw, spider = make(WARDCRAWLER_REFRESH_DAYS=1)
    assert requested(start(mw, spider), "article") == []
    mw, spider = make(WARDCRAWLER_REFRESH_DAYS=60)
    assert requested(start(mw, spider), "article") == [
        article_url("w1", "1000000001"),
        article_url("w1", "1000000002"),
    ]


def test_full_start_refreshes_every_stored_article_but_not_vanished_ones(
    make: Make, tmp_path: Path
):
    def setup(archive: Archive) -> None:
        store_article(archive, "w1", "1000000001", days_ago(2))
        store_article(archive, "w1", "1000000002", days_ago(900))
        store_article(archive, "w1", "1000000003", None)
        store_article(archive, "w1", "1000000004", days_ago(3))
        archive.mark_gone("w1", "1000000004", 410, None)

    seed(tmp_path / "wards.db", setup)
    mw, spider = make(WARDCRAWLER_FULL=True)
    keys = [r.meta["article_key"] for r in start(mw, spider) if r.meta["kind"] == "article"]
    assert sorted(keys) == ["1000000001", "1000000002", "1000000003"]
    assert spider.crawler.stats.get_value(REFRESH_STAT) == 3


def test_empty_archive_starts_with_the_listings_only(make: Make):
    mw, spider = make()
    started = start(mw, spider)
    assert requested(started, "listing") == ["http://w1.example/tin-tuc",
                                             "http://w1.example/thong-bao",
                                             "http://w2.example/tin-tuc"]  # fmt: skip
    assert len(started) == 3
