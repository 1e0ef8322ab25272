"""Pages of platforms nobody described: links, pager, fields and identity from the page itself.

A listing's article links are the same-site links whose URLs repeat one template, many to a page
(the parts that vary from link to link are the article's identity); its next page is the
`rel=next` link or the pager link that reads `Tiếp`, `Sau`, `»` or the next number. An article's
title is the main heading that the page's `og:title` or `<title>` names; its date comes from the
Vietnamese labels near the title, then from machine-readable dates; its counter from
`Lượt xem` / `Số lượt xem` / `Lượt đọc` inside the article; its body is the block that
trafilatura finds as the main text, read into paragraphs as every family's body is.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from statistics import median
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

from wardcrawler.extract.select import Outside, excluded_nodes
from wardcrawler.normalize import clean_text, day_only, find_views_text, fold, parse_posted
from wardcrawler.portals.families import COMMON_BOILERPLATE, OTHER_ARTICLES, PAGE_FURNITURE

# --- identity ---------------------------------------------------------------------------------

# Query parameters that say how a page was reached, not which page it is (folded names; a
# Liferay-style namespace `_101_redirect` counts by its last word).
PAGING_WORDS = frozenset(
    {
        "cur",
        "page",
        "paged",
        "pg",
        "trang",
        "start",
        "limitstart",
        "offset",
        "delta",
        "pagenumber",
        "pageindex",
    }
)
VOLATILE_WORDS = PAGING_WORDS | {
    "redirect", "returnurl", "return", "backurl", "back", "jsessionid", "phpsessid", "sid",
    "sessionid", "session", "keywords", "advancedsearch", "andoperator", "resetcur", "fbclid",
    "gclid", "yclid", "msclkid", "igshid", "ref", "referer", "referrer",
}  # fmt: skip
_SESSION_IN_PATH = re.compile(r";(?:jsessionid|sessionid|sid)=[^/?#]*", re.IGNORECASE)
MIN_ARTICLE_LINKS = 3  # distinct articles a URL template must lead to on one listing page
MIN_TITLE_CHARS = 12  # the longest link text of a typical article of the template
MIN_TITLE_WORDS = 3  # words of a title linking one of the few articles of a short last page


_DATE_FOLDER = re.compile(r"(?:19|20)\d{2}(?:[-_.]\d{1,2}){0,2}|\d{1,2}")  # 2024-3-31, 2021, 12
_YEAR = re.compile(r"(?:19|20)\d{2}")
_PATH_PAGE = re.compile(
    r"/(?:(?:page|trang)[/-]?|p/)(\d+)(?:/|\.|$)"
)  # `/page/2/`, `/trang-3.html`


def _last_word(name: str) -> str:
    return name.lower().rsplit("_", 1)[-1] if not name.lower().startswith("utm_") else "utm"


def volatile(name: str) -> bool:
    """Whether a query parameter only says how the page was reached (redirect, tracking,
    session, paging)."""
    return _last_word(name) in VOLATILE_WORDS or _last_word(name) == "utm"


def paging(name: str) -> bool:
    """Whether a query parameter numbers the pages of a listing."""
    return _last_word(name) in PAGING_WORDS


def lasting_url(url: str) -> str:
    """The URL without its volatile parameters and session path parameters (a URL the portal
    serves: the rest of its query is kept in its order)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not volatile(k)]
    path = _SESSION_IN_PATH.sub("", parts.path) or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


@dataclass(frozen=True)
class _Link:
    url: str
    segments: tuple[str, ...]
    params: dict[str, str]
    text: str

    @classmethod
    def of(cls, url: str, text: str) -> _Link:
        parts = urlsplit(lasting_url(url))
        segments = tuple(unquote(s) for s in parts.path.split("/") if s)
        return cls(url, segments, dict(parse_qsl(parts.query, keep_blank_values=True)), text)

    @property
    def shape(self) -> tuple[int, str, bool]:
        """What links of one template share: depth, file extension, whether a query is used."""
        last = self.segments[-1] if self.segments else ""
        extension = last.rpartition(".")[2].lower() if "." in last else ""
        return len(self.segments), extension, bool(self.params)


