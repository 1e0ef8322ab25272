"""WarcCaptureMiddleware: which responses go to WARC files and `captures`, and what is recorded."""

from __future__ import annotations

import base64
import gc
import hashlib
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from wardcrawler.crawler.middlewares.warc_capture import WarcCaptureMiddleware
from wardcrawler.crawler.shared import RUN_STAT, shared_archive
from wardcrawler.crawler.spiders.wards import WardsSpider
from wardcrawler.normalize import content_hash
from wardcrawler.portals.registry import Ward
from wardcrawler.store.archive import ArticleRecord
from wardcrawler.warc.reader import Capture, iter_captures, read_capture, warc_paths

REGISTRY = """
[[ward]]
slug = "w1"
name = "Phường Một"
province = "Hà Nội"
district = "Quận Một"
url = "http://w1.example/"
family = "hanoi-portal"
categories = ["tin-tuc"]
aliases = ["w1-old.example"]
"""

ARTICLE = "http://w1.example/tin-tuc/bai-viet-1000000001.htm"
KEY = "1000000001"
HTML = "<html><body><h1>Tin phường</h1></body></html>".encode()

Make = Callable[..., tuple[WarcCaptureMiddleware, Crawler]]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    """Build the middleware on a crawler of a one-ward registry, its ward already saved."""
    registry = tmp_path / "wards.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    crawlers: list[Crawler] = []
    built: list[WarcCaptureMiddleware] = []  # signals hold receivers weakly: keep them alive

    def build(**settings: Any) -> tuple[WarcCaptureMiddleware, Crawler]:
        crawler = get_crawler(
            WardsSpider,
            {
                "WARDCRAWLER_DB": str(tmp_path / "db" / "wards.db"),
                "WARDCRAWLER_WARDS_FILE": str(registry),
                "EXTENSIONS_BASE": {},
                **settings,
            },
        )  # no extensions: only the middleware hears spider_closed
        crawlers.append(crawler)
        crawler.spider = crawler._create_spider()
        crawler.stats.set_value(RUN_STAT, 7)  # as the pipeline sets it when the run opens
        for ward in crawler.spider.wards:
            shared_archive(crawler).save_ward(ward.row())
        built.append(build_from_crawler(WarcCaptureMiddleware, crawler))
        return built[-1], crawler

    yield build
    for crawler in crawlers:
        crawler.signals.send_catch_log(signals.spider_closed, spider=crawler.spider,
                                       reason="finished")  # fmt: skip
        shared_archive(crawler).close()


def ward_of(crawler: Crawler) -> Ward:
    return crawler.spider.wards[0]


def captures(crawler: Crawler) -> list[dict]:
    return list(shared_archive(crawler).db.query("select * from captures order by id"))


