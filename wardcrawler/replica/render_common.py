"""Page shell, navigation and the routes all replica wards share (robots, search, files)."""

from __future__ import annotations

import html
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from .model import HANOI_PORTAL, Article, Site

GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class Page:
    """A response: status, body, content type, the article it shows (for faults), redirect."""

    status: int
    body: str | bytes
    content_type: str = "text/html"
    article: Article | None = None
    location: str | None = None


def pick(*parts: object) -> int:
    """A stable pseudo-random number from the parts (same page, same choice)."""
    return zlib.crc32(":".join(map(str, parts)).encode())


def esc(text: str) -> str:
    """Escape text for HTML."""
    return html.escape(text, quote=True)


def _nav(site: Site) -> str:
    """Header navigation: home, categories, static pages, search link."""
    absolute = site.theme == "moh"
    items = [("/", "Trang chủ")]
    items += [(f"/{c.path}", c.nav_label) for c in site.categories]
    items += [(f"/{path}", title) for path, (title, _text) in site.static_pages.items()]
    links = []
    for href, label in items:
        target = site.absolute(href) if absolute else href
        if site.family == HANOI_PORTAL:
            links.append(
                f'<li class="menu-item"><a href="{target}" title="{esc(label)}">'
                f"{esc(label)}</a></li>"
            )
        else:
            links.append(f'<li><a href="{target}"><span>{esc(label)}</span></a></li>')
    css = "menu-top" if site.family == HANOI_PORTAL else "sort-pages modify-pages"
    return (
        f'<nav id="navigation" class="site-navigation">\n<ul class="{css}">\n'
        + "\n".join(links)
        + '\n</ul>\n<div class="search"><a class="search-link" href="/tim-kiem?q=">Tìm kiếm</a>'
        "</div>\n</nav>"
    )


def shell(site: Site, title: str, main: str) -> str:
    """Whole HTML document around the main content."""
    charset = (
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/>'
        if site.meta_charset_only
        else '<meta charset="utf-8"/>'
    )
    name = f"Cổng thông tin điện tử {site.name}"
    return (
        f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n{charset}\n'
        f"<title>{title} - {esc(name)}</title>\n"
        '<link rel="stylesheet" href="/css/main.css"/>\n</head>\n<body>\n'
        f'<header id="banner">\n<div class="site-title"><a href="/">{esc(name)}</a></div>\n'
        f"{_nav(site)}\n</header>\n"
        f'<div id="content">\n{main}\n</div>\n'
        f'<footer id="footer">\n<p>Cơ quan chủ quản: Uỷ ban nhân dân {esc(site.name)}, '
        f"{esc(site.province)}</p>\n<p>Điện thoại: 024.3875.1234</p>\n</footer>\n</body>\n</html>\n"
    )


def page(site: Site, title: str, main: str, article: Article | None = None) -> Page:
    """A 200 HTML page; wards with `meta_charset_only` send no charset in the header."""
    ctype = "text/html" if site.meta_charset_only else "text/html; charset=utf-8"
    return Page(200, shell(site, title, main), ctype, article)


def not_found(site: Site) -> Page:
    """The 404 page."""
    main = '<div class="portlet-msg-error">Không tìm thấy trang yêu cầu.</div>'
    return Page(404, shell(site, "Không tìm thấy", main), "text/html; charset=utf-8")


def missing(site: Site, key: str) -> Page:
    """Answer for an article key that is not served: 404, or 410/301 once it was removed."""
    removed = site.removed.get(key)
    if removed is None or removed.status == 404:
        return not_found(site)
    if removed.status == 301:
        target = site.absolute(removed.location or "/")
        body = f'<html><body><a href="{esc(target)}">Moved Permanently</a></body></html>\n'
        return Page(301, body, "text/html; charset=utf-8", location=target)
    main = '<div class="portlet-msg-error">Bài viết không còn tồn tại.</div>'
    return Page(removed.status, shell(site, "Không còn tồn tại", main), "text/html; charset=utf-8")


def robots(site: Site) -> Page:
    """robots.txt of the ward."""
    lines = ["User-agent: *"] + [f"Disallow: {p}" for p in site.robots_paths]
    return Page(200, "\n".join(lines) + "\n", "text/plain; charset=utf-8")


def common_route(site: Site, path: str) -> Page | None:
    """Routes shared by all families, or None when the path is family-specific."""
    if path == "/robots.txt":
        return robots(site)
    if path == "/tim-kiem":
        main = '<form action="/tim-kiem"><input name="q"/><button>Tìm kiếm</button></form>'
        return page(site, "Tìm kiếm", main)
    if path.startswith(("/documents/", "/Uploads/files/", "/portal/VanBan/")):
        return Page(200, PDF, "application/pdf")
    if path.startswith(("/image/", "/Uploads/", "/portal/PublishingImages/")):
        return Page(200, GIF, "image/gif")
    static = site.static_pages.get(path.strip("/"))
    if static is not None:
        title, text = static
        main = f'<div class="static-page">\n<h1>{esc(title)}</h1>\n<p>{esc(text)}</p>\n</div>'
        return page(site, esc(title), main)
    return None


def most_viewed(site: Site, count: int = 5) -> list[Article]:
    """The most read articles of a ward, for the "Tin xem nhiều" boxes of the themes."""
    alive = [a for a in site.articles if a.kind == "article" and a.views is not None]
    return sorted(alive, key=lambda a: (-(a.views or 0), a.key))[:count]


def site_updated(site: Site) -> datetime:
    """When the ward's site says it was last updated: the day after its newest article."""
    newest = max(a.posted for a in site.articles)
    return (newest + timedelta(days=1)).replace(hour=16, minute=30)


def quote_url(url: str) -> str:
    """Percent-encode a whole URL as one query-parameter value."""
    return quote(url, safe="")


def body_blocks(a: Article, script_open: str = '<script type="text/javascript">') -> list[str]:
    """An article's body blocks, its inline script (if any) after the second one."""
    blocks = list(a.blocks)
    if a.script:
        blocks.insert(min(2, len(blocks)), f"{script_open}{a.script}</script>")
    return blocks


def others_listed(site: Site, path: str, a: Article, count: int = 5) -> list[Article]:
    """The first other articles of the listing at `path`, for an article's related list."""
    return [o for o in site.listing(path) if o.key != a.key and o.kind == "article"][:count]
