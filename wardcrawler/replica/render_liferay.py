"""Liferay Asset Publisher wards: reference markup, Ministry-of-Health hook and the "other hook"."""

from __future__ import annotations

from urllib.parse import urlencode

from .model import VN_TZ, Article, Category, Site, meta_line, vi_number, weekday_vi
from .render_common import (
    Page,
    body_blocks,
    common_route,
    esc,
    missing,
    most_viewed,
    not_found,
    others_listed,
    page,
    pick,
    quote_url,
)

# Ward whose theme shows, on every third article, the date and the counter in their own spans
# of a share toolbar inside the article, between "most read" boxes with other dates and counters.
TOOLBAR_WARD = "replica-phucloi"

BASE = [
    ("p_p_id", "101"),
    ("p_p_lifecycle", "0"),
    ("p_p_state", "normal"),
    ("p_p_mode", "view"),
    ("p_p_col_id", "column-1"),
    ("p_p_col_count", "1"),
]
STRUTS = ("_101_struts_action", "/asset_publisher/view_content")
PAGER = [
    ("_101_keywords", ""),
    ("_101_advancedSearch", "false"),
    ("_101_andOperator", "true"),
    ("p_r_p_564233524_resetCur", "false"),
]


def article_params(a: Article, variant: int) -> list[tuple[str, str]]:
    """Query parameters of an article link; the variant varies order and presence."""
    entry, title = ("_101_assetEntryId", str(a.asset_id)), ("_101_urlTitle", a.key)
    kind, mode = ("_101_type", "content"), ("_101_viewMode", "view")
    return [
        [*BASE, STRUTS, entry, kind, title],
        [*BASE, STRUTS, kind, mode, title],
        [*BASE[:2], STRUTS, entry, title, *BASE[2:4]],
        [STRUTS, title, *BASE, kind],
        [*BASE, STRUTS, entry, kind, mode, title],
    ][variant % 5]


def article_url(site: Site, cat: str, a: Article, variant: int = 0) -> str:
    """Root-relative URL of an article opened under the category page `cat`."""
    return f"/{cat}?" + urlencode(article_params(a, variant))


def listing_url(site: Site, cat: str, number: int) -> str:
    """Root-relative URL of a listing page (Liferay's paginator for pages after the first)."""
    if number == 1:
        return f"/{cat}"
    extra = [("_101_delta", str(site.page_size)), *PAGER, ("_101_cur", str(number))]
    return f"/{cat}?" + urlencode([*BASE, *extra])


