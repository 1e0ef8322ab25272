"""Scrapy's downloader, keeping each portal to one request in flight and a pause between them.

Scrapy 2.19 starts each transfer as a coroutine and counts it in its slot only once that
coroutine runs; with no download delay, `Downloader._process_queue` therefore starts every request
queued in a slot at once (8 at a time seen on one portal with `-s DOWNLOAD_DELAY=0`), ignoring the
slot's concurrency. Counting the transfer when it is scheduled keeps each ward's slot to
`CONCURRENT_REQUESTS_PER_DOMAIN` (1) requests in flight.

Scrapy counts `DOWNLOAD_DELAY` from when a request starts: a slow answer eats the pause, and a
request held up by a busy crawler reaches the portal late, so the next one can follow it closer
than the delay. This downloader counts it from the end of each transfer instead: a portal never
receives a request less than `DOWNLOAD_DELAY` after it finished answering the previous one.
Requests Scrapy makes itself (robots.txt) carry no download slot and would get one named after
their host: they are put in their ward's slot, so that robots.txt too is followed by the pause.
It also counts each slot's requests from when they enter the downloader (its middlewares
included) to when they leave it, and tells the scheduler's `PortalQueue` when a slot has room
again (crawler/scheduling.py).

A crawler busy parsing cannot take in what thousands of portals answer at once: with every
portal in flight, 3,142 transfers landed together on a national crawl and waited, 22 MB of
bodies and their parse trees, for the parser (peak memory 446 MB). A transfer therefore starts
only while the bytes of the responses under way (at their recent mean size) and of those waiting
to be parsed (Scrapy's scraper counts them) fit in `WARDCRAWLER_RESPONSE_BUDGET_BYTES`; a portal
whose turn comes while they don't waits a little longer (never less than its delay). Enabled by
the `DOWNLOADER` setting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Coroutine
from time import monotonic
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.http import Response
from scrapy.utils.asyncio import call_later
from twisted.internet.defer import Deferred

from wardcrawler.crawler.shared import ward_at

RELEASE_SECONDS = 0.02  # how often held transfers look at the budget again
PAGE_BYTES = 32 * 1024  # the least a transfer is counted for (robots.txt is tiny, pages are not)


class PoliteDownloader(Downloader):
    """A downloader whose slots never hold more transfers than their concurrency, and whose
    download delay runs from the end of a slot's last transfer."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.handlers = _EndStamped(self.handlers, self)
        self.in_flight: Counter[str] = Counter()  # slot -> requests in the downloader
        self.room_listeners: list[Callable[[str], None]] = []
        self.budget = ResponseBudget(crawler)
        self.held: dict[Slot, None] = {}  # slots whose next transfer waits for the budget
        self.release_call: Any = None

    def fetch(self, request: Request, spider: Any = None) -> Deferred:
        """Scrapy's fetch, counted in the request's slot until it leaves the downloader."""
        key = self.get_slot_key(request)
        self.in_flight[key] += 1
        return super().fetch(request).addBoth(self._left, key)

    def _left(self, result: Any, key: str) -> Any:
        self.in_flight[key] -= 1
        if self.in_flight[key] <= 0:
            del self.in_flight[key]
        for listener in self.room_listeners:
            listener(key)
        return result

    def has_room(self, key: str, entering: int = 0) -> bool:
        """Whether the slot `key` takes another request (besides `entering` ones on their way):
        fewer than its concurrency are in the downloader."""
        slot = self.slots.get(key)
        limit = slot.concurrency if slot is not None else self.domain_concurrency
        return self.in_flight[key] + entering < max(limit, 1)

    def _process_queue(self, slot: Slot) -> None:
        if slot.queue and not slot.latercall and not self.budget.allows():
            self.held[slot] = None
            if self.release_call is None:
                self.release_call = call_later(RELEASE_SECONDS, self._release)
            return
        super()._process_queue(slot)

    def _release(self) -> None:
        """Start the held slots' transfers, first held first, as far as the budget allows."""
        self.release_call = None
        while self.held and self.budget.allows():
            slot = next(iter(self.held))
            del self.held[slot]
            self._process_queue(slot)
        if self.held:
            self.release_call = call_later(RELEASE_SECONDS, self._release)

    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # counted now, before the queue loop looks again
        self.budget.transfers += 1
        return super()._wait_for_download(slot, request, queue_dfd)

    def get_slot_key(self, request: Request) -> str:
        """The request's own slot, else that of the ward whose site it is on (robots.txt), else
        its host's (a web archive's requests, whichever ward they are about, share one slot)."""
        if self.DOWNLOAD_SLOT not in request.meta:
            ward = ward_at(self.crawler, request.url)
            if ward is not None:
                return ward.slug
        return super().get_slot_key(request)

    def transfer_ended(self, request: Request, response: Response | None) -> None:
        """Start the slot's pause now (before Scrapy looks at its queue again)."""
        self.budget.ended(response)
        slot = self.slots.get(self.get_slot_key(request))
        if slot is not None:
            slot.lastseen = monotonic()


class ResponseBudget:
    """Bytes of responses under way and waiting to be parsed, against
    `WARDCRAWLER_RESPONSE_BUDGET_BYTES` (0: no budget)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getint("WARDCRAWLER_RESPONSE_BUDGET_BYTES")
        self.transfers = 0
        self.mean = float(PAGE_BYTES)  # bytes of a response, moving mean

    def allows(self) -> bool:
        """Whether one more transfer fits (always, when none is under way)."""
        if self.limit <= 0 or self.transfers == 0:
            return True
        engine = self.crawler.engine
        scraper = engine.scraper.slot if engine is not None else None
        parsing = scraper.active_size if scraper is not None else 0
        return parsing + (self.transfers + 1) * max(self.mean, PAGE_BYTES) <= self.limit

    def ended(self, response: Response | None) -> None:
        """A transfer ended (with this response, or none)."""
        self.transfers -= 1
        if response is not None:
            self.mean += (len(response.body) - self.mean) / 16


class _EndStamped:
    """Scrapy's download handlers, telling the downloader when each transfer ends."""

    def __init__(self, handlers: Any, downloader: PoliteDownloader) -> None:
        self._handlers, self._downloader = handlers, downloader

    async def download_request_async(self, request: Request) -> Response:
        response = None
        try:
            response = await self._handlers.download_request_async(request)
            return response
        finally:
            self._downloader.transfer_ended(request, response)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handlers, name)
