"""Tân Dân commune portals (`tandan-liferay`): a custom news portlet on a Liferay 6.2 theme.

The real markup is unknown (FAMILIES.md §4 gives the URL grammar only); this is a plausible
Liferay 6.2 page: banner with a "today" date, navigation, the news portlet in `column-1`, a
`column-2` sidebar of other portlets ("Tin xem nhiều" with dates and counters, a visit
counter), a footer with an address and an "Cập nhật" line. Article page: breadcrumb, `h1`
title, the meta line `Ngày đăng: DD/MM/YYYY HH:MM | Lượt xem: N`, the body, share tools and
"Tin liên quan" (other dates). Listing pages paginate with `?cur=N` (numbers, Tiếp, »).
"""

from __future__ import annotations

import re

from .model import VN_TZ, Article, Category, Site, vi_number, weekday_vi
from .render_common import (
    Page,
    body_blocks,
    common_route,
    esc,
    missing,
    most_viewed,
    not_found,
    others_listed,
    quote_url,
    site_updated,
)

ARTICLE_PATH = re.compile(r"^/tin-chi-tiet/-/chi-tiet/(?:[a-z0-9-]*-)?(\d+)-(\d+)\.html$")
NEWS = "tintuc_WAR_tandanportlet"
LIST = "danhsachtin_WAR_tandanportlet"


def article_url(site: Site, a: Article) -> str:
    """Root-relative URL: `/tin-chi-tiet/-/chi-tiet/{slug}-{articleId}-{categoryId}.html`."""
    cat = site.category(a.primary)
    ident = cat.ident if cat else "0"
    return f"/tin-chi-tiet/-/chi-tiet/{a.slug}-{a.key}-{ident}.html"


def listing_url(cat: Category, number: int) -> str:
    """Root-relative URL of a listing page (`?cur=N` after the first)."""
    return f"/{cat.path}" if number == 1 else f"/{cat.path}?cur={number}"


def _date(a: Article) -> str:
    return f"{a.posted:%d/%m/%Y %H:%M}"


def _nav(site: Site) -> str:
    items = [("/trang-chu", "Trang chủ")] + [(f"/{c.path}", c.nav_label) for c in site.categories]
    links = "\n".join(
        f'<li class="lfr-nav-item" role="presentation"><a href="{href}" role="menuitem">'
        f"<span>{esc(label)}</span></a></li>"
        for href, label in items
    )
    return (
        '<nav class="sort-pages modify-pages navbar site-navigation" id="navigation" '
        'role="navigation">\n<div class="navbar-inner"><ul aria-label="Trang" class="nav" '
        f'role="menubar">\n{links}\n</ul></div>\n</nav>'
    )


def _sidebar(site: Site) -> str:
    """`column-2`: the most read articles (dates, counters), documents box, visit counter."""
    items = "\n".join(
        f'<li><a href="{article_url(site, o)}">{o.title_html}</a>\n'
        f'<span class="ngay-dang">({o.posted:%d/%m/%Y})</span> '
        f'<span class="luot-xem">Lượt xem: {vi_number(o.views or 0)}</span></li>'
        for o in most_viewed(site)
    )
    visits = 1_254_310 + len(site.articles) * 37
    return (
        '<div class="portlet-column portlet-column-last span4 sidebar-right" id="column-2">\n'
        '<section class="portlet" id="portlet_tinxemnhieu_WAR_tandanportlet">\n'
        '<header class="portlet-topper"><h2 class="portlet-title"><span '
        'class="portlet-title-text">Tin xem nhiều</span></h2></header>\n'
        f'<div class="portlet-content"><ul class="tin-xem-nhieu">\n{items}\n</ul></div>\n'
        "</section>\n"
        '<section class="portlet" id="portlet_thongke_WAR_tandanportlet">\n'
        '<header class="portlet-topper"><h2 class="portlet-title"><span '
        'class="portlet-title-text">Thống kê truy cập</span></h2></header>\n'
        '<div class="portlet-content"><p>Đang trực tuyến: 14</p>'
        f"<p>Tổng lượt truy cập: {vi_number(visits)}</p></div>\n</section>\n</div>"
    )


