"""A crawl's progress on a terminal: portals done of total, pages, rate, failures, time left.

Enabled for `crawl` and `backfill` by `runner.crawl_settings`, for `discover` by `enable`.
Reads `WARDCRAWLER_PROGRESS` (default True; False: never shown) and raises NotConfigured unless
standard error is a terminal, so that cron runs and redirected ones are untouched; with
`WARDCRAWLER_PROGRESS_FILE` (set by `crawl --processes` for its shards, whose parent shows
their sum) the figures go to that file instead. The display (`wardcrawler/progress.py`) is
redrawn every `INTERVAL` seconds from a looping call; the work per request and per item is a
few dictionary operations, whatever the number of portals.

A portal is done when none of its requests is left: each one scheduled has been dropped by the
scheduler (a duplicate), or has been answered or has failed and its callback or errback has
returned, so that whatever it yielded is scheduled already. Counted per portal: one more at
`request_scheduled`, one less at `request_dropped` and when the engine is done with the
request (`ExecutionEngine._handle_downloader_output` has finished: Scrapy sends no signal
there, so it is wrapped). The portals are the spider's wards (`discover`: its candidate hosts);
one counts as done once it has had requests and has none left.

Pages are the responses to those requests (robots.txt is none), as Scrapy's LogStats counts
pages: an HTTP error page counts too, so the figure can end a little above the summary's.
Failures are the items that record one (PageFailure, a backfill's failed CaptureDone; pages
the summary calls unreadable included), items that could not be stored and callbacks that
raised; in a crawl that stores nothing (discover), the requests that got no response. Time
left is rich's estimate from the rate at which portals got done in the last 30 s.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import count
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.asyncio import create_looping_call
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from wardcrawler.crawler.shared import ward_of
from wardcrawler.items import CaptureDone, PageFailure
from wardcrawler.progress import Bar, FileBar, LiveBar, NoBar, on_terminal

INTERVAL = 0.5  # seconds between two redrawings
TOKEN = "wardcrawler_progress"  # request.meta: the scheduling the request is counted under
COMMANDS = {"wards": "crawl", "wayback": "backfill"}  # spider -> the command the user typed


def enable(settings: Settings) -> None:
    """Add the progress display to a crawl's extensions (shown only on a terminal)."""
    extensions = {**settings.getdict("EXTENSIONS"), f"{__name__}.CrawlProgress": 0}
    settings.set("EXTENSIONS", extensions, priority="cmdline")


class PortalCount:
    """Requests left per portal, and how many portals have had some and have none left."""

    def __init__(self) -> None:
        self.left: dict[str, int] = {}
        self.done = 0

    def add(self, portal: str) -> None:
        """One request more for the portal."""
        left = self.left.get(portal)
        if left == 0:
            self.done -= 1
        self.left[portal] = (left or 0) + 1

    def settle(self, portal: str) -> None:
        """One request less for the portal."""
        self.left[portal] -= 1
        if self.left[portal] == 0:
            self.done += 1


class CrawlProgress:
    """Counts a crawl's portals done, pages and failures; draws them twice a second."""

    def __init__(self, crawler: Crawler, make_bar: Callable[..., Bar] = LiveBar) -> None:
        self.crawler, self.make_bar = crawler, make_bar
        self.portals = PortalCount()
        self.pending: dict[int, str] = {}  # scheduling token -> portal
        self.tokens = count(1)
        self.pages = self.failures = self.failed_requests = 0
        self.stores = bool(crawler.settings.getdict("ITEM_PIPELINES"))  # discover stores none
        self.bar: Bar = NoBar()
        self.timer = None
        for handler, signal in (
            (self.opened, signals.spider_opened),
            (self.closed, signals.spider_closed),
            (self.scheduled, signals.request_scheduled),
            (self.settled, signals.request_dropped),
            (self.received, signals.response_received),
            (self.scraped, signals.item_scraped),
            (self.failed, signals.item_dropped),
            (self.failed, signals.spider_error),
        ):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        to_file = crawler.settings.get("WARDCRAWLER_PROGRESS_FILE")  # a shard of --processes
        if not crawler.settings.getbool("WARDCRAWLER_PROGRESS", True):
            raise NotConfigured
        if not to_file and not on_terminal():
            raise NotConfigured
        if not callable(getattr(ExecutionEngine, "_handle_downloader_output", None)):
            raise NotConfigured("this Scrapy's engine has no _handle_downloader_output to watch")
        return cls(crawler, partial(FileBar, Path(to_file))) if to_file else cls(crawler)

    def scheduled(self, request: Request, **_) -> None:
        """A request of a portal is scheduled: one more left."""
        ward = ward_of(self.crawler, request)
        if ward is None:
            return
        token = next(self.tokens)
        request.meta[TOKEN] = token  # a retry's or redirect's copy is counted anew
        self.pending[token] = ward.slug
        self.portals.add(ward.slug)

    def settled(self, request: Request, **_) -> None:
        """A request was dropped, or the engine is done with it: one less left."""
        portal = self.pending.pop(request.meta.get(TOKEN, 0), None)
        if portal is not None:
            self.portals.settle(portal)

    def released(self, request: Request, failed: bool) -> None:
        """The engine is done with a request, which got no response if `failed`."""
        if failed and TOKEN in request.meta:
            self.failed_requests += 1
        self.settled(request)

    def received(self, request: Request, **_) -> None:
        """A response to a portal's request (robots.txt is none): one page more."""
        if TOKEN in request.meta:
            self.pages += 1

    def scraped(self, item, **_) -> None:
        """An item was stored: a failure if it records one."""
        if isinstance(item, PageFailure) or (
            isinstance(item, CaptureDone) and item.outcome == "failure"
        ):
            self.failures += 1

    def failed(self, **_) -> None:
        """An item could not be stored, or a callback raised."""
        self.failures += 1

    def opened(self, spider: Spider) -> None:
        """Watch the engine let go of requests, show the display, redraw it periodically."""
        watch_outcomes(self.crawler.engine, self.released)
        command = COMMANDS.get(spider.name, spider.name)
        self.bar = self.make_bar(command, "portals", self.total(), rate_of="pages")
        self.timer = create_looping_call(self.draw)
        self.timer.start(INTERVAL, now=True)

    def closed(self, spider: Spider, reason: str) -> None:
        """Draw the last figures and give the terminal back (before the summary line)."""
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.draw()
        self.bar.close()

    def draw(self) -> None:
        """Give the display the figures of the moment."""
        figures = {"pages": self.pages, "failed": self.failed_so_far()}
        self.bar.update(self.portals.done, self.total(), **figures)

    def failed_so_far(self) -> int:
        """Failures recorded; for a crawl that records none (discover), requests that failed."""
        return self.failures if self.stores else self.failed_requests

    def total(self) -> int:
        """The crawl's portals (discover's spider lists its candidates first, its `wards` as
        it starts probing them)."""
        spider = self.crawler.spider
        return len(getattr(spider, "candidates", None) or getattr(spider, "wards", ()))


def watch_outcomes(engine: ExecutionEngine, released: Callable[[Request, bool], None]) -> None:
    """Call `released(request, failed)` each time the engine is done with a scheduled request:
    answered or failed, and what its callback or errback yielded processed (scheduled)."""
    handle = engine._handle_downloader_output

    def handled(result, request: Request) -> Deferred:
        failed = isinstance(result, Failure)

        def release(passed):
            released(request, failed)
            return passed

        return handle(result, request).addBoth(release)

    engine._handle_downloader_output = handled  # type: ignore[method-assign]
