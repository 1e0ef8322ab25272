"""RetryAfterMiddleware: which throttled answers are retried, after how long, and when it stops."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from wardcrawler.crawler import settings as project_settings
from wardcrawler.crawler.middlewares.retry_after import (
    MAX_WAIT,
    STAT,
    RetryAfterMiddleware,
    retry_after,
)


def make(**settings: Any) -> tuple[RetryAfterMiddleware, Crawler]:
    crawler = get_crawler(Spider, settings)
    crawler.spider = crawler._create_spider("throttled")
    return build_from_crawler(RetryAfterMiddleware, crawler), crawler


def run(coroutine: Any, timeout: float = 0.5) -> Any:
    """Run a coroutine on a private event loop, failing if it takes longer than `timeout`."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(asyncio.wait_for(coroutine, timeout))
    finally:
        loop.close()


def parse(response: Response, page: int) -> None:  # the callback a retry must keep
    return None


def asked(url: str = "http://archive.example/web/2020id_/http://w1.example/") -> Request:
    return Request(url, callback=parse, cb_kwargs={"page": 3}, meta={"kind": "listing"})


def answer(request: Request, status: int, wait: str | None = None) -> HtmlResponse:
    """The server's answer, with `Retry-After: wait` when given."""
    headers = {"Retry-After": wait} if wait is not None else {}
    return HtmlResponse(request.url, status=status, headers=headers, body=b"slow down",
                        request=request)  # fmt: skip


def http_date(seconds_from_now: float) -> bytes:
    moment = datetime.now(UTC) + timedelta(seconds=seconds_from_now)
    return format_datetime(moment, usegmt=True).encode()


def test_header_in_seconds_is_waited_for():
    assert retry_after(b"120", 0) == 120.0
    assert retry_after(b" 7 ", 5) == 7.0  # the header wins over the attempt's backoff
    assert retry_after(b"0", 3) == 0.0


def test_long_waits_are_capped():
    assert retry_after(b"86400", 0) == MAX_WAIT


def test_header_as_http_date_is_waited_until():
    assert 85.0 <= retry_after(http_date(90), 0) <= 90.0
    assert retry_after(http_date(-60), 4) == 0.0  # already past: at once
    assert retry_after(http_date(7200), 0) == MAX_WAIT


def test_no_or_unreadable_header_backs_off_exponentially():
    assert [retry_after(None, n) for n in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert retry_after(b"", 2) == 4.0
    assert retry_after(b"soon", 1) == 2.0
    assert retry_after(b"-5", 0) == 1.0
    assert retry_after(None, 30) == MAX_WAIT


def test_429_is_retried_as_a_fresh_copy_of_the_request():
    mw, crawler = make()
    request = asked()
    retry = run(mw.process_response(request, answer(request, 429, "0")))
    assert isinstance(retry, Request) and retry is not request
    assert retry.url == request.url and retry.dont_filter
    assert retry.callback is parse and retry.cb_kwargs == {"page": 3}
    assert retry.meta["kind"] == "listing" and retry.meta["throttled_retries"] == 1
    assert "throttled_retries" not in request.meta
    assert crawler.stats.get_value(STAT) == 1


def test_503_with_retry_after_is_retried():
    mw, _ = make()
    request = asked()
    assert isinstance(run(mw.process_response(request, answer(request, 503, "0"))), Request)


@pytest.mark.parametrize("status", [200, 301, 404, 500, 503])
def test_other_answers_are_passed_on(status: int):
    mw, crawler = make()
    request = asked()
    response = answer(request, status)
    assert run(mw.process_response(request, response)) is response
    assert crawler.stats.get_value(STAT) is None


def test_gives_up_after_the_throttled_retries_setting():
    mw, crawler = make(WARDCRAWLER_THROTTLED_RETRIES=3)
    result: Request | Response = asked()
    tries = 0
    while isinstance(result, Request):
        request, tries = result, tries + 1
        result = run(mw.process_response(request, answer(request, 429, "0")))
    assert tries == 4  # the first try and three retries
    assert result.status == 429 and result.request is request  # the last answer, handed on
    assert crawler.stats.get_value(STAT) == 3


def test_no_retry_at_all_when_throttled_retries_is_zero():
    mw, _ = make(WARDCRAWLER_THROTTLED_RETRIES=0)
    request = asked()
    response = answer(request, 429, "0")
    assert run(mw.process_response(request, response)) is response


@pytest.mark.parametrize("header", ["1", None])
def test_waits_before_retrying(header: str | None):
    mw, _ = make()
    request = asked()
    with pytest.raises(TimeoutError):  # asked for a second (or backing off 1 s): not done yet
        run(mw.process_response(request, answer(request, 429, header)), timeout=0.05)


def test_project_settings_let_it_see_429s_before_scrapys_retries(tmp_path: Path):
    project = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    project.update(WARDCRAWLER_DB=str(tmp_path / "wards.db"), WARDCRAWLER_WARC_DIR="off")
    crawler = get_crawler(Spider, project)
    crawler.spider = crawler._create_spider("throttled")
    manager = DownloaderMiddlewareManager.from_crawler(crawler)
    order = [type(m) for m in manager.middlewares]
    # process_response runs from the last middleware (nearest the network) to the first
    assert order.index(RetryAfterMiddleware) > order.index(RetryMiddleware)
    assert crawler.settings.getint("WARDCRAWLER_THROTTLED_RETRIES") == 20


def test_non_ascii_digits_in_the_header_fall_back_to_the_backoff() -> None:
    assert retry_after(b"\xb2", 1) == 2.0  # "²" is a digit to str.isdigit, not a number of seconds