def _document(site: Site, title: str, portlet: str, main: str) -> str:
    """The whole Liferay page around the portlet's content."""
    updated = site_updated(site)
    today = f"{weekday_vi(updated)}, ngày {updated:%d/%m/%Y}"
    name = site.name
    lowered = name[:1].lower() + name[1:]  # "phường Phủ Hà" in running text
    return (
        '<!DOCTYPE html>\n<html class="aui ltr" dir="ltr" lang="vi-VN">\n<head>\n'
        f"<title>{title} - {esc(name)}</title>\n"
        '<meta content="initial-scale=1.0, width=device-width" name="viewport" />\n'
        '<meta content="text/html; charset=UTF-8" http-equiv="content-type" />\n'
        '<link href="/tandan-theme/images/favicon.ico" rel="Shortcut Icon" />\n'
        '<link class="lfr-css-file" href="/tandan-theme/css/main.css?browserId=other&amp;'
        'themeId=tandan_WAR_tandantheme&amp;languageId=vi_VN&amp;b=6210" rel="stylesheet" '
        'type="text/css" />\n'
        '<script type="text/javascript">var Liferay = {Browser: {}, ThemeDisplay: '
        "{getLanguageId: function() { return 'vi_VN'; }}};</script>\n</head>\n"
        '<body class="yui3-skin-sam controls-visible signed-out public-page site">\n'
        '<a href="#main-content" id="skip-to-content">Bỏ qua nội dung</a>\n'
        '<div class="container-fluid" id="wrapper">\n<header id="banner" role="banner">\n'
        f'<div class="banner-top"><a class="logo custom-logo" href="/trang-chu" title="Cổng '
        f'thông tin điện tử {esc(name)}"><img alt="Cổng thông tin điện tử {esc(name)}" '
        'src="/image/layout_set_logo?img_id=10215&amp;t=1561352180000" /></a>\n'
        f'<div class="site-name"><span class="ten-don-vi">UỶ BAN NHÂN DÂN {esc(name.upper())}'
        f'</span> <span class="dia-chi">{esc(site.district or "")} - Thành phố Hà Nội</span>'
        f'</div>\n<div class="today">Hôm nay: {today}</div></div>\n{_nav(site)}\n'
        '<div class="search-bar"><a class="search-link" href="/tim-kiem?q=">Tìm kiếm</a></div>\n'
        "</header>\n"
        '<div id="content">\n<div class="columns-2" id="main-content" role="main">\n'
        '<div class="portlet-layout row-fluid">\n'
        '<div class="portlet-column portlet-column-first span8" id="column-1">\n'
        f'<div class="portlet-boundary portlet-boundary_{portlet}_ portlet-static '
        f'portlet-borderless" id="p_p_id_{portlet}_">\n<span id="p_{portlet}"></span>\n'
        f'<section class="portlet" id="portlet_{portlet}">\n<div class="portlet-content">'
        f'<div class="portlet-body">\n{main}\n</div></div>\n</section>\n</div>\n</div>\n'
        f"{_sidebar(site)}\n</div>\n</div>\n</div>\n"
        '<footer id="footer" role="contentinfo">\n'
        f"<p>Cơ quan chủ quản: Uỷ ban nhân dân {esc(name)}, {esc(site.district or '')}, "
        f"{esc(site.province)}</p>\n<p>Địa chỉ: Trụ sở UBND {esc(lowered)}, "
        f"{esc(site.district or '')}, Thành phố Hà Nội. Điện thoại: 024.3595.1234</p>\n"
        f"<p>© Bản quyền thuộc UBND {esc(name)}. Cập nhật: {updated:%d/%m/%Y %H:%M}</p>\n"
        "</footer>\n</div>\n</body>\n</html>\n"
    )


def _page(site: Site, title: str, portlet: str, main: str, a: Article | None = None) -> Page:
    return Page(200, _document(site, title, portlet, main), "text/html; charset=utf-8", a)


def _thumb(a: Article) -> str:
    stamp = int(a.posted.replace(tzinfo=VN_TZ).timestamp() * 1000)
    return f"/image/journal/article?img_id={int(a.key) + 3}&amp;t={stamp}"


def _entry(site: Site, cat: Category, number: int, a: Article) -> str:
    url = article_url(site, a)
    more = f"{url}?redirect={quote_url(listing_url(cat, number))}"
    return (
        '<div class="news-item row-fluid">\n'
        f'<div class="span4"><a class="thumb" href="{url}"><img alt="{a.title_html}" '
        f'src="{_thumb(a)}" /></a></div>\n<div class="span8">\n'
        f'<h3 class="title"><a href="{url}">{a.title_html}</a></h3>\n'
        f'<div class="date">{_date(a)}</div>\n'
        f'<div class="summary">{esc(a.summary())}</div>\n'
        f'<a class="xem-tiep" href="{esc(more)}">Xem tiếp</a>\n</div>\n</div>'
    )