def identity_key(path: str | None, params: Iterable[tuple[str, str]]) -> str:
    """An article identity: its path (when the path tells articles apart; segments that do not
    are `*`) and its identifying query parameters, sorted: `/*/abc-123.htm`, `?id=5`."""
    query = "&".join(f"{k}={v}" for k, v in sorted(params))
    return (path or "") + (f"?{query}" if query else "")


def key_matches(key: str, url: str) -> bool:
    """Whether a URL addresses the article of a generic identity key (same path if the key
    holds one, same values of the key's parameters)."""
    path, _, query = key.partition("?")
    link = _Link.of(url, "")
    if path:
        wanted = [s for s in path.split("/") if s]
        if len(wanted) != len(link.segments):
            return False
        if any(w not in ("*", s) for w, s in zip(wanted, link.segments, strict=True)):
            return False
    return all(link.params.get(k) == v for k, v in parse_qsl(query, keep_blank_values=True))


def key_of(url: str) -> str:
    """The identity of a URL taken alone: its path and every lasting parameter."""
    link = _Link.of(url, "")
    return identity_key("/" + "/".join(link.segments), link.params.items())


def template_articles(links: list[tuple[str, str]], later: bool = False) -> dict[str, str]:
    """Article links among a listing page's same-site links ((url, text) pairs, in page order),
    mapped to their identity: links of a URL template that leads to several articles. On a
    later page of a pager (`later`), where the last articles may be one or two, a template of
    fewer links counts when each of its articles is linked with a title's text."""
    groups: dict[tuple, list[_Link]] = defaultdict(list)
    for url, text in links:
        link = _Link.of(url, text)
        if (link.segments or link.params) and not is_pager_link(url):
            groups[link.shape].append(link)
    found: dict[str, str] = {}
    for group in map(_members, groups.values()):
        keys = _group_keys(group) or (_few_keys(group) if later else None)
        if keys:
            for link, key in zip(group, keys, strict=True):
                found.setdefault(link.url, key)
    return found


def _members(group: list[_Link]) -> list[_Link]:
    """The links of a shape that follow its template: those with the query parameter that names
    its articles, the one most of them carry with the most values (a search or category link
    of the same shape is another template; Liferay's `_101_urlTitle` is on every article link,
    its `_101_assetEntryId` only on some)."""
    values: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for link in group:
        for name, value in link.params.items():
            values[name].add(value)
            counts[name] += 1
    naming = [n for n in counts if 2 * counts[n] > len(group) and len(values[n]) > 1]
    if not naming:
        return group
    name = max(naming, key=lambda n: (len(values[n]), counts[n]))
    return [link for link in group if name in link.params]


def is_pager_link(url: str) -> bool:
    """Whether a URL asks for a numbered page of a listing (`?page=2`, `/page/2/`; not
    `limitstart=0`, which Joomla's article links carry on later pages)."""
    parts = urlsplit(url)
    numbered = any(paging(k) and v.strip("0") for k, v in parse_qsl(parts.query))
    return numbered or _path_number(url) is not None


def _own_param(params: dict[str, str]) -> tuple[str, str]:
    """The query parameter of a lone link that names its article: the first of `_by_length`
    (Joomla's `id=112:slug` beside `catid=8`, `Itemid=102`; Đà Nẵng's `dinhdanh=32611` beside
    `cat=21`)."""
    name = _by_length(list(params), [params])[0]
    return name, params[name]


def _by_length(names: list[str], params: list[dict[str, str]]) -> list[str]:
    """Query parameter names, those whose values are longest over the links first: an article's
    own name or number outgrows the category and menu numbers beside it."""
    return sorted(names, key=lambda n: -sum(len(p[n]) for p in params))


def _path_number(url: str) -> int | None:
    """The page number a URL's path gives (`/page/2/`, `/trang-3.html`), None for none."""
    found = _PATH_PAGE.search(urlsplit(url).path)
    return int(found.group(1)) if found else None


