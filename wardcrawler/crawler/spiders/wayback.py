"""Backfill from a web archive: the captures of each ward's vanished site, read like live pages.

For each ward, the CDX server lists the captures under its host and aliases (http and https,
page by page with resume keys). Captures of article pages (by the family's URL grammar) and of
category listing pages are fetched raw (`id_`), with the original URL as the page's address, and
go through the same reading functions as live pages. Captures that are not articles (errors,
redirects, non-HTML, truncated or soft-404 pages) are recorded as failures. Every capture handled
is remembered, so a second backfill fetches none of them again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import ResponseDataLossError
from scrapy.http import Response

from wardcrawler.crawler.shared import shared_archive
from wardcrawler.crawler.spiders.base import RegistrySpider
from wardcrawler.extract.urls import article_id, category_url, same_path
from wardcrawler.items import ArticlePage, CaptureDone, PageFailure
from wardcrawler.portals.registry import Ward, netloc_of
from wardcrawler.reading import Fetched, article_items, listing_items
from wardcrawler.wayback.cdx import (
    CdxRow,
    capture_time,
    cdx_url,
    parse_cdx,
    replay_url,
    replayed_capture,
    same_resource,
)

MAX_ARCHIVE_REDIRECTS = 5
MIDDLEWARES = "wardcrawler.crawler.middlewares"


class WaybackSpider(RegistrySpider):
    """Archive the captures of ward portals held by a web archive (the Wayback Machine)."""

    name = "wayback"
    mode = "backfill"
    custom_settings = {
        "SPIDER_MIDDLEWARES": {f"{MIDDLEWARES}.incremental.IncrementalMiddleware": None},
        # (a spider's dict replaces the project's: name every component again)
        "DOWNLOADER_MIDDLEWARES": {f"{MIDDLEWARES}.retry_after.RetryAfterMiddleware": 560},
        "ITEM_PIPELINES": {"wardcrawler.wayback.pipeline.BackfillPipeline": 500},
        "DOWNLOAD_DELAY": 1.0,
        "DOWNLOAD_DELAY_JITTER": 0.0,
    }

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> WaybackSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.archive_url = settings.get("WARDCRAWLER_ARCHIVE_URL").rstrip("/")
        spider.since = settings.get("WARDCRAWLER_FROM") or None
        spider.until = settings.get("WARDCRAWLER_TO") or None
        spider.page_size = settings.getint("WARDCRAWLER_CDX_PAGE_SIZE", 1000)
        spider.broken = {}
        return spider

    async def start(self):
        archive = shared_archive(self.crawler)
        self.done = archive.processed_captures([w.slug for w in self.wards])
        self.listings: set[tuple[str, str]] = set()  # listing captures read: (URL, digest)
        for ward in self.wards:
            for host in sorted(ward.netlocs):
                for scheme in ("http", "https"):
                    yield self.cdx_request(ward, host, scheme)

    def cdx_request(self, ward: Ward, host: str, scheme: str, resume: str | None = None):
        """One page of the CDX listing of a host."""
        url = cdx_url(self.archive_url, host, scheme, limit=self.page_size, since=self.since,
                      until=self.until, resume_key=resume)  # fmt: skip
        kwargs = {"ward": ward, "host": host, "scheme": scheme}
        return scrapy.Request(url, callback=self.parse_cdx, errback=self.cdx_failed,
                              cb_kwargs=kwargs, dont_filter=True)  # fmt: skip

    def parse_cdx(self, response: Response, ward: Ward, host: str, scheme: str):
        """A page of captures: fetch the new ones, ask for the next page."""
        try:
            rows, resume = parse_cdx(response.text)
        except ValueError as exc:  # an HTML error page instead of JSON
            yield from self.listing_incomplete(ward, response.url, f"not CDX JSON: {exc}")
            return
        for row in rows:
            if (row.original, row.timestamp) in self.done:
                continue
            self.done.add((row.original, row.timestamp))
            yield from self.handle(ward, row)
        if resume:
            yield self.cdx_request(ward, host, scheme, resume)

    def handle(self, ward: Ward, row: CdxRow):
        """Decide what to do with one capture."""
        if netloc_of(row.original) not in ward.netlocs:
            return
        key = article_id(ward.family, row.original)
        category = None if key else self.category_of(ward, row.original)
        if not key and not category:
            problem = self.cdx_problem(row) if "html" in row.mimetype else None
            outcome = "failure" if problem else "ignored"  # an error or redirect capture
            yield self.done_item(ward, row, "other", None, outcome, problem or not_article(ward))
            return
        kind = "article" if key else "listing"
        problem = self.cdx_problem(row)
        if row.mimetype == "warc/revisit":  # the same payload as an earlier capture
            yield self.done_item(ward, row, kind, key, "duplicate", "revisit record")
        elif problem:
            yield self.done_item(ward, row, kind, key, "failure", problem)
        elif kind == "listing" and (row.original, row.digest) in self.listings:
            yield self.done_item(ward, row, kind, None, "duplicate", "same content as read")
        else:
            self.listings.add((row.original, row.digest))
            yield self.capture_request(ward, row, kind)

    def cdx_failed(self, failure):
        """A CDX page that could not be fetched: the ward's listing is incomplete."""
        request = failure.request
        reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        yield from self.listing_incomplete(request.cb_kwargs["ward"], request.url, reason)

    def listing_incomplete(self, ward: Ward, url: str, reason: str):
        """Record a failed CDX listing; the run reports the ward as broken (exit code 3)."""
        self.broken[ward.slug] = f"web-archive listing incomplete ({reason})"
        yield PageFailure(ward.slug, url, None, f"CDX listing failed: {reason}")

    @staticmethod
    def cdx_problem(row: CdxRow) -> str | None:
        """Why a capture cannot be an article or listing, from its CDX row alone."""
        if row.statuscode != "200":
            return f"capture answered {row.statuscode or 'no status'}"
        if row.mimetype and "html" not in row.mimetype:
            return f"not HTML ({row.mimetype})"
        return None

    def category_of(self, ward: Ward, url: str) -> str | None:
        """The category page a listing URL belongs to (registry paths, or one-segment paths)."""
        path = urlsplit(url).path.rstrip("/")
        if ward.categories:
            for category in ward.categories:
                page = category_url(ward.url, category)
                if same_path(page, url):
                    return page
            return None
        segments = [s for s in path.split("/") if s]
        if len(segments) == 1 and "." not in segments[0]:
            return category_url(ward.url, segments[0])
        return None

    @staticmethod
    def category_rank(ward: Ward, category: str) -> int:
        """A category's place in the registry's order (0 for discovered ones)."""
        pages = [category_url(ward.url, c) for c in ward.categories or ()]
        return pages.index(category) if category in pages else 0

    def capture_request(self, ward: Ward, row: CdxRow, kind: str, timestamp: str | None = None,
                        hops: int = 0) -> scrapy.Request:  # fmt: skip
        """The raw replay of a capture; the archive's own redirects are handled by hand."""
        ts = timestamp or row.timestamp
        return scrapy.Request(
            replay_url(self.archive_url, ts, row.original),
            callback=self.parse_capture,
            errback=self.failed,
            cb_kwargs={"ward": ward, "row": row, "kind": kind, "timestamp": ts, "hops": hops},
            meta={"dont_redirect": True, "handle_httpstatus_all": True, "kind": kind},
            dont_filter=True,
        )

    def parse_capture(self, response: Response, ward: Ward, row: CdxRow, kind: str,
                      timestamp: str, hops: int):  # fmt: skip
        """A replayed capture: follow the archive to the nearest capture, then read it."""
        self.count_page(ward)
        key = article_id(ward.family, row.original)
        if 300 <= response.status < 400:
            location = urljoin(response.url, response.headers.get("Location", b"").decode())
            target = replayed_capture(location)
            if target and same_resource(target[1], row.original) and hops < MAX_ARCHIVE_REDIRECTS:
                yield self.capture_request(ward, row, kind, target[0], hops + 1)
                return
            shown = target[1] if target else location
            yield self.done_item(ward, row, kind, key, "failure", f"redirect capture to {shown}",
                                 response, timestamp)  # fmt: skip
            return
        if (
            response.status == 429 or response.status >= 500
        ):  # the archive's trouble, not the page's
            self.done.discard((row.original, row.timestamp))
            yield PageFailure(ward.slug, response.url, response.status, "archive busy; retry later")
            return
        problem = self.replay_problem(response)
        if problem:
            yield self.done_item(ward, row, kind, key, "failure", problem, response, timestamp)
            return
        page = Fetched(
            url=row.original,
            status=200,
            body=response.body,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1"),
            fetched_at=capture_time(timestamp),
        )
        yield from self.read(page, ward, row, kind, key, response, timestamp)

    def read(self, page: Fetched, ward: Ward, row: CdxRow, kind: str, key: str | None,
             response: Response, timestamp: str):  # fmt: skip
        """Extract a good capture with the family code, as a live page would be."""
        if kind == "article":
            (item,) = article_items(page, ward, key)
            if isinstance(item, ArticlePage):
                yield item
                yield self.done_item(ward, row, kind, key, "article", None, response, timestamp)
            else:
                reason = item.reason if isinstance(item, PageFailure) else "not the article"
                yield self.done_item(ward, row, kind, key, "failure", reason, response, timestamp)
            return
        discovering = not ward.categories
        category = self.category_of(ward, row.original)
        rank = self.category_rank(ward, category)
        listing, items = listing_items(page, ward, category, discovering, rank)
        yield from items
        outcome = "listing" if listing is not None else "not a listing"  # e.g. a static page
        yield self.done_item(ward, row, kind, None, outcome, None, response, timestamp)

    @staticmethod
    def replay_problem(response: Response) -> str | None:
        """Why a replayed capture is not a usable page."""
        if response.status != 200:
            return f"capture answered {response.status}"
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if content_type and "html" not in content_type:
            return f"not HTML ({content_type})"
        if b"</html>" not in response.body[-4096:].lower():
            return "truncated body (no </html>)"
        return None

    def done_item(self, ward: Ward, row: CdxRow, kind: str, key: str | None, outcome: str,
                  reason: str | None, response: Response | None = None,
                  timestamp: str | None = None) -> CaptureDone:  # fmt: skip
        """The record that a capture was handled (and how)."""
        return CaptureDone(
            ward=ward.slug, original=row.original, timestamp=row.timestamp, kind=kind,
            article_key=key, statuscode=row.statuscode, mimetype=row.mimetype,
            digest=row.digest, outcome=outcome, reason=reason,
            archive_url=response.url if response is not None else None,
            status=response.status if response is not None else None,
            captured_at=capture_time(timestamp or row.timestamp),
        )  # fmt: skip

    def failed(self, failure):
        """A replay that could not be fetched: tried again by the next backfill, unless the
        archive sent a truncated body (that capture is broken for good)."""
        request = failure.request
        ward, row, kind = (request.cb_kwargs[k] for k in ("ward", "row", "kind"))
        if failure.check(ResponseDataLossError):
            key = article_id(ward.family, row.original)
            yield self.done_item(ward, row, kind, key, "failure", "truncated transfer")
            return
        self.done.discard((row.original, row.timestamp))
        reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        yield PageFailure(ward.slug, request.url, None, reason)


def not_article(ward: Ward) -> str:
    """Why a capture that is no category page is not read as an article."""
    if ward.family.article_url is None:  # identities come from live listings' URL templates
        return "not read: the ward's family has no URL grammar to tell articles in captures"
    return "not an article"
