"""The one spider: every ward of the registry (or a chosen few), whatever its family.

For each ward: its category pages (from the registry, or discovered from the home page's
navigation), every listing page of each (following the pager until it shows nothing new), then
each article once, by its identity in the URL grammar.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from wardcrawler.extract.article import ExtractionError, extract_article
from wardcrawler.extract.listing import extract_listing, navigation_links
from wardcrawler.extract.urls import article_id, canonical_article_url, category_url, page_number
from wardcrawler.items import ArticleGone, ArticlePage, ListedThrough, ListingEntry, PageFailure
from wardcrawler.pipelines import FIRST_STAT, LAST_STAT, PAGES_STAT
from wardcrawler.portals.registry import Ward, load_wards

# A discovered page counts as a category page only if it lists at least this many articles
# when the family's listing markup is absent (a static page may link a few articles).
MIN_UNSTRUCTURED_LINKS = 3


class WardsSpider(scrapy.Spider):
    """Crawl the news categories of ward portals into the archive."""

    name = "wards"

    def __init__(self, wards_file: str | None = None, wards: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.wards_file = wards_file
        self.only = [s.strip() for s in (wards or "").split(",") if s.strip()]
        self.requested: dict[str, set[str]] = defaultdict(set)
        self.listed: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.pages_seen: dict[tuple[str, str], int] = defaultdict(int)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> WardsSpider:
        kwargs.setdefault("wards_file", crawler.settings.get("WARDCRAWLER_WARDS_FILE") or None)
        kwargs.setdefault("wards", crawler.settings.get("WARDCRAWLER_WARDS") or None)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages = crawler.settings.getint("WARDCRAWLER_MAX_LISTING_PAGES", 500)
        spider.wards = spider.select_wards(load_wards(spider.wards_file))
        return spider

    def select_wards(self, wards: list[Ward]) -> list[Ward]:
        """The registry's wards, narrowed to `--ward` slugs when given."""
        if not self.only:
            return wards
        known = {w.slug for w in wards}
        unknown = [s for s in self.only if s not in known]
        if unknown:
            raise ValueError(f"unknown ward slug(s): {', '.join(unknown)}")
        return [w for w in wards if w.slug in self.only]

    async def start(self):
        for ward in self.wards:
            if ward.categories:
                for path in ward.categories:
                    yield self.listing_request(ward, category_url(ward.url, path))
            else:
                yield self.request(ward, ward.url, self.parse_home, "home")

    # --- requests -------------------------------------------------------------------------

    def request(self, ward: Ward, url: str, callback, kind: str, **kwargs: Any) -> scrapy.Request:
        """A request of a ward's site, on the ward's own download slot (one portal, one slot)."""
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            cb_kwargs={"ward": ward, **kwargs},
            meta={"download_slot": ward.slug, "ward": ward.slug, "kind": kind},
        )

    def listing_request(self, ward: Ward, url: str, category: str | None = None, **kwargs):
        """A request of one listing page of the category page `category` (default: `url`)."""
        category = category or url
        return self.request(ward, url, self.parse_listing, "listing", category=category, **kwargs)

    def article_request(self, ward: Ward, url: str, key: str) -> scrapy.Request:
        """A request of one article page, remembered so that the article is fetched once."""
        self.requested[ward.slug].add(key)
        request = self.request(ward, url, self.parse_article, "article", key=key)
        request.meta["article_key"] = key
        # once per article already; and a vanished article may redirect to a page seen before
        return request.replace(dont_filter=True)

    # --- callbacks ------------------------------------------------------------------------

    def parse_home(self, response: Response, ward: Ward):
        """Home page: follow navigation links; the ones that list articles are categories."""
        self.count_page(ward)
        for link in navigation_links(self.page(response), ward.family, response.url):
            yield self.listing_request(ward, link, discovering=True)
        # (the home page itself is not a category: its latest-news box repeats the others)

    def parse_listing(self, response: Response, ward: Ward, category: str, discovering=False):
        """One listing page: record what it lists, request new articles, follow the pager."""
        self.count_page(ward)
        listing = extract_listing(self.page(response), ward.family, response.url, category)
        unlisted = not listing.structured and len(listing.articles) < MIN_UNSTRUCTURED_LINKS
        if discovering and unlisted:
            return
        name = listing.name or category
        seen = self.listed[(ward.slug, category)]
        new = [key for key in listing.articles.values() if key not in seen]
        seen.update(new)
        for url, key in listing.articles.items():
            yield ListingEntry(ward.slug, category, name, key)
            if key not in self.requested[ward.slug]:
                canonical = canonical_article_url(ward.family, url, ward.url)
                yield self.article_request(ward, canonical, key)
        here = page_number(response.url)
        if all(page_number(p) <= here for p in listing.pages):
            yield ListedThrough(ward.slug, category, name)
        if new and self.pages_seen[(ward.slug, category)] < self.max_pages:
            self.pages_seen[(ward.slug, category)] += 1
            for page in listing.pages:
                yield self.listing_request(ward, page, category)

    def parse_article(self, response: Response, ward: Ward, key: str):
        """One article page: its fields, a tombstone if it redirects away, or a failure."""
        self.count_page(ward)
        if article_id(ward.family, response.url) != key:  # redirected to another page
            status = (response.meta.get("redirect_reasons") or [301])[0]
            yield ArticleGone(ward.slug, key, response.request.url, status, response.url)
            return
        url = canonical_article_url(ward.family, response.url, ward.url)
        try:
            fields = extract_article(self.page(response), ward.family, response.url)
        except ExtractionError as exc:
            yield PageFailure(ward.slug, response.url, response.status, str(exc), response.text)
            return
        yield ArticlePage(ward.slug, key, url, fields)

    def failed(self, failure: Failure):
        """A request that failed after retries: a vanished article, or a recorded failure."""
        request = failure.request
        ward = request.cb_kwargs["ward"]
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return  # forbidden by robots.txt: not a failure
        if failure.check(HttpError):
            status = failure.value.response.status
            key = request.meta.get("article_key")
            if key and status in (404, 410):
                yield ArticleGone(ward.slug, key, request.url, status)
                return
            reason = f"HTTP {status}"
        else:
            status, reason = None, f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.warning("failed %s: %s", request.url, reason)
        yield PageFailure(ward.slug, request.url, status, reason)

    # --- helpers --------------------------------------------------------------------------

    def count_page(self, ward: Ward) -> None:
        """Count a response of the ward and when it came (for the run ledger)."""
        stats, moment = self.crawler.stats, time.time()
        stats.inc_value(PAGES_STAT.format(ward.slug))
        stats.min_value(FIRST_STAT.format(ward.slug), moment)
        stats.max_value(LAST_STAT.format(ward.slug), moment)

    @staticmethod
    def page(response: Response) -> Selector:
        """The page as a Selector, decoded as UTF-8 unless the page declares otherwise."""
        declared = http_content_type_encoding(
            response.headers.get("Content-Type", b"").decode("latin-1")
        ) or html_body_declared_encoding(response.body)
        if declared and declared.lower().replace("_", "-") not in ("utf-8", "utf8"):
            return Selector(text=response.text, base_url=response.url)
        return Selector(text=response.body.decode("utf-8", "replace"), base_url=response.url)
