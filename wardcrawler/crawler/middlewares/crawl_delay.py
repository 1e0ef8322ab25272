"""Honouring robots.txt `Crawl-delay` (Scrapy obeys robots.txt rules but not its delay).

When a ward's robots.txt asks for a longer delay between requests than `DOWNLOAD_DELAY`, the
ward's download slot waits that long, up to `WARDCRAWLER_MAX_CRAWL_DELAY` seconds (60; 0 or less
turns Crawl-delay off): a portal asking for more is still crawled, at that pace. A shorter asked
delay changes nothing (a portal never makes the crawler faster than its own pace). AutoThrottle
does not adjust such a slot (`autothrottle_dont_adjust_delay`), and the asked delay is put back
before each request. Settings: `WARDCRAWLER_MAX_CRAWL_DELAY`, `ROBOTSTXT_USER_AGENT` (else
`USER_AGENT`) for the rules that apply.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from wardcrawler.crawler.shared import ward_of


def asked_delay(robots: bytes, user_agent: str) -> float | None:
    """The Crawl-delay a robots.txt asks of this user agent, if any."""
    try:
        delay = Protego.parse(robots.decode("utf-8", "replace")).crawl_delay(user_agent)
    except ValueError:
        return None
    return float(delay) if delay and delay > 0 else None


class CrawlDelayMiddleware:
    """Keeps each ward's slot at least as slow as its robots.txt asks (within a cap)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.cap = settings.getfloat("WARDCRAWLER_MAX_CRAWL_DELAY", 60.0)
        self.base = settings.getfloat("DOWNLOAD_DELAY")
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}  # download slot (ward slug) -> seconds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        slot = request.meta.get("download_slot")
        if slot in self.delays:
            request.meta["autothrottle_dont_adjust_delay"] = True
            self.slow_down(slot)

    def process_response(self, request: Request, response: Response) -> Response:
        if urlsplit(request.url).path != "/robots.txt" or response.status != 200:
            return response
        ward = ward_of(self.crawler, request)
        delay = asked_delay(response.body, self.user_agent) if ward else None
        if ward and delay and self.cap > 0 and delay > self.base:
            self.delays[ward.slug] = min(delay, self.cap)
            self.crawler.spider.logger.info("%s: robots.txt asks %.1f s between requests",
                                            ward.slug, delay)  # fmt: skip
            self.slow_down(ward.slug)
        return response

    def slow_down(self, key: str) -> None:
        """Set the slot's delay (now, or when it is created) to the asked one, without jitter
        (a jitter would wait less than asked half of the time)."""
        downloader, delay = self.crawler.engine.downloader, self.delays[key]
        downloader.per_slot_settings.setdefault(key, {}).update(delay=delay, jitter=0.0)
        slot = downloader.slots.get(key)
        if slot is not None and (slot.delay < delay or slot.jitter):
            slot.delay, slot.jitter = max(slot.delay, delay), 0.0
