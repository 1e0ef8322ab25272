"""Every portal started at once: the spider's start requests reach the scheduler in batches.

Scrapy reads `start()` lazily, one request per turn of its loop, and each turn also handles the
pages that came back; at national scale, with the loop busy parsing, that is a few portals a
second (3,321 portals: the last ones started nine minutes into the crawl, and the nightly's
refresh set, most of its requests, came as slowly). This spider middleware, closest to the
engine, hands the scheduler `WARDCRAWLER_START_BATCH` start requests per turn; the scheduler's
`PortalQueue` serves them portal by portal, one request in the downloader each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler


class StartBatchesMiddleware:
    """Schedules start requests a batch at a time instead of one per turn of the engine."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.batch = max(crawler.settings.getint("WARDCRAWLER_START_BATCH", 1000), 1)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartBatchesMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        scheduled = 0
        async for item in start:
            if isinstance(item, Request) and scheduled + 1 < self.batch:
                self.crawler.engine.crawl(item)  # the scheduler's, as the engine would
                scheduled += 1
                continue
            scheduled = 0
            yield item  # the engine's turn (the batch's last request, or an item)
