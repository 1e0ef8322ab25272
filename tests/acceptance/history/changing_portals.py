"""Independent live replica portals (3 families, 5 wards) that can apply "a night of changes".

One HTTP server per ward on 127.0.0.1 (its own port = its own site). Each night:
two new articles are pushed onto page one (of "all news" and of their topic), view counters
rise (old articles too), one old article's title is edited (the hanoi-portal slug follows the
new title, the old URL still answers), one old article's body gets a paragraph, one old
article is removed (liferay stock: 404; liferay MoH: 302 to the home page; liferay hook: 404;
hanoi-portal: 301 to its category; view-content: 410) and drops out of the listings.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import content as C
from .content import FAMILY_HP, FAMILY_LAP, FAMILY_VC, Art, Quirks, Version

PAGE = {FAMILY_LAP: 10, FAMILY_HP: 8, FAMILY_VC: 8}


@dataclass
class LiveWard:
    slug: str
    name: str
    family: str
    theme: str
    cats: list
    n: int
    id_prefix: str = ""
    removed_status: int = 404
    arts: list = field(default_factory=list)
    removed: dict = field(default_factory=dict)  # ident -> (status, location or None)
    history: dict = field(default_factory=dict)  # ident -> [Version, ...] (one per night)
    changes: dict = field(default_factory=dict)  # what the last night did
    httpd: ThreadingHTTPServer | None = None
    used_titles: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


def _specs():
    return [
        LiveWard(
            "cpx-phucloi",
            "Phúc Lợi",
            FAMILY_LAP,
            "stock",
            [
                ("tin-moi-nhat", "tin mới nhất"),
                ("hoat-dong-khoi-chinh-quyen", "Hoạt động khối chính quyền"),
                ("thong-bao1", "thông báo"),
            ],
            32,
            removed_status=404,
        ),
        LiveWard(
            "cpx-giathuy",
            "Gia Thụy",
            FAMILY_LAP,
            "moh",
            [("tin-moi-nhat", "Tin mới nhất"), ("dangbo", "Đảng bộ")],
            22,
            removed_status=302,
        ),
        LiveWard(
            "cpx-thuongthanh",
            "Thượng Thanh",
            FAMILY_LAP,
            "hook",
            [("tin-moi-nhat", "TIN MỚI NHẤT"), ("vanhoa", "văn hoá - xã hội")],
            20,
            removed_status=404,
        ),
        LiveWard(
            "cpx-dongda",
            "Đống Đa",
            FAMILY_HP,
            "",
            [("tin-tuc-su-kien", "Tin tức - Sự kiện"), ("dang-doan-the", "Đảng - Đoàn thể")],
            26,
            id_prefix="2806",
            removed_status=301,
        ),
        LiveWard(
            "cpx-lacvien",
            "Lạc Viên",
            FAMILY_VC,
            "",
            [("tin-tuc", "Tin tức - Sự kiện"), ("thong-bao", "Thông báo")],
            26,
            removed_status=410,
        ),
    ]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):  # noqa: N802
        cp: ChangingPortals = self.server.cp
        w: LiveWard = self.server.ward
        t = time.monotonic()
        cp._count(w, self.path, t)
        if cp.delay:
            time.sleep(cp.delay)
        with cp.lock:
            status, body, headers = cp.route(w, self.path)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class ChangingPortals:
    def __init__(self, seed: int = 7, now: datetime | None = None):
        self.rng = random.Random(seed)
        self.now = (now or datetime.now(C.VN)).replace(tzinfo=None, second=0, microsecond=0)
        self.lock = threading.RLock()
        self.log: list[dict] = []
        self.delay = 0.0
        self.watch: tuple[int, threading.Event] | None = None
        self.nights = 0
        self.wards = _specs()
        self.threads = []
        for w in self.wards:
            w.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            w.httpd.daemon_threads = True
            w.httpd.cp = self
            w.httpd.ward = w
        for w in self.wards:
            for i in range(w.n):
                # the first two are posted within --refresh-days
                days = 3 + i * 6 if i < 2 else 40 + i * 9 + self.rng.randint(0, 5)
                posted = self.now - timedelta(
                    days=days, hours=self.rng.randint(0, 10), minutes=self.rng.randint(0, 59)
                )
                self._new_article(w, i, posted)

    # ---- content
    def _new_article(self, w: LiveWard, i: int, posted: datetime) -> Art:
        rng = self.rng
        title = C.make_title(rng, w.name, i)
        if w.family == FAMILY_LAP and i == 3:
            title = title + ", " + " ".join(rng.sample(C.SENTENCES, 2))  # urlTitle cut at 150
        paras = C.make_paras(rng)
        views = (
            None
            if w.family == FAMILY_HP
            else (rng.randint(3, 800) if i % 3 else rng.randint(1000, 5000))
        )
        if w.family == FAMILY_LAP:
            ut = C.lap_url_title(title)
            if ut in w.used_titles:
                w.used_titles[ut] += 1
                ident = f"{ut}-{w.used_titles[ut]}"
            else:
                w.used_titles[ut] = 1
                ident = ut
            slug = ident
        elif w.family == FAMILY_HP:
            created = posted - timedelta(minutes=5)
            ident = w.id_prefix + created.strftime("%y%m%d%H%M%S") + f"{rng.randint(0, 999):03d}"
            slug = C.d_slug(title)
        else:
            ident = str(52000 + i * 13 + self.nights * 500)
            slug = C.d_slug(title)
        topic = w.cats[1 + i % (len(w.cats) - 1)]
        q = Quirks(
            nfd_title=(i % 7 == 4),
            nfd_body=(i % 5 == 3),
            numeric_entity=(i % 4 == 1),
            inline=(i % 2 == 1),
            nbsp=(i % 3 != 0),
        )
        a = Art(
            w.slug,
            w.family,
            ident,
            slug,
            30000 + len(w.arts) * 7,
            topic[0],
            topic[1],
            posted,
            Version(title, tuple(paras), views),
            q,
        )
        w.arts.append(a)
        w.history[ident] = [a.version]
        return a

    def members(self, w: LiveWard, cat: str) -> list[Art]:
        all_cat = w.family == FAMILY_LAP and cat == w.cats[0][0]
        arts = [a for a in w.arts if a.ident not in w.removed and (all_cat or a.cat == cat)]
        return sorted(arts, key=lambda a: a.posted, reverse=True)

    def expected_cats(self, w: LiveWard, a: Art) -> set:
        names = {a.cat_name}
        if w.family == FAMILY_LAP:
            names.add(w.cats[0][1])
        return names

    def art_url(self, w: LiveWard, a: Art, cat=None, variant=1, redirect=None) -> str:
        if w.family == FAMILY_LAP:
            return C.lap_article_url(w.base, cat or a.cat, a.ident, a.asset_id, variant, redirect)
        if w.family == FAMILY_HP:
            return C.hp_article_url(w.base, a.cat, a.slug, a.ident)
        return C.vc_article_url(w.base, a.cat, a.ident, a.slug)

    # ---- night of changes
    def night(self):
        with self.lock:
            self.nights += 1
            rng = self.rng
            for w in self.wards:
                ch = {"new": [], "views": [], "title": None, "body": None, "removed": None}
                old = [a for a in w.arts if a.ident not in w.removed]
                # counters rise
                for k, a in enumerate(old):
                    if a.version.views is not None and (k % 2 == 0 or k < 2):
                        a.version = Version(
                            a.version.title, a.version.paras, a.version.views + rng.randint(1, 40)
                        )
                        ch["views"].append(a.ident)
                # edited title (old article), edited body (old article)
                a = old[5]
                a.version = Version(
                    a.version.title.replace("phường", "Phường", 1) + " (sửa đổi)",
                    a.version.paras,
                    a.version.views,
                )
                if w.family == FAMILY_HP:
                    a.slug = C.d_slug(a.version.title)
                ch["title"] = a.ident
                a = old[6]
                a.version = Version(
                    a.version.title,
                    a.version.paras[:-1]
                    + (
                        "Nội dung được cập nhật: lịch họp chuyển sang thứ Sáu.",
                        a.version.paras[-1],
                    ),
                    a.version.views,
                )
                ch["body"] = a.ident
                # removed page
                a = old[7]
                if w.removed_status == 301:
                    loc = f"{w.base}/{a.cat}"
                elif w.removed_status == 302:
                    loc = f"{w.base}/"
                else:
                    loc = None
                w.removed[a.ident] = (w.removed_status, loc)
                ch["removed"] = a.ident
                for a in old:
                    w.history[a.ident].append(a.version)
                # two new articles on page one
                for k in range(2):
                    posted = self.now - timedelta(hours=3 - k)
                    na = self._new_article(w, len(w.arts) + 100 * self.nights, posted)
                    ch["new"].append(na.ident)
                w.changes = ch

    # ---- serving
    def route(self, w: LiveWard, raw: str):
        parts = urlsplit(raw)
        path, q = parts.path, parse_qs(parts.query, keep_blank_values=True)
        html = [("Content-Type", "text/html; charset=utf-8")]
        if path == "/robots.txt":
            return 200, b"User-agent: *\nDisallow: /c/\n", [("Content-Type", "text/plain")]
        if path == "/":
            return 200, C.home_page(w.base, w.cats, w.family).encode(), html
        cats = dict(w.cats)
        if w.family == FAMILY_LAP:
            cat = path.strip("/")
            if cat not in cats:
                return 404, b"<html><body>Not found</body></html>", html
            if "_101_urlTitle" in q:
                return self._article(w, q["_101_urlTitle"][0], cat, cats[cat])
            page = int(q.get("_101_cur", ["1"])[0] or 1)
            mem = self.members(w, cat)
            last = max(1, -(-len(mem) // PAGE[w.family]))
            page = min(max(page, 1), last)  # past the last page: the last page again
            return 200, self._listing(w, cat, cats[cat], mem, page, last).encode(), html
        if w.family == FAMILY_HP:
            m = re.fullmatch(r"/([a-z0-9-]+)/[a-z0-9-]+-(\d{10,})\.htm", path)
            if m:
                return self._article(w, m.group(2), m.group(1), cats.get(m.group(1), ""))
            cat = path.strip("/")
            if cat not in cats:
                return 404, C.hp_not_found(w.base, w.cats).encode(), html
            page = int(q.get("page", ["1"])[0] or 1)
            mem = self.members(w, cat)
            last = max(1, -(-len(mem) // PAGE[w.family]))
            return 200, self._listing(w, cat, cats[cat], mem, page, last).encode(), html
        m = re.fullmatch(r"/([a-z0-9-]+)/-/view_content/(\d+)-[a-z0-9-]*\.html", path)
        if m:
            return self._article(w, m.group(2), m.group(1), cats.get(m.group(1), ""))
        cat = path.strip("/")
        if cat not in cats:
            return 404, b"<html><body>Not found</body></html>", html
        page = int(q.get("cur", ["1"])[0] or 1)
        mem = self.members(w, cat)
        last = max(1, -(-len(mem) // PAGE[w.family]))
        page = min(max(page, 1), last)
        return 200, self._listing(w, cat, cats[cat], mem, page, last).encode(), html

    def _article(self, w: LiveWard, ident: str, cat: str, cat_name: str):
        html = [("Content-Type", "text/html; charset=utf-8")]
        if ident in w.removed:
            status, loc = w.removed[ident]
            if loc:
                return status, b"<html><body>Moved</body></html>", html + [("Location", loc)]
            if w.family == FAMILY_LAP:
                body = C.lap_not_found(w.base, cat, cat_name, w.cats)
            elif w.family == FAMILY_HP:
                body = C.hp_not_found(w.base, w.cats)
            else:
                body = "<html><body><h1>410 Gone</h1></body></html>"
            return status, body.encode(), html
        a = next((a for a in w.arts if a.ident == ident), None)
        if a is None:
            return 404, C.hp_not_found(w.base, w.cats).encode(), html
        i = w.arts.index(a)
        related = [
            (self.art_url(w, o, variant=2), C.norm(o.version.title))
            for o in w.arts[max(0, i - 1) : i + 3]
            if o is not a and o.ident not in w.removed
        ][:2]
        if w.family == FAMILY_LAP:
            body = C.lap_article(
                w.base, cat, cat_name, a.version, a.posted, w.theme, a.quirks, related, w.cats
            )
        elif w.family == FAMILY_HP:
            body = C.hp_article(
                w.base, a.cat, a.cat_name, a.version, a.posted, a.quirks, related, w.cats
            )
        else:
            body = C.vc_article(
                w.base, a.cat, a.cat_name, a.version, a.posted, a.quirks, related, w.cats
            )
        return 200, body.encode(), html

    def _listing(self, w, cat, cat_name, mem, page, last) -> str:
        per = PAGE[w.family]
        chunk = mem[(page - 1) * per : page * per]
        items = []
        for a in chunk:
            lurl = C.lap_listing_url(w.base, cat, page) if w.family == FAMILY_LAP else None
            items.append(
                (
                    self.art_url(w, a, cat=cat, variant=1, redirect=lurl),
                    self.art_url(w, a, cat=cat, variant=3),
                    C.norm(a.version.title),
                    a.version.paras[0][:90] + "…",
                    a.posted,
                )
            )
        if w.family == FAMILY_LAP:
            return C.lap_listing(w.base, cat, cat_name, items, page, last, w.theme, w.cats)
        if w.family == FAMILY_HP:
            return C.hp_listing(w.base, cat, cat_name, items, page, page < last, w.cats)
        return C.vc_listing(w.base, cat, cat_name, items, page, last, w.cats)

    # ---- bookkeeping
    def _count(self, w, path, t):
        with self.lock:
            self.log.append({"t": t, "ward": w.slug, "path": path})
            if self.watch and len(self.log) >= self.watch[0]:
                self.watch[1].set()

    def requests(self) -> int:
        with self.lock:
            return len(self.log)

    def reset_log(self):
        with self.lock:
            self.log = []

    def registry_toml(self) -> str:
        out = []
        for w in self.wards:
            cats = ", ".join(f'"{c}"' for c, _ in w.cats)
            out.append(f"""[[ward]]
slug = "{w.slug}"
name = "Phường {w.name}"
province = "{"Hải Phòng" if w.family == FAMILY_VC else "Hà Nội"}"
url = "{w.base}/"
family = "{w.family}"
categories = [{cats}]
""")
        return "\n".join(out)

    def start(self):
        for w in self.wards:
            th = threading.Thread(
                target=w.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            th.start()
            self.threads.append(th)
        return self

    def close(self):
        for w in self.wards:
            w.httpd.shutdown()
            w.httpd.server_close()
        for th in self.threads:
            th.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.close()

    # ---- truth
    def truth(self) -> dict:
        """(ward, ident) -> dict(art, ward, removed, versions (per night), cats)."""
        out = {}
        with self.lock:
            for w in self.wards:
                for a in w.arts:
                    out[(w.slug, a.ident)] = {
                        "art": a,
                        "version": a.version,
                        "ward": w,
                        "removed": w.removed.get(a.ident),
                        "versions": list(w.history[a.ident]),
                        "cats": self.expected_cats(w, a),
                        "url": self.art_url(w, a),
                    }
        return out