def page(request: Request, status: int = 200, url: str | None = None, body: bytes = HTML,
         headers: dict | None = None) -> Response:  # fmt: skip
    """The response to `request` as it came off the wire."""
    headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    return HtmlResponse(url or request.url, status=status, headers=headers, body=body,
                        request=request, protocol="HTTP/1.1")  # fmt: skip


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of a body (SHA-1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def only_capture(folder: Path) -> Capture:
    found = list(iter_captures(folder))
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("setting", ["off", "OFF", " none ", "false", "0"])
def test_capture_is_off_when_the_folder_setting_says_so(make: Make, setting: str):
    with pytest.raises(NotConfigured):
        make(WARDCRAWLER_WARC_DIR=setting)


def test_article_page_is_written_and_recorded(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"))
    spider = crawler.spider
    request = spider.article_request(ward_of(crawler), ARTICLE, KEY)
    response = page(request)
    assert mw.process_response(request, response) is response
    capture = only_capture(tmp_path / "warc")
    assert (capture.url, capture.status, capture.body) == (ARTICLE, 200, HTML)
    assert capture.meta["run"] == 7 and capture.meta["kind"] == "article"
    assert capture.meta["article_key"] == KEY and capture.meta["request_url"] == ARTICLE
    assert capture.meta["ward"]["slug"] == "w1"
    assert capture.meta["ward"]["family"] == "hanoi-portal"  # readable without the registry
    assert capture.meta["ward"]["url"] == "http://w1.example/"
    (row,) = captures(crawler)
    assert row["run_id"] == 7 and row["ward"] == "w1" and row["source"] == "live"
    assert (row["kind"], row["url"], row["article_key"]) == ("article", ARTICLE, KEY)
    assert (row["status"], row["content_type"]) == (200, "text/html; charset=utf-8")
    assert row["warc_file"] == capture.warc_file
    assert (row["warc_offset"], row["warc_length"]) == (capture.offset, capture.length)
    assert row["payload_digest"] == capture.digest == payload_digest(HTML)
    assert row["fetched_at"] == capture.fetched_at == request.meta["fetched_at"]
    assert row["article_id"] is None  # not stored yet
    again = read_capture(tmp_path / "warc" / row["warc_file"], row["warc_offset"])
    assert (again.url, again.body) == (ARTICLE, HTML)


def test_capture_of_a_stored_article_is_linked_to_it(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"))
    archive = shared_archive(crawler)
    archive.save_article(
        ArticleRecord(ward="w1", article_key=KEY, url=ARTICLE, title="Tin", posted_at=None,
                      posted_raw="", views=None, body="", content_hash=content_hash("Tin", ""))
    )  # fmt: skip
    stored = archive.db.execute("select id from articles where article_key = ?", [KEY]).fetchone()
    request = crawler.spider.article_request(ward_of(crawler), ARTICLE, KEY)
    mw.process_response(request, page(request))
    assert [row["article_id"] for row in captures(crawler)] == [stored[0]]


def test_files_go_beside_the_database_by_default_named_after_the_run(make: Make, tmp_path: Path):
    mw, crawler = make()
    request = crawler.spider.listing_request(ward_of(crawler), "http://w1.example/tin-tuc")
    mw.process_response(request, page(request))
    (path,) = warc_paths(tmp_path / "db" / "warc")
    assert "-run00007-" in path.name
    assert captures(crawler)[0]["warc_file"] == path.name


def test_listing_error_page_is_recorded_with_its_status_and_category(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"))
    category = "http://w1.example/tin-tuc"
    request = crawler.spider.listing_request(ward_of(crawler), f"{category}?page=3", category, 2)
    mw.process_response(request, page(request, status=404, body=b"Not found"))
    capture = only_capture(tmp_path / "warc")
    assert capture.status == 404 and capture.body == b"Not found"
    assert capture.meta["kind"] == "listing" and capture.meta["category"] == category
    assert capture.meta["rank"] == 2 and capture.meta["article_key"] is None
    (row,) = captures(crawler)
    assert (row["status"], row["kind"], row["article_key"]) == (404, "listing", None)


def test_robots_txt_is_attributed_to_the_ward_by_host(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"))
    for url in ("http://w1.example/robots.txt", "http://www.w1-old.example/robots.txt"):
        request = Request(url)  # Scrapy's robots.txt request: no ward, no kind
        mw.process_response(request, page(request, body=b"User-agent: *\nDisallow:\n"))
    rows = captures(crawler)
    assert [(r["ward"], r["kind"], r["url"]) for r in rows] == [
        ("w1", "robots", "http://w1.example/robots.txt"),
        ("w1", "robots", "http://www.w1-old.example/robots.txt"),
    ]
    assert [c.meta["kind"] for c in iter_captures(tmp_path / "warc")] == ["robots", "robots"]


def test_response_of_no_ward_is_passed_on_unrecorded(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"))
    request = Request("http://elsewhere.example/robots.txt")
    response = page(request)
    assert mw.process_response(request, response) is response
    assert captures(crawler) == []
    assert warc_paths(tmp_path / "warc") == []
    assert "fetched_at" not in request.meta


def test_redirected_page_keeps_the_url_first_asked_for(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"))
    landed = "http://w1.example/tin-tuc/bai-khac-1000000009.htm"
    request = crawler.spider.article_request(ward_of(crawler), landed, KEY)
    request.meta["redirect_urls"] = [ARTICLE]  # as RedirectMiddleware leaves them
    request.meta["redirect_reasons"] = [301]
    mw.process_response(request, page(request))
    capture = only_capture(tmp_path / "warc")
    assert capture.url == landed
    assert capture.meta["request_url"] == ARTICLE
    assert capture.meta["redirect_reasons"] == [301]
    assert captures(crawler)[0]["url"] == landed


def test_body_is_kept_as_received_without_its_chunked_framing_header(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"))
    request = crawler.spider.article_request(ward_of(crawler), ARTICLE, KEY)
    mw.process_response(request, page(request, headers={"Transfer-Encoding": "chunked"}))
    capture = only_capture(tmp_path / "warc")
    assert capture.body == HTML
    names = [name.lower() for name, _ in capture.headers]
    assert "transfer-encoding" not in names and "content-type" in names


def test_files_rotate_at_the_size_limit(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"), WARDCRAWLER_WARC_MAX_BYTES=1)
    spider, ward = crawler.spider, ward_of(crawler)
    urls = [ARTICLE, "http://w1.example/tin-tuc/bai-viet-1000000002.htm"]
    for key, url in zip([KEY, "1000000002"], urls, strict=True):
        request = spider.article_request(ward, url, key)
        mw.process_response(request, page(request))
    assert len(warc_paths(tmp_path / "warc")) == 2
    rows = captures(crawler)
    read = {c.url: c for c in iter_captures(tmp_path / "warc")}
    assert [r["url"] for r in rows] == urls
    for row in rows:
        capture = read[row["url"]]
        assert (row["warc_file"], row["warc_offset"]) == (capture.warc_file, capture.offset)
    assert rows[0]["warc_file"] != rows[1]["warc_file"]


def test_spider_closed_closes_the_open_file(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"))
    request = crawler.spider.article_request(ward_of(crawler), ARTICLE, KEY)
    mw.process_response(request, page(request))
    assert mw.files is not None and mw.files.handle is not None
    handle = mw.files.handle
    crawler.signals.send_catch_log(signals.spider_closed, spider=crawler.spider,
                                   reason="finished")  # fmt: skip
    assert handle.closed


def test_writing_a_response_leaves_no_temporary_file_open(make: Make, tmp_path: Path):
    mw, crawler = make(WARDCRAWLER_WARC_DIR=str(tmp_path / "warc"))
    request = crawler.spider.article_request(ward_of(crawler), ARTICLE, KEY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        mw.process_response(request, page(request))
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
