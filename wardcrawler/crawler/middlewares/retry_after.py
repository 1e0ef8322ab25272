"""Honouring `429 Too Many Requests` and `Retry-After` (Scrapy's RetryMiddleware ignores both).

A downloader middleware: an answer of 429, or 503 with `Retry-After`, waits as long as the server
asks (or backs off exponentially) and tries again, up to `WARDCRAWLER_THROTTLED_RETRIES` times,
so that a busy archive loses no capture.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.crawler import Crawler

MAX_WAIT = 300.0
STAT = "wardcrawler/throttled"


def retry_after(value: bytes | None, attempt: int) -> float:
    """Seconds to wait: the header's (seconds or an HTTP date), else 1, 2, 4... capped."""
    if value:
        text = value.decode("latin-1").strip()
        if text.isascii() and text.isdigit():
            return min(float(text), MAX_WAIT)
        try:
            when = parsedate_to_datetime(text)
            return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_WAIT)
        except (TypeError, ValueError):
            pass
    return min(2.0**attempt, MAX_WAIT)


class RetryAfterMiddleware:
    """Waits and retries throttled requests."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_retries = crawler.settings.getint("WARDCRAWLER_THROTTLED_RETRIES", 20)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_response(self, request, response):
        throttled = response.status == 429 or (
            response.status == 503 and b"Retry-After" in response.headers
        )
        attempt = request.meta.get("throttled_retries", 0)
        if not throttled or attempt >= self.max_retries:
            return response
        self.crawler.stats.inc_value(STAT)
        await asyncio.sleep(retry_after(response.headers.get(b"Retry-After"), attempt))
        retry = request.replace(dont_filter=True)
        retry.meta["throttled_retries"] = attempt + 1
        return retry
