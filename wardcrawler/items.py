"""Items the spider (or `reparse`) yields: what a page showed, before normalisation.

`seen_at` is when the page was fetched (the capture time), so that re-extracting a WARC file
stores the same history as the crawl did.
"""

from __future__ import annotations

from dataclasses import dataclass

from wardcrawler.extract.article import ArticleFields


@dataclass
class ListingEntry:
    """A category listing page lists an article."""

    ward: str
    category_url: str
    category_name: str
    article_key: str
    seen_at: str | None = None
    article_url: str | None = None  # the article's canonical URL as this listing links it
    rank: int = 0  # the category's place in the ward's order (registry or navigation)


@dataclass
class ListedThrough:
    """A category's listing was read to its last page."""

    ward: str
    category_url: str
    category_name: str
    seen_at: str | None = None
    rank: int = 0


@dataclass
class ArticlePage:
    """An article page read by the extractor."""

    ward: str
    article_key: str
    url: str
    fields: ArticleFields
    seen_at: str | None = None
    text_flag: str | None = None  # how the page's text was read, when unusually (an encoding)


@dataclass
class ArticleGone:
    """An article page now answers 404/410, or redirects to something that is not the article."""

    ward: str
    article_key: str
    url: str
    status: int
    location: str | None = None
    seen_at: str | None = None
    reason: str | None = None  # why, when the article turns out not to be stored


@dataclass
class AttachmentFetched:
    """A document linked from an article body was downloaded."""

    ward: str
    article_key: str
    url: str
    sha256: str
    size: int
    content_type: str
    seen_at: str | None = None


@dataclass
class PageFailure:
    """A page that failed: not fetched after retries, or fetched but not parseable."""

    ward: str
    url: str
    status: int | None
    reason: str
    html: str | None = None
    seen_at: str | None = None


@dataclass
class CaptureDone:
    """A web-archive capture was handled: what it was and what became of it."""

    ward: str
    original: str
    timestamp: str
    kind: str
    article_key: str | None
    statuscode: str
    mimetype: str
    digest: str
    outcome: str  # article, listing, not a listing, duplicate, failure
    reason: str | None
    archive_url: str | None
    status: int | None
    captured_at: str

    @property
    def seen_at(self) -> str:
        """When the archive captured the page."""
        return self.captured_at