def _few_keys(group: list[_Link]) -> list[str] | None:
    """The identities of a template's one or two links on a short last page: the last path
    segment, or the query parameter that names the article; None unless each link of an
    identity reads like an article title."""
    if len({(g.segments, tuple(sorted(g.params.items()))) for g in group}) >= MIN_ARTICLE_LINKS:
        return None
    keys = [
        identity_key(None, [_own_param(g.params)])
        if g.params
        else identity_key(_path_key(g.segments, _named(group)), ())
        for g in group
    ]
    titles: dict[str, str] = {}
    for link, key in zip(group, keys, strict=True):
        titles[key] = max(titles.get(key, ""), link.text, key=len)
    if any(len(t) < MIN_TITLE_CHARS or len(t.split()) < MIN_TITLE_WORDS for t in titles.values()):
        return None
    return keys


def _group_keys(group: list[_Link]) -> list[str] | None:
    """Each link's identity within its template, or None if the template is no article list.

    The identity is the smallest part of the URL that tells the template's links apart as well
    as all their varying parts do (`_identities` gives the order tried); the other segments are
    written `*`, so that one article reached from two categories or dates has one identity.
    """
    varying = [i for i in range(len(group[0].segments)) if len({g.segments[i] for g in group}) > 1]
    shared = set.intersection(*(set(g.params) for g in group))
    params = sorted(n for n in shared if len({g.params[n] for g in group}) > 1)
    if not (varying or params):
        return None

    def told(segments: Iterable[int], names: Iterable[str]) -> int:
        return len({(tuple(g.segments[i] for i in segments), tuple(g.params[n] for n in names))
                    for g in group})  # fmt: skip

    finest = told(varying, params)
    chosen, names = next(c for c in _identities(group, varying, params) if told(*c) == finest)
    keys = [
        identity_key(
            _path_key(g.segments, chosen) if chosen else None, [(n, g.params[n]) for n in names]
        )
        for g in group
    ]
    titles: dict[str, int] = defaultdict(int)
    for link, key in zip(group, keys, strict=True):
        titles[key] = max(titles[key], len(link.text))
    if len(titles) < MIN_ARTICLE_LINKS or median(titles.values()) < MIN_TITLE_CHARS:
        return None
    return keys


def _identities(
    group: list[_Link], varying: list[int], params: list[str]
) -> Iterator[tuple[list[int], tuple[str, ...]]]:
    """The identities tried, smallest first: varying query parameters alone, one first, the
    longest values first, so that pages agree (the path then names the listing it was reached
    from: Joomla's `catid` and `Itemid` beside `id`; Liferay's `_101_urlTitle` before its
    `_101_assetEntryId`); the last path segment, the article's own name, with the date
    folders before it (a category segment is dropped: one article may be reached from two; its
    date is its own, and two articles of one title may differ only by it); the segments that
    hold a number and the last one; every varying segment; every varying segment and
    parameter."""
    params = _by_length(params, [g.params for g in group])
    for size in range(1, len(params) + 1):
        for names in combinations(params, size):
            yield [], tuple(sorted(names))
    last = len(group[0].segments) - 1
    if last in varying:
        yield _named(group), ()
        numbered = [
            i for i in varying if all(any(c.isdigit() for c in g.segments[i]) for g in group)
        ]
        yield sorted({*numbered, last}), ()
    if varying:
        yield varying, ()
    yield varying, tuple(params)


def _path_key(segments: tuple[str, ...], chosen: Iterable[int]) -> str:
    """The path of an identity: the chosen segments, the others `*`."""
    kept = set(chosen)
    return "/" + "/".join(s if i in kept else "*" for i, s in enumerate(segments))


def _named(group: list[_Link]) -> list[int]:
    """The segments that name a template's articles: the last one, and the date folders before
    it (`/2024-3-31/`, `/2021/12/03/`) when every link has them."""
    last = len(group[0].segments) - 1
    dated = [i for i in range(last) if all(_DATE_FOLDER.fullmatch(g.segments[i]) for g in group)]
    years = [i for i in dated if all(_YEAR.match(g.segments[i]) for g in group)]
    return [*dated, last] if years else [last]