def _links(site: Site, cat: str, number: int, a: Article) -> tuple[str, str]:
    """Title link (absolute, with redirect) and "Xem tiếp" link (relative) of a listing entry."""
    seed = pick(site.slug, cat, number, a.key)
    redirect = quote_url(site.absolute(listing_url(site, cat, number)))
    title = site.absolute(article_url(site, cat, a, (0, 2, 3)[seed % 3]))
    title += f"&_101_redirect={redirect}"
    more = article_url(site, cat, a, (1, 4)[seed // 3 % 2])
    return esc(title), esc(more)


def _entry(site: Site, cat: str, number: int, a: Article) -> str:
    """One listing entry in the theme's markup."""
    title, more = _links(site, cat, number, a)
    if site.theme == "moh":
        when = f"{weekday_vi(a.posted)}, ngày {a.posted:%d/%m/%Y %H:%M}"
        stamp = int(a.posted.replace(tzinfo=VN_TZ).timestamp() * 1000)
        img = f"/image/journal/article?img_id={a.asset_id + 7}&amp;t={stamp}"
        return (
            f'<div class="itemm">\n<a class="img-news" href="{more}">'
            f'<img alt="" src="{img}"/></a>\n'
            f'<h3 class="asset-title"><a href="{title}">{a.title_html}</a></h3>\n'
            f'<span class="time">{when}</span>\n'
            f'<div class="asset-summary">{esc(a.summary())}</div>\n</div>'
        )
    return (
        f'<div class="asset-abstract">\n<h3 class="asset-title"><a href="{title}">{a.title_html}'
        f'</a></h3>\n<div class="asset-summary">{esc(a.summary())}</div>\n'
        f'<div class="asset-more"><a href="{more}">Xem tiếp »</a></div>\n</div>'
    )


def _pager(site: Site, cat: str, number: int) -> str:
    """Liferay's Đầu/Trước/Tiếp/Cuối page iterator."""
    last = site.pages(cat)

    def item(label: str, target: int, enabled: bool, css: str) -> str:
        href = esc(listing_url(site, cat, target)) if enabled else "javascript:;"
        state = "" if enabled else "disabled"
        return f'<li class="{state}{css}"><a href="{href}">{label}</a></li>'

    items = [
        item("&larr; Đầu", 1, number > 1, " first"),
        item("Trước", number - 1, number > 1, ""),
        item("Tiếp", number + 1, number < last, ""),
        item("Cuối &rarr;", last, number < last, " last"),
    ]
    return (
        '<div class="taglib-page-iterator"><div class="clearfix lfr-pagination">\n'
        '<ul class="pager lfr-pagination-buttons">\n' + "\n".join(items) + "\n</ul></div></div>"
    )


def _portlet(title: str, inner: str) -> str:
    """The Asset Publisher portlet frame with its title."""
    return (
        '<section class="portlet" id="portlet_101">\n<header class="portlet-topper"><h1 '
        f'class="portlet-title"><span class="portlet-title-text">{esc(title)}</span></h1>'
        f'</header>\n<div class="portlet-content"><div class="portlet-body">\n{inner}\n'
        "</div></div>\n</section>"
    )


def listing(site: Site, cat: Category, number: int) -> Page:
    """A category listing page (a number past the last shows the last page)."""
    number, entries = site.page_of(cat.path, number)
    body = "\n".join(_entry(site, cat.path, number, a) for a in entries)
    return page(
        site, esc(cat.name), _portlet(cat.name, body + "\n" + _pager(site, cat.path, number))
    )


def _body(a: Article) -> str:
    """Body paragraphs, with the article's inline script after the second paragraph."""
    return "\n".join(body_blocks(a))


def _related(site: Site, cat: str, a: Article) -> str:
    """Links to other articles of the same category page."""
    others = others_listed(site, cat, a)
    return "\n".join(
        f'<li><a href="{esc(article_url(site, cat, o, pick(a.key, o.key) % 5))}">'
        f"{o.title_html}</a></li>"
        for o in others
    )


def toolbar_meta(site: Site, a: Article) -> bool:
    """Whether the article's page shows its meta line in the share toolbar (not the seed)."""
    return site.slug == TOOLBAR_WARD and "seed" not in a.marks and pick(a.key, "toolbar") % 3 == 0


def _most_read(site: Site, cat: str, a: Article, css: str, heading: str, tag: str) -> str:
    """A "most read" box: other articles with their dates and counters, outside the article."""
    others = [o for o in most_viewed(site, 6) if o.key != a.key][:4]
    items = "\n".join(
        f'<li><a href="{esc(article_url(site, cat, o, 1))}">{o.title_html}</a> '
        f'<span class="date">Ngày đăng: {o.posted:%d/%m/%Y | %H:%M}</span> '
        f'<span class="luot-xem">Lượt xem: {vi_number(o.views or 0)}</span></li>'
        for o in others
    )
    return f'<{tag} class="{css}"><h4>{heading}</h4><ul>\n{items}\n</ul></{tag}>'


def _toolbar_article(site: Site, cat: Category, a: Article, related: str) -> str:
    """The reference markup with the meta line split into the share toolbar's spans."""
    share = quote_url(site.absolute(article_url(site, cat.path, a)))
    return (
        _most_read(site, cat.path, a, "box-tin-doc-nhieu", "Tin đọc nhiều", "div")
        + '\n<div class="asset-full-content default-asset-publisher show-asset-title">\n'
        f'<div class="taglib-header"><h3 class="header-title"><span>{a.title_html}</span>'
        '</h3></div>\n<div class="social-share-toolbar">'
        f'<span class="date">Ngày đăng: {a.posted:%d/%m/%Y | %H:%M}</span>'
        f'<span class="luot-xem">Lượt xem: {vi_number(a.views or 0)}</span> '
        f'<a class="share-facebook" href="https://www.facebook.com/sharer/sharer.php?u={share}">'
        f'Facebook</a> <a class="share-twitter" href="https://twitter.com/intent/tweet?url={share}'
        '">Twitter</a> <a class="print" href="javascript:window.print();">In bài</a></div>\n'
        f'<div class="asset-content"><div class="journal-content-article">\n{_body(a)}\n'
        "</div></div>\n</div>\n"
        f'<div class="tinlienquan"><h5>Các tin khác</h5><ul>\n{related}\n</ul></div>\n'
        + _most_read(site, cat.path, a, "most-viewed", "Xem nhiều nhất", "aside")
    )


def article(site: Site, cat: Category, a: Article) -> Page:
    """An article page opened under the category page `cat`."""
    views = a.views or 0
    related = _related(site, cat.path, a)
    if site.theme == "moh":
        inner = (
            f'<div class="contentDetail">\n<h3 class="text-change-size">{a.title_html}</h3>\n'
            f'<p class="time-post">{meta_line(a.posted, views)}</p>\n</div>\n'
            f'<div class="contentDetail mt15">\n{_body(a)}\n</div>\n'
            f'<div class="newsDifferent"><h4>Tin khác</h4>\n<ul class="tinlienquan">\n{related}\n'
            "</ul></div>"
        )
    elif site.theme == "hook":
        when = f"{weekday_vi(a.posted, 'Bẩy')}, ngày {a.posted:%d/%m/%Y %H:%M}"
        inner = (
            f'<div class="asset_publisher_view_full_content">\n<div class="asset_title"><span>'
            f'{a.title_html}</span></div>\n<div class="asset-publish-date"><span>{when}</span>'
            f'</div>\n<div class="asset_content journal-content-article">\n{_body(a)}\n</div>\n'
            f'<div class="asset-view-count"><i class="icon-eye-open"></i> <span>Lượt xem: '
            f"{vi_number(views)}</span></div>\n</div>\n"
            f'<div class="tinlienquan"><h5>Các tin khác</h5><ul>\n{related}\n</ul></div>'
        )
    elif toolbar_meta(site, a):
        inner = _toolbar_article(site, cat, a, related)
    else:
        share = quote_url(site.absolute(article_url(site, cat.path, a)))
        inner = (
            '<div class="asset-full-content default-asset-publisher show-asset-title">\n'
            f'<div class="taglib-header"><h3 class="header-title"><span>{a.title_html}</span>'
            f'</h3></div>\n<div class="asset-metadata">{meta_line(a.posted, views)}</div>\n'
            f'<div class="asset-content"><div class="journal-content-article">\n{_body(a)}\n'
            '</div></div>\n<div class="social-share">Chia sẻ: <a href="https://www.facebook.com/'
            f'sharer/sharer.php?u={share}">Facebook</a> <a href="https://twitter.com/intent/'
            f'tweet?url={share}">Twitter</a></div>\n</div>\n'
            f'<div class="tinlienquan"><h5>Các tin khác</h5><ul>\n{related}\n</ul></div>'
        )
    return page(site, a.title_html, _portlet(cat.name, inner), a)


def home(site: Site) -> Page:
    """Home page: the newest entries of the first category."""
    cat = site.categories[0]
    entries = "\n".join(_entry(site, cat.path, 1, a) for a in site.page_of(cat.path, 1)[1][:5])
    return page(site, "Trang chủ", _portlet("Tin nổi bật", entries))


def route(site: Site, path: str, query: dict[str, list[str]]) -> Page:
    """Serve a Liferay Asset Publisher ward."""
    common = common_route(site, path)
    if common is not None:
        return common
    if path == "/":
        return home(site)
    cat = site.category(path.strip("/")) if path.count("/") == 1 else None
    if cat is None:
        return not_found(site)
    title = query.get("_101_urlTitle", [""])[0]
    if query.get("p_p_id", [""])[0] == "101" and title:
        found = site.find(title)
        return article(site, cat, found) if found else missing(site, title)
    raw = query.get("_101_cur", ["1"])[0]
    return listing(site, cat, int(raw) if raw.isdigit() else 1)
