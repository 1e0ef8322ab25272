"""From a fetched page to items: shared by the live spider and `wardcrawler reparse`.

Each function takes what a response carried (URL, status, headers, body, and what the request
was for) and returns the items it yields, so that a page read from a WARC file gives exactly what
the crawl that fetched it gave.

Pages are decoded as a browser decodes them (byte-order mark, then the Content-Type charset, then
`<meta>`, else UTF-8; w3lib). When that encoding does not decode the bytes cleanly, the encoding
is detected (charset-normalizer, among the encodings of Vietnamese portals) and used if it
decodes them cleanly into text that reads as Vietnamese.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from parsel import Selector
from w3lib.encoding import html_to_unicode, read_bom

from wardcrawler.extract.article import DATE_LABEL_RE, ExtractionError, extract_article
from wardcrawler.extract.listing import Listing, extract_listing
from wardcrawler.extract.urls import absolute, canonical_article_url, identifies, page_number
from wardcrawler.items import (
    ArticleGone,
    ArticlePage,
    AttachmentFetched,
    ListedThrough,
    ListingEntry,
    PageFailure,
)
from wardcrawler.normalize import clean_text, impossible_date, plausible_vietnamese
from wardcrawler.portals.families import Family
from wardcrawler.portals.registry import Ward, netloc_of

# A discovered page counts as a category page only if it lists at least this many articles
# when the family's listing markup is absent (a static page may link a few articles).
MIN_UNSTRUCTURED_LINKS = 3
GONE_STATUSES = (404, 410)
NO_DATE = "no posted date found"  # the extractor's message when no date parses
# Encodings a Vietnamese portal's page may really be in when its declaration fails. Measured on
# the seed article: unrestricted, charset-normalizer picks windows-1258 too; windows-1252 (TCVN3
# bytes) never won, and neither Python nor charset-normalizer knows VISCII, VPS or TCVN3.
DETECTED_ENCODINGS = ("utf_8", "cp1258")
# Legacy single-byte encodings a page may declare although its bytes are UTF-8.
_SINGLE_BYTE_RE = re.compile(r"^(cp125\d|iso8859-\d+|latin-?1|ascii)$")


@dataclass(frozen=True)
class Decoded:
    """A page's text and how it was decoded; `detected` when not by its declaration."""

    text: str
    encoding: str
    detected: bool = False

    @property
    def flag(self) -> str | None:
        """The note stored with an article whose encoding had to be detected."""
        return f"encoding detected: {encoding_label(self.encoding)}" if self.detected else None


def encoding_label(encoding: str) -> str:
    """The usual name of a Python codec (`cp1258` -> `windows-1258`)."""
    name = codecs.lookup(encoding).name
    return name.replace("cp", "windows-", 1) if name.startswith("cp125") else name


def decode_html(content_type: str | None, body: bytes) -> Decoded:
    """A page's text, decoded as a browser would; a declared or default encoding that does not
    decode the bytes cleanly gives way to the one detected, when that reads as Vietnamese."""
    label, text = html_to_unicode(content_type, body, default_encoding="utf-8")
    encoding = codecs.lookup(label).name
    if read_bom(body)[0] is None:  # a byte-order mark is never overruled
        if _clean(body, encoding, text):
            if _single_byte(encoding) and _utf8(body):  # a legacy label on UTF-8 bytes
                return Decoded(body.decode("utf-8"), "utf-8", detected=True)
        else:
            found = _detect(body)
            if found is not None:
                return found
    if encoding == "cp1258":  # tone marks are combining characters: compose them
        text = unicodedata.normalize("NFC", text)
    return Decoded(text, encoding)


def _clean(body: bytes, encoding: str, text: str) -> bool:
    """Whether the bytes decode with no error (a U+FFFD may be published as such)."""
    if "\ufffd" not in text:
        return True
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _single_byte(encoding: str) -> bool:
    """Whether an encoding (a Python codec name) is one of the legacy single-byte code pages."""
    return bool(_SINGLE_BYTE_RE.match(encoding))


