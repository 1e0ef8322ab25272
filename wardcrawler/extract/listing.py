"""Listing pages and home-page navigation: article links, pager links, category names."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector

from wardcrawler.extract.text import excluded_nodes, first_text, node_text
from wardcrawler.extract.urls import absolute, article_id, is_page_link, same_path
from wardcrawler.normalize import fold
from wardcrawler.portals.families import HOME_LINK_TEXTS, NAVIGATION, PAGE_FURNITURE, Family
from wardcrawler.portals.registry import netloc_of


@dataclass
class Listing:
    """What a listing page shows: its name, its articles (url -> id) and its pager links."""

    name: str
    articles: dict[str, str] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)
    structured: bool = False  # articles found by the family's listing selectors


def extract_listing(
    page: Selector, family: Family, url: str, category: str, hosts: frozenset[str] = frozenset()
) -> Listing:
    """Read one listing page of the category page `category` (an absolute URL).

    Article links count on the page's own host and on `hosts` (the site's other names).
    """
    hosts = hosts | {netloc_of(url)}
    name, _ = first_text(page, family.listing_title)
    listing = Listing(name=name or _self_link_name(page, url, category))
    skip = excluded_nodes(page, PAGE_FURNITURE)
    anchors = [a for css in family.listing_items for a in page.css(css) if not _inside(a, skip)]
    listing.articles = _article_links(anchors, family, url, hosts)
    listing.structured = bool(listing.articles)
    if not listing.structured:
        anchors = [a for a in page.css("body a[href]") if not _inside(a, skip)]
        listing.articles = _article_links(anchors, family, url, hosts)
    listing.pages = _unique(
        link
        for link in (absolute(url, h) for h in page.css("a::attr(href)").getall())
        if link and is_page_link(link, category)
    )
    return listing


def navigation_links(page: Selector, family: Family, url: str) -> dict[str, str]:
    """Same-site links of the home page's navigation (url -> text): category page candidates."""
    anchors = [a for css in NAVIGATION for a in page.css(css)] or page.css("body a")
    found: dict[str, str] = {}
    for anchor in anchors:
        link = absolute(url, anchor.attrib.get("href"))
        if not link or netloc_of(link) != netloc_of(url) or article_id(family, link):
            continue
        if same_path(link, url) or _looks_like_file(link):
            continue
        if fold(node_text(anchor)) in HOME_LINK_TEXTS:
            continue
        found.setdefault(link.split("#")[0], node_text(anchor))
    return found


def _article_links(
    anchors: list[Selector], family: Family, url: str, hosts: frozenset[str]
) -> dict[str, str]:
    """Absolute same-site article URLs among anchors, mapped to the article identity."""
    found: dict[str, str] = {}
    for anchor in anchors:
        link = absolute(url, anchor.attrib.get("href"))
        if link and netloc_of(link) in hosts:
            ident = article_id(family, link)
            if ident and ident not in found.values():
                found[link] = ident
    return found


def _self_link_name(page: Selector, url: str, category: str) -> str:
    """Fallback category name: the text of a link to this category page, else the page title."""
    for anchor in page.css("a[href]"):
        link = absolute(url, anchor.attrib.get("href"))
        if link and same_path(link, category) and not is_page_link(link, category):
            text = node_text(anchor)
            if text:
                return text
    return node_text(page.css("title")[0]) if page.css("title") else ""


def _inside(anchor: Selector, skip: set) -> bool:
    """Whether an element lies inside any of the `skip` nodes."""
    node = anchor.root
    while node is not None:
        if node in skip:
            return True
        node = node.getparent()
    return False


def _looks_like_file(url: str) -> bool:
    path = url.split("?")[0].lower()
    return path.endswith((".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".png", ".zip"))


def _unique(urls) -> list[str]:
    return list(dict.fromkeys(urls))