# --- the pager --------------------------------------------------------------------------------

_NEXT_WORDS = frozenset({"tiep", "sau", "trang sau", "tiep theo", "trang tiep", "next"})
_ARROWS = frozenset("»›>→")


def is_next_text(text: str) -> bool:
    """Whether a pager link's text means "next page" (`Tiếp`, `Sau »`, `»`, `›`, `>>`)."""
    words = fold(text).strip()
    bare = "".join(c for c in words if c not in _ARROWS).strip(" .:")
    return (bare in _NEXT_WORDS) or (not bare and bool(words) and set(words) <= _ARROWS | {" "})


def next_page(page: Selector, here: str, link_of: Callable[[str | None], str | None]) -> str | None:
    """The next page of a listing: `rel=next`, else a `Tiếp`/`Sau`/`»` link, else the link
    numbered one more than this page that changes only a page parameter."""
    for href in page.root.xpath(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
        " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
    ):
        link = link_of(href)
        if link and link != here:
            return link
    numbered: dict[int, str] = {}
    for anchor in page.root.iter("a"):
        link = link_of(anchor.get("href"))
        if not link or link.split("#")[0] == here.split("#")[0]:
            continue
        text = clean_text(" ".join(anchor.itertext()))
        if is_next_text(text):
            return link
        if text.isdigit() and _paged(link, int(text)):
            numbered.setdefault(int(text), link)
    current = current_number(here)
    return numbered.get(current + 1)


def _paged(url: str, number: int) -> bool:
    """Whether the URL asks for page `number` through a query or path parameter."""
    query = parse_qsl(urlsplit(url).query)
    return any(v == str(number) for k, v in query if paging(k)) or _path_number(url) == number


def current_number(url: str) -> int:
    """The page number a listing URL asks for (1 when it names none)."""
    for key, value in parse_qsl(urlsplit(url).query):
        if (
            paging(key)
            and value.isdigit()
            and _last_word(key) not in ("start", "limitstart", "offset")
        ):
            return int(value)
    return _path_number(url) or 1


# --- articles ---------------------------------------------------------------------------------

# Labels of the posting date, by preference (folded text).
POSTED_LABEL = re.compile(
    r"\b(ngay dang|dang ngay|ngay dang tin|ngay xuat ban|thoi gian dang|dang luc|ngay phat hanh)\b"
)
UPDATED_LABEL = re.compile(r"\b(cap nhat|ngay cap nhat|sua lan cuoi)\b")
# A bare date with its time: time first (`23:04 02/07/2025`), weekday style (`Thứ sáu,
# 03/12/2021 14:15 (GMT+7)`), or `03/12/2021 14:15`.
BARE_DATE = re.compile(
    r"^(?:[^\d]{0,24})(\d{1,2}[:h]\d{2}\s*,?\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\s*,?\s*(?:lúc\s*)?\d{1,2}[:h]\d{2})",
    re.IGNORECASE,
)
_MACHINE_DATES = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//*[@itemprop='datePublished']/@datetime",
    "//meta[@name='pubdate' or @name='publishdate' or @name='date']/@content",
)
# How a portal's name begins, when the page does not say it otherwise (folded text).
SITE_WORDS = re.compile(r"(cong|trang) thong tin|website|bao dien tu|(ban )?bien tap")
_TITLE_SEPARATORS = re.compile(r"\s+[-|–—:]{1,2}\s+")
HEADINGS = ("h1", "h2", "h3", "h4")
MAIN_SHARE = 0.7  # the body's container holds this share of the main text, at least


@dataclass
class Found:
    """A field's value and the rule or selector it came from (for `wardcrawler try`)."""

    value: str | None
    source: str
    element: etree._Element | None = field(default=None, repr=False)


