"""An independent fake Wayback Machine holding captures of independent replica portals.

Imitates the public behaviour of web.archive.org:

* CDX server ``/cdx/search/cdx``: ``url`` (with or without scheme, optional trailing ``*``),
  ``matchType`` (exact, prefix, host, domain), ``output=json`` (first row = field names;
  otherwise space separated lines), ``fl``, ``from``/``to`` (1-14 digit prefixes), ``limit``,
  ``filter`` (``[!]field:regex``), ``collapse`` (``field[:N]``), ``showResumeKey``/``resumeKey``
  (an empty row, then a one-element row with the key).
  Our own choices where the real archive is loose:
    - matching is on our SURT key (scheme-insensitive, host reversed, query sorted, lowercase),
      so one query returns the http and https captures; rows are sorted by urlkey then
      timestamp (NOT by date);
    - a response never holds more than ``MAX_ROWS`` (37) rows, whatever ``limit`` says;
    - the resume key is an opaque standard-base64 token (contains ``+``, ``/``, ``=``): it must
      be URL-encoded by the client;
    - without ``fl`` the rows have 11 fields, in this order: urlkey timestamp original mimetype
      statuscode digest redirect robotflags length offset filename;
    - revisit records are rows with mimetype ``warc/revisit`` and statuscode ``-``;
      redirect captures have mimetype ``unk`` or ``text/html``.
* Replay ``/web/{timestamp}id_/{original}``: the raw capture, with its original status, its
  original Content-Type (not always with a charset), ``Memento-Datetime``; redirect captures
  answer their 3xx with a Location into the archive (``/web/{ts}id_/{target}``); a timestamp
  that is not held is answered ``302`` to the nearest capture of that URL; a revisit is
  answered with the payload it revisits.
* ``429 Too Many Requests`` with ``Retry-After: 1`` on the first request of some captures and
  on the first CDX request that carries a resume key.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from . import content as C
from .content import FAMILY_HP, FAMILY_LAP, FAMILY_VC, Art, Quirks, Version

MAX_ROWS = 37
ALL_FIELDS = [
    "urlkey",
    "timestamp",
    "original",
    "mimetype",
    "statuscode",
    "digest",
    "redirect",
    "robotflags",
    "length",
    "offset",
    "filename",
]
DEFAULT_FIELDS = ALL_FIELDS


def surt(url: str) -> str:
    """Our SURT-like key: no scheme, host reversed, www. dropped, lowercase, query sorted."""
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    key = ",".join(reversed(host.split("."))) + ")"
    path = parts.path or "/"
    key += path.lower()
    if parts.query:
        q = sorted(parts.query.split("&"))
        key += "?" + "&".join(q).lower()
    return key


# ----------------------------------------------------------------------------- data model


@dataclass
class Capture:
    ward: str
    original: str
    ts: str
    status: int
    mimetype: str  # as in the CDX row
    body: bytes = b""
    content_type: str = "text/html; charset=UTF-8"
    location: str | None = None  # original URL the redirect capture points to
    kind: str = "article"  # article listing soft404 truncated lying error404 redirect revisit other
    art: Art | None = None
    version: Version | None = None
    cat_name: str | None = None
    revisit_of: Capture | None = None
    throttle: bool = False  # answer 429 on the first request
    snippet: str = ""

    @property
    def urlkey(self) -> str:
        return surt(self.original)

    @property
    def statuscode(self) -> str:
        return "-" if self.kind == "revisit" else str(self.status)

    @property
    def digest(self) -> str:
        if self.kind == "revisit":
            return self.revisit_of.digest
        return C.sha1_b32(self.body)

    @property
    def valid_article(self) -> bool:
        return self.kind in ("article", "revisit")

    @property
    def dt(self) -> datetime:
        return datetime.strptime(self.ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    def row(self) -> dict:
        return {
            "urlkey": self.urlkey,
            "timestamp": self.ts,
            "original": self.original,
            "mimetype": self.mimetype,
            "statuscode": self.statuscode,
            "digest": self.digest,
            "redirect": "-" if not self.location else self.location,
            "robotflags": "-",
            "length": str(len(self.body) // 3 + 500),
            "offset": str(abs(hash(self.ts)) % 10**8),
            "filename": f"FAKE-{self.ts[:8]}-crawl.warc.gz",
        }


@dataclass
class WardSpec:
    slug: str
    name: str
    family: str
    theme: str
    scheme: str
    host: str
    aliases: list
    cats: list  # [(slug, name)]; first = "all news" category
    n: int
    dates: list  # capture dates (UTC datetimes)
    id_prefix: str = ""
    arts: list = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}"


def _wards() -> list[WardSpec]:
    d = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    return [
        WardSpec(
            "lbx-phucloi",
            "Phúc Lợi",
            FAMILY_LAP,
            "stock",
            "http",
            "phucloi.longbien.hanoi.example",
            ["phucloi.longbien.example"],
            [
                ("tin-moi-nhat", "tin mới nhất"),
                ("hoat-dong-khoi-chinh-quyen", "Hoạt động khối chính quyền"),
                ("thong-bao1", "thông báo"),
            ],
            16,
            [
                d(2019, 3, 2, 4),
                d(2020, 8, 15, 9),
                d(2022, 1, 10, 2),
                d(2023, 11, 20, 7),
                d(2025, 5, 30, 1),
            ],
        ),
        WardSpec(
            "lbx-giathuy",
            "Gia Thụy",
            FAMILY_LAP,
            "moh",
            "https",
            "giathuy.longbien.hanoi.example",
            [],
            [("tin-moi-nhat", "Tin mới nhất"), ("dangbo", "Đảng bộ")],
            12,
            [d(2021, 4, 1, 3), d(2022, 6, 6, 6), d(2024, 2, 2, 2)],
        ),
        WardSpec(
            "lbx-thuongthanh",
            "Thượng Thanh",
            FAMILY_LAP,
            "hook",
            "http",
            "thuongthanh.longbien.hanoi.example",
            [],
            [("tin-moi-nhat", "TIN MỚI NHẤT"), ("vanhoa", "văn hoá - xã hội")],
            11,
            [d(2020, 1, 5, 1), d(2021, 9, 9, 9), d(2023, 3, 3, 3), d(2024, 12, 12, 12)],
        ),
        WardSpec(
            "hnx-dongda",
            "Đống Đa",
            FAMILY_HP,
            "",
            "https",
            "dongda.hanoi.example",
            [],
            [("tin-tuc-su-kien", "Tin tức - Sự kiện"), ("dang-doan-the", "Đảng - Đoàn thể")],
            13,
            [d(2025, 7, 20, 5), d(2025, 10, 1, 8), d(2026, 1, 15, 3), d(2026, 6, 1, 10)],
            id_prefix="2806",
        ),
        WardSpec(
            "hpx-lacvien",
            "Lạc Viên",
            FAMILY_VC,
            "",
            "http",
            "lacvien.ngoquyen.example",
            ["lacvien.ngoquyen.haiphong.example"],
            [("tin-tuc", "Tin tức - Sự kiện"), ("thong-bao", "Thông báo")],
            14,
            [
                d(2018, 6, 1, 2),
                d(2019, 12, 24, 4),
                d(2021, 7, 7, 7),
                d(2023, 8, 8, 8),
                d(2025, 2, 2, 2),
            ],
        ),
    ]


def ts_of(dt: datetime) -> str:
    return dt.strftime("%Y%m%d%H%M%S")


class Dataset:
    """All wards, articles and captures, with the ground truth."""

    def __init__(self, seed: int = 20240917):
        self.rng = random.Random(seed)
        self.wards = _wards()
        self.captures: list[Capture] = []
        self.bogus_keys: dict[str, set] = {}  # ward -> identities that must never become rows
        for w in self.wards:
            self._build_ward(w)
        self.captures.sort(key=lambda c: (c.urlkey, c.ts))
        throttled = 0
        for i, c in enumerate(sorted(self.captures, key=lambda c: c.ts)):
            if c.kind == "article" and i % 13 == 5:
                c.throttle = True
                throttled += 1
        assert throttled >= 3

    # ---- urls
    def art_url(
        self,
        w: WardSpec,
        a: Art,
        *,
        scheme=None,
        host=None,
        variant=0,
        cat=None,
        redirect=None,
        extra="",
    ) -> str:
        base = f"{scheme or w.scheme}://{host or w.host}"
        cat = cat or a.cat
        if w.family == FAMILY_LAP:
            return C.lap_article_url(base, cat, a.ident, a.asset_id, variant, redirect)
        if w.family == FAMILY_HP:
            return C.hp_article_url(base, cat, a.slug, a.ident, extra)
        return C.vc_article_url(base, cat, a.ident, a.slug, extra)

    def listing_url(self, w: WardSpec, cat: str, page: int, base=None) -> str:
        base = base or w.base
        if w.family == FAMILY_LAP:
            return C.lap_listing_url(base, cat, page)
        if w.family == FAMILY_HP:
            return C.hp_listing_url(base, cat, page)
        return C.vc_listing_url(base, cat, page)

    def render_article(
        self, w: WardSpec, a: Art, ver: Version, cat: str, cat_name: str, related=()
    ):
        if w.family == FAMILY_LAP:
            return C.lap_article(
                w.base, cat, cat_name, ver, a.posted, w.theme, a.quirks, related, w.cats
            )
        if w.family == FAMILY_HP:
            return C.hp_article(w.base, cat, cat_name, ver, a.posted, a.quirks, related, w.cats)
        return C.vc_article(w.base, cat, cat_name, ver, a.posted, a.quirks, related, w.cats)

    def render_not_found(self, w: WardSpec, cat: str, cat_name: str):
        if w.family == FAMILY_LAP:
            return C.lap_not_found(w.base, cat, cat_name, w.cats)
        if w.family == FAMILY_HP:
            return C.hp_not_found(w.base, w.cats)
        return C._doc(
            "Thông báo",
            C._nav(w.base, w.cats)
            + '<div class="container"><ul class="breadcrumb"><li><a href="/">Trang chủ</a></li></ul>'
            '<div class="alert">Bài viết không tồn tại hoặc đã bị gỡ bỏ.</div></div>',
        )

    # ---- building
    def _version_at(self, a: Art, base: Version, j: int, jfirst: int, idx: int) -> Version:
        """Version of article a at capture date index j (first captured at jfirst)."""
        k = j - jfirst
        title, paras, views = base.title, list(base.paras), base.views
        if views is not None:
            views = base.views + k * (37 + idx * 11)
            if idx % 6 == 0 and k >= 1:  # a counter that did not move between two dates
                views = base.views + (k - 1) * (37 + idx * 11)
        if idx % 5 == 2 and k >= 1:
            title = (
                title.replace("tổ chức", "long trọng tổ chức", 1)
                if "tổ chức" in title
                else title + " (cập nhật)"
            )
        if idx % 4 == 1 and k >= 2:
            paras = paras + [
                "Bài viết được bổ sung thông tin ngày " + f"{k}/12 theo báo cáo của tổ dân phố."
            ]
        return Version(title, tuple(paras), views)

    def _build_ward(self, w: WardSpec):
        rng = self.rng
        self.bogus_keys[w.slug] = set()
        used_titles = {}
        nd = len(w.dates)
        plans = []
        for i in range(w.n):
            jfirst = i % max(1, nd - 1) if i >= 3 else 0
            if i == w.n - 1:
                jfirst = nd - 1
            first_date = w.dates[jfirst]
            posted_utc = first_date - timedelta(
                days=rng.randint(1, 40), minutes=rng.randint(0, 900)
            )
            posted = posted_utc.astimezone(C.VN).replace(tzinfo=None, second=0, microsecond=0)
            title = C.make_title(rng, w.name, i)
            if w.family == FAMILY_LAP and i == 4:
                title = title + ", " + " ".join(rng.sample(C.SENTENCES, 2))  # urlTitle > 150 chars
            if w.family == FAMILY_LAP and i == 9:
                title = plans[0][1].title  # same title as article 0: urlTitle gets "-2"
            paras = C.make_paras(rng)
            views = (
                None
                if w.family == FAMILY_HP
                else (rng.randint(5, 900) if i % 3 else rng.randint(1000, 4000))
            )
            if w.family == FAMILY_LAP:
                ut = C.lap_url_title(title)
                if ut in used_titles:
                    used_titles[ut] += 1
                    ident = f"{ut}-{used_titles[ut]}"
                else:
                    used_titles[ut] = 1
                    ident = ut
                slug = ident
            elif w.family == FAMILY_HP:
                created = posted - timedelta(minutes=7)
                ident = (
                    w.id_prefix + created.strftime("%y%m%d%H%M%S") + f"{rng.randint(0, 999):03d}"
                )
                slug = C.d_slug(title)
            else:
                ident = str(41000 + i * 37 + rng.randint(0, 30))
                slug = C.d_slug(title)
            topic = w.cats[1 + i % (len(w.cats) - 1)]
            q = Quirks(
                nfd_title=(i % 7 == 3),
                nfd_body=(i % 5 == 4),
                numeric_entity=(i % 4 == 2),
                spacers=True,
                inline=(i % 2 == 0),
                nbsp=(i % 3 != 1),
                double_spaces=True,
            )
            a = Art(
                w.slug,
                w.family,
                ident,
                slug,
                20000 + i * 3,
                topic[0],
                topic[1],
                posted,
                Version(title, tuple(paras), views),
                q,
            )
            plans.append((a, a.version, jfirst))
        w.arts = [p[0] for p in plans]

        # ---- article captures
        per_art = {}
        for i, (a, base, jfirst) in enumerate(plans):
            caps = []
            for j in range(jfirst, nd):
                if j != jfirst and j != nd - 1 and rng.random() < 0.25:
                    continue  # not captured that time
                ver = self._version_at(a, base, j, jfirst, i)
                n_variants = 1 + (1 if (i + j) % 3 == 0 else 0)
                for v in range(n_variants):
                    dt = w.dates[j] + timedelta(minutes=3 * i + 40 * v, seconds=rng.randint(0, 59))
                    caps.append(self._article_capture(w, a, ver, dt, i, j, v))
            per_art[a.ident] = caps
            self.captures.extend(caps)

        arts = w.arts
        last_dt = lambda a: max(c.dt for c in per_art[a.ident])  # noqa: E731

        def later(a, days):
            return last_dt(a) + timedelta(days=days, hours=3)

        def newer_version(a):
            cur = max(per_art[a.ident], key=lambda c: c.ts).version
            return Version(
                cur.title + " - bản nháp",
                cur.paras + ("Đoạn văn chưa được duyệt.",),
                None if cur.views is None else cur.views + 500,
            )

        def add(c):
            self.captures.append(c)
            return c

        # soft 404 after the last good capture (article 3)
        a = arts[3]
        html = self.render_not_found(w, a.cat, a.cat_name)
        add(
            Capture(
                w.slug,
                self.art_url(w, a, variant=1),
                ts_of(later(a, 30)),
                200,
                "text/html",
                html.encode(),
                kind="soft404",
                art=a,
                snippet=html[-400:],
            )
        )
        # truncated capture (article 5): newer text, cut in the middle of the body, no </html>
        a = arts[5]
        ver = newer_version(a)
        full = self.render_article(w, a, ver, a.cat, a.cat_name).encode()
        cut = full.find(b"</p>", len(full) // 2) - 7
        add(
            Capture(
                w.slug,
                self.art_url(w, a, variant=2),
                ts_of(later(a, 20)),
                200,
                "text/html",
                full[:cut],
                kind="truncated",
                art=a,
                version=ver,
                snippet=full[cut - 300 : cut].decode("utf-8", "replace"),
            )
        )
        # capture whose transfer stops short of its Content-Length (article 7)
        a = arts[7]
        ver = newer_version(a)
        full = self.render_article(w, a, ver, a.cat, a.cat_name).encode()
        add(
            Capture(
                w.slug,
                self.art_url(w, a, variant=0),
                ts_of(later(a, 25)),
                200,
                "text/html",
                full,
                kind="lying",
                art=a,
                version=ver,
            )
        )
        # hard 404 capture of a known article (article 8), later than its good ones
        a = arts[8]
        html = self.render_not_found(w, a.cat, a.cat_name)
        add(
            Capture(
                w.slug,
                self.art_url(w, a, variant=3, scheme="https"),
                ts_of(later(a, 40)),
                404,
                "text/html",
                html.encode(),
                kind="error404",
                art=a,
            )
        )
        # revisit (article 2): a later capture identical to its latest one
        a = arts[2]
        prev = max(per_art[a.ident], key=lambda c: c.ts)
        add(
            Capture(
                w.slug,
                prev.original,
                ts_of(later(a, 15)),
                200,
                "warc/revisit",
                b"",
                kind="revisit",
                art=a,
                version=prev.version,
                cat_name=prev.cat_name,
                revisit_of=prev,
            )
        )
        # http -> https redirect capture of article 1 at the date of one of its good captures
        a = arts[1]
        some = sorted(per_art[a.ident], key=lambda c: c.ts)[0]
        https_url = self.art_url(w, a, scheme="https", variant=1)
        http_url = self.art_url(w, a, scheme="http", variant=1)
        rdt = some.dt - timedelta(seconds=20)
        add(
            Capture(
                w.slug,
                http_url,
                ts_of(rdt),
                301,
                "unk",
                b"<html><body>Moved Permanently</body></html>",
                kind="redirect",
                location=https_url,
                art=a,
            )
        )
        # a removed article (never captured with content): a 404 and a 302 to another article (0)
        ghost = Art(
            w.slug,
            w.family,
            "",
            "",
            99999,
            arts[0].cat,
            arts[0].cat_name,
            arts[0].posted,
            Version("Bài đã xoá", ("x",), 1),
        )
        if w.family == FAMILY_LAP:
            ghost.ident = "bai-viet-a-xoa-khoi-cong-thong-tin"
        elif w.family == FAMILY_HP:
            ghost.ident = w.id_prefix + "250801101010123"
            ghost.slug = "bai-viet-da-xoa"
        else:
            ghost.ident = "40001"
            ghost.slug = "bai-viet-da-xoa"
        self.bogus_keys[w.slug].add(ghost.ident)
        # the redirect goes to the LATEST version of article 0, at a date of its first capture
        target = sorted(per_art[arts[0].ident], key=lambda c: c.ts)
        html = self.render_not_found(w, ghost.cat, ghost.cat_name)
        add(
            Capture(
                w.slug,
                self.art_url(w, ghost),
                ts_of(target[0].dt + timedelta(hours=1)),
                404,
                "text/html",
                html.encode(),
                kind="error404",
                art=None,
            )
        )
        add(
            Capture(
                w.slug,
                self.art_url(w, ghost, variant=1),
                ts_of(target[0].dt + timedelta(hours=2)),
                302,
                "text/html",
                b"<html><body>Found</body></html>",
                kind="redirect",
                location=target[-1].original,
                art=None,
            )
        )

        # Liferay: latest capture of article 10 under an HTML-escaped original (&amp; in the query,
        # as link extractors left it in the real index), with a newer counter
        if w.family == FAMILY_LAP:
            a = arts[10]
            cur = max(per_art[a.ident], key=lambda c: c.ts)
            ver = Version(cur.version.title, cur.version.paras, cur.version.views + 3)
            url = self.art_url(w, a, variant=0).replace("&", "&amp;")
            html = self.render_article(w, a, ver, a.cat, a.cat_name)
            add(
                Capture(
                    w.slug,
                    url,
                    ts_of(later(a, 9)),
                    200,
                    "text/html",
                    html.encode(),
                    kind="article",
                    art=a,
                    version=ver,
                    cat_name=a.cat_name,
                )
            )

        # ---- listing captures, at every date
        for j, dt in enumerate(w.dates):
            known = [(a, p) for a, p in zip(arts, plans, strict=False) if p[2] <= j]
            for ci, (cslug, cname) in enumerate(w.cats):
                members = [a for a, _ in known if ci == 0 or a.cat == cslug]
                members.sort(key=lambda a: a.posted, reverse=True)
                per_page = 10 if w.family == FAMILY_LAP else 8
                pages = max(1, -(-len(members) // per_page))
                for page in range(1, min(pages, 2) + 1):
                    chunk = members[(page - 1) * per_page : page * per_page]
                    items = []
                    for a in chunk:
                        i = arts.index(a)
                        ver = self._version_at(a, a.version, j, plans[i][2], i)
                        lurl = self.listing_url(w, cslug, page)
                        items.append(
                            (
                                self.art_url(
                                    w,
                                    a,
                                    cat=cslug if w.family == FAMILY_LAP else None,
                                    variant=1,
                                    redirect=lurl,
                                ),
                                self.art_url(
                                    w, a, cat=cslug if w.family == FAMILY_LAP else None, variant=3
                                ),
                                C.norm(ver.title),
                                ver.paras[0][:80] + "…",
                                a.posted,
                            )
                        )
                    if w.family == FAMILY_LAP:
                        html = C.lap_listing(
                            w.base, cslug, cname, items, page, pages, w.theme, w.cats
                        )
                    elif w.family == FAMILY_HP:
                        html = C.hp_listing(w.base, cslug, cname, items, page, page < pages, w.cats)
                    else:
                        html = C.vc_listing(w.base, cslug, cname, items, page, pages, w.cats)
                    add(
                        Capture(
                            w.slug,
                            self.listing_url(w, cslug, page),
                            ts_of(dt + timedelta(seconds=ci * 7 + page)),
                            200,
                            "text/html",
                            html.encode(),
                            kind="listing",
                        )
                    )
            # ---- other captures under the host
            home = C.home_page(w.base, w.cats, w.family).encode()
            add(
                Capture(
                    w.slug,
                    f"{w.base}/",
                    ts_of(dt - timedelta(minutes=5)),
                    200,
                    "text/html",
                    home,
                    kind="other",
                )
            )
            if j == 0:
                add(
                    Capture(
                        w.slug,
                        f"{w.base}/robots.txt",
                        ts_of(dt - timedelta(minutes=6)),
                        200,
                        "text/plain",
                        b"User-agent: *\nDisallow: /c/\n",
                        content_type="text/plain",
                        kind="other",
                    )
                )
                add(
                    Capture(
                        w.slug,
                        f"{w.base}/image/journal/article?img_id=123&t=1694775720000",
                        ts_of(dt + timedelta(minutes=1)),
                        200,
                        "image/jpeg",
                        b"\xff\xd8\xff\xe0JFIF fake",
                        content_type="image/jpeg",
                        kind="other",
                    )
                )
                add(
                    Capture(
                        w.slug,
                        f"{w.base}/documents/10180/0/ke-hoach-82.pdf/1a2b3c?t=1694775720000",
                        ts_of(dt + timedelta(minutes=2)),
                        200,
                        "application/pdf",
                        b"%PDF-1.4 fake",
                        content_type="application/pdf",
                        kind="other",
                    )
                )
                add(
                    Capture(
                        w.slug,
                        f"https://{w.aliases[0] if w.aliases else w.host}/c/portal/login?p_l_id=1",
                        ts_of(dt + timedelta(minutes=3)),
                        200,
                        "text/html",
                        C._doc("Đăng nhập", "<form>Đăng nhập</form>").encode(),
                        kind="other",
                    )
                )

    def _article_capture(self, w, a, ver, dt, i, j, v) -> Capture:
        scheme = w.scheme if (i + j + v) % 3 else ("https" if w.scheme == "http" else "http")
        host = w.host
        if w.aliases and (i + j + v) % 4 == 1:
            host = w.aliases[0]
        cat, cat_name = a.cat, a.cat_name
        extra = ""
        if w.family == FAMILY_LAP:
            if (i + v) % 2 == 1:
                cat, cat_name = w.cats[0]
            redirect = self.listing_url(w, cat, 1) if (j + v) % 2 else None
            url = self.art_url(
                w, a, scheme=scheme, host=host, variant=i + j + v, cat=cat, redirect=redirect
            )
        elif w.family == FAMILY_HP:
            if (j + v) % 3 == 2:
                extra = "?utm_source=zalo&utm_medium=social"
            url = self.art_url(w, a, scheme=scheme, host=host, extra=extra)
        else:
            if (i + v) % 3 == 2:
                cat, cat_name = w.cats[0] if a.cat != w.cats[0][0] else w.cats[1]
            if v == 1:
                extra = "?inheritRedirect=true&redirect=%2Ftin-tuc"
            url = self.art_url(w, a, scheme=scheme, host=host, cat=cat, extra=extra)
        # CDX originals as the real index holds them: explicit :80, host in capitals
        if (i + j + v) % 5 == 3 and url.startswith("http://"):
            url = url.replace(host, host + ":80", 1)
        elif (i + j + v) % 7 == 6:
            url = url.replace(host, host.upper(), 1)
        others = [o for o in w.arts if o is not a][:3]
        related = [(self.art_url(w, o, variant=2), C.norm(o.version.title)) for o in others]
        html = self.render_article(w, a, ver, cat, cat_name, related)
        ctype = "text/html" if (i + j) % 4 == 3 else "text/html; charset=UTF-8"
        return Capture(
            w.slug,
            url,
            ts_of(dt),
            200,
            "text/html",
            html.encode(),
            content_type=ctype,
            kind="article",
            art=a,
            version=ver,
            cat_name=cat_name,
        )

    # ---- ground truth
    def truth(self) -> dict:
        """(ward, ident) -> dict(art, captures (valid, by date), latest version, ...)."""
        out = {}
        for c in self.captures:
            if c.art is None or not c.valid_article:
                continue
            out.setdefault((c.ward, c.art.ident), {"art": c.art, "caps": []})["caps"].append(c)
        for t in out.values():
            t["caps"].sort(key=lambda c: c.ts)
            t["latest"] = t["caps"][-1]
            hist = []
            for c in t["caps"]:
                if c.version.views is not None and (not hist or hist[-1][1] != c.version.views):
                    hist.append((c.dt, c.version.views))
            t["views_history"] = hist
            vers = []
            for c in t["caps"]:
                key = (C.norm(c.version.title), c.version.body)
                if not vers or vers[-1][1:] != key:
                    vers.append((c.dt,) + key)
            t["versions"] = vers
        return out

    def registry_toml(self, slugs=None) -> str:
        out = []
        for w in self.wards:
            if slugs and w.slug not in slugs:
                continue
            cats = ", ".join(f'"{c}"' for c, _ in w.cats)
            out.append(
                f"""[[ward]]
