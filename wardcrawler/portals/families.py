"""Portal families: everything known about each platform, declared once as data.

Selectors are tried in order; the first that yields something wins. Several entries per field
cover the theme variants seen on Vietnamese government sites (FAMILIES.md), with generic
fallbacks last. URL grammar (article identity, page parameters) is the most certain knowledge and
is what extraction anchors on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Elements that never belong to an article body, whatever the theme.
COMMON_BOILERPLATE = (
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "button",
    "nav",
    "[class*=social]",
    "[class*=share]",
    "[class*=tinlienquan]",
    "[class*=related]",
    "[class*=newsDifferent]",
    "[class*=comment]",
    "[class*=rating]",
    "[class*=print]",
    "[class*=breadcrumb]",
    ".asset-links",
    ".taglib-social-bookmarks",
    ".detail-related",
)

# Page furniture outside the article or listing itself (sidebars, header, footer, related lists).
PAGE_FURNITURE = (*COMMON_BOILERPLATE, "header", "footer", "aside", "[class*=sidebar]")

# Inside the article's own container, only what holds other articles or no text at all is left
# out when the meta labels are looked for: a counter in a share or print toolbar is the article's.
OTHER_ARTICLES = (
    "script",
    "style",
    "noscript",
    "iframe",
    "aside",
    "[class*=tinlienquan]",
    "[class*=related]",
    "[class*=newsDifferent]",
    "[class*=comment]",
    "[class*=sidebar]",
    ".detail-related",
)

# Menus of the site (ARIA roles, menu containers): their links are never a listing's articles
# for families without a URL grammar, however regular their URLs (a menu of category pages).
MENUS = ("[role=navigation]", "[role=menubar]", "[role=menu]", "[class*=menu]", "[id*=menu]")

# Containers of site navigation, used to discover category pages.
NAVIGATION = (
    "nav a",
    "#navigation a",
    "[class*=nav] a",
    "[id*=nav] a",
    "[class*=menu] a",
    "[id*=menu] a",
    "header a",
)

# Navigation entries that lead back to the home page, whatever their URL (folded text).
HOME_LINK_TEXTS = ("trang chu", "trang nhat", "home")

# Page parameters used by pagers; a link to the category path carrying one is a listing page.
PAGE_PARAMS = ("_101_cur", "cur", "page", "p", "trang")


@dataclass(frozen=True)
class Family:
    """Declarative description of one portal platform."""

    key: str
    description: str
    # URL grammar: a regex over "path?query" whose group `id` is the article's identity; None
    # when the grammar is unknown (the generic family: identity inferred from the URLs listed).
    article_url: re.Pattern[str] | None
    # Query parameters kept in the canonical article URL (order kept); None keeps no query.
    canonical_params: tuple[str, ...] | None
    # Listing pages: article links are gathered from every selector that matches.
    listing_items: tuple[str, ...] = ()
    listing_title: tuple[str, ...] = ()
    # Article pages. A family that names no selectors for a field reads it the generic way
    # (`extract/generic.py`): from the page's own structure and the Vietnamese labels.
    title: tuple[str, ...] = ()
    posted: tuple[str, ...] = ()
    views: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    # Elements removed from the body container, on top of COMMON_BOILERPLATE.
    body_exclude: tuple[str, ...] = ()
    # Whether a view counter may be looked for anywhere in the page (not only near the article).
    views_anywhere: bool = True
    # Fixed values of canonical query parameters (Liferay's portlet addressing).
    canonical_fixed: dict[str, str] = field(default_factory=dict)

    @property
    def generic(self) -> bool:
        """Whether pages of this family are read without selectors (the generic way)."""
        return not (self.title or self.body)

    def article_id(self, path_and_query: str) -> str | None:
        """The article identity in a URL's path and query, or None if it is no article URL
        (always None for a family without a URL grammar)."""
        match = self.article_url.search(path_and_query) if self.article_url else None
        return match.group("id") if match else None


LIFERAY_ASSET_PUBLISHER = Family(
    key="liferay-asset-publisher",
    description="Liferay 6 Asset Publisher portlet (Long Biên ward portals before July 2025)",
    article_url=re.compile(r"[?&]_101_urlTitle=(?P<id>[^&#]+)"),
    canonical_params=(
        "p_p_id",
        "p_p_lifecycle",
        "p_p_state",
        "p_p_mode",
        "p_p_col_id",
        "p_p_col_count",
        "_101_struts_action",
        "_101_type",
        "_101_urlTitle",
    ),
    canonical_fixed={
        "p_p_id": "101",
        "p_p_lifecycle": "0",
        "p_p_state": "normal",
        "p_p_mode": "view",
        "p_p_col_id": "column-1",
        "p_p_col_count": "1",
        "_101_struts_action": "/asset_publisher/view_content",
        "_101_type": "content",
    },
    listing_items=(
        "#portlet_101 .asset-abstract .asset-title a",
        ".asset-abstract .asset-title a",
        "div.itemm h3.asset-title a",
        ".asset-abstract a",
        "div.itemm a",
        "#portlet_101 .portlet-body a",
    ),
    listing_title=(
        "#portlet_101 .portlet-title-text",
        ".portlet-title-text",
        "#portlet_101 .portlet-title",
        ".portlet-title",
    ),
    title=(
        ".asset-full-content .header-title span",
        ".asset-full-content .header-title",
        "div.asset_publisher_view_full_content div.asset_title span",
        "div.asset_publisher_view_full_content div.asset_title",
        "div.contentDetail h3.text-change-size",
        "h3.text-change-size",
        ".header-title",
        ".asset_title span",
        ".asset_title",
        "#portlet_101 .asset-title",
        "#portlet_101 .portlet-body h2",
        "#portlet_101 .portlet-body h3",
    ),
    posted=(
        ".asset-full-content .asset-metadata",
        "div.contentDetail p.time-post",
        "p.time-post",
        "div.asset-publish-date span",
        "div.asset-publish-date",
        ".asset-metadata",
    ),
    views=(
        ".asset-full-content .asset-metadata",
        "div.contentDetail p.time-post",
        "p.time-post",
        ".asset-metadata",
    ),
    body=(
        ".asset-full-content .asset-content .journal-content-article",
        ".asset-full-content .asset-content",
        "div.contentDetail.mt15",
        "div.asset_publisher_view_full_content .asset-content",
        "div.asset_publisher_view_full_content .journal-content-article",
        ".journal-content-article",
        "div.contentDetail",
        "div.asset_publisher_view_full_content",
    ),
    category=(
        "#portlet_101 .portlet-title-text",
        ".portlet-title-text",
        ".portlet-title",
    ),
    body_exclude=(
        ".header-title",
        ".taglib-header",
        "h3.text-change-size",
        "p.time-post",
        ".asset_title",
        ".asset-publish-date",
        ".asset-metadata",
    ),
)

HANOI_PORTAL = Family(
    key="hanoi-portal",
    description="Hanoi ward portals from July 2025 (`/{category}/{slug}-{ID}.htm`)",
    article_url=re.compile(r"^/[^/?#]+/[^/?#]*?-?(?P<id>\d{10,})\.htm(?:[?#]|$)"),
    canonical_params=None,
    listing_items=(
        "div.box-stream-item h3 a.box-stream-link-title",
        "div.box-stream-item a.box-stream-link-title",
        "a.box-stream-link-title",
        "div.box-stream-item a",
        "[class*=box-category-item] a",
        "a[class*=box-category-link]",
        "a[class*=box-stream-link]",
        # featured slots above the stream
        "[class*=box-focus] a",
        "[class*=featured] a",
        "[class*=noi-bat] a",
        "[class*=highlight] a",
    ),
    listing_title=(
        ".box-category-title",
        ".breadcrumb li:last-child a",
        ".breadcrumb li:last-child",
    ),
    title=("h1.detail-title", ".detail-title", "h1"),
    posted=("div[data-role=publishdate]", ".detail-time", ".detail-date"),
    views=(".detail-views", ".detail-view"),
    body=(
        "div.detail-content[data-role=content]",
        "div[data-role=content]",
        "div.detail-content",
        ".detail-body",
    ),
    category=("div.detail-cate a", ".detail-cate"),
    body_exclude=(".detail-title", "[data-role=publishdate]", ".detail-cate"),
    views_anywhere=False,  # no counter seen on these portals: never guess one from elsewhere
)

LIFERAY_VIEW_CONTENT = Family(
    key="liferay-view-content",
    description="Liferay view_content portlet (Hải Phòng, Ngô Quyền ward portals)",
    article_url=re.compile(r"/-/view_content/(?P<id>\d+)(?:-[^/?#]*)?(?:\.html)?(?:[?#]|$)"),
    canonical_params=None,
    listing_items=(
        "ul.list-news li.news-item a.news-title",
        "li.news-item a.news-title",
        "a.news-title",
        "ul.list-news li a",
        ".news-item a",
    ),
    listing_title=(
        "ul.breadcrumb li:last-child a",
        "ul.breadcrumb li:last-child",
        ".portlet-title-text",
    ),
    title=("div.view-content-detail h2.title", "div.view-content-detail h2", "h2.title"),
    posted=("div.view-content-detail div.date-view", "div.date-view", ".date-view"),
    views=("div.view-content-detail div.date-view", "div.date-view", ".date-view"),
    body=("div.view-content-detail div.content", "div.view-content-detail .content", "div.content"),
    category=("ul.breadcrumb li:last-child a", "ul.breadcrumb li:nth-child(2) a"),
    body_exclude=("h2.title", ".date-view"),
)

GENERIC = Family(
    key="generic",
    description="any platform: links, pager, fields and identity read from the pages' structure",
    article_url=None,
    canonical_params=None,
)

# The families of FAMILIES.md section 4: their URL grammar is known, their markup is not, so
# their pages are read the generic way and their identity comes from the grammar.
TANDAN_LIFERAY = Family(
    key="tandan-liferay",
    description="Tân Dân Liferay portlet (Hà Nội communes before 2025)",
    article_url=re.compile(
        r"/tin-chi-tiet/-/chi-tiet/(?:[^/?#]*?-)?(?P<id>\d+)-\d+\.html(?:[?#]|$)"
    ),
    canonical_params=None,
)

SHAREPOINT_PAGES = Family(
    key="sharepoint-portal-pages",
    description='SharePoint "portal/Pages" sites (Ninh Thuận, Hà Tĩnh)',
    article_url=re.compile(
        r"/portal/Pages/(?P<id>\d{4}-\d{1,2}-\d{1,2}/[^/?#]+)\.aspx(?:[?#]|$)", re.IGNORECASE
    ),
    canonical_params=None,
)

DANANG_PORTAL = Family(
    key="danang-portal",
    description="Đà Nẵng portal (`/chi-tiet-tin-tuc?dinhdanh=N&cat=N`)",
    article_url=re.compile(r"^/chi-tiet-tin-tuc/?\?(?:[^#]*&)?dinhdanh=(?P<id>\d+)(?:[&#]|$)"),
    canonical_params=("dinhdanh", "cat"),
)

FAMILIES: dict[str, Family] = {
    f.key: f
    for f in (
        LIFERAY_ASSET_PUBLISHER,
        HANOI_PORTAL,
        LIFERAY_VIEW_CONTENT,
        TANDAN_LIFERAY,
        SHAREPOINT_PAGES,
        DANANG_PORTAL,
        GENERIC,
    )
}