def title_of(page: Selector) -> Found:
    """The article's title: the main heading named by `og:title` or `<title>`; else the element
    showing `<title>` without the site's name; else `og:title`, that text, the first heading."""
    og = clean_text(page.root.xpath("string(//meta[@property='og:title']/@content)"))
    head = clean_text(page.root.xpath("string(//head/title)"))
    outside = Outside(excluded_nodes(page, PAGE_FURNITURE))
    headings = [
        (node, clean_text(" ".join(node.itertext())))
        for node in page.root.iter(*HEADINGS)
        if outside(node)
    ]
    headings = [(n, t) for n, t in headings if t]
    for label, named in (("og:title", og), ("<title>", head)):
        if not named:
            continue
        fits = [(n, t) for n, t in headings if t == named or _part_of(t, named)]
        if fits:
            node, text = max(fits, key=lambda nt: len(nt[1]))
            return Found(text, f"<{node.tag}> named by {label}", node)
    own = _without_site_name(og or head, page)
    if own:
        shown = _element_showing(page, own, outside)
        if shown is not None:
            return Found(own, f"<{shown.tag}> showing {'og:title' if og else '<title>'}", shown)
        return Found(own, "og:title" if og else "<title> without the site's name")
    if headings:
        return Found(headings[0][1], f"first <{headings[0][0].tag}>", headings[0][0])
    return Found(None, "no heading, og:title or <title>")


def _part_of(heading: str, named: str) -> bool:
    """Whether a heading is the article's part of a `<title>` (`Heading - Site name`)."""
    return (
        len(heading) >= MIN_TITLE_CHARS
        and any(part == heading for part in _TITLE_SEPARATORS.split(named))
        or (len(heading) >= 2 * MIN_TITLE_CHARS and named.startswith(heading))
    )


def _site_names(page: Selector) -> set[str]:
    """What a page calls its site: `og:site_name`, the text of links to the home page."""
    names = {clean_text(page.root.xpath("string(//meta[@property='og:site_name']/@content)"))}
    base = urlsplit(page.root.base_url or "")
    for anchor in page.root.iter("a"):
        href = (anchor.get("href") or "").strip()
        target = urlsplit(href)
        home = href in ("/", "./") or (
            target.netloc == base.netloc and target.path in ("", "/") and not target.query
        )
        if home:
            names.add(clean_text(" ".join(anchor.itertext())))
    return {n for n in names if n}


def _without_site_name(title: str, page: Selector) -> str:
    """A `<title>` or `og:title` without the site's name before or after a separator."""
    if not title:
        return ""
    for name in sorted(_site_names(page), key=len, reverse=True):
        for match in _TITLE_SEPARATORS.finditer(title):
            before, after = title[: match.start()], title[match.end() :]
            if after == name and before:
                return before
            if before == name and after:
                return after
    for match in _TITLE_SEPARATORS.finditer(title):
        before, after = title[: match.start()], title[match.end() :]
        if len(before) >= MIN_TITLE_CHARS and SITE_WORDS.match(fold(after)):
            return before
        if len(after) >= MIN_TITLE_CHARS and SITE_WORDS.match(fold(before)):
            return after
    return title


def _element_showing(page: Selector, text: str, outside: Outside) -> etree._Element | None:
    """The deepest element outside the page furniture whose whole text is `text`."""
    found = None
    nfd = unicodedata.normalize("NFD", text)
    for node in page.root.xpath("//body//*[normalize-space(.) = $t or normalize-space(.) = $d]",
                                t=text, d=nfd):  # fmt: skip
        if outside(node):
            found = node
    if found is None:
        for node in page.root.xpath(
            "//body//*[contains(normalize-space(.), $t) or contains(normalize-space(.), $d)]",
            t=text,
            d=nfd,
        ):
            if outside(node) and clean_text(" ".join(node.itertext())) == text:
                found = node
    return found