def _utf8(body: bytes) -> bool:
    """Whether bytes are UTF-8 with some non-ASCII character (never so by chance in a code page)."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(body: bytes) -> Decoded | None:
    """The encoding charset-normalizer finds among those of Vietnamese portals, if it decodes
    the bytes cleanly into plausible Vietnamese."""
    from charset_normalizer import from_bytes  # imported lazily: only badly declared pages

    best = from_bytes(body, cp_isolation=list(DETECTED_ENCODINGS)).best()
    if best is None:
        return None
    encoding = codecs.lookup(best.encoding).name
    try:
        text = unicodedata.normalize("NFC", body.decode(encoding))
    except UnicodeDecodeError:
        return None
    return Decoded(text, encoding, detected=True) if plausible_vietnamese(text) else None


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

    @cached_property
    def decoded(self) -> Decoded:
        """The page's text (see `decode_html`)."""
        return decode_html(self.content_type, self.body)

    def selector(self) -> Selector:
        """The page as a Selector, decoded as a browser would (or as detected)."""
        return Selector(text=self.decoded.text, base_url=self.url)


def listing_items(
    page: Fetched, ward: Ward, category: str, discovering: bool, rank: int = 0
) -> tuple[Listing | None, list]:
    """A listing page's items; no listing when a discovered page turns out not to list articles,
    or when the page cannot be read (then its items are the failure)."""
    try:
        listing = extract_listing(page.selector(), ward.family, page.url, category, ward.netlocs)
    except ExtractionError as exc:
        return None, [
            PageFailure(ward.slug, page.url, page.status, str(exc), None, page.fetched_at)
        ]
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
    if listing.next is None and all(page_number(p) <= here for p in listing.pages):
        items.append(ListedThrough(ward.slug, category, name, page.fetched_at, rank))
    return listing, items


def article_items(page: Fetched, ward: Ward, key: str) -> list:
    """An article page's item: the article, a tombstone if it redirected away, or a failure."""
    if page.status in GONE_STATUSES:
        return [ArticleGone(ward.slug, key, page.url, page.status, None, page.fetched_at)]
    if not identifies(ward.family, page.url, key):  # redirected to another page
        reason = (page.redirect_reasons or [301])[0]
        status = reason if isinstance(reason, int) else 200  # 200: a meta refresh
        asked = page.request_url or page.url
        return [ArticleGone(ward.slug, key, asked, status, page.url, page.fetched_at)]
    url = canonical_article_url(ward.family, page.url, ward.url)
    selector = page.selector()
    if ward.family.article_url is None:
        url = declared_canonical(selector, ward, key) or url
    try:
        fields = extract_article(selector, ward.family, page.url)
    except ExtractionError as exc:
        reason = str(exc)
        if reason == NO_DATE:  # say why, when the page shows a date that cannot be
            reason = date_failure(selector, ward.family) or reason
        text = page.decoded.text
        return [PageFailure(ward.slug, page.url, page.status, reason, text, page.fetched_at)]
    return [ArticlePage(ward.slug, key, url, fields, page.fetched_at, page.decoded.flag)]


def declared_canonical(page: Selector, ward: Ward, key: str) -> str | None:
    """The page's `rel=canonical` URL, when it is on the ward's site and names the same article
    (a canonical pointing at a listing or the home page, as some themes print, is ignored)."""
    for href in page.xpath("//link[@rel='canonical']/@href").getall():
        link = absolute(page.root.base_url or "", href) if href else None
        if link and netloc_of(link) in ward.netlocs and identifies(ward.family, link, key):
            return canonical_article_url(ward.family, link, ward.url)
    return None


def date_failure(page: Selector, family: Family) -> str | None:
    """`impossible date 31/02/2023` when the page shows its date but no calendar has it."""
    texts = (
        " ".join(element.css("::text").getall())
        for css in family.posted
        for element in page.css(css)
    )
    labelled = (t for t in page.xpath("//body//text()").getall() if DATE_LABEL_RE.search(t))
    for text in (*texts, *labelled):
        found = impossible_date(clean_text(text))
        if found:
            return f"impossible date {found}"
    return None


def attachment_items(page: Fetched, ward: Ward, key: str, url: str) -> list:
    """A downloaded attachment: its digest and size."""
    digest = hashlib.sha256(page.body).hexdigest()
    return [
        AttachmentFetched(
            ward.slug, key, url, digest, len(page.body), page.content_type, page.fetched_at
        )
    ]
