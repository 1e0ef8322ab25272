"""Only the ward's own site is fetched: redirects elsewhere are refused (downloader middleware).

Scrapy's RedirectMiddleware follows a redirect to any host. A request made by a redirect (it
carries `redirect_urls`) whose host is not one of its ward's (the registry URL and `aliases`) is
refused here with `LeftTheSite`, before anything is asked of that host, robots.txt included (this
middleware runs before RobotsTxtMiddleware). The spider records the refusal: a tombstone of the
article that moved away (its `gone_location`), or a failure naming where the redirect went.
A robots.txt that redirects off the site is refused the same way, so Scrapy reads no rules (and
allows everything) rather than another site's rules. Settings: none.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from wardcrawler.crawler.shared import ward_of
from wardcrawler.portals.registry import netloc_of


class LeftTheSite(IgnoreRequest):
    """A redirect that leads off the ward's own site."""

    def __init__(self, url: str) -> None:
        super().__init__(f"redirected off the ward's site to {url}")
        self.url = url


class OwnSiteMiddleware:
    """Refuses requests that redirects made to hosts other than the ward's own."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OwnSiteMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        asked = request.meta.get("redirect_urls")
        if not asked:
            return
        ward = ward_of(self.crawler, request.replace(url=asked[0]))  # robots.txt: by first host
        if ward is not None and netloc_of(request.url) not in ward.netlocs:
            raise LeftTheSite(request.url)