slug = "{w.slug}"
name = "Phường {w.name}"
province = "{"Hải Phòng" if w.family == FAMILY_VC else "Hà Nội"}"
url = "{w.base}/"
family = "{w.family}"
categories = [{cats}]
"""
                + (
                    f"aliases = [{', '.join(chr(34) + a + chr(34) for a in w.aliases)}]\n"
                    if w.aliases
                    else ""
                )
            )
        return "\n".join(out)

    def ward(self, slug) -> WardSpec:
        return next(w for w in self.wards if w.slug == slug)


# ----------------------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeWayback/1.0"

    def log_message(self, *a):  # silence
        pass

    def do_GET(self):  # noqa: N802
        fw: FakeWayback = self.server.fw
        t = time.monotonic()
        try:
            status, kind, info = fw.handle(self)
        except Exception as e:  # pragma: no cover - reported through the log
            status, kind, info = 500, "crash", repr(e)
            with contextlib.suppress(Exception):
                self._send(500, b"internal error", "text/plain")
        with fw.lock:
            fw.log.append({"t": t, "path": self.path, "status": status, "kind": kind, "info": info})

    def _send(self, status, body: bytes, ctype: str | None, headers=(), declared_len=None):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header(
            "Content-Length", str(declared_len if declared_len is not None else len(body))
        )
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


class FakeWayback:
    def __init__(self, dataset: Dataset):
        self.ds = dataset
        self.lock = threading.Lock()
        self.log: list[dict] = []
        self.throttled_once: set = set()
        self.cdx_throttled = False
        self.by_key: dict[str, list[Capture]] = {}
        for c in dataset.captures:
            self.by_key.setdefault(c.urlkey, []).append(c)
        for v in self.by_key.values():
            v.sort(key=lambda c: c.ts)
        self.rows = sorted(dataset.captures, key=lambda c: (c.urlkey, c.ts))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.fw = self
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.close()

    def reset_log(self):
        with self.lock:
            self.log = []

    # ---- dispatch
    def handle(self, h: _Handler):
        raw = h.path
        if raw == "/robots.txt":
            h._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
            return 200, "robots", raw
        if raw.startswith("/cdx/search/cdx"):
            return self.cdx(h)
        m = re.match(r"^/web/(\d{1,14})(id_|[a-z]{2}_)?/(.*)$", raw, re.S)
        if m:
            return self.replay(h, m.group(1), m.group(2) or "", m.group(3))
        h._send(404, b"not found", "text/plain")
        return 404, "unknown", raw

    # ---- CDX
    def cdx(self, h: _Handler):
        query = urlsplit(h.path).query
        params = parse_qsl(query, keep_blank_values=True)
        p = {}
        multi = {"filter": [], "collapse": []}
        for k, v in params:
            if k in multi:
                multi[k].append(v)
            else:
                p[k] = v
        url = p.get("url")
        if not url:
            h._send(400, b"missing url", "text/plain")
            return 400, "cdx", "no url"
        match = p.get("matchType", "exact")
        if url.endswith("*"):
            url = url[:-1]
            match = "prefix" if "matchType" not in p else match
        if url.startswith("*."):
            url, match = url[2:], "domain"
        key = surt(url)
        host_key = key.split(")", 1)[0]
        if match == "exact":
            sel = [c for c in self.rows if c.urlkey == key]
        elif match == "prefix":
            # a bare host ("host" or "host/") means the whole host
            prefix = key
            sel = [c for c in self.rows if c.urlkey.startswith(prefix)]
        elif match == "host":
            sel = [c for c in self.rows if c.urlkey.startswith(host_key + ")")]
        elif match == "domain":
            sel = [
                c
                for c in self.rows
                if c.urlkey.startswith(host_key + ")") or c.urlkey.startswith(host_key + ",")
            ]
        else:
            h._send(400, f"bad matchType {match}".encode(), "text/plain")
            return 400, "cdx", "bad matchType"
        frm, to = p.get("from"), p.get("to")
        if frm:
            lo = frm.ljust(14, "0")
            sel = [c for c in sel if c.ts >= lo]
        if to:
            hi = to.ljust(14, "9")
            sel = [c for c in sel if c.ts <= hi]
        for f in multi["filter"]:
            neg = f.startswith("!")
            f = f.lstrip("!")
            fld, _, rx = f.partition(":")
            if fld not in ALL_FIELDS:
                h._send(400, f"bad filter field {fld}".encode(), "text/plain")
                return 400, "cdx", "bad filter"
            r = re.compile(rx)
            sel = [c for c in sel if bool(r.fullmatch(c.row()[fld])) != neg]
        for col in multi["collapse"]:
            fld, _, n = col.partition(":")
            n = int(n) if n else None
            out, last = [], None
            for c in sel:
                v = c.row()[fld]
                v = v[:n] if n else v
                if v != last:
                    out.append(c)
                last = v
            sel = out
        # resume
        if "resumeKey" in p:
            if not self.cdx_throttled:
                self.cdx_throttled = True
                h._send(429, b"Too Many Requests", "text/plain", [("Retry-After", "1")])
                return 429, "cdx", "throttle"
            try:
                rk = base64.b64decode(p["resumeKey"].encode(), validate=True).decode()
                rkey, rts = rk.rsplit(" ", 1)
            except Exception:
                h._send(400, b"bad resumeKey", "text/plain")
                return 400, "cdx", "bad resumeKey " + p["resumeKey"]
            sel = [c for c in sel if (c.urlkey, c.ts) > (rkey, rts)]
        limit = p.get("limit")
        n = MAX_ROWS
        if limit:
            try:
                li = int(limit)
            except ValueError:
                h._send(400, b"bad limit", "text/plain")
                return 400, "cdx", "bad limit"
            if li > 0:
                n = min(li, MAX_ROWS)
        page, rest = sel[:n], sel[n:]
        fl = [f.strip() for f in p["fl"].split(",")] if p.get("fl") else DEFAULT_FIELDS
        for f in fl:
            if f not in ALL_FIELDS:
                h._send(400, f"bad field {f}".encode(), "text/plain")
                return 400, "cdx", "bad fl"
        rows = [[c.row()[f] for f in fl] for c in page]
        show_rk = p.get("showResumeKey", "false").lower() == "true"
        rk = None
        if rest and show_rk and page:
            last = page[-1]
            rk = base64.b64encode(f"{last.urlkey} {last.ts}".encode()).decode()
        if p.get("output") == "json":
            out = [fl] + rows if rows else []
            if rk:
                out += [[], [rk]]
            # the real server prints one row per line
            body = (
                ("[" + ",\n".join(json.dumps(r) for r in out) + "]\n").encode() if out else b"[]\n"
            )
            ctype = "application/json"
        else:
            lines = [" ".join(r) for r in rows]
            if rk:
                lines += ["", rk]
            body = ("\n".join(lines) + "\n").encode() if lines else b""
            ctype = "text/plain"
        h._send(200, body, ctype)
        return 200, "cdx", {"n": len(rows), "resume": bool(rk), "params": p}

    # ---- replay
    def replay(self, h: _Handler, ts: str, mode: str, orig: str):
        if re.match(r"^https?%3A", orig, re.I):
            orig = unquote(orig)
        orig = re.sub(r"^(https?):/(?!/)", r"\1://", orig)
        key = surt(orig)
        caps = self.by_key.get(key, [])
        if not caps:
            h._send(
                404,
                b"<html><body>Hrm. The Wayback Machine has not archived that URL.</body></html>",
                "text/html; charset=utf-8",
            )
            return 404, "replay-miss", orig
        exact = [c for c in caps if c.ts == ts]
        if not exact:
            want = ts.ljust(14, "0")
            near = min(caps, key=lambda c: abs(int(c.ts) - int(want)))
            loc = f"{self.url}/web/{near.ts}{mode}/{near.original}"
            h._send(302, b"", "text/plain", [("Location", loc)])
            return 302, "replay-nearest", {"asked": ts, "to": near.ts}
        c = exact[0]
        if c.throttle and (c.ts, key) not in self.throttled_once:
            self.throttled_once.add((c.ts, key))
            h._send(429, b"Too Many Requests", "text/html", [("Retry-After", "1")])
            return 429, "replay", {"ts": c.ts, "orig": c.original}
        headers = [
            ("Memento-Datetime", c.dt.strftime("%a, %d %b %Y %H:%M:%S GMT")),
            ("X-Archive-Src", f"FAKE-{c.ts[:8]}-crawl.warc.gz"),
            ("X-Archive-Orig-Server", "Apache-Coyote/1.1"),
            ("Link", f'<{c.original}>; rel="original"'),
        ]
        info = {"ts": c.ts, "orig": c.original, "kind": c.kind}
        if c.kind == "revisit":
            src = c.revisit_of
            h._send(200, src.body, src.content_type, headers)
            return 200, "replay", info
        if c.kind == "redirect":
            lts = c.ts
            if (
                surt(c.location) == c.urlkey
            ):  # http -> https of the same URL: skip to a real capture
                good = [o for o in self.by_key[c.urlkey] if o.kind != "redirect"]
                if good:
                    lts = min(good, key=lambda o: abs(int(o.ts) - int(c.ts))).ts
            headers.append(("Location", f"{self.url}/web/{lts}{mode}/{c.location}"))
            h._send(c.status, c.body, "text/html", headers)
            return c.status, "replay", info
        if c.kind == "lying":
            part = c.body[: int(len(c.body) * 0.6)]
            h._send(c.status, part, c.content_type, headers, declared_len=len(c.body))
            h.close_connection = True
            return c.status, "replay", info
        h._send(c.status, c.body, c.content_type, headers)
        return c.status, "replay", info


if __name__ == "__main__":  # manual use: serve until interrupted, print the registry
    import sys

    ds = Dataset()
    with FakeWayback(ds) as fw:
        print(ds.registry_toml(), file=sys.stderr)
        print(fw.url, flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
