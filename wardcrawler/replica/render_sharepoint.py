"""SharePoint "portal/Pages" wards (`sharepoint-portal-pages`, Ninh Thuận, Hà Tĩnh).

The real markup is unknown (FAMILIES.md §4 gives the URL grammar and the date and counter
wording); this is a plausible SharePoint 2013 publishing site: the whole page inside the
ASP.NET `<form id="aspnetForm">` with its hidden `__VIEWSTATE`, the `s4-workspace` shell, a
banner and top navigation, web part zones, a right-hand column ("Tin xem nhiều", "Tin mới"
with other dates and counters) and a footer with an address and an "Cập nhật" line. An
article is a publishing page `/portal/Pages/{y}-{m}-{d}/{Name}.aspx`: the title in
`h1#pageTitle`, `Đăng ngày DD - MM - YYYY` (no time of day) and `Lượt xem: N` in their own
spans, the body in the rich HTML field, share links and "Các tin khác". Listing pages are
`/portal/Pages/{Category}.aspx?page=N` (numbers, Trước, Tiếp, »).
"""

from __future__ import annotations

import re

from .model import Article, Category, Site, vi_number
from .render_common import (
    Page,
    body_blocks,
    common_route,
    esc,
    missing,
    most_viewed,
    not_found,
    others_listed,
    pick,
    quote_url,
    site_updated,
)

ARTICLE_PATH = re.compile(r"^/portal/Pages/(\d{4}-\d{1,2}-\d{1,2}/[A-Za-z0-9-]+)\.aspx$")
HOME = "/portal/Pages/default.aspx"


def article_url(site: Site, a: Article) -> str:
    """Root-relative URL of an article's page: `/portal/Pages/{y}-{m}-{d}/{Name}.aspx`."""
    return f"/portal/Pages/{a.key}.aspx"


def listing_url(cat: Category, number: int) -> str:
    """Root-relative URL of a listing page (`?page=N` after the first)."""
    return f"/{cat.path}" if number == 1 else f"/{cat.path}?page={number}"


def posted(a: Article) -> str:
    """The date as the portal prints it: `Đăng ngày 17 - 05 - 2024`."""
    return f"Đăng ngày {a.posted:%d - %m - %Y}"


def _digest(site: Site, *parts: object) -> str:
    """A stable opaque token (request digest, view state) for the page."""
    return "".join(f"{pick(site.slug, *parts, n):08X}" for n in range(6))


def _nav(site: Site) -> str:
    items = [(HOME, "Trang chủ")] + [(f"/{c.path}", c.nav_label) for c in site.categories]
    links = "\n".join(
        f'<li class="static"><a class="static menu-item ms-core-listMenu-item '
        f'ms-displayInline ms-navedit-linkNode" href="{href}"><span class="additional-'
        f'background ms-navedit-flyoutArrow"><span class="menu-item-text">{esc(label)}</span>'
        "</span></a></li>"
        for href, label in items
    )
    return (
        '<div class="nt-menu ms-core-navigation" id="DeltaTopNavigation" role="navigation">\n'
        '<div id="zz1_TopNavigationMenu" class="ms-core-listMenu-horizontalBox">\n'
        f'<ul id="zz2_RootAspMenu" class="root ms-core-listMenu-root static">\n{links}\n</ul>'
        "\n</div>\n</div>"
    )


def _sidebar(site: Site) -> str:
    """The right-hand web part zone: most read and newest articles, with dates and counters."""
    read = "\n".join(
        f'<li><a href="{article_url(site, o)}">{o.title_html}</a>\n'
        f'<div class="nt-info">{posted(o)} | Lượt xem: {vi_number(o.views or 0)}</div></li>'
        for o in most_viewed(site)
    )
    newest = sorted(
        (a for a in site.articles if a.kind == "article"),
        key=lambda a: (a.posted, a.seq),
        reverse=True,
    )[:4]
    new = "\n".join(
        f'<li><a href="{article_url(site, o)}">{o.title_html}</a> '
        f'<span class="nt-date">({o.posted:%d/%m/%Y})</span></li>'
        for o in newest
    )
    return (
        '<div class="nt-right sidebar" id="sideNavBox">\n'
        '<div class="ms-webpart-zone ms-fullWidth"><div class="ms-webpart-chrome">\n'
        '<div class="ms-webpart-chrome-title"><h2 class="ms-webpart-titleText"><span>'
        "Tin xem nhiều</span></h2></div>\n"
        f'<div class="ms-WPBody"><ul class="nt-most-read">\n{read}\n</ul></div>\n</div>\n'
        '<div class="ms-webpart-chrome">\n<div class="ms-webpart-chrome-title"><h2 '
        'class="ms-webpart-titleText"><span>Tin mới</span></h2></div>\n'
        f'<div class="ms-WPBody"><ul class="nt-newest">\n{new}\n</ul></div>\n</div></div>\n'
        "</div>"
    )


