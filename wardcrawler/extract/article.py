"""Article pages: title, meta line (date, views), body paragraphs, category, attachments."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from lxml import etree
from parsel import Selector

from wardcrawler.extract import generic
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
    # where each field was found: the selector or the rule (shown by `wardcrawler try`)
    sources: dict[str, str] = field(default_factory=dict, compare=False)


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
    if family.generic:
        return generic_article(page, url)
    title, title_element = first_text(page, family.title)
    if not title:
        raise ExtractionError("no title found")
    body = first_element(page, family.body)
    scope = article_scope(title_element, body)
    regions = _Regions([Selector(root=scope), page] if scope is not None else [page])
    texts = cache(lambda: short_texts(page, scope))  # only read when a selector misses
    posted_raw, posted_source = _posted_text(regions, family, texts)
    if not posted_raw:
        raise ExtractionError("no posted date found")
    exclude = (*COMMON_BOILERPLATE, *family.body_exclude)
    excluded = excluded_nodes(body, exclude) if body is not None else set()
    category, category_element = first_text(page, family.category)
    views_raw, views_source = _views_text(regions, family, texts)
    furniture = {title, posted_raw, views_raw}
    sources = {
        "title": _selector_of(title_element),
        "posted": posted_source,
        "views": views_source,
        "body": _selector_of(body) if body is not None else "no body selector matched",
        "category": _selector_of(category_element) if category else "no category selector",
    }
    return ArticleFields(
        title=title,
        posted_raw=posted_raw,
        views_raw=views_raw,
        paragraphs=[p for p in paragraphs(body, exclude, excluded) if p not in furniture]
        if body is not None
        else [],
        category=category or None,
        attachments=attachments_of(body, excluded, url) if body is not None else [],
        sources=sources,
    )


def _selector_of(element: Selector | None, where: str = "") -> str:
    """How `wardcrawler try` names a declared selector that matched."""
    return f"selector {element._expr}{where}" if element is not None else "no selector matched"


class _Regions:
    """Where the meta line is looked for: the article's container, then the whole page; each
    selector is evaluated once per region (the posted and views selectors overlap)."""

    def __init__(self, regions: list[Selector]) -> None:
        self.regions = regions
        self.found: dict[tuple[int, str], list[Selector]] = {}

    def matches(self, selectors: tuple[str, ...]) -> Iterator[tuple[Selector, str]]:
        """The elements matched by `selectors`, region by region, selector by selector, each
        with where it was found (for `ArticleFields.sources`)."""
        for index, region in enumerate(self.regions):
            where = " in the article" if index + 1 < len(self.regions) else " in the page"
            for css in selectors:
                if (index, css) not in self.found:
                    self.found[index, css] = select(region, css)
                for element in self.found[index, css]:
                    yield element, f"selector {css}{where}"


def _posted_text(
    regions: _Regions, family: Family, texts: Callable[[], ScopedTexts]
) -> tuple[str, str]:
    """The meta line or date element (in the article's container first, then anywhere);
    falls back to a dated label near the article. With where it was found."""
    for element, source in regions.matches(family.posted):
        text = clean_text(" ".join(_texts(element)))
        if text and parse_posted(text) is not None:
            return text, source
    for region, where in ((texts().inside, "in the article"), (texts().outside, "near it")):
        dated = [t for t in region if DATE_LABEL_RE.search(t) and parse_posted(t) is not None]
        if dated:  # the date's own element, not a container around it
            return min(dated, key=len), f"dated label {where}"
    return "", "no date selector matched, no dated label"


def _views_text(
    regions: _Regions, family: Family, texts: Callable[[], ScopedTexts]
) -> tuple[str | None, str]:
    """The `Lượt xem: N` fragment from the meta line, else from around the article. With where
    it was found."""
    for element, source in regions.matches(family.views):
        found = find_views_text(" ".join(_texts(element)))
        if found:
            return found, source
    inside = next((found for t in texts().inside if (found := find_views_text(t))), None)
    if inside or not family.views_anywhere:
        return inside, "label Lượt xem in the article" if inside else "no counter"
    outside = next((found for t in texts().outside if (found := find_views_text(t))), None)
    return outside, "label Lượt xem in the page" if outside else "no counter"


@dataclass
class ScopedTexts:
    """Short texts of the page, inside the article's own container and outside it."""

    inside: list[str]
    outside: list[str]


def article_scope(title: Selector | None, body: Selector | None) -> object | None:
    """The smallest element holding both the title and the body (the article's container)."""
    if title is None or body is None:
        return None
    return common_ancestor(title.root, body.root)


def common_ancestor(a: etree._Element, b: etree._Element) -> etree._Element | None:
    """The smallest element holding both `a` and `b` (either one itself, if it holds the other)."""
    line = {a, *a.iterancestors()}
    return next((n for n in (b, *b.iterancestors()) if n in line), None)


def generic_article(page: Selector, url: str) -> ArticleFields:
    """An article page read the generic way (`extract/generic.py`), each field with its source."""
    title = generic.title_of(page)
    if not title.value:
        raise ExtractionError("no title found")
    html = etree.tostring(page.root, encoding="unicode", method="html")
    body = generic.main_text(page, html)
    scope = _generic_scope(title.element, body.element)
    texts = short_texts(page, scope)
    posted = generic.posted_of(texts.inside, texts.outside, page, scope)
    if not posted.value:
        raise ExtractionError("no posted date found")
    views = generic.views_of(texts.inside)
    found = ArticleFields(title.value, posted.value, views.value, [], None)
    found.sources = {"title": title.source, "posted": posted.source, "views": views.source,
                     "body": body.source}  # fmt: skip
    if body.element is not None:
        container = Selector(root=body.element)
        excluded = generic.body_exclusions(container)
        if title.element is not None:
            excluded.add(title.element)
        furniture = [t for t in (title.value, posted.value, views.value) if t]
        found.paragraphs = [
            p
            for p in paragraphs(container, (), excluded)
            if not (p in furniture or (len(p) < 200 and any(f in p for f in furniture[1:])))
        ]
        found.attachments = attachments_of(container, excluded, url)
    return found


def _generic_scope(title: etree._Element | None, body: etree._Element | None) -> object | None:
    """The article's container in a generic page: what holds its title and its main text."""
    if title is not None and body is not None:
        return common_ancestor(title, body)
    return body.getparent() if body is not None else None


def short_texts(page: Selector, scope: object | None, limit: int = 160) -> ScopedTexts:
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


def attachments_of(body: Selector, excluded: set[etree._Element], url: str) -> list[Attachment]:
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
