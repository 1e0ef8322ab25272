"""Đà Nẵng ward portals (`danang-portal`): an ASP.NET WebForms news portal.

The real markup is unknown (FAMILIES.md §4 gives the URL grammar and the meta line); this is a
plausible ASP.NET portal: XHTML doctype, `og:` tags, the whole page inside
`<form id="aspnetForm">` with its `__VIEWSTATE`, a banner with today's date, a menu, a
right-hand column whose "Tin xem nhiều" box prints the same labels as the article
(`Ngày đăng tin: …  Lượt xem: …`) for other articles, and a footer with an address and an
"Cập nhật" line. Article page `/chi-tiet-tin-tuc?dinhdanh=N&cat=M`: breadcrumb, `h2` title,
the meta line `Người đăng tin: Admin Ngày đăng tin: DD/MM/YYYY Lượt xem: N` (no time of day),
the body, a share bar and "Các tin khác". Listing pages `/{category}?cat=M&page=N` (numbers,
Tiếp, », and `<link rel="prev"/"next">` in the head).
"""

from __future__ import annotations

from .model import Article, Category, Site, vi_number, weekday_vi
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

ARTICLE = "/chi-tiet-tin-tuc"
AUTHOR = "Admin"


def _cat_id(site: Site, a: Article) -> str:
    cat = site.category(a.primary)
    return cat.ident if cat else "0"


def article_url(site: Site, a: Article, swapped: bool = False) -> str:
    """Root-relative URL: `/chi-tiet-tin-tuc?dinhdanh=N&cat=M` (M: the article's category);
    `swapped` puts `cat` first, as some of the portal's links do."""
    if swapped:
        return f"{ARTICLE}?cat={_cat_id(site, a)}&dinhdanh={a.key}"
    return f"{ARTICLE}?dinhdanh={a.key}&cat={_cat_id(site, a)}"


def listing_url(cat: Category, number: int) -> str:
    """Root-relative URL of a listing page (`?cat=M&page=N` after the first)."""
    return f"/{cat.path}" if number == 1 else f"/{cat.path}?cat={cat.ident}&page={number}"


def meta(a: Article) -> str:
    """The meta line as the portal prints it."""
    views = vi_number(a.views or 0)
    return f"Người đăng tin: {AUTHOR} Ngày đăng tin: {a.posted:%d/%m/%Y} Lượt xem: {views}"


def _state(site: Site, *parts: object) -> str:
    return "/wEPDwUKMTY1NDU2MTA1Mg9kFgJmD2QWAgID" + "".join(
        f"{pick(site.slug, *parts, n):08x}" for n in range(8)
    )


def _nav(site: Site) -> str:
    items = [("/", "Trang chủ")] + [(f"/{c.path}", c.nav_label) for c in site.categories]
    items.append(("/tim-kiem", "Tìm kiếm"))
    links = "\n".join(f'<li><a href="{href}">{esc(label)}</a></li>' for href, label in items)
    return f'<div class="menu-top">\n<ul id="menu">\n{links}\n</ul>\n</div>'


def _sidebar(site: Site) -> str:
    """Right-hand column: most read articles (their meta labels), links to other sites."""
    read = "\n".join(
        f'<li><a href="{esc(article_url(site, o, swapped=True))}">{o.title_html}</a>\n'
        f'<p class="info">Ngày đăng tin: {o.posted:%d/%m/%Y} Lượt xem: '
        f"{vi_number(o.views or 0)}</p></li>"
        for o in most_viewed(site)
    )
    return (
        '<div class="col-right sidebar">\n<div class="box-right">\n'
        '<div class="title-box"><span>Tin xem nhiều</span></div>\n'
        f'<ul class="list-xemnhieu">\n{read}\n</ul>\n</div>\n'
        '<div class="box-right">\n<div class="title-box"><span>Liên kết website</span></div>\n'
        '<ul class="lienket"><li><a href="https://danang.gov.vn/">Cổng thông tin điện tử '
        'thành phố Đà Nẵng</a></li><li><a href="https://dichvucong.danang.gov.vn/">Dịch vụ '
        "công trực tuyến</a></li></ul>\n</div>\n</div>"
    )