def _document(site: Site, title: str, action: str, main: str, head: str = "") -> str:
    """The SharePoint master page around the main web part zone."""
    name = site.name
    lowered = name[:1].lower() + name[1:]  # "phường Phủ Hà" in running text
    updated = site_updated(site)
    return (
        '<!DOCTYPE html>\n<html dir="ltr" lang="vi-VN">\n<head>'
        '<meta name="GENERATOR" content="Microsoft SharePoint" />'
        '<meta http-equiv="Content-type" content="text/html; charset=utf-8" />'
        '<meta http-equiv="X-UA-Compatible" content="IE=10" />'
        '<meta http-equiv="Expires" content="0" />\n'
        f"<title>\r\n\t{title}\r\n</title>\n{head}"
        '<link rel="stylesheet" type="text/css" href="/_layouts/15/1066/styles/Themable/'
        'corev15.css?rev=OqAycmyMLoQIDkAlzHdMhQ%3D%3D" />\n'
        '<link rel="stylesheet" type="text/css" href="/Style%20Library/ninhthuan/css/'
        'style.css" />\n'
        '<script type="text/javascript" src="/_layouts/15/init.js?rev=ZLhz3Kf6HrCvnrXzNcFKHw'
        '%3D%3D"></script>\n</head>\n<body>\n'
        '<div id="imgPrefetch" style="display:none"><img src="/_layouts/15/images/'
        'spcommon.png?rev=23" /></div>\n'
        f'<form method="post" action="{esc(action)}" id="aspnetForm">\n'
        '<div class="aspNetHidden">\n<input type="hidden" name="_wpcmWpid" id="_wpcmWpid" '
        'value="" />\n<input type="hidden" name="__REQUESTDIGEST" id="__REQUESTDIGEST" '
        f'value="0x{_digest(site, action, "digest")},20 Jun 2025 09:30:00 -0000" />\n'
        '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUBMA9kFgJmD2QW'
        f'AgIBD2QWBAIBD2QWAgIFD2QWAmYPZBYC{_digest(site, action, "state")}" />\n</div>\n'
        '<script type="text/javascript">\n//<![CDATA[\nvar _spPageContextInfo = '
        '{webServerRelativeUrl: "\\u002fportal", webLanguage: 1066, currentLanguage: 1066, '
        'pageListId: "{8c5a7e3d-5f61-4f0b-9d0e-2f4d1b7c9a10}"};\n//]]>\n</script>\n'
        '<div id="s4-workspace">\n<div id="s4-bodyContainer">\n'
        '<div class="nt-header" id="s4-titlerow">\n'
        f'<div class="nt-banner"><a href="{HOME}"><img src="/portal/PublishingImages/'
        f'banner.png" alt="Cổng thông tin điện tử {esc(name)}" /></a></div>\n{_nav(site)}\n'
        '<div class="nt-search"><a class="nt-search-link" href="/tim-kiem?k=">Tìm kiếm</a>'
        "</div>\n</div>\n"
        '<div id="contentRow">\n<div class="nt-container">\n'
        '<div class="nt-left" id="contentBox">\n<div id="DeltaPlaceHolderMain">\n'
        '<a id="mainContent" name="mainContent" tabindex="-1"></a>\n'
        f"{main}\n</div>\n</div>\n{_sidebar(site)}\n</div>\n</div>\n"
        '<div class="nt-footer" id="footer">\n'
        f"<p>CỔNG THÔNG TIN ĐIỆN TỬ {esc(name.upper())}</p>\n"
        f"<p>Cơ quan chủ quản: Ủy ban nhân dân {esc(name)}, {esc(site.district or '')}, "
        f"tỉnh {esc(site.province)}</p>\n<p>Địa chỉ: Trụ sở UBND {esc(lowered)}. "
        "Điện thoại: 0259.3822.123 - Email: ubnd@ninhthuan.gov.vn</p>\n"
        f"<p>Cập nhật: {updated:%d/%m/%Y}</p>\n</div>\n"
        "</div>\n</div>\n</form>\n</body>\n</html>\n"
    )


def _page(
    site: Site, title: str, action: str, main: str, a: Article | None = None, head: str = ""
) -> Page:
    return Page(200, _document(site, title, action, main, head), "text/html; charset=utf-8", a)


def _zone(title: str, inner: str) -> str:
    """One web part of the main zone, with its title bar."""
    return (
        '<div class="ms-webpart-zone ms-fullWidth">\n<div class="s4-wpcell-plain '
        'ms-webpartzone-cell ms-webpart-cell-vertical ms-fullWidth">\n'
        '<div class="ms-webpart-chrome ms-webpart-chrome-vertical ms-webpart-chrome-fullWidth">'
        f'\n<div class="ms-webpart-chrome-title"><h2 class="ms-webpart-titleText"><span>'
        f'{esc(title)}</span></h2></div>\n<div class="ms-WPBody">\n{inner}\n</div>\n'
        "</div>\n</div>\n</div>"
    )


def _entry(site: Site, a: Article) -> str:
    url = article_url(site, a)
    thumb = f"/portal/PublishingImages/thumb/{pick(site.slug, a.key) % 90000 + 10000}.jpg"
    return (
        f'<div class="nt-item">\n<a class="nt-thumb" href="{url}"><img src="{thumb}" alt="" />'
        f'</a>\n<div class="nt-item-info"><a class="nt-title" href="{url}">{a.title_html}</a>\n'
        f'<div class="nt-date">{posted(a)}</div>\n'
        f'<div class="nt-desc">{esc(a.summary())}</div></div>\n</div>'
    )


