"""Listing pages and home-page navigation: article links, pager links, category names."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, partial
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from wardcrawler.extract import generic
from wardcrawler.extract.bounds import bounded
from wardcrawler.extract.select import Outside, elements, excluded_nodes, select
from wardcrawler.extract.text import first_text, node_text
from wardcrawler.extract.urls import absolute, article_id, is_page_link, same_path
from wardcrawler.normalize import fold
from wardcrawler.portals.families import (
    HOME_LINK_TEXTS,
    MENUS,
    NAVIGATION,
    PAGE_FURNITURE,
    Family,
)
from wardcrawler.portals.registry import netloc_of


@dataclass
class Listing:
    """What a listing page shows: its name, its articles (url -> id) and its pager links."""

    name: str
    articles: dict[str, str] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)
    structured: bool = False  # articles found by the family's listing selectors
    next: str | None = None  # the next page, for families read the generic way


def extract_listing(
    page: Selector,
    family: Family,
    url: str,
    category: str,
    hosts: frozenset[str] = frozenset(),
    max_bytes: int | None = None,
    max_elements: int | None = None,
) -> Listing:
    """Read one listing page of the category page `category` (an absolute URL).

    Article links count on the page's own host and on `hosts` (the site's other names).
    Raises ExtractionError for a page over a size limit (`max_bytes`, `max_elements`: see
    `bounds.bounded`).
    """
    page = bounded(page, max_bytes, max_elements)
    hosts = hosts | {netloc_of(url)}
    link_of = cache(partial(absolute, url))  # each href once: article links and pager share
    name, _ = first_text(page, family.listing_title)
    listing = Listing(name=name or _self_link_name(page, url, category))
    outside = Outside(excluded_nodes(page, PAGE_FURNITURE))
    anchors = _distinct(a for css in family.listing_items for a in elements(page, css))
    anchors = [a for a in anchors if outside(a)]
    listing.articles = _article_links(anchors, family, link_of, hosts)
    listing.structured = bool(listing.articles)
    if not listing.structured:
        anchors = [a for a in elements(page, "body a[href]") if outside(a)]
        if family.article_url is None:
            menus = Outside(excluded_nodes(page, MENUS))
            anchors = [a for a in anchors if menus(a)]
            listing.articles = _template_links(anchors, link_of, hosts, url)
        else:
            listing.articles = _article_links(anchors, family, link_of, hosts)
    hrefs = page.root.xpath("descendant-or-self::a/@href", smart_strings=False)
    listing.pages = _unique(
        link for link in map(link_of, hrefs) if link and is_page_link(link, category)
    )
    if family.generic:
        following = generic.next_page(page, url, link_of)
        if following and netloc_of(following) in hosts:
            listing.next = following
    return listing


def _template_links(
    anchors: list[etree._Element],
    link_of: Callable[[str | None], str | None],
    hosts: frozenset[str],
    here: str,
) -> dict[str, str]:
    """Article links of a page without a URL grammar: those of repeating URL templates."""
    links, listed = [], generic.lasting_url(here)
    for anchor in anchors:
        link = link_of(anchor.get("href"))
        if not link or netloc_of(link) not in hosts or _looks_like_file(link):
            continue
        elsewhere = not same_path(link, here) or urlsplit(link).query != urlsplit(here).query
        if elsewhere and generic.lasting_url(link) != listed:  # not back to the first page
            links.append((link.split("#")[0], node_text(Selector(root=anchor))))
    return generic.template_articles(links, later=generic.is_pager_link(here))


def navigation_links(
    page: Selector,
    family: Family,
    url: str,
    max_bytes: int | None = None,
    max_elements: int | None = None,
) -> dict[str, str]:
    """Same-site links of the home page's navigation (url -> text): category page candidates.

    Raises ExtractionError for a page over the size limit (see `extract_listing`)."""
    page = bounded(page, max_bytes, max_elements)
    anchors = [a for css in NAVIGATION for a in select(page, css)] or select(page, "body a")
    found: dict[str, str] = {}
    homes: set[str] = set()  # pages a "Trang chủ" link leads to (a logo may link one first)
    for anchor in anchors:
        link = absolute(url, anchor.attrib.get("href"))
        if not link or netloc_of(link) != netloc_of(url) or article_id(family, link):
            continue
        if same_path(link, url) or _looks_like_file(link):
            continue
        if fold(node_text(anchor)) in HOME_LINK_TEXTS:  # and every other link to that page
            homes.add(link.split("#")[0])
            continue
        found.setdefault(link.split("#")[0], node_text(anchor))
    return {link: text for link, text in found.items() if link not in homes}


def _article_links(
    anchors: list[etree._Element],
    family: Family,
    link_of: Callable[[str | None], str | None],
    hosts: frozenset[str],
) -> dict[str, str]:
    """Absolute same-site article URLs among anchors (`link_of`: an href made absolute),
    mapped to the article identity."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    for anchor in anchors:
        link = link_of(anchor.get("href"))
        if link and netloc_of(link) in hosts:
            ident = article_id(family, link)
            if ident and ident not in seen:
                seen.add(ident)
                found[link] = ident
    return found


def _self_link_name(page: Selector, url: str, category: str) -> str:
    """Fallback category name: the text of a link to this category page, else the page title."""
    for anchor in select(page, "a[href]"):
        link = absolute(url, anchor.attrib.get("href"))
        if link and same_path(link, category) and not is_page_link(link, category):
            text = node_text(anchor)
            if text:
                return text
    titles = select(page, "title")
    return node_text(titles[0]) if titles else ""


def _distinct(anchors: Iterable[etree._Element]) -> list[etree._Element]:
    """The anchors, each once (several selectors match the same links), in order."""
    seen: set = set()
    return [a for a in anchors if not (a in seen or seen.add(a))]


def _looks_like_file(url: str) -> bool:
    path = url.split("?")[0].lower()
    return path.endswith((".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".png", ".zip"))


def _unique(urls) -> list[str]:
    return list(dict.fromkeys(urls))