def _document(site: Site, title: str, action: str, main: str, head: str = "") -> str:
    """The ASP.NET master page around the left column's content."""
    name = site.name
    lowered = name[:1].lower() + name[1:]  # "phường Phủ Hà" in running text
    updated = site_updated(site)
    today = f"{weekday_vi(updated)}, ngày {updated:%d/%m/%Y}"
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n<head id="Head1">'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
        f"<title>\n\t{title}\n</title>\n{head}"
        '<link href="/Content/css/style.css" rel="stylesheet" type="text/css" />\n'
        '<script src="/Scripts/jquery-1.8.2.min.js" type="text/javascript"></script>\n'
        "</head>\n<body>\n"
        f'<form name="aspnetForm" method="post" action="{esc(action)}" id="aspnetForm">\n'
        '<div class="aspNetHidden">\n<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" '
        f'value="{_state(site, action)}" />\n</div>\n'
        '<div class="wrapper">\n<div class="header">\n'
        f'<div class="banner"><a href="/"><img src="/Content/images/banner.jpg" alt="Cổng '
        f'thông tin điện tử {esc(name)}" /></a></div>\n{_nav(site)}\n'
        f'<div class="date-top">{today}</div>\n</div>\n'
        f'<div class="main">\n<div class="col-left">\n{main}\n</div>\n{_sidebar(site)}\n'
        '<div class="clear"></div>\n</div>\n'
        '<div class="footer">\n'
        f"<p>Bản quyền thuộc Ủy ban nhân dân {esc(lowered)}, {esc(site.district or '')}"
        f", thành phố {esc(site.province)}</p>\n"
        f"<p>Địa chỉ: Trụ sở UBND {esc(lowered)}, {esc(site.district or '')}, thành phố "
        f"{esc(site.province)} - Điện thoại: 0236.3621.123</p>\n"
        f"<p>Cập nhật: {updated:%d/%m/%Y}</p>\n</div>\n"
        "</div>\n</form>\n</body>\n</html>\n"
    )


def _page(
    site: Site, title: str, action: str, main: str, a: Article | None = None, head: str = ""
) -> Page:
    return Page(200, _document(site, title, action, main, head), "text/html; charset=utf-8", a)


def _breadcrumb(cat: Category) -> str:
    return (
        f'<div class="breadcrumb"><a href="/">Trang chủ</a> » <a href="/{cat.path}">'
        f"{esc(cat.name)}</a></div>"
    )


def _entry(site: Site, a: Article) -> str:
    url, more = esc(article_url(site, a)), esc(article_url(site, a, swapped=True))
    return (
        f'<div class="item-news">\n<a class="img" href="{url}"><img src="/Uploads/images/thumb/'
        f'{a.key}.jpg" alt="" /></a>\n<a class="title" href="{url}">{a.title_html}</a>\n'
        f'<p class="date">Ngày đăng tin: {a.posted:%d/%m/%Y}</p>\n'
        f'<p class="sapo">{esc(a.summary())}</p>\n'
        f'<a class="more" href="{more}">Xem tiếp</a>\n</div>'
    )


def _pager(site: Site, cat: Category, number: int) -> str:
    """Đầu, page numbers, Tiếp and » (the last page), all `?cat=M&page=N`."""
    last = site.pages(cat.path)

    def link(n: int, label: str, css: str = "") -> str:
        attr = f' class="{css}"' if css else ""
        return f'<a{attr} href="/{cat.path}?cat={cat.ident}&amp;page={n}">{label}</a>'

    links = [link(1, "Đầu", "first")] if number > 1 else []
    for n in range(1, last + 1):
        links.append(f'<span class="active">{n}</span>' if n == number else link(n, str(n)))
    if number < last:
        links += [link(number + 1, "Tiếp", "next"), link(last, "»", "last")]
    return '<div class="phantrang">' + " ".join(links) + "</div>"


