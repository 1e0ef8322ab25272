"""From a fetched page to items: shared by the live spider and `wardcrawler reparse`.

Each function takes what a response carried (URL, status, headers, body, and what the request
was for) and returns the items it yields, so that a page read from a WARC file gives exactly what
the crawl that fetched it gave.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from parsel import Selector
from w3lib.encoding import html_to_unicode

from wardcrawler.extract.article import ExtractionError, extract_article
from wardcrawler.extract.listing import Listing, extract_listing
from wardcrawler.extract.urls import article_id, canonical_article_url, page_number
from wardcrawler.items import (
    ArticleGone,
    ArticlePage,
    AttachmentFetched,
    ListedThrough,
    ListingEntry,
    PageFailure,
)
from wardcrawler.portals.registry import Ward

# A discovered page counts as a category page only if it lists at least this many articles
# when the family's listing markup is absent (a static page may link a few articles).
MIN_UNSTRUCTURED_LINKS = 3
GONE_STATUSES = (404, 410)


@dataclass
class Fetched:
    """A response, as the spider got it or as a WARC file kept it."""

    url: str
    status: int
    body: bytes
    content_type: str
    fetched_at: str
    request_url: str = ""
    redirect_reasons: list[int] = field(default_factory=list)

    def selector(self) -> Selector:
        """The page as a Selector: UTF-8 unless the page declares another encoding."""
        _, text = html_to_unicode(self.content_type, self.body, default_encoding="utf-8")
        return Selector(text=text, base_url=self.url)


def listing_items(
    page: Fetched, ward: Ward, category: str, discovering: bool, rank: int = 0
) -> tuple[Listing | None, list]:
    """A listing page's items; no listing when a discovered page turns out not to list articles."""
    listing = extract_listing(page.selector(), ward.family, page.url, category, ward.netlocs)
    unlisted = not listing.structured and len(listing.articles) < MIN_UNSTRUCTURED_LINKS
    if discovering and unlisted:
        return None, []
    name = listing.name or category
    items: list = [
        ListingEntry(
            ward.slug,
            category,
            name,
            key,
            page.fetched_at,
            canonical_article_url(ward.family, url, ward.url),
            rank,
        )  # fmt: skip
        for url, key in listing.articles.items()
    ]
    here = page_number(page.url)
    if all(page_number(p) <= here for p in listing.pages):
        items.append(ListedThrough(ward.slug, category, name, page.fetched_at, rank))
    return listing, items


def article_items(page: Fetched, ward: Ward, key: str) -> list:
    """An article page's item: the article, a tombstone if it redirected away, or a failure."""
    if page.status in GONE_STATUSES:
        return [ArticleGone(ward.slug, key, page.url, page.status, None, page.fetched_at)]
    if article_id(ward.family, page.url) != key:  # redirected to another page
        reason = (page.redirect_reasons or [301])[0]
        status = reason if isinstance(reason, int) else 200  # 200: a meta refresh
        asked = page.request_url or page.url
        return [ArticleGone(ward.slug, key, asked, status, page.url, page.fetched_at)]
    url = canonical_article_url(ward.family, page.url, ward.url)
    try:
        fields = extract_article(page.selector(), ward.family, page.url)
    except ExtractionError as exc:
        text = page.body.decode("utf-8", "replace")
        return [PageFailure(ward.slug, page.url, page.status, str(exc), text, page.fetched_at)]
    return [ArticlePage(ward.slug, key, url, fields, page.fetched_at)]


def attachment_items(page: Fetched, ward: Ward, key: str, url: str) -> list:
    """A downloaded attachment: its digest and size."""
    digest = hashlib.sha256(page.body).hexdigest()
    return [
        AttachmentFetched(
            ward.slug, key, url, digest, len(page.body), page.content_type, page.fetched_at
        )
    ]
