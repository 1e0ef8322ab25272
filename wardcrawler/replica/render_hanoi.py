"""Hanoi ward portals of the post-2025 platform (`hanoi-portal`)."""

from __future__ import annotations

import re

from .model import Article, Category, Site
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

ARTICLE_PATH = re.compile(r"^/([a-z0-9-]+)/([a-z0-9-]*)-(\d{19})\.htm$")


def article_url(site: Site, a: Article) -> str:
    """Root-relative URL of an article: `/{category}/{slug}-{ID}.htm`."""
    return f"/{a.primary}/{a.slug}-{a.key}.htm"


def _time(a: Article) -> str:
    """Time-first date of the platform, `23:04 02/07/2025`."""
    return f"{a.posted:%H:%M %d/%m/%Y}"


def _entry(site: Site, a: Article) -> str:
    """One `box-stream-item` of a listing."""
    url = esc(article_url(site, a))
    return (
        f'<div class="box-stream-item">\n<a class="box-stream-link-with-avatar" href="{url}" '
        f'title="{a.title_html}"><img src="/Uploads/images/thumb/{a.key}.jpg" alt=""/></a>\n'
        f'<div class="box-stream-content">\n<h3><a class="box-stream-link-title" href="{url}" '
        f'title="{a.title_html}">{a.title_html}</a></h3>\n'
        f'<span class="box-stream-time">{_time(a)}</span>\n'
        f'<p class="box-stream-sapo">{esc(a.summary())}</p>\n</div>\n</div>'
    )


def listing(site: Site, cat: Category, number: int) -> Page:
    """A category page; "Xem thêm" leads to `?page=N+1`, a page past the last shows the last."""
    number, entries = site.page_of(cat.path, number)
    more = ""
    if number < site.pages(cat.path):
        more = f'<a class="view-more" href="/{cat.path}?page={number + 1}">Xem thêm</a>'
    main = (
        f'<div class="box-category">\n<div class="box-category-top"><h1 class="box-category-title">'
        f'<a href="/{cat.path}">{esc(cat.name)}</a></h1></div>\n<div class="box-stream">\n'
        + "\n".join(_entry(site, a) for a in entries)
        + f"\n</div>\n{more}\n</div>"
    )
    return page(site, esc(cat.name), main)


def article(site: Site, a: Article) -> Page:
    """An article page."""
    cat = site.category(a.primary)
    assert cat is not None
    blocks = body_blocks(a, "<script>")
    others = others_listed(site, cat.path, a, 4)
    related = "\n".join(
        f'<li><a href="{esc(article_url(site, o))}">{o.title_html}</a></li>' for o in others
    )
    main = (
        f'<div class="detail-container">\n<div class="detail-cate"><a href="/{cat.path}">'
        f"{esc(cat.name)}</a></div>\n"
        f'<h1 class="detail-title" data-role="title">{a.title_html}</h1>\n'
        f'<div class="detail-time"><div data-role="publishdate">{_time(a)}</div></div>\n'
        f'<div class="detail-content afcbc-body" data-role="content">\n'
        + "\n".join(blocks)
        + f'\n</div>\n<div class="detail-related"><h3>Tin liên quan</h3>\n<ul>\n{related}\n'
        "</ul></div>\n</div>"
    )
    return page(site, a.title_html, main, a)


def home(site: Site) -> Page:
    """Home page: the newest entries of every category."""
    parts = []
    for cat in site.categories:
        entries = "\n".join(_entry(site, a) for a in site.page_of(cat.path, 1)[1][:3])
        parts.append(
            f'<div class="box-home"><h2><a href="/{cat.path}">{esc(cat.name)}</a></h2>\n'
            f"{entries}\n</div>"
        )
    return page(site, "Trang chủ", "\n".join(parts))


def route(site: Site, path: str, query: dict[str, list[str]]) -> Page:
    """Serve a hanoi-portal ward."""
    common = common_route(site, path)
    if common is not None:
        return common
    if path == "/":
        return home(site)
    match = ARTICLE_PATH.match(path)
    if match:
        found = site.find(match.group(3))
        return article(site, found) if found else missing(site, match.group(3))
    cat = site.category(path.strip("/")) if path.count("/") == 1 else None
    if cat is None:
        return not_found(site)
    raw = query.get("page", ["1"])[0]
    return listing(site, cat, int(raw) if raw.isdigit() else 1)
