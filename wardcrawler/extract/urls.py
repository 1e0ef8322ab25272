"""URL grammar: article identity, canonical article URLs, listing-page links, site membership."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

from wardcrawler.extract.generic import key_matches, lasting_url
from wardcrawler.portals.families import PAGE_PARAMS, Family
from wardcrawler.portals.registry import netloc_of

DOCUMENT_RE = re.compile(
    r"(/documents/|\.(pdf|docx?|xlsx?|pptx?|odt|ods|zip|rar|7z)(?:$|[?#]))", re.IGNORECASE
)


def absolute(base: str, href: str | None) -> str | None:
    """An absolute http(s) URL for a link, or None for javascript:, mailto:, anchors."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return None
    url = urljoin(base, href)
    return url if urlsplit(url).scheme in ("http", "https") else None


def unescaped(url: str) -> str:
    """A URL with HTML-escaped separators (`&amp;`, as some indexes hold them) made plain."""
    return url.replace("&amp;", "&")


def path_and_query(url: str) -> str:
    """`/path?query` of a URL (what the family URL grammar is written for)."""
    parts = urlsplit(unescaped(url))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def article_id(family: Family, url: str) -> str | None:
    """The portal's identity of the article a URL points to, or None."""
    found = family.article_id(path_and_query(url))
    return unquote_plus(found) if found else None


def identifies(family: Family, url: str, key: str) -> bool:
    """Whether a URL addresses the article `key` (by the family's grammar, or for a family
    without one by the identity inferred from its listings)."""
    if family.article_url is None:
        return key_matches(key, unescaped(url))
    return article_id(family, url) == key


def canonical_article_url(family: Family, url: str, base: str) -> str:
    """One absolute URL per article, in a form the portal serves, on the ward's own origin
    (for a family without a grammar: the URL as linked, without its volatile parameters)."""
    parts, origin = urlsplit(unescaped(url)), urlsplit(base)
    if family.article_url is None:
        lasting = urlsplit(lasting_url(unescaped(url)))
        return urlunsplit((origin.scheme, origin.netloc, lasting.path, lasting.query, ""))
    query = ""
    if family.canonical_params is not None:
        given = dict(parse_qsl(parts.query, keep_blank_values=True))
        values = {**given, **family.canonical_fixed}
        query = urlencode([(k, values[k]) for k in family.canonical_params if k in values])
    return urlunsplit((origin.scheme, origin.netloc, parts.path or "/", query, ""))


def category_url(base: str, path: str) -> str:
    """Absolute URL of a category page: `/web/guest/x` from the host's root, `tin-moi-nhat`
    from the ward's URL (which is the host's root for most portals)."""
    return urljoin(base if base.endswith("/") else base + "/", path)


def same_path(a: str, b: str) -> bool:
    """Whether two URLs address the same page path (trailing slash and quoting ignored)."""
    return _norm_path(a) == _norm_path(b)


def _norm_path(url: str) -> str:
    return unquote(urlsplit(url).path).rstrip("/").lower() or "/"


def is_page_link(url: str, category: str) -> bool:
    """Whether `url` is a pager link of the listing at `category` (same path, a page parameter)."""
    if not same_path(url, category) or netloc_of(url) != netloc_of(category):
        return False
    params = dict(parse_qsl(urlsplit(unescaped(url)).query))
    return any(params.get(p, "").isdigit() for p in PAGE_PARAMS)


def page_number(url: str) -> int:
    """The page number a listing URL asks for (1 when none)."""
    params = dict(parse_qsl(urlsplit(unescaped(url)).query))
    for name in PAGE_PARAMS:
        if params.get(name, "").isdigit():
            return int(params[name])
    return 1


def is_document(url: str) -> bool:
    """Whether a link points to a downloadable document (PDF, Office, archive)."""
    return bool(DOCUMENT_RE.search(urlsplit(url).path + "?" + urlsplit(url).query))


def file_name(url: str) -> str:
    """A readable name for a linked file: its last meaningful path segment."""
    segments = [unquote(s).replace("+", " ") for s in urlsplit(url).path.split("/") if s]
    if urlsplit(url).path.startswith("/documents/") and len(segments) >= 4:
        return segments[3]
    return segments[-1] if segments else url