def _pager(site: Site, cat: Category, number: int) -> str:
    """Numbered page links (relative `?cur=N`), Trước, Tiếp and » (last page)."""
    last = site.pages(cat.path)
    items = []
    if number > 1:
        items.append(f'<li><a href="{listing_url(cat, number - 1)}">Trước</a></li>')
    for n in range(1, last + 1):
        if n == number:
            items.append(f'<li class="active"><span>{n}</span></li>')
        else:
            items.append(f'<li><a href="?cur={n}">{n}</a></li>')
    if number < last:
        items.append(f'<li class="next"><a href="/{cat.path}?cur={number + 1}">Tiếp</a></li>')
        items.append(f'<li class="last"><a href="/{cat.path}?cur={last}" title="Trang cuối">»'
                     "</a></li>")  # fmt: skip
    return '<div class="pagination pagination-centered"><ul>\n' + "\n".join(items) + "\n</ul></div>"


def listing(site: Site, cat: Category, number: int) -> Page:
    """A category page (a number past the last shows the last page)."""
    number, entries = site.page_of(cat.path, number)
    body = "\n".join(_entry(site, cat, number, a) for a in entries)
    main = (
        f'<div class="danh-sach-tin">\n<div class="title-category"><h2><a href="/{cat.path}">'
        f'{esc(cat.name)}</a></h2></div>\n<div class="list-news">\n{body}\n</div>\n'
        f"{_pager(site, cat, number)}\n</div>"
    )
    return _page(site, esc(cat.name), LIST, main)


def article(site: Site, a: Article) -> Page:
    """An article page."""
    cat = site.category(a.primary)
    assert cat is not None
    blocks = body_blocks(a)
    others = others_listed(site, cat.path, a)
    related = "\n".join(
        f'<li><a href="{article_url(site, o)}">{o.title_html}</a> '
        f'<span class="date">({o.posted:%d/%m/%Y})</span></li>'
        for o in others
    )
    share = quote_url(site.absolute(article_url(site, a)))
    views = vi_number(a.views or 0)
    main = (
        '<div class="chi-tiet-tin">\n<ul class="breadcrumb breadcrumb-horizontal">'
        f'<li><a href="/trang-chu">Trang chủ</a></li><li><a href="/{cat.path}">'
        f"{esc(cat.name)}</a></li></ul>\n"
        f'<h1 class="title-news">{a.title_html}</h1>\n'
        f'<div class="date-news"><i class="icon-calendar"></i> Ngày đăng: {_date(a)} '
        f'<span class="sep">|</span> <i class="icon-eye-open"></i> Lượt xem: {views}</div>\n'
        '<div class="noi-dung-tin">\n' + "\n".join(blocks) + "\n</div>\n"
        '<div class="share-tools"><span>Chia sẻ:</span> <a class="fb" href="https://www.'
        f'facebook.com/sharer/sharer.php?u={share}">Facebook</a> <a class="zalo" '
        f'href="https://zalo.me/share?url={share}">Zalo</a> <a class="print" '
        'href="javascript:window.print();">In bài viết</a></div>\n'
        '<div class="related-news tin-lien-quan"><h3 class="title-related">Tin liên quan</h3>'
        f"\n<ul>\n{related}\n</ul></div>\n</div>"
    )
    return _page(site, a.title_html, NEWS, main, a)


def home(site: Site) -> Page:
    """Home page: the newest entries of every category."""
    parts = []
    for cat in site.categories:
        entries = site.page_of(cat.path, 1)[1][:3]
        items = "\n".join(
            f'<li><a href="{article_url(site, a)}">{a.title_html}</a> '
            f'<span class="date">{a.posted:%d/%m/%Y}</span></li>'
            for a in entries
        )
        parts.append(
            f'<div class="box-home"><h2><a href="/{cat.path}">{esc(cat.name)}</a></h2>\n'
            f"<ul>\n{items}\n</ul></div>"
        )
    return _page(site, "Trang chủ", LIST, "\n".join(parts))


def route(site: Site, path: str, query: dict[str, list[str]]) -> Page:
    """Serve a tandan-liferay ward."""
    common = common_route(site, path)
    if common is not None:
        return common
    if path in ("/", "/trang-chu"):
        return home(site)
    match = ARTICLE_PATH.match(path)
    if match:
        found = site.find(match.group(1))
        return article(site, found) if found else missing(site, match.group(1))
    cat = site.category(path.strip("/")) if path.count("/") == 1 else None
    if cat is None:
        return not_found(site)
    raw = query.get("cur", ["1"])[0]
    return listing(site, cat, int(raw) if raw.isdigit() else 1)
