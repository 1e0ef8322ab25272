"""Article pages: title, meta line (date, views), body paragraphs, category, attachments."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from lxml import etree
from parsel import Selector

from wardcrawler.extract.bounds import ExtractionError, bounded
from wardcrawler.extract.select import Outside, excluded_nodes, select
from wardcrawler.extract.text import first_element, first_text, paragraphs
from wardcrawler.extract.urls import absolute, file_name, is_document
from wardcrawler.normalize import clean_text, find_views_text, parse_posted
from wardcrawler.portals.families import (
    COMMON_BOILERPLATE,
    OTHER_ARTICLES,
    PAGE_FURNITURE,
    Family,
)

# Labels that introduce a posted date in running text (FAMILIES.md §1, §4).
DATE_LABEL_RE = re.compile(
    r"(ngày\s+đăng|đăng\s+ngày|cập\s+nhật|ngày\s+\d{1,2}\s*/|\d{1,2}:\d{2}\s+\d{1,2}/)",
    re.IGNORECASE,
)


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


def extract_article(
    page: Selector,
    family: Family,
    url: str,
    max_bytes: int | None = None,
    max_elements: int | None = None,
) -> ArticleFields:
    """Read an article page; raise ExtractionError when no title or no date is found, or when
    the page is over a size limit (`max_bytes`, `max_elements`: see `bounds.bounded`)."""
    page = bounded(page, max_bytes, max_elements)
    title, title_element = first_text(page, family.title)
    if not title:
        raise ExtractionError("no title found")
    body = first_element(page, family.body)
    scope = _article_scope(title_element, body)
    regions = _Regions([Selector(root=scope), page] if scope is not None else [page])
    texts = cache(lambda: _short_texts(page, scope))  # only read when a selector misses
    posted_raw = _posted_text(regions, family, texts)
    if not posted_raw:
        raise ExtractionError("no posted date found")
    exclude = (*COMMON_BOILERPLATE, *family.body_exclude)
    excluded = excluded_nodes(body, exclude) if body is not None else set()
    category, _ = first_text(page, family.category)
    views_raw = _views_text(regions, family, texts)
    furniture = {title, posted_raw, views_raw}
    return ArticleFields(
        title=title,
        posted_raw=posted_raw,
        views_raw=views_raw,
        paragraphs=[p for p in paragraphs(body, exclude, excluded) if p not in furniture]
        if body is not None
        else [],
        category=category or None,
        attachments=_attachments(body, excluded, url) if body is not None else [],
    )


class _Regions:
    """Where the meta line is looked for: the article's container, then the whole page; each
    selector is evaluated once per region (the posted and views selectors overlap)."""

    def __init__(self, regions: list[Selector]) -> None:
        self.regions = regions
        self.found: dict[tuple[int, str], list[Selector]] = {}

    def matches(self, selectors: tuple[str, ...]) -> Iterator[Selector]:
        """The elements matched by `selectors`, region by region, selector by selector."""
        for index, region in enumerate(self.regions):
            for css in selectors:
                if (index, css) not in self.found:
                    self.found[index, css] = select(region, css)
                yield from self.found[index, css]


def _posted_text(regions: _Regions, family: Family, texts: Callable[[], ScopedTexts]) -> str:
    """The meta line or date element (in the article's container first, then anywhere);
    falls back to a dated label near the article."""
    for element in regions.matches(family.posted):
        text = clean_text(" ".join(_texts(element)))
        if text and parse_posted(text) is not None:
            return text
    for region in (texts().inside, texts().outside):
        dated = [t for t in region if DATE_LABEL_RE.search(t) and parse_posted(t) is not None]
        if dated:
            return min(dated, key=len)  # the date's own element, not a container around it
    return ""


def _views_text(regions: _Regions, family: Family, texts: Callable[[], ScopedTexts]) -> str | None:
    """The `Lượt xem: N` fragment from the meta line, else from around the article."""
    for element in regions.matches(family.views):
        found = find_views_text(" ".join(_texts(element)))
        if found:
            return found
    candidates = texts().inside + (texts().outside if family.views_anywhere else [])
    return next((found for t in candidates if (found := find_views_text(t))), None)


@dataclass
class ScopedTexts:
    """Short texts of the page, inside the article's own container and outside it."""

    inside: list[str]
    outside: list[str]


def _article_scope(title: Selector | None, body: Selector | None) -> object | None:
    """The smallest element holding both the title and the body (the article's container)."""
    if title is None or body is None:
        return None
    title_line = {title.root, *title.root.iterancestors()}
    return next((n for n in (body.root, *body.root.iterancestors()) if n in title_line), None)


def _short_texts(page: Selector, scope: object | None, limit: int = 160) -> ScopedTexts:
    """Texts of small elements in document order: inside the article's container, all but
    lists of other articles; outside it, none of the page furniture (navigation, sidebars...)."""
    outside = Outside(excluded_nodes(page, PAGE_FURNITURE))
    own = Outside(excluded_nodes(page, OTHER_ARTICLES))
    short = _short_element_texts(page.root, limit)
    in_scope = set(scope.iter()) if isinstance(scope, etree._Element) else set()
    texts = ScopedTexts([], [])
    for node in page.root.xpath("descendant-or-self::body/descendant::*"):
        text = short.get(node)
        if not text:
            continue
        if node in in_scope:
            if own(node):
                texts.inside.append(text)
        elif outside(node):
            texts.outside.append(text)
    return texts


def _texts(element: Selector) -> list[str]:
    """The element's text nodes (what `element.css("::text").getall()` gives), faster."""
    return element.root.xpath("descendant-or-self::text()")


def _attachments(body: Selector, excluded: set[etree._Element], url: str) -> list[Attachment]:
    """Documents linked and images shown in the body (outside the `excluded` elements), as
    absolute URLs, in page order."""
    outside = Outside(excluded)
    found: dict[str, Attachment] = {}
    for element in body.css("a[href], img[src]"):
        if not outside(element.root):
            continue
        is_image = element.root.tag == "img"
        link = absolute(url, element.attrib.get("src" if is_image else "href"))
        if not link or link in found or not (is_image or is_document(link)):
            continue
        label = element.attrib.get("alt") if is_image else " ".join(_texts(element))
        kind = "image" if is_image else "document"
        found[link] = Attachment(link, kind, clean_text(label) or file_name(link))
    return list(found.values())


def _short_element_texts(root: etree._Element, limit: int) -> dict[etree._Element, str]:
    """The text of each element whose text is 1 to `limit` characters long, as
    `clean_text(" ".join(element.css("::text").getall()))` gives it, from one bottom-up pass."""
    lengths: dict[etree._Element, int] = {}
    texts: dict[etree._Element, str] = {}
    for node in reversed([*root.iter(etree.Element)]):
        parts: list[str] = []
        length = -1  # the texts joined by spaces: one space fewer than texts
        for piece in _own_texts(node):
            if isinstance(piece, str):
                piece = clean_text(piece) if piece and not piece.isspace() else ""
                size = len(piece)
            else:
                size = lengths[piece]
                piece = texts.get(piece, "")
            if size:
                length += size + 1
                if length <= limit:
                    parts.append(piece)
        lengths[node] = max(length, 0)
        if 0 < length <= limit:
            texts[node] = " ".join(parts)
    return texts


def _own_texts(node: etree._Element):
    """An element's text, then each child element (as itself) and the text after it."""
    yield node.text or ""
    for child in node:
        if isinstance(child.tag, str):
            yield child
        yield child.tail or ""
