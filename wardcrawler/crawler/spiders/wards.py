"""The one spider: every ward of the registry (or a chosen few), whatever its family.

For each ward: its category pages (from the registry, or discovered from the home page's
navigation), every listing page of each (following the pager until it shows nothing new), then
each article once, by its identity in the URL grammar.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from wardcrawler.clock import now
from wardcrawler.crawler.failures import failure_reason
from wardcrawler.crawler.middlewares.own_site import LeftTheSite
from wardcrawler.crawler.shared import PAGER_STOPPED_STAT
from wardcrawler.crawler.spiders.base import RegistrySpider
from wardcrawler.extract.bounds import ExtractionError
from wardcrawler.extract.listing import navigation_links
from wardcrawler.extract.urls import category_url, page_number
from wardcrawler.items import ArticleGone, ArticlePage, ListedThrough, ListingEntry, PageFailure
from wardcrawler.portals.registry import Ward, netloc_of
from wardcrawler.reading import (
    GONE_STATUSES,
    Fetched,
    article_items,
    attachment_items,
    listing_items,
)

LISTINGS = 1000  # scheduling priority of listing pages (articles: 0)


class WardsSpider(RegistrySpider):
    """Crawl the news categories of ward portals into the archive."""

    name = "wards"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.requested: dict[str, set[str]] = defaultdict(set)
        self.listed: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.pages_seen: dict[tuple[str, str], int] = defaultdict(int)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> WardsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages = crawler.settings.getint("WARDCRAWLER_MAX_LISTING_PAGES", 500)
        spider.attachment_limit = crawler.settings.getint("WARDCRAWLER_ATTACHMENT_MAX_BYTES")
        return spider

    async def start(self):
        for ward in self.wards:
            if ward.categories:
                for rank, path in enumerate(ward.categories):
                    yield self.listing_request(ward, category_url(ward.url, path), rank=rank)
            else:
                yield self.request(ward, ward.url, self.parse_home, "home", priority=LISTINGS)

    # --- requests -------------------------------------------------------------------------

    def request(
        self, ward: Ward, url: str, callback, kind: str, priority: int = 0, **kwargs: Any
    ) -> scrapy.Request:
        """A request of a ward's site, on the ward's own download slot (one portal, one slot)."""
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            cb_kwargs={"ward": ward, **kwargs},
            meta={"download_slot": ward.slug, "ward": ward.slug, "kind": kind},
            priority=priority,
        )

    def listing_request(
        self, ward: Ward, url: str, category: str | None = None, rank: int = 0, **kwargs
    ) -> scrapy.Request:
        """A request of a listing page of the category page `category` (default: `url`).

        Listings go before articles, and a ward's categories one after the other in their
        order, so that an article's stored URL is always that of the first category listing
        it, however the crawl is interrupted and resumed.
        """
        category = category or url
        return self.request(ward, url, self.parse_listing, "listing", LISTINGS - rank,
                            category=category, rank=rank, **kwargs)  # fmt: skip

    def article_request(self, ward: Ward, url: str, key: str) -> scrapy.Request:
        """A request of one article page, remembered so that the article is fetched once."""
        self.requested[ward.slug].add(key)
        request = self.request(ward, url, self.parse_article, "article", key=key)
        request.meta["article_key"] = key
        # once per article already; and a vanished article may redirect to a page seen before
        return request.replace(dont_filter=True)

    # --- callbacks ------------------------------------------------------------------------

    def parse_home(self, response: Response, ward: Ward):
        """Home page: follow navigation links; the ones that list articles are categories.

        The home page itself is no category: its latest-news boxes repeat the category pages.
        """
        self.count_page(ward)
        try:
            links = navigation_links(fetched(response).selector(), ward.family, response.url)
        except ExtractionError as exc:
            yield PageFailure(ward.slug, response.url, response.status, str(exc))
            return
        for rank, link in enumerate(links):
            yield self.listing_request(ward, link, rank=rank, discovering=True)

    def parse_listing(
        self, response: Response, ward: Ward, category: str, rank: int = 0, discovering=False
    ):
        """One listing page: record what it lists, request new articles, go to the next page."""
        self.count_page(ward)
        listing, items = listing_items(fetched(response), ward, category, discovering, rank)
        yield from items
        if listing is None:
            return
        seen = self.listed[(ward.slug, category)]
        new = [key for key in listing.articles.values() if key not in seen]
        seen.update(new)
        for entry in items:
            if (
                isinstance(entry, ListingEntry)
                and entry.article_key not in self.requested[ward.slug]
            ):
                yield self.article_request(ward, entry.article_url, entry.article_key)
        following = listing.next or next_page(listing.pages, page_number(response.url))
        if not (new and following):
            return
        if self.pages_seen[(ward.slug, category)] + 1 < self.max_pages:  # pages read so far
            self.pages_seen[(ward.slug, category)] += 1
            yield self.listing_request(ward, following, category, rank)
        else:
            yield from self.pager_stopped(ward, category, listing.name or category, following, rank)

    def pager_stopped(self, ward: Ward, category: str, name: str, following: str, rank: int):
        """The guard against endless pagers stopped a category: recorded, and the category
        counts as read to its end, so that incremental runs only read its newest pages (a
        category really that long is read on by a `--full` run with a higher limit)."""
        self.crawler.stats.inc_value(PAGER_STOPPED_STAT)
        reason = (f"pager stopped after {self.max_pages} listing pages of {category} "
                  "(WARDCRAWLER_MAX_LISTING_PAGES): an endless pager? If the category is "
                  "really that long, crawl it with --full and a higher limit")  # fmt: skip
        self.logger.warning("%s: %s", ward.slug, reason)
        yield PageFailure(ward.slug, following, None, reason)
        yield ListedThrough(ward.slug, category, name, now(), rank)

    def parse_article(self, response: Response, ward: Ward, key: str):
        """One article page: its fields, a tombstone if it redirects away, or a failure."""
        self.count_page(ward)
        items = article_items(fetched(response), ward, key)
        yield from items
        if self.attachment_limit and isinstance(items[0], ArticlePage):
            for attachment in items[0].fields.attachments:
                if attachment.kind == "document" and netloc_of(attachment.url) in ward.netlocs:
                    yield self.attachment_request(ward, attachment.url, key)

    def attachment_request(self, ward: Ward, url: str, key: str) -> scrapy.Request:
        """A request of a document linked from an article, within the size limit."""
        request = self.request(ward, url, self.parse_attachment, "attachment", key=key)
        request.meta.update(article_key=key, download_maxsize=self.attachment_limit)
        return request

    def parse_attachment(self, response: Response, ward: Ward, key: str):
        """A downloaded document: its digest goes to the `attachments` row."""
        self.count_page(ward)
        yield from attachment_items(fetched(response), ward, key, response.request.url)

    def failed(self, failure: Failure):
        """A request that ended without a page: a tombstone of a vanished article, or a failure
        recorded with its reason (every request that yields nothing leaves a row)."""
        request = failure.request
        ward = request.cb_kwargs["ward"]
        key = request.meta.get("article_key") if request.meta.get("kind") == "article" else None
        if failure.check(HttpError):
            response = failure.value.response
            if key and response.status in GONE_STATUSES:
                yield from article_items(fetched(response), ward, key)  # a tombstone
                return
            status, reason = response.status, http_reason(response, ward)
        elif failure.check(LeftTheSite) and key:
            yield moved_away(request, ward, key, failure.value.url)
            return
        else:
            status, reason = None, failure_reason(failure, self.crawler.settings)
        self.logger.warning("failed %s: %s", request.url, reason)
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        yield PageFailure(ward.slug, url, status, reason)


def http_reason(response: Response, ward: Ward) -> str:
    """`HTTP 503`; for a redirect that was not followed, where it led and why it was not."""
    location = response.headers.get("Location", b"").decode("latin-1").strip()
    if not (300 <= response.status < 400 and location):
        return f"HTTP {response.status}"
    target = urljoin(response.url, location)
    if urlsplit(target).scheme not in ("http", "https"):
        why = "not a web address"
    elif netloc_of(target) not in ward.netlocs:
        why = "off the site"
    else:
        why = "Scrapy did not follow it"
    return f"HTTP {response.status}: a redirect to {location}, not followed ({why})"


def moved_away(request: scrapy.Request, ward: Ward, key: str, location: str) -> ArticleGone:
    """The tombstone of an article whose page now redirects off the ward's site."""
    asked = request.meta["redirect_urls"][0]
    reasons = request.meta.get("redirect_reasons") or [301]
    status = reasons[0] if isinstance(reasons[0], int) else 200  # 200: a meta refresh
    how = "" if isinstance(reasons[0], int) else f" ({reasons[0]})"
    reason = f"redirected off the ward's site to {location}{how}"
    return ArticleGone(ward.slug, key, asked, status, location, now(), reason)


def next_page(pages: list[str], here: int) -> str | None:
    """The pager link to the page after this one (the lowest page number above `here`)."""
    later = [p for p in pages if page_number(p) > here]
    return min(later, key=page_number) if later else None


def fetched(response: Response) -> Fetched:
    """What a Scrapy response carried, for the shared reading functions."""
    return Fetched(
        url=response.url,
        status=response.status,
        body=response.body,
        content_type=response.headers.get("Content-Type", b"").decode("latin-1"),
        fetched_at=response.meta.get("fetched_at") or now(),
        request_url=(response.meta.get("redirect_urls") or [response.url])[0],
        redirect_reasons=list(response.meta.get("redirect_reasons") or []),
    )
