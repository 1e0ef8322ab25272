"""CrawlDelayMiddleware: which robots.txt delays slow a ward down, and that nothing speeds it up."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request
from scrapy.core.downloader import Downloader
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from wardcrawler.crawler.middlewares.crawl_delay import CrawlDelayMiddleware
from wardcrawler.crawler.spiders.wards import WardsSpider
from wardcrawler.portals.registry import Ward

WARD = Ward("w1", "Phường Một", "Hà Nội", "http://w1.example/", "hanoi-portal")


class Engine:  # the one part of Scrapy's engine the middleware reaches: a real Downloader
    def __init__(self, crawler: Crawler) -> None:
        self.downloader = Downloader(crawler)


def make(**settings: Any) -> tuple[CrawlDelayMiddleware, Crawler]:
    crawler = get_crawler(WardsSpider, {"DOWNLOAD_DELAY": 1.0, **settings})
    crawler.spider = crawler._create_spider()
    crawler.spider.wards = [WARD]
    crawler.engine = Engine(crawler)
    return build_from_crawler(CrawlDelayMiddleware, crawler), crawler


def robots(middleware: CrawlDelayMiddleware, text: str) -> None:
    request = Request("http://w1.example/robots.txt")
    middleware.process_response(request, Response(request.url, body=text.encode()))


def page() -> Request:
    return Request("http://w1.example/tin-tuc", meta={"download_slot": "w1"},
                   cb_kwargs={"ward": WARD})  # fmt: skip


def test_a_longer_delay_slows_the_slot_and_keeps_autothrottle_off_it():
    middleware, crawler = make()
    robots(middleware, "User-agent: *\nCrawl-delay: 5\n")
    request = page()
    middleware.process_request(request)
    assert crawler.engine.downloader.per_slot_settings["w1"]["delay"] == 5.0
    assert request.meta["autothrottle_dont_adjust_delay"] is True


@pytest.mark.parametrize(
    ("asked", "settings"),
    [(0.5, {}), (1.0, {}), (30, {"WARDCRAWLER_MAX_CRAWL_DELAY": 0})],
    ids=["shorter than DOWNLOAD_DELAY", "equal", "Crawl-delay turned off"],
)
def test_a_delay_that_would_not_slow_down_changes_nothing(asked: float, settings: dict):
    middleware, crawler = make(**settings)
    robots(middleware, f"User-agent: *\nCrawl-delay: {asked}\n")
    request = page()
    middleware.process_request(request)
    assert "w1" not in crawler.engine.downloader.per_slot_settings
    assert "autothrottle_dont_adjust_delay" not in request.meta


def test_a_delay_over_the_cap_is_held_to_the_cap():
    middleware, crawler = make(WARDCRAWLER_MAX_CRAWL_DELAY=20)
    robots(middleware, "User-agent: *\nCrawl-delay: 1000\n")
    assert crawler.engine.downloader.per_slot_settings["w1"]["delay"] == 20.0
