"""One page fetched as a crawl fetches it, and nothing stored: for `wardcrawler try`.

The project's settings apply (User-Agent, robots.txt, TLS, size limit and timeout, retries,
redirects kept on the ward's site); no pipeline, no WARC capture, no incremental state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings
from twisted.python.failure import Failure

from wardcrawler.crawler.failures import failure_reason
from wardcrawler.crawler.spiders.wards import fetched
from wardcrawler.portals.registry import Ward
from wardcrawler.reading import Fetched

# What a crawl does that a look at one page must not: store, capture, remember.
_LEFT_OUT = {
    "ITEM_PIPELINES": {},
    "SPIDER_MIDDLEWARES": {
        "wardcrawler.crawler.middlewares.incremental.IncrementalMiddleware": None
    },
    "DOWNLOADER_MIDDLEWARES": {
        "wardcrawler.crawler.middlewares.warc_capture.WarcCaptureMiddleware": None
    },
}


@dataclass
class Probe:
    """The page fetched, or why there is none."""

    page: Fetched | None = None
    reason: str | None = None


class ProbeSpider(scrapy.Spider):
    """Fetch one URL of one ward's site (HTTP errors included: their page is shown too)."""

    name = "probe"

    def __init__(self, url: str, ward: Ward, probe: Probe, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url, self.wards, self.probe = url, [ward], probe

    async def start(self):
        yield scrapy.Request(
            self.url,
            callback=self.got,
            errback=self.failed,
            cb_kwargs={"ward": self.wards[0]},
            meta={"handle_httpstatus_all": True, "download_slot": self.wards[0].slug},
            dont_filter=True,
        )

    def got(self, response: Response, ward: Ward) -> None:
        """Keep the page."""
        self.probe.page = fetched(response)

    def failed(self, failure: Failure) -> None:
        """Keep the reason, in the words `fetch_errors` would record."""
        self.probe.reason = failure_reason(failure, self.crawler.settings)


def probe_settings(overrides: dict[str, str]) -> Settings:
    """The project's settings without storage, then `-s NAME=VALUE` overrides."""
    settings = Settings()
    settings.setmodule("wardcrawler.crawler.settings", priority="project")
    for name, value in _LEFT_OUT.items():
        merged = {**settings.getdict(name), **value} if value else {}
        settings.set(name, merged, priority="cmdline")
    settings.set("LOG_LEVEL", "ERROR", priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    return settings


def fetch_one(url: str, ward: Ward, settings: Settings) -> Probe:
    """Fetch `url` of `ward`'s site with a one-request crawl."""
    probe = Probe()
    process = CrawlerProcess(settings)
    process.crawl(ProbeSpider, url=url, ward=ward, probe=probe)
    process.start()
    if probe.page is None and probe.reason is None:
        probe.reason = "no answer: the crawl ended without fetching the page"
    return probe
