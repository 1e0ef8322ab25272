"""Article pages: title, meta line (date, views), body paragraphs, category, attachments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsel import Selector

from wardcrawler.extract.text import excluded_nodes, first_element, first_text, paragraphs
from wardcrawler.extract.urls import absolute, file_name, is_document
from wardcrawler.normalize import clean_text, find_views_text, parse_posted
from wardcrawler.portals.families import COMMON_BOILERPLATE, Family

# Labels that introduce a posted date in running text (FAMILIES.md §1, §4).
DATE_LABEL_RE = re.compile(
    r"(ngày\s+đăng|đăng\s+ngày|cập\s+nhật|ngày\s+\d{1,2}\s*/|\d{1,2}:\d{2}\s+\d{1,2}/)",
    re.IGNORECASE,
)
FALLBACK_SCOPE_EXCLUDE = (*COMMON_BOILERPLATE, "header", "footer", "aside", "[class*=sidebar]")


class ExtractionError(ValueError):
    """A fetched page that is not a usable article; the message says what is missing."""


@dataclass
class Attachment:
    """A document or image linked from an article body."""

    url: str
    kind: str  # "document" | "image"
    name: str


@dataclass
class ArticleFields:
    """The fields read from an article page, as published (cleaned, not interpreted)."""

    title: str
    posted_raw: str
    views_raw: str | None
    paragraphs: list[str]
    category: str | None
    attachments: list[Attachment] = field(default_factory=list)


def extract_article(page: Selector, family: Family, url: str) -> ArticleFields:
    """Read an article page; raise ExtractionError when no title or no date is found."""
    title, _ = first_text(page, family.title)
    if not title:
        raise ExtractionError("no title found")
    posted_raw = _posted_text(page, family)
    if not posted_raw:
        raise ExtractionError("no posted date found")
    body = first_element(page, family.body)
    exclude = (*COMMON_BOILERPLATE, *family.body_exclude)
    category, _ = first_text(page, family.category)
    views_raw = _views_text(page, family)
    furniture = {title, posted_raw, views_raw}
    return ArticleFields(
        title=title,
        posted_raw=posted_raw,
        views_raw=views_raw,
        paragraphs=[p for p in paragraphs(body, exclude) if p not in furniture]
        if body is not None
        else [],
        category=category or None,
        attachments=_attachments(body, exclude, url) if body is not None else [],
    )


def _posted_text(page: Selector, family: Family) -> str:
    """The meta line or date element; falls back to the first dated label in the page."""
    for css in family.posted:
        for element in page.css(css):
            text = clean_text(" ".join(element.css("::text").getall()))
            if text and parse_posted(text) is not None:
                return text
    for text in _page_texts(page):
        if DATE_LABEL_RE.search(text) and parse_posted(text) is not None:
            return text
    return ""


def _views_text(page: Selector, family: Family) -> str | None:
    """The `Lượt xem: N` fragment from the meta line, or from anywhere in the article page."""
    for css in family.views:
        for element in page.css(css):
            found = find_views_text(" ".join(element.css("::text").getall()))
            if found:
                return found
    for text in _page_texts(page):
        found = find_views_text(text)
        if found:
            return found
    return None


def _page_texts(page: Selector) -> list[str]:
    """Cleaned text of each element of the page body outside navigation and related lists."""
    skip = excluded_nodes(page, FALLBACK_SCOPE_EXCLUDE)
    texts = []
    for element in page.css("body *"):
        node = element.root
        if node in skip or any(parent in skip for parent in node.iterancestors()):
            continue
        own = clean_text(" ".join(element.xpath("text()").getall()))
        if own:
            texts.append(own)
    return texts


def _attachments(body: Selector, exclude: tuple[str, ...], url: str) -> list[Attachment]:
    """Documents linked and images shown in the body, as absolute URLs, in page order."""
    skip = excluded_nodes(body, exclude)
    found: dict[str, Attachment] = {}
    for element in body.css("a[href], img[src]"):
        if element.root in skip or any(p in skip for p in element.root.iterancestors()):
            continue
        is_image = element.root.tag == "img"
        link = absolute(url, element.attrib.get("src" if is_image else "href"))
        if not link or link in found or not (is_image or is_document(link)):
            continue
        label = element.attrib.get("alt") if is_image else " ".join(element.css("::text").getall())
        kind = "image" if is_image else "document"
        found[link] = Attachment(link, kind, clean_text(label) or file_name(link))
    return list(found.values())
