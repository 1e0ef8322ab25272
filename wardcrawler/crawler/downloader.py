"""Scrapy's downloader, with one request at a time per portal whatever `DOWNLOAD_DELAY` is.

Scrapy 2.19 starts each transfer as a coroutine and counts it in its slot only once that
coroutine runs; with no download delay, `Downloader._process_queue` therefore starts every request
queued in a slot at once (8 at a time seen on one portal with `-s DOWNLOAD_DELAY=0`), ignoring the
slot's concurrency. Counting the transfer when it is scheduled keeps each ward's slot to
`CONCURRENT_REQUESTS_PER_DOMAIN` (1) requests in flight. Enabled by the `DOWNLOADER` setting.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from twisted.internet.defer import Deferred


class PoliteDownloader(Downloader):
    """A downloader whose slots never hold more transfers than their concurrency."""

    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # counted now, before the queue loop looks again
        return super()._wait_for_download(slot, request, queue_dfd)
