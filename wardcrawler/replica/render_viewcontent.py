"""Liferay "view_content" wards of Ngô Quyền, Hải Phòng (`liferay-view-content`)."""

from __future__ import annotations

import re

from .model import Article, Category, Site, vi_number
from .render_common import (
    Page,
    body_blocks,
    common_route,
    esc,
    missing,
    not_found,
    others_listed,
    page,
)

ARTICLE_PATH = re.compile(r"^/([a-z0-9-]+)/-/view_content/(\d+)-([a-z0-9-]*)\.html$")


def article_url(site: Site, cat: str, a: Article) -> str:
    """Root-relative URL of an article: `/{cat}/-/view_content/{id}-{slug}.html`."""
    return f"/{cat}/-/view_content/{a.key}-{a.slug}.html"


def _breadcrumb(cat: Category) -> str:
    """Trang chủ → category."""
    return (
        '<ul class="breadcrumb">\n<li><a href="/">Trang chủ</a></li>\n'
        f'<li><a href="/{cat.path}">{esc(cat.name)}</a></li>\n</ul>'
    )


def _pagination(cat: Category, number: int, last: int) -> str:
    """Numbered page links `?cur=N`, with previous/next arrows."""
    links = []
    if number > 1:
        links.append(f'<a class="prev" href="/{cat.path}?cur={number - 1}">« Trước</a>')
    for n in range(1, last + 1):
        css = ' class="current"' if n == number else ""
        links.append(f'<a{css} href="/{cat.path}?cur={n}">{n}</a>')
    if number < last:
        links.append(f'<a class="next" href="/{cat.path}?cur={number + 1}">Sau »</a>')
    return '<div class="pagination">\n' + "\n".join(links) + "\n</div>"


def listing(site: Site, cat: Category, number: int) -> Page:
    """A category page (a number past the last shows the last page)."""
    number, entries = site.page_of(cat.path, number)
    items = "\n".join(
        f'<li class="news-item">\n<a class="news-title" href="{article_url(site, cat.path, a)}">'
        f'{a.title_html}</a>\n<span class="news-date">({a.posted:%d/%m/%Y})</span>\n'
        f'<p class="news-summary">{esc(a.summary())}</p>\n</li>'
        for a in entries
    )
    main = (
        f'{_breadcrumb(cat)}\n<h1 class="category-title">{esc(cat.name)}</h1>\n'
        f'<ul class="list-news">\n{items}\n</ul>\n{_pagination(cat, number, site.pages(cat.path))}'
    )
    return page(site, esc(cat.name), main)


def article(site: Site, cat: Category, a: Article) -> Page:
    """An article page opened under the category `cat`."""
    blocks = body_blocks(a, "<script>")
    others = others_listed(site, cat.path, a, 4)
    related = "\n".join(
        f'<li><a href="{article_url(site, cat.path, o)}">{o.title_html}</a></li>' for o in others
    )
    meta = f"Ngày đăng {a.posted:%d/%m/%Y} | {a.posted:%H:%M} | Lượt xem: {vi_number(a.views or 0)}"
    main = (
        f'{_breadcrumb(cat)}\n<div class="view-content-detail">\n<h2 class="title">'
        f'{a.title_html}</h2>\n<div class="date-view">{meta}</div>\n<div class="content">\n'
        + "\n".join(blocks)
        + f'\n</div>\n<div class="other-news"><h3>Tin khác</h3>\n<ul>\n{related}\n</ul></div>\n'
        "</div>"
    )
    return page(site, a.title_html, main, a)


def home(site: Site) -> Page:
    """Home page: the newest entries of the first category."""
    cat = site.categories[0]
    items = "\n".join(
        f'<li><a href="{article_url(site, cat.path, a)}">{a.title_html}</a></li>'
        for a in site.page_of(cat.path, 1)[1][:5]
    )
    return page(site, "Trang chủ", f'<div class="hot-news"><ul>\n{items}\n</ul></div>')


def route(site: Site, path: str, query: dict[str, list[str]]) -> Page:
    """Serve a liferay-view-content ward."""
    common = common_route(site, path)
    if common is not None:
        return common
    if path == "/":
        return home(site)
    match = ARTICLE_PATH.match(path)
    if match:
        cat, found = site.category(match.group(1)), site.find(match.group(2))
        if cat is None:
            return not_found(site)
        return article(site, cat, found) if found else missing(site, match.group(2))
    cat = site.category(path.strip("/")) if path.count("/") == 1 else None
    if cat is None:
        return not_found(site)
    raw = query.get("cur", ["1"])[0]
    return listing(site, cat, int(raw) if raw.isdigit() else 1)