def _pager(site: Site, cat: Category, number: int) -> str:
    """Trang: « Trước, page numbers, Tiếp and » (the last page), all `?page=N`."""
    last = site.pages(cat.path)
    links = ["Trang:"]
    if number > 1:
        links.append(f'<a class="prev" href="/{cat.path}?page={number - 1}">« Trước</a>')
    for n in range(1, last + 1):
        if n == number:
            links.append(f'<span class="nt-current">{n}</span>')
        else:
            links.append(f'<a href="/{cat.path}?page={n}">{n}</a>')
    if number < last:
        links.append(f'<a class="next" href="/{cat.path}?page={number + 1}">Tiếp</a>')
        links.append(f'<a class="last" href="/{cat.path}?page={last}">»</a>')
    return '<div class="nt-paging">' + " ".join(links) + "</div>"


def listing(site: Site, cat: Category, number: int) -> Page:
    """A category page (a number past the last shows the last page)."""
    number, entries = site.page_of(cat.path, number)
    items = "\n".join(_entry(site, a) for a in entries)
    inner = f'<div class="nt-list-news">\n{items}\n</div>\n{_pager(site, cat, number)}'
    action = "./" + cat.path.rsplit("/", 1)[-1] + (f"?page={number}" if number > 1 else "")
    return _page(site, esc(cat.name), action, _zone(cat.name, inner))


def article(site: Site, a: Article) -> Page:
    """An article (publishing) page."""
    cat = site.category(a.primary)
    assert cat is not None
    blocks = body_blocks(a)
    others = others_listed(site, cat.path, a)
    related = "\n".join(
        f'<li><a href="{article_url(site, o)}">{o.title_html}</a> '
        f'<span class="nt-date">({posted(o)})</span></li>'
        for o in others
    )
    url = site.absolute(article_url(site, a))
    share = quote_url(url)
    main = (
        '<div class="nt-breadcrumb"><a href="/portal/Pages/default.aspx">Trang chủ</a> &gt; '
        f'<a href="/{cat.path}">{esc(cat.name)}</a></div>\n'
        '<div class="ms-webpart-zone ms-fullWidth">\n<div class="nt-news-detail">\n'
        '<h1 id="pageTitle" class="ms-core-pageTitle"><span id="DeltaPlaceHolderPageTitleIn'
        f'TitleArea">{a.title_html}</span></h1>\n'
        f'<div class="nt-news-info"><span class="nt-date">{posted(a)}</span> '
        f'<span class="nt-views">Lượt xem: {vi_number(a.views or 0)}</span></div>\n'
        '<div class="nt-news-content"><div id="ctl00_PlaceHolderMain_ctl01__ControlWrapper_'
        'RichHtmlField" class="ms-rtestate-field" style="display:inline" aria-labelledby='
        '"ctl00_PlaceHolderMain_ctl01_label">\n' + "\n".join(blocks) + "\n</div></div>\n"
        '<div class="nt-share"><a href="https://www.facebook.com/sharer/sharer.php?u='
        f'{share}" target="_blank">Chia sẻ Facebook</a> <a href="javascript:window.print();">'
        'In trang</a> <a href="mailto:?subject=Tin%20t%E1%BB%A9c&amp;body='
        f'{share}">Gửi email</a></div>\n'
        '<div class="nt-related-news"><h3>Các tin khác</h3>\n'
        f"<ul>\n{related}\n</ul></div>\n</div>\n</div>"
    )
    head = f'<link rel="canonical" href="{esc(url)}" />\n'
    action = "./" + a.slug + ".aspx"
    return _page(site, a.title_html, action, main, a, head)


def home(site: Site) -> Page:
    """Home page (`/portal/Pages/default.aspx`): the newest entries of every category."""
    parts = [
        _zone(cat.name, "\n".join(_entry(site, a) for a in site.page_of(cat.path, 1)[1][:3]))
        for cat in site.categories
    ]
    return _page(site, "Trang chủ", "./default.aspx", "\n".join(parts))


def route(site: Site, path: str, query: dict[str, list[str]]) -> Page:
    """Serve a sharepoint-portal-pages ward."""
    common = common_route(site, path)
    if common is not None:
        return common
    if path in ("/", "/portal", "/portal/"):
        target = site.absolute(HOME)
        body = (
            "<html><head><title>Object moved</title></head><body><h2>Object moved to "
            f'<a href="{esc(target)}">here</a>.</h2></body></html>\n'
        )
        return Page(302, body, "text/html; charset=utf-8", location=target)
    if path == HOME:
        return home(site)
    match = ARTICLE_PATH.match(path)
    if match:
        found = site.find(match.group(1))
        return article(site, found) if found else missing(site, match.group(1))
    cat = site.category(path.strip("/"))
    if cat is None:
        return not_found(site)
    raw = query.get("page", ["1"])[0]
    return listing(site, cat, int(raw) if raw.isdigit() else 1)