def listing(site: Site, cat: Category, number: int) -> Page:
    """A category page (a number past the last shows the last page)."""
    number, entries = site.page_of(cat.path, number)
    last = site.pages(cat.path)
    items = "\n".join(_entry(site, a) for a in entries)
    main = (
        f'{_breadcrumb(cat)}\n<div class="list-news">\n<div class="title-cat"><span>'
        f"{esc(cat.name)}</span></div>\n{items}\n</div>\n{_pager(site, cat, number)}"
    )
    head = ""
    if number > 1:
        head += f'<link rel="prev" href="{esc(site.absolute(listing_url(cat, number - 1)))}" />\n'
    if number < last:
        head += f'<link rel="next" href="{esc(site.absolute(listing_url(cat, number + 1)))}" />\n'
    action = f"./{cat.path}" + (f"?cat={cat.ident}&page={number}" if number > 1 else "")
    return _page(site, esc(cat.name), action, main, head=head)


def article(site: Site, a: Article) -> Page:
    """An article page."""
    cat = site.category(a.primary)
    assert cat is not None
    blocks = body_blocks(a)
    others = others_listed(site, cat.path, a)
    related = "\n".join(
        f'<li><a href="{esc(article_url(site, o))}">{o.title_html}</a> '
        f'<span class="date">({o.posted:%d/%m/%Y})</span></li>'
        for o in others
    )
    url = site.absolute(article_url(site, a))
    head = (
        f'<meta property="og:title" content="{a.title_html}" />\n'
        '<meta property="og:type" content="article" />\n'
        f'<meta property="og:url" content="{esc(url)}" />\n'
        f'<meta name="description" content="{esc(a.summary())}" />\n'
    )
    main = (
        f'{_breadcrumb(cat)}\n<div class="news-detail">\n'
        f'<h2 class="title-detail">{a.title_html}</h2>\n'
        f'<div class="info-detail">{meta(a)}</div>\n'
        '<div class="content-detail" id="ctl00_ContentPlaceHolder1_ctl00_divNoiDung">\n'
        + "\n".join(blocks)
        + "\n</div>\n"
        '<div class="share-bar"><a href="https://www.facebook.com/sharer.php?u='
        f'{quote_url(url)}" target="_blank">Chia sẻ</a> <a href="javascript:window.print();">'
        "In trang</a></div>\n</div>\n"
        f'<div class="tinlienquan"><h3>Các tin khác</h3>\n<ul>\n{related}\n</ul></div>'
    )
    action = "." + article_url(site, a)
    return _page(site, a.title_html, action, main, a, head)


def home(site: Site) -> Page:
    """Home page: the newest entries of every category."""
    parts = [
        f'<div class="box-home"><div class="title-cat"><a href="/{cat.path}">{esc(cat.name)}'
        f"</a></div>\n"
        + "\n".join(_entry(site, a) for a in site.page_of(cat.path, 1)[1][:3])
        + "\n</div>"
        for cat in site.categories
    ]
    return _page(site, "Trang chủ", "./", "\n".join(parts))


def route(site: Site, path: str, query: dict[str, list[str]]) -> Page:
    """Serve a danang-portal ward."""
    common = common_route(site, path)
    if common is not None:
        return common
    if path in ("/", "/trang-chu"):
        return home(site)
    if path.rstrip("/") == ARTICLE:
        key = query.get("dinhdanh", [""])[0]
        found = site.find(key) if key else None
        return article(site, found) if found else missing(site, key)
    cat = site.category(path.strip("/")) if path.count("/") == 1 else None
    if cat is None:
        return not_found(site)
    raw = query.get("page", ["1"])[0]
    return listing(site, cat, int(raw) if raw.isdigit() else 1)