def posted_of(inside: list[str], outside: list[str], page: Selector, scope) -> Found:
    """The posting date: a labelled date in the article's container, a bare date with its time
    there, a machine-readable date, an "updated" date; then the same outside the article."""
    for where, texts in (("in the article", inside), ("near the article", outside)):
        for kind, test in (
            ("label Ngày đăng/Đăng ngày", lambda t: POSTED_LABEL.search(fold(t))),
            ("date and time", lambda t: BARE_DATE.search(t)),
        ):
            dated = [t for t in texts if test(t) and parse_posted(t) is not None]
            if dated:
                return _with_time(Found(min(dated, key=len), f"{kind} {where}"), page, scope)
        if where == "in the article":
            machine = machine_date(page, scope)
            if machine.value:
                return machine
        updated = [t for t in texts if UPDATED_LABEL.search(fold(t)) and parse_posted(t)]
        if updated:
            return Found(min(updated, key=len), f"label Cập nhật {where}")
    return Found(None, "no labelled or machine-readable date")


def _with_time(shown: Found, page: Selector, scope) -> Found:
    """A date shown without its time, completed by the page's machine-readable date of the
    same day (WordPress: `Đăng ngày 15/09/2023` over `<time datetime="…T18:02:00+07:00">`)."""
    if not day_only(shown.value):
        return shown
    machine = machine_date(page, scope)
    day = parse_posted(shown.value).iso[:10]
    if machine.value and parse_posted(machine.value).iso[:10] == day:
        return Found(machine.value, f"{shown.source}, its time from {machine.source}")
    return shown


def machine_date(page: Selector, scope) -> Found:
    """`article:published_time`, `datePublished` (microdata or JSON-LD), `<time datetime>`."""
    for xpath in _MACHINE_DATES:
        for value in page.root.xpath(xpath):
            if parse_posted(value):
                return Found(clean_text(value), xpath.split("[")[0].strip("/") + " " + xpath)
    for script in page.root.xpath("//script[@type='application/ld+json']/text()"):
        value = _json_ld_date(script)
        if value and parse_posted(value):
            return Found(value, "JSON-LD datePublished")
    roots = [scope] if isinstance(scope, etree._Element) else []
    for root in [*roots, page.root]:
        for value in root.xpath(".//time/@datetime"):
            if parse_posted(value):
                return Found(clean_text(value), "<time datetime>")
    return Found(None, "no machine-readable date")


def _json_ld_date(script: str) -> str | None:
    """`datePublished` of the first JSON-LD object that has one."""
    try:
        data = json.loads(script)
    except ValueError:
        return None
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if isinstance(item.get("datePublished"), str):
                return item["datePublished"]
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return None


def views_of(inside: list[str]) -> Found:
    """The counter (`Lượt xem`, `Số lượt xem`, `Lượt đọc`) inside the article's container."""
    found = next((v for t in inside if (v := find_views_text(t))), None)
    return Found(found, "label Lượt xem/Lượt đọc in the article" if found else "no counter")


def main_text(page: Selector, html: str) -> Found:
    """The element holding the main text that trafilatura finds (its first and last paragraphs
    located in the page), or None."""
    import trafilatura  # imported lazily: only pages of the generic way need it

    text = trafilatura.extract(
        html, include_comments=False, include_tables=True, deduplicate=False, favor_recall=True
    )
    lines = [clean_text(line) for line in (text or "").splitlines()]
    # list items ("- ...") are mostly lists of other articles: they never place the body
    lines = [line for line in lines if len(line.split()) >= 4 and not line.startswith("- ")]
    lines = [line for line in lines if not _meta_like(line)]
    outside = Outside(excluded_nodes(page, PAGE_FURNITURE))
    weights: dict[etree._Element, int] = defaultdict(int)
    total = 0
    order = {element: i for i, element in enumerate(page.root.iter())}
    for line in lines:
        node = _element_with(page.root, line, outside, order)
        if node is not None:
            total += len(line)
            for holder in (node, *node.iterancestors()):
                weights[holder] += len(line)
    if not total:
        return Found(None, "trafilatura found no main text")
    # the smallest element holding most of the main text (a box of other articles beside the
    # body, that trafilatura took too, does not widen it to the whole page)
    holders = [n for n, w in weights.items() if w >= MAIN_SHARE * total]
    common = max(holders, key=lambda n: sum(1 for _ in n.iterancestors()))
    if common.tag in ("p", "li", "span", "strong", "em", "b", "i", "a"):
        common = common.getparent() if common.getparent() is not None else common
    return Found(common.tag, "main text found by trafilatura", common)


