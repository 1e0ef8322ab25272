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
Enabled by the `DOWNLOADER` setting.
"""

from __future__ import annotations

from collections.abc import Coroutine
from time import monotonic
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.http import Response
from twisted.internet.defer import Deferred

from wardcrawler.crawler.shared import ward_at


class PoliteDownloader(Downloader):
    """A downloader whose slots never hold more transfers than their concurrency, and whose
    download delay runs from the end of a slot's last transfer."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.handlers = _EndStamped(self.handlers, self)

    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # counted now, before the queue loop looks again
        return super()._wait_for_download(slot, request, queue_dfd)

    def get_slot_key(self, request: Request) -> str:
        """The request's own slot, else that of the ward whose site it is on (robots.txt), else
        its host's (a web archive's requests, whichever ward they are about, share one slot)."""
        if self.DOWNLOAD_SLOT not in request.meta:
            ward = ward_at(self.crawler, request.url)
            if ward is not None:
                return ward.slug
        return super().get_slot_key(request)

    def transfer_ended(self, request: Request) -> None:
        """Start the slot's pause now (before Scrapy looks at its queue again)."""
        slot = self.slots.get(self.get_slot_key(request))
        if slot is not None:
            slot.lastseen = monotonic()


class _EndStamped:
    """Scrapy's download handlers, telling the downloader when each transfer ends."""

    def __init__(self, handlers: Any, downloader: PoliteDownloader) -> None:
        self._handlers, self._downloader = handlers, downloader

    async def download_request_async(self, request: Request) -> Response:
        try:
            return await self._handlers.download_request_async(request)
        finally:
            self._downloader.transfer_ended(request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handlers, name)