_HOLDS = "contains(normalize-space(translate(., '\u00a0', ' ')), $s)"
_HOLDS_EITHER = f"{_HOLDS} or {_HOLDS.replace('$s', '$d')}"  # text published decomposed (NFD)
_HOLDERS = etree.XPath(f"//body//*[not(self::script or self::style)][{_HOLDS_EITHER}]")
_HOLDS_HERE = etree.XPath(_HOLDS_EITHER)
_WORD_HOLDERS = etree.XPath("//body//text()[contains(., $w) or contains(., $v)]")


def _element_with(
    root: etree._Element, line: str, outside: Outside, order: dict[etree._Element, int]
) -> etree._Element | None:
    """The deepest element whose text holds the start of a line of the main text (the last
    in document order, `order`, of those outside `outside`'s subtrees)."""
    words = line.split()[:6]
    snippet, first = " ".join(words), words[0] if words else ""
    variants = {"s": snippet, "d": unicodedata.normalize("NFD", snippet)}
    found = _last_holder(root, first, variants, outside, order)
    if found is None:
        return None
    if _in_link_or_heading(found) or _mostly_links(found):
        return None  # a title, a category, links to other pages, a share bar: no body line
    return found


def _last_holder(
    root: etree._Element,
    first: str,
    variants: dict[str, str],
    outside: Outside,
    order: dict[etree._Element, int],
) -> etree._Element | None:
    """The last element in document order whose normalised text holds the snippet: from each
    text node holding its first word, the nearest such ancestor (libxml2 then reads only those
    elements' text, not every element's for every line). The whole page is searched when no
    text node holds the word (a word split by markup, a drop cap)."""
    texts = _WORD_HOLDERS(root, w=first, v=unicodedata.normalize("NFD", first))
    if not texts:
        matches = [m for m in _HOLDERS(root, **variants) if outside(m)]
        return matches[-1] if matches else None
    best: etree._Element | None = None
    for text in texts:
        node = text.getparent().getparent() if text.is_tail else text.getparent()
        while node is not None and node.tag != "body":
            if (
                node.tag not in ("script", "style")
                and outside(node)
                and _HOLDS_HERE(node, **variants)
            ):
                if best is None or order[node] > order[best]:
                    best = node
                break
            node = node.getparent()
    return best


def _meta_like(line: str) -> bool:
    """Whether a short line is a meta line (a date, a counter), not a line of the body."""
    if len(line) >= 200:
        return False
    if find_views_text(line):
        return True
    folded = fold(line)  # the labels first: reading a date (dateparser) costs a millisecond
    labelled = POSTED_LABEL.search(folded) or UPDATED_LABEL.search(folded) or BARE_DATE.search(line)
    return bool(labelled and parse_posted(line))


def _mostly_links(node: etree._Element) -> bool:
    """Whether most of an element's text is the text of links (a tool bar, a list of links)."""
    text = len(clean_text(" ".join(node.itertext())))
    linked = sum(len(clean_text(" ".join(a.itertext()))) for a in node.iter("a"))
    return text > 0 and linked > 0.5 * text


def _in_link_or_heading(node: etree._Element) -> bool:
    """Whether an element is (or is inside) a link or a heading: a title, a category, a link
    to another page, never the start or end of a body."""
    return any(n.tag in ("a", *HEADINGS, "h5", "h6") for n in (node, *node.iterancestors()))


def body_exclusions(page: Selector) -> set[etree._Element]:
    """What is never body in a generic page: boilerplate and lists of other articles."""
    return excluded_nodes(page, (*COMMON_BOILERPLATE, *OTHER_ARTICLES))
