# ruff: noqa: E501
"""Six small ward portals of platforms that no family of wardcrawler describes, with ground truth.

Every portal is its own HTTP server on 127.0.0.1 (a random free port); a `foreign` server on
127.0.0.2 and a logging HTTP proxy (for any other host name) record whatever the crawler asks of
them. The platforms, and what each one tests:

- `wp`: a WordPress theme. Permalinks `/YYYY/MM/DD/slug/`, `rel=canonical`, `og:title`,
  pagination `/chuyen-muc/x/page/N/` announced by `<link rel=next>` and a `Sau »` pager (and a
  `Xem thêm »` more-link on every item), the date visible as a bare day `Đăng ngày 15/09/2023`
  whose time is in `<time class="published" datetime>` (a later `<time class="updated">` beside
  it), views `Lượt xem: 1.234`, prev/next post links (`rel=prev/next`) on article pages, a last
  listing page of a single article, an article listed twice (once with `utm_*`).
- `joomla`: Joomla 3 without SEF URLs. Articles `index.php?option=com_content&view=article&id=N:slug&catid=M&Itemid=K`
  (no canonical), listing pages `&limitstart=N` with a `Đầu Trước 1 2 3 Tiếp Cuối` pager, page-2
  links carrying `PHPSESSID`, page-3 links carrying `limitstart=0`, the site's name in the only
  `<h1>` (the article title is an `<h2>`), `Ngày đăng` beside a later `Cập nhật`, a `Tiếp ›`
  link to the next article on article pages, a static page that is a com_content article too
  (same URL template, no date, a hit counter), an article listed in a second category under
  another `catid`/`Itemid`.
- `canon`: a home-grown CMS whose every listing link carries `?ref=home` and whose article pages
  name their URL with `<link rel=canonical>`; one article is listed under a second category path
  (`/thong-bao/slug-aN.html`) with the same canonical; `Ngày đăng tin` / `Lượt đọc` meta line,
  pager `1 2 3 Sau` (`rel=next` on `Sau`), `?page=N`.
- `press`: a press theme: `Thứ sáu, 03/12/2021 14:15 (GMT+7)`, `Số lượt xem: 12.345`, a
  `« 1 2 3 »` pager with `?trang=N` that never ends (a page past the last shows the last page
  again, with `»` to the next), the same date style on the "Đọc nhiều" and related lists, an
  article listed twice (once with `fbclid`).
- `machine`: a portal that shows no date on its article pages: only `article:published_time` (some
  in UTC `Z`, some with seconds) or JSON-LD `datePublished` (with a later `dateModified`); visible
  dates on the page belong to other articles (sidebar) or to a plan quoted in the body; the title
  is in a `<div>` (the only headings are the banner and sidebars) and in `og:title`, or for two
  articles only in `<title>` (with the site's suffix); listings paginate by `<link rel=next>`
  only; `Lượt đọc`; an article listed twice (once with `returnUrl=`).
- `drupal`: Drupal 8 without canonical: aliases `/tin-tuc/YYYY/MM/slug` and `/node/N` (sidebar links),
  0-based `?page=N` under a `« đầu ‹ trước 1 2 3 sau › cuối »` pager, `Ngày cập nhật` (`Cập nhật` on
  every other article), no view counter on
  article pages while the sidebar shows `Lượt xem: N` of other articles and the footer
  `Lượt truy cập: 1.234.567` (stored views must stay null), a title written decomposed (NFD),
  an article listed twice (once with a `sid` session parameter).

All portals: header navigation with the categories, `Giới thiệu` and `Liên hệ` static pages,
an off-site link (`localhost`, 127.0.0.2, facebook.com) in the navigation, footer and share bar,
a sidebar of "most read" articles with their own dates and counters (one of them on the foreign
host, with this portal's URL template) and a box of five "Thủ tục hành chính" links sharing one URL
template (undated pages: never articles), related lists after the body, `<p>&nbsp;</p>` spacers,
image paragraphs, a newline inside a paragraph, entities in titles.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import random
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

VN = dt.timezone(dt.timedelta(hours=7))
UTC = dt.UTC
FOREIGN_HOST = "127.0.0.2"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
# Query parameters a stored URL must not keep (tracking, session, redirect, paging; README/issue).
VOLATILE = {
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "fbclid",
    "phpsessid",
    "sid",
    "returnurl",
    "ref",
    "limitstart",
    "start",
    "page",
    "trang",
}
WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


def esc(s: str) -> str:
    return html.escape(s, quote=True)


def expected_text(s: str) -> str:
    """What the archive must store of a text as written in the HTML source (README)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def vn_num(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def dmy(d: dt.datetime) -> str:
    return d.strftime("%d/%m/%Y")


def dmy_hm(d: dt.datetime) -> str:
    return d.strftime("%d/%m/%Y %H:%M")


def press_date(d: dt.datetime) -> str:
    return f"{WEEKDAYS[d.weekday()]}, {dmy_hm(d)} (GMT+7)"


def strip_marks(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    s = unicodedata.normalize("NFD", s)
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def slugify(s: str, limit: int = 80) -> str:
    return re.sub(r"[^a-z0-9]+", "-", strip_marks(s).lower()).strip("-")[:limit].strip("-")


# --------------------------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------------------------

ORGS = [
    "Đảng ủy {u} {p}",
    "UBND {u} {p}",
    "Ủy ban MTTQ Việt Nam {u} {p}",
    "Hội Liên hiệp Phụ nữ {u} {p}",
    "Đoàn Thanh niên {u} {p}",
    "Hội Cựu chiến binh {u} {p}",
    "Công an {u} {p}",
    "Hội Người cao tuổi {u} {p}",
    "Trạm Y tế {u} {p}",
    "Ban Chỉ huy Quân sự {u} {p}",
    "Chi bộ khu dân cư số {n}",
    "Hội Nông dân {u} {p}",
]
EVENTS = [
    "tổ chức hội nghị sơ kết 6 tháng đầu năm {y}",
    "ra quân tổng vệ sinh môi trường khu dân cư",
    "triển khai công tác phòng cháy, chữa cháy mùa hanh khô",
    "tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm {y}",
    "tập huấn nghiệp vụ cho cán bộ khu dân cư",
    "trao quà cho gia đình chính sách nhân dịp Tết Nguyên đán",
    "tuyên truyền cài đặt và sử dụng ứng dụng VNeID",
    "kiểm tra an toàn thực phẩm dịp Tết Trung thu",
    "tổ chức tiếp xúc cử tri trước kỳ họp thứ {n}",
    "phát động phong trào xây dựng tuyến phố văn minh",
    "tổ chức lễ giao nhận quân năm {y}",
    "hướng dẫn người dân nộp hồ sơ trực tuyến mức độ 4",
    "tổ chức giải bóng chuyền hơi mừng Xuân {y}",
    "tập huấn kỹ năng sơ cấp cứu cho hội viên",
]
SENTENCES = [
    "Tham dự có đại diện lãnh đạo Đảng ủy, HĐND, UBND, Ủy ban MTTQ {u} cùng {n} đại biểu là bí thư chi bộ, trưởng khu dân cư.",
    "Hội nghị đã nghe báo cáo kết quả thực hiện nhiệm vụ chính trị và thống nhất phương hướng, nhiệm vụ trong thời gian tới.",
    "Theo báo cáo, đến nay toàn {u} đã có {k}% hộ gia đình tham gia, vượt {j}% so với chỉ tiêu đề ra.",
    "Các đại biểu đã tập trung thảo luận, đóng góp nhiều ý kiến tâm huyết, trách nhiệm.",
    "Dịp này, {u} đã trao {n} suất quà cho các gia đình chính sách và hộ có hoàn cảnh khó khăn, mỗi suất trị giá {j}00.000 đồng.",
    "Lực lượng tham gia đã thu gom khoảng {j} tấn rác thải, phát quang {k}0 m² cỏ dại tại các tuyến đường, ngõ xóm.",
    "Đồng chí Chủ tịch UBND {u} đề nghị các khu dân cư tiếp tục tuyên truyền sâu rộng để người dân hiểu và đồng thuận.",
    "Ban tổ chức cũng đã hướng dẫn người dân cách sử dụng bình chữa cháy và thoát nạn khi có sự cố.",
    "Qua kiểm tra, đoàn đã nhắc nhở {n} cơ sở chưa bảo đảm điều kiện an toàn thực phẩm.",
    "Hội nghị cũng đã biểu dương, khen thưởng {n} tập thể và {j} cá nhân có thành tích xuất sắc.",
    "Chương trình nhằm nâng cao nhận thức, trách nhiệm của cán bộ, đảng viên và Nhân dân trong việc giữ gìn cảnh quan đô thị.",
    "Kết thúc buổi làm việc, các hộ gia đình đã ký cam kết thực hiện nếp sống văn minh.",
    "Đây là hoạt động thiết thực, góp phần xây dựng khu dân cư an toàn, văn minh, sạch đẹp.",
    "Thời gian tới, {u} sẽ tiếp tục duy trì hoạt động này vào sáng Chủ nhật hằng tuần.",
    "Nhiều ý kiến đề nghị cấp trên sớm đầu tư cải tạo nhà văn hóa và hệ thống thoát nước của khu vực.",
]
PROCEDURES = [
    "Đăng ký khai sinh",
    "Đăng ký kết hôn",
    "Chứng thực bản sao từ bản chính",
    "Đăng ký thường trú",
    "Cấp giấy xác nhận tình trạng hôn nhân",
]
BYLINES = ["Thu Hà", "Minh Anh", "Quang Huy - Văn phòng HĐND-UBND", "Ngọc Lan"]
VENUES = ["hội trường UBND", "nhà văn hóa khu dân cư số {n}", "sân vận động", "trụ sở Đảng ủy"]


@dataclass
class Article:
    n: int  # the portal's own id
    title_src: str  # the title as written in the HTML source (before escaping)
    posted: dt.datetime  # aware, Vietnam time
    views: int | None
    paras: list[str]  # paragraphs as they must be stored
    paras_html: list[str]  # the body's HTML, paragraph by paragraph (spacers and images too)
    slug: str
    cats: list[str] = field(default_factory=list)  # categories listing it (first: its own)
    modified: dt.datetime | None = None
    machine: str = ""  # machine portal: how the date is given
    flags: set[str] = field(default_factory=set)

    @property
    def title(self) -> str:
        return expected_text(self.title_src)

    @property
    def posted_at(self) -> str:
        return self.posted.isoformat()

    @property
    def body(self) -> str:
        return "\n\n".join(self.paras)

    def excerpt(self) -> str:
        return " ".join(self.paras[0].split()[:18]) + " …"


@dataclass
class Category:
    cid: str
    name: str
    reg: str  # its entry in the registry's `categories`
    per_page: int
    arts: list[Article] = field(default_factory=list)  # listing order, newest first
    variant: dict[int, str] = field(default_factory=dict)  # article n -> href used here

    def pages(self) -> list[list[Article]]:
        return [self.arts[i : i + self.per_page] for i in range(0, len(self.arts), self.per_page)]


@dataclass
class Hit:
    method: str
    host: str
    path: str
    status: int


class Portal:
    """One ward portal: its articles, categories, URL grammar and pages."""

    kind = ""
    place = ""
    unit = "phường"
    province = ""
    has_canonical = False
    start = dt.datetime(2023, 9, 15, 18, 2, tzinfo=VN)
    cat_specs: list[tuple[str, str, str, int, int]] = []  # cid, name, reg, per_page, own articles
    first_n = 1

    def __init__(self, seed: int):
        self.rng = random.Random(f"{seed}-{self.kind}")
        self.port = 0
        self.foreign_port = 0
        self.log: list[Hit] = []
        self.lock = threading.Lock()
        self.articles: list[Article] = []
        self.cats: dict[str, Category] = {}
        self._build()

    # ---- identity -------------------------------------------------------------------------
    @property
    def slug(self) -> str:
        return f"gx-{self.kind}"

    @property
    def name(self) -> str:
        return f"{self.unit.capitalize()} {self.place}"

    @property
    def site(self) -> str:
        return f"Cổng thông tin điện tử {self.unit} {self.place}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def foreign(self) -> str:
        return f"http://{FOREIGN_HOST}:{self.foreign_port}"

    def by_n(self, n: int) -> Article | None:
        return next((a for a in self.articles if a.n == n), None)

    # ---- content --------------------------------------------------------------------------
    def _build(self) -> None:
        rng = self.rng
        combos = [(o, e) for o in range(len(ORGS)) for e in range(len(EVENTS))]
        rng.shuffle(combos)
        when = self.start
        n = self.first_n
        for cid, name, reg, per_page, _own in self.cat_specs:
            self.cats[cid] = Category(cid, name, reg, per_page)
        total = sum(spec[4] for spec in self.cat_specs)
        order = [cid for cid, *_r, own in self.cat_specs for _ in range(own)]
        rng.shuffle(order)
        for i in range(total):
            o, e = combos[i]
            fill = {"u": self.unit, "p": self.place, "n": rng.randint(2, 25), "y": when.year}
            title = ORGS[o].format(**fill) + " " + EVENTS[e].format(**fill)
            a = self._article(n, title, when, i)
            a.cats = [order[i]]
            self.articles.append(a)
            n += self.n_step
            when = when - dt.timedelta(
                days=rng.randint(1, 6), hours=rng.randint(0, 5), minutes=rng.randint(0, 59)
            )
            when = when.replace(hour=rng.randint(7, 17), second=0)
        self._quirks()
        for a in self.articles:  # newest first: the article list is already in that order
            self.cats[a.cats[0]].arts.append(a)
        self._duplicate()

    n_step = 1

    def _article(self, n: int, title: str, when: dt.datetime, i: int) -> Article:
        rng = self.rng
        vals = {
            "u": self.unit,
            "n": rng.randint(12, 180),
            "k": rng.randint(60, 98),
            "j": rng.randint(2, 9),
        }
        plan = when - dt.timedelta(days=rng.randint(3, 40))
        venue = rng.choice(VENUES).format(n=rng.randint(1, 20))
        first = (
            f"Thực hiện Kế hoạch số {rng.randint(10, 250)}/KH-UBND ngày {plan.day}/{plan.month}/{plan.year} "
            f"của UBND {self.unit} {self.place}, ngày {when.day}/{when.month}, {title[0].lower() + title[1:]} "
            f"tại {venue}."
        )
        picks = rng.sample(SENTENCES, rng.randint(3, 6))
        paras = [first]
        while picks:
            take = min(len(picks), rng.choice([1, 1, 2]))
            paras.append(" ".join(s.format(**vals) for s in picks[:take]))
            picks = picks[take:]
        if rng.random() < 0.5:
            paras[-1] = paras[-1].rstrip(".") + "./."
        html_paras = [f"<p>{esc(p)}</p>" for p in paras]
        # inline markup and a newline inside a paragraph
        words = paras[1].split(" ")
        html_paras[1] = (
            f"<p><strong>{esc(' '.join(words[:3]))}</strong> {esc(' '.join(words[3:]))}</p>"
        )
        if len(paras) > 2 and ". " in paras[2]:
            a_, b_ = paras[2].split(". ", 1)
            html_paras[2] = f"<p>{esc(a_)}.\n      <em>{esc(b_)}</em></p>"
        if i % 3 == 0:
            html_paras.insert(
                2, f'<p style="text-align:center"><img src="/uploads/anh-{n}.jpg" alt=""></p>'
            )
        if i % 2 == 1:
            html_paras.insert(1, "<p>&nbsp;</p>")
        if i % 3 == 1:
            byline = rng.choice(BYLINES)
            paras.append(byline)
            html_paras.append(f'<p style="text-align: right;"><strong>{esc(byline)}</strong></p>')
        views = [
            rng.randint(1000, 9999),
            rng.randint(10, 999),
            rng.randint(10000, 40000),
            rng.randint(0, 99),
        ][i % 4]
        slug = slugify(title)
        mod = when + dt.timedelta(days=rng.randint(1, 4), hours=rng.randint(1, 5))
        return Article(n, title, when, views, paras, html_paras, slug, modified=mod)

    def _quirks(self) -> None:
        """Titles as real editors write them (entities, doubled spaces, capitals, old tones)."""
        a = self.articles
        a[1].title_src = f'Phát động phong trào "Ngày Chủ nhật xanh" tại {self.unit} {self.place}'
        a[
            2
        ].title_src = f"THÔNG BÁO:  Lịch tiếp công dân\n   tháng {a[2].posted.month} của UBND {self.unit} {self.place}"
        a[
            3
        ].title_src = f"Uỷ ban nhân dân {self.unit} {self.place} tổng kết công tác hoà giải ở cơ sở năm {a[3].posted.year}"
        for x in a[1:4]:
            x.slug = slugify(x.title)
        a[0].views = 0 if self.kind == "joomla" else a[0].views

    def _duplicate(self) -> None:
        """The second category also lists an article of the first, through another URL."""
        cats = list(self.cats.values())
        first, second = cats[0], cats[1]
        dup = first.arts[1]
        dup.cats.append(second.cid)
        second.arts.append(dup)
        second.arts.sort(key=lambda x: x.posted, reverse=True)
        second.variant[dup.n] = self.dup_href(dup, second)

    # ---- grammar (overridden) -------------------------------------------------------------
    def art_path(self, a: Article) -> str:
        raise NotImplementedError

    def dup_href(self, a: Article, cat: Category) -> str:
        raise NotImplementedError

    def href(self, a: Article, cat: Category | None = None, page: int = 1) -> str:
        """The link of `a` in a listing of `cat` (page `page`)."""
        if cat is not None and a.n in cat.variant:
            return cat.variant[a.n]
        return self.art_path(a)

    def key_of(self, url: str) -> int | None:
        """The article a URL of this portal names (None: no article), as the server reads it."""
        raise NotImplementedError

    def listing_path(self, cat: Category, page: int) -> str:
        raise NotImplementedError

    def parse_listing(self, path: str, q: dict[str, str]) -> tuple[Category, int] | None:
        raise NotImplementedError

    static: dict[str, str] = {}  # path (with query) -> title

    def static_of(self, path: str, q: dict[str, str]) -> str | None:
        return self.static.get(path)

    def canonical(self, a: Article) -> str | None:
        return self.base + self.art_path(a) if self.has_canonical else None

    # ---- what the crawl must store --------------------------------------------------------
    def registry(self) -> dict:
        return {
            "slug": self.slug,
            "name": self.name,
            "province": self.province,
            "url": self.base + "/",
            "family": "generic",
            "categories": [c.reg for c in self.cats.values()],
        }

    def listing_urls(self) -> list[str]:
        return [
            self.base + self.listing_path(c, p)
            for c in self.cats.values()
            for p in range(1, len(c.pages()) + 1)
        ]

    def static_urls(self) -> list[str]:
        return [self.base + p for p in self.static]

    @staticmethod
    def procedure_path(k: int) -> str:
        return f"/thu-tuc-hanh-chinh/{k}-{slugify(PROCEDURES[k - 1])}.html"

    def procedure_urls(self) -> list[str]:
        """Undated pages linked many per page with one URL template (never articles)."""
        return [self.base + self.procedure_path(k) for k in range(1, len(PROCEDURES) + 1)]

    def all_links(self, a: Article) -> list[str]:
        """Every href by which a listing page links to `a`."""
        return [
            self.base + self.href(a, c, p)
            for c in self.cats.values()
            for p, arts in enumerate(c.pages(), 1)
            if a in arts
        ]

    # ---- serving --------------------------------------------------------------------------
    def handle(self, raw: str) -> tuple[int, str, bytes]:
        sp = urlsplit(raw)
        path = sp.path
        q = {k: v[0] for k, v in parse_qs(sp.query, keep_blank_values=True).items()}
        if path == "/robots.txt":
            return (
                200,
                "text/plain",
                b"User-agent: *\nDisallow: /wp-admin/\nDisallow: /administrator/\n",
            )
        if re.search(r"\.(jpg|png|gif)$", path):
            return 200, "image/gif", GIF
        for k, name in enumerate(PROCEDURES, 1):
            if path == self.procedure_path(k):
                return 200, "text/html; charset=utf-8", self.render_procedure(name).encode()
        title = self.static_of(path, q)
        if title is not None:
            return 200, "text/html; charset=utf-8", self.render_static(path, title).encode()
        n = self.key_of(raw)
        if n is not None:
            a = self.by_n(n)
            if a is not None:
                return 200, "text/html; charset=utf-8", self.render_article(a).encode()
        hit = self.parse_listing(path, q)
        if hit is not None:
            cat, page = hit
            return 200, "text/html; charset=utf-8", self.render_listing(cat, page).encode()
        if self.is_home(path, q):
            return 200, "text/html; charset=utf-8", self.render_home().encode()
        return (
            404,
            "text/html; charset=utf-8",
            self.page(
                "Không tìm thấy trang", "<h1>404</h1><p>Trang bạn tìm không tồn tại.</p>", ""
            ).encode(),
        )

    def is_home(self, path: str, q: dict[str, str]) -> bool:
        return path in ("/", "/index.php", "/trang-chu") and not q.get("option")

    # ---- chrome ---------------------------------------------------------------------------
    def nav(self) -> str:
        items = ['<li><a href="/">Trang chủ</a></li>']
        items += [
            f'<li><a href="{esc(self.listing_path(c, 1))}">{esc(c.name)}</a></li>'
            for c in self.cats.values()
        ]
        items += [f'<li><a href="{esc(p)}">{esc(t)}</a></li>' for p, t in self.static.items()]
        items.append(f'<li><a href="http://localhost:{self.port}/">English</a></li>')
        items.append('<li><a href="https://www.facebook.com/ubnd.phuong">Facebook</a></li>')
        return "<ul>" + "".join(items) + "</ul>"

    def footer(self) -> str:
        links = " | ".join(f'<a href="{esc(p)}">{esc(t)}</a>' for p, t in self.static.items())
        return (
            f"<p>Bản quyền © {dt.date.today().year} UBND {self.unit} {self.place}. Địa chỉ: số 1 đường Trần Phú. "
            f"Điện thoại: 0203.3.812.456. Email: ubnd@{self.kind}.gov.vn</p>"
            f'<p>{links} | <a href="{self.foreign}/">Cổng thông tin điện tử Thành phố</a> | '
            '<a href="https://dichvucong.gov.vn/">Cổng Dịch vụ công quốc gia</a></p>'
            "<p>Lượt truy cập: 1.234.567 | Đang trực tuyến: 12</p>"
        )

    def short_date(self, d: dt.datetime) -> str:
        return dmy(d)

    views_label = "Lượt xem"

    def sidebar(self, current: Article | None = None) -> str:
        top = sorted((a for a in self.articles if a is not current), key=lambda a: -(a.views or 0))[
            :4
        ]
        items = [
            f'<li><a href="{esc(self.side_href(a))}">{esc(a.title_src)}</a> '
            f'<span class="date">{esc(self.short_date(a.posted))}</span> '
            f'<span class="count">{self.views_label}: {vn_num((a.views or 0) + 17)}</span></li>'
            for a in top
        ]
        fake = self.articles[-1]
        items.append(
            f'<li><a href="{esc(self.foreign + self.art_path(fake).replace(fake.slug, "tin-tu-cong-thanh-pho"))}">Tin từ Cổng thông tin Thành phố</a> '
            f'<span class="date">{esc(self.short_date(self.start))}</span> <span class="count">{self.views_label}: 4.321</span></li>'
        )
        procs = "".join(
            f'<li><a href="{self.procedure_path(k)}">{esc(name)}</a></li>'
            for k, name in enumerate(PROCEDURES, 1)
        )
        return (
            f'<div class="widget most-read"><h3 class="widget-title">Tin đọc nhiều</h3><ul>{"".join(items)}</ul></div>'
            f'<div class="widget tthc"><h3 class="widget-title">Thủ tục hành chính</h3><ul>{procs}</ul></div>'
        )

    def render_procedure(self, name: str) -> str:
        main = (
            f'<div class="tthc-detail"><h1 class="page-title">{esc(name)}</h1>'
            f"<p>Trình tự thực hiện: công dân nộp hồ sơ tại Bộ phận Một cửa UBND {self.unit} {self.place} "
            "hoặc nộp trực tuyến trên Cổng Dịch vụ công quốc gia.</p>"
            "<p>Thời hạn giải quyết: trong ngày làm việc; trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo.</p>"
            "<p>Lệ phí: 8.000 đồng/bản. Căn cứ pháp lý: Luật Hộ tịch năm 2014.</p></div>"
        )
        return self.page(name, main, "")

    def side_href(self, a: Article) -> str:
        return self.art_path(a)

    def related(self, a: Article) -> str:
        cat = self.cats[a.cats[0]]
        others = [x for x in cat.arts if x is not a][:3]
        items = "".join(
            f'<li><a href="{esc(self.side_href(x))}">{esc(x.title_src)}</a> <span>({esc(self.short_date(x.posted))})</span></li>'
            for x in others
        )
        return f'<div class="related"><h3>Tin liên quan</h3><ul>{items}</ul></div>'

    def share(self, a: Article) -> str:
        u = quote(self.base + self.art_path(a), safe="")
        return (
            '<div class="share-bar">Chia sẻ: '
            f'<a href="https://www.facebook.com/sharer/sharer.php?u={u}">Facebook</a> '
            f'<a href="https://zalo.me/share?u={u}">Zalo</a> '
            f'<a href="https://twitter.com/intent/tweet?url={u}">Twitter</a> '
            '<a href="javascript:window.print()">In bài</a> '
            f'<a href="mailto:?subject={quote(a.title)}">Gửi email</a></div>'
        )

    def page(self, title: str, main: str, head: str, current: Article | None = None) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
            f"<title>{esc(title)} - {esc(self.site)}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"{head}</head><body>"
            f'<header class="site-header"><a class="logo" href="/"><img src="/uploads/logo.png" alt="logo"></a>'
            f'<p class="site-name">{esc(self.site)}</p><nav class="main-nav">{self.nav()}</nav></header>'
            f'<div class="wrap"><main id="main">{main}</main>'
            f'<aside class="sidebar">{self.sidebar(current)}</aside></div>'
            f'<footer class="site-footer">{self.footer()}</footer></body></html>'
        )

    def render_static(self, path: str, title: str) -> str:
        if "Liên hệ" in title:
            main = (
                f'<h1 class="page-title">{esc(title)}</h1><div class="content">'
                f"<p>Ủy ban nhân dân {self.unit} {self.place}</p><p>Địa chỉ: số 1 đường Trần Phú</p>"
                "<p>Điện thoại: 0203.3.812.456</p>"
                '<form method="post" action="/lien-he/gui"><input name="ten"><textarea name="noi_dung"></textarea><button>Gửi</button></form></div>'
            )
        else:
            main = (
                f'<h1 class="page-title">{esc(title)}</h1><div class="content">'
                f"<p>{esc(self.name)} được thành lập năm 1981, có diện tích tự nhiên 2,46 km² với 12 khu dân cư.</p>"
                "<p>Dân số toàn đơn vị khoảng 18.500 người; Đảng bộ có 32 chi bộ trực thuộc với 1.154 đảng viên.</p>"
                "<p>Những năm qua, Đảng bộ và Nhân dân đã đoàn kết, phấn đấu hoàn thành tốt các nhiệm vụ chính trị được giao.</p></div>"
            )
        return self.page(title, main, "")

    def render_home(self) -> str:
        newest = self.articles[:5]
        items = "".join(
            f'<li><a href="{esc(self.home_href(a))}">{esc(a.title_src)}</a> <span>{esc(self.short_date(a.posted))}</span></li>'
            for a in newest
        )
        return self.page(
            "Trang chủ",
            f'<section class="home-news"><h2>Tin mới</h2><ul>{items}</ul></section>',
            "",
        )

    def home_href(self, a: Article) -> str:
        return self.art_path(a)

    def render_listing(self, cat: Category, page: int) -> str:
        raise NotImplementedError

    def render_article(self, a: Article) -> str:
        raise NotImplementedError

    def body_html(self, a: Article) -> str:
        return "\n".join(a.paras_html)


# --------------------------------------------------------------------------------------------
# WordPress
# --------------------------------------------------------------------------------------------


class WordPress(Portal):
    kind = "wp"
    place = "Hòa Bình"
    province = "Thành phố Huế"
    has_canonical = True
    start = dt.datetime(2023, 9, 15, 18, 2, tzinfo=VN)
    cat_specs = [
        ("tin-tuc", "Tin tức", "chuyen-muc/tin-tuc/", 5, 11),
        ("thong-bao", "Thông báo", "chuyen-muc/thong-bao/", 5, 3),
    ]
    first_n = 301
    static = {"/gioi-thieu/": "Giới thiệu", "/lien-he/": "Liên hệ"}

    def art_path(self, a: Article) -> str:
        d = a.posted
        return f"/{d.year}/{d.month:02d}/{d.day:02d}/{a.slug}/"

    def dup_href(self, a: Article, cat: Category) -> str:
        return self.art_path(a) + "?utm_source=zalo&utm_medium=social&utm_campaign=thong-bao"

    def key_of(self, url: str) -> int | None:
        m = re.fullmatch(r"/(\d{4})/(\d{2})/(\d{2})/([a-z0-9-]+)/?", urlsplit(url).path)
        if not m:
            return None
        a = next((x for x in self.articles if x.slug == m.group(4)), None)
        if a is None or self.art_path(a).strip("/") != urlsplit(url).path.strip("/"):
            return None
        return a.n

    def listing_path(self, cat: Category, page: int) -> str:
        return f"/chuyen-muc/{cat.cid}/" + (f"page/{page}/" if page > 1 else "")

    def parse_listing(self, path, q):
        m = re.fullmatch(r"/chuyen-muc/([a-z-]+)/(?:page/(\d+)/?)?", path)
        if not m or m.group(1) not in self.cats:
            return None
        cat, page = self.cats[m.group(1)], int(m.group(2) or 1)
        return (cat, page) if 1 <= page <= len(cat.pages()) else None

    def render_listing(self, cat, page):
        arts = cat.pages()[page - 1]
        last = len(cat.pages())
        items = "".join(
            f'<article class="post-{a.n} post type-post"><a class="post-thumbnail" href="{esc(self.href(a, cat, page))}">'
            f'<img src="/wp-content/uploads/{a.posted.year}/{a.posted.month:02d}/anh-{a.n}.jpg" alt="{esc(a.title_src)}"></a>'
            f'<header class="entry-header"><h2 class="entry-title"><a href="{esc(self.href(a, cat, page))}" rel="bookmark">{esc(a.title_src)}</a></h2>'
            f'<div class="entry-meta"><time class="entry-date published" datetime="{a.posted_at}">{dmy(a.posted)}</time></div></header>'
            f'<div class="entry-summary"><p>{esc(a.excerpt())} […]</p></div>'
            f'<a class="more-link" href="{esc(self.href(a, cat, page))}">Xem thêm »</a></article>'
            for a in arts
        )
        nums = []
        if page > 1:
            nums.append(
                f'<a class="prev page-numbers" href="{self.listing_path(cat, page - 1)}">« Trước</a>'
            )
        for p in range(1, last + 1):
            nums.append(
                f'<span aria-current="page" class="page-numbers current">{p}</span>'
                if p == page
                else f'<a class="page-numbers" href="{self.listing_path(cat, p)}">{p}</a>'
            )
        if page < last:
            nums.append(
                f'<a class="next page-numbers" href="{self.listing_path(cat, page + 1)}">Sau »</a>'
            )
        head = f'<link rel="canonical" href="{self.base}{self.listing_path(cat, page)}">'
        if page < last:
            head += f'<link rel="next" href="{self.base}{self.listing_path(cat, page + 1)}">'
        if page > 1:
            head += f'<link rel="prev" href="{self.base}{self.listing_path(cat, page - 1)}">'
        main = (
            f'<header class="page-header"><h1 class="page-title">Chuyên mục: <span>{esc(cat.name)}</span></h1></header>'
            f'{items}<nav class="navigation pagination"><div class="nav-links">{"".join(nums)}</div></nav>'
        )
        return self.page(f"{cat.name}" + (f" - Trang {page}" if page > 1 else ""), main, head)

    def render_article(self, a):
        i = self.articles.index(a)
        prev_a = self.articles[i + 1] if i + 1 < len(self.articles) else None
        next_a = self.articles[i - 1] if i > 0 else None
        cat = self.cats[a.cats[0]]
        head = (
            f'<link rel="canonical" href="{self.canonical(a)}">'
            f'<meta property="og:type" content="article"><meta property="og:title" content="{esc(a.title_src)}">'
            f'<meta property="og:url" content="{self.canonical(a)}">'
            f'<meta property="article:published_time" content="{a.posted.astimezone(UTC).isoformat()}">'
            f'<meta property="article:modified_time" content="{a.modified.astimezone(UTC).isoformat()}">'
        )
        postnav = '<nav class="navigation post-navigation"><div class="nav-links">'
        if prev_a:
            postnav += f'<div class="nav-previous"><a href="{self.art_path(prev_a)}" rel="prev">← {esc(prev_a.title_src)}</a></div>'
        if next_a:
            postnav += f'<div class="nav-next"><a href="{self.art_path(next_a)}" rel="next">{esc(next_a.title_src)} →</a></div>'
        postnav += "</div></nav>"
        main = (
            f'<article id="post-{a.n}" class="post-{a.n} post type-post status-publish">'
            f'<header class="entry-header"><h1 class="entry-title">{esc(a.title_src)}</h1>'
            f'<div class="entry-meta"><span class="posted-on">Đăng ngày <a href="{self.art_path(a)}" rel="bookmark">'
            f'<time class="entry-date published" datetime="{a.posted_at}">{dmy(a.posted)}</time>'
            f'<time class="updated" datetime="{a.modified.isoformat()}">{dmy(a.modified)}</time></a></span> '
            '<span class="byline">bởi <span class="author vcard"><a href="/author/bbt/">Ban biên tập</a></span></span> '
            f'<span class="post-views">Lượt xem: {vn_num(a.views)}</span></div></header>'
            f'<div class="entry-content">{self.body_html(a)}</div>'
            f'<footer class="entry-footer"><span class="cat-links">Chuyên mục: <a href="{self.listing_path(cat, 1)}" rel="category tag">{esc(cat.name)}</a></span> '
            '<span class="tags-links">Thẻ: <a href="/tag/khu-dan-cu/" rel="tag">khu dân cư</a></span></footer></article>'
            f"{self.share(a)}{postnav}{self.related(a)}"
        )
        return self.page(a.title_src, main, head, a).replace(
            f" - {esc(self.site)}</title>", f" – {esc(self.site)}</title>"
        )

    def render_static(self, path, title):
        out = super().render_static(path, title)
        return out.replace("</head>", f'<link rel="canonical" href="{self.base}{path}"></head>', 1)


# --------------------------------------------------------------------------------------------
# Joomla
# --------------------------------------------------------------------------------------------


class Joomla(Portal):
    kind = "joomla"
    place = "Tân Lập"
    unit = "xã"
    province = "Tỉnh Phú Thọ"
    start = dt.datetime(2022, 11, 28, 9, 40, tzinfo=VN)
    cat_specs = [
        (
            "8",
            "Tin tức - Sự kiện",
            "index.php?option=com_content&view=category&id=8&Itemid=102",
            4,
            9,
        ),
        ("9", "Thông báo", "index.php?option=com_content&view=category&id=9&Itemid=103", 4, 3),
    ]
    first_n = 101
    itemid = {"8": 102, "9": 103}
    static = {
        "/index.php?option=com_content&view=article&id=1&Itemid=101": "Giới thiệu chung",
        "/index.php?option=com_contact&view=contact&id=1&Itemid=110": "Liên hệ",
    }

    def art_path(self, a, cid: str | None = None):
        cid = cid or a.cats[0]
        return f"/index.php?option=com_content&view=article&id={a.n}:{a.slug}&catid={cid}&Itemid={self.itemid[cid]}"

    def dup_href(self, a, cat):
        return self.art_path(a, cat.cid)

    def href(self, a, cat=None, page=1):
        h = super().href(a, cat, page)
        if cat is not None and cat.cid == "8" and page == 2:
            h += "&PHPSESSID=5f2a9c81be7d4e0aa1c3"
        if cat is not None and cat.cid == "8" and page == 3:
            h += "&limitstart=0"
        return h

    def home_href(self, a):
        return self.art_path(a) + "&utm_source=trangchu&utm_medium=banner"

    def _q(self, url: str) -> tuple[str, dict[str, str]]:
        sp = urlsplit(url)
        return sp.path, {k: v[0] for k, v in parse_qs(sp.query, keep_blank_values=True).items()}

    def key_of(self, url):
        path, q = self._q(url)
        if path != "/index.php" or q.get("option") != "com_content" or q.get("view") != "article":
            return None
        m = re.fullmatch(r"(\d+)(?::[a-z0-9-]*)?", q.get("id", ""))
        if not m or self.by_n(int(m.group(1))) is None:
            return None
        return int(m.group(1))

    def static_of(self, path, q):
        if (
            path == "/index.php"
            and q.get("option") == "com_content"
            and q.get("view") == "article"
            and q.get("id") == "1"
        ):
            return "Giới thiệu chung"
        if path == "/index.php" and q.get("option") == "com_contact":
            return "Liên hệ"
        return None

    def listing_path(self, cat, page):
        p = f"/index.php?option=com_content&view=category&id={cat.cid}&Itemid={self.itemid[cat.cid]}"
        return p + (f"&limitstart={(page - 1) * cat.per_page}" if page > 1 else "")

    def parse_listing(self, path, q):
        if path != "/index.php" or q.get("option") != "com_content" or q.get("view") != "category":
            return None
        cat = self.cats.get(q.get("id", ""))
        if cat is None:
            return None
        try:
            start = int(q.get("limitstart") or q.get("start") or 0)
        except ValueError:
            return None
        page = start // cat.per_page + 1
        return (cat, page) if page <= len(cat.pages()) and start % cat.per_page == 0 else None

    def render_listing(self, cat, page):
        arts = cat.pages()[page - 1]
        last = len(cat.pages())
        items = "".join(
            f'<div class="items-row"><div class="item" itemprop="blogPost" itemscope>'
            f'<div class="page-header"><h2 itemprop="name"><a href="{esc(self.href(a, cat, page))}" itemprop="url">{esc(a.title_src)}</a></h2></div>'
            f'<dl class="article-info muted"><dd class="published">Ngày đăng: {dmy_hm(a.posted)}</dd>'
            f'<dd class="hits">Lượt xem: {vn_num(a.views)}</dd></dl><p>{esc(a.excerpt())}</p>'
            f'<p class="readmore"><a class="btn" href="{esc(self.href(a, cat, page))}">Xem tiếp: {esc(a.title_src)}</a></p></div></div>'
            for a in arts
        )

        def li(label: str, p: int | None) -> str:
            return (
                f'<li><a title="{label}" href="{esc(self.listing_path(cat, p))}" class="pagenav">{label}</a></li>'
                if p
                else f'<li class="disabled"><span class="pagenav">{label}</span></li>'
            )

        pager = [li("Đầu", 1 if page > 1 else None), li("Trước", page - 1 if page > 1 else None)]
        for p in range(1, last + 1):
            pager.append(
                f'<li class="active"><span class="pagenav">{p}</span></li>'
                if p == page
                else li(str(p), p)
            )
        pager += [
            li("Tiếp", page + 1 if page < last else None),
            li("Cuối", last if page < last else None),
        ]
        main = (
            f'<div class="blog" itemscope><h2><span class="subheading-category">{esc(cat.name)}</span></h2>{items}'
            f'<div class="pagination"><p class="counter pull-right">Trang {page} / {last}</p><ul>{"".join(pager)}</ul></div></div>'
        )
        return self.page(cat.name, main, "")

    def page(self, title, main, head, current=None):
        out = super().page(title, main, head, current)
        return out.replace('<p class="site-name">', '<h1 class="site-title">', 1).replace(
            f"{esc(self.site)}</p><nav", f"{esc(self.site)}</h1><nav", 1
        )

    def render_article(self, a):
        i = self.articles.index(a)
        cat = self.cats[a.cats[0]]
        pagenav = '<ul class="pager pagenav">'
        if i + 1 < len(self.articles):
            pagenav += f'<li class="previous"><a href="{esc(self.art_path(self.articles[i + 1]))}" rel="prev">‹ Trước</a></li>'
        if i > 0:
            pagenav += f'<li class="next"><a href="{esc(self.art_path(self.articles[i - 1]))}" rel="next">Tiếp ›</a></li>'
        pagenav += "</ul>"
        main = (
            '<div class="item-page" itemscope itemtype="https://schema.org/Article">'
            f'<div class="page-header"><h2 itemprop="headline">{esc(a.title_src)}</h2></div>'
            '<dl class="article-info muted"><dt class="article-info-term">Chi tiết</dt>'
            f'<dd class="category-name">Chuyên mục: <a href="{esc(self.listing_path(cat, 1))}">{esc(cat.name)}</a></dd>'
            f'<dd class="published">Ngày đăng: {dmy_hm(a.posted)}</dd>'
            f'<dd class="modified">Cập nhật: {dmy_hm(a.modified)}</dd>'
            f'<dd class="hits">Lượt xem: {vn_num(a.views)}</dd></dl>'
            f'<div itemprop="articleBody">{self.body_html(a)}</div>{pagenav}</div>'
            f"{self.share(a)}"
            + self.related(a).replace(
                '<div class="related"><h3>Tin liên quan</h3><ul>',
                '<div class="moduletable"><h3>Tin liên quan</h3><ul class="relateditems">',
            )
        )
        return self.page(a.title_src, main, "", a)

    def render_static(self, path, title):
        if title == "Liên hệ":
            return super().render_static(path, title)
        main = (
            f'<div class="item-page"><div class="page-header"><h2 itemprop="headline">{esc(title)}</h2></div>'
            '<dl class="article-info muted"><dd class="hits">Lượt xem: 5.432</dd></dl>'
            f'<div itemprop="articleBody"><p>{esc(self.name)} nằm ở phía tây của huyện, có diện tích tự nhiên 1.820 ha.</p>'
            "<p>Toàn xã có 9 khu dân cư với 2.315 hộ, 8.960 nhân khẩu, gồm các dân tộc Kinh, Mường, Dao.</p>"
            "<p>Kinh tế của xã chủ yếu là nông nghiệp, trồng chè và chăn nuôi.</p></div></div>"
        )
        return self.page(title, main, "")


# --------------------------------------------------------------------------------------------
# A home-grown CMS with rel=canonical and ?ref=home links
# --------------------------------------------------------------------------------------------


class Canonical(Portal):
    kind = "canon"
    place = "Thanh Bình"
    province = "Thành phố Đà Nẵng"
    has_canonical = True
    start = dt.datetime(2024, 3, 29, 9, 15, tzinfo=VN)
    cat_specs = [
        ("tin-tuc", "Tin tức", "tin-tuc", 4, 10),
        ("thong-bao", "Thông báo", "thong-bao", 4, 2),
    ]
    first_n = 5101
    n_step = 7
    views_label = "Lượt đọc"
    static = {"/gioi-thieu.html": "Giới thiệu", "/lien-he.html": "Liên hệ"}

    def art_path(self, a):
        return f"/{a.cats[0]}/{a.slug}-a{a.n}.html"

    def dup_href(self, a, cat):
        return f"/{cat.cid}/{a.slug}-a{a.n}.html?ref=home"

    def href(self, a, cat=None, page=1):
        h = super().href(a, cat, page)
        return h if "?ref=" in h else h + "?ref=home"

    def home_href(self, a):
        return self.art_path(a) + "?ref=home"

    def side_href(self, a):
        return self.art_path(a) + "?ref=related"

    def key_of(self, url):
        m = re.fullmatch(r"/([a-z-]+)/([a-z0-9-]+)-a(\d+)\.html", urlsplit(url).path)
        if not m or m.group(1) not in self.cats:
            return None
        a = self.by_n(int(m.group(3)))
        return a.n if a is not None and a.slug == m.group(2) else None

    def listing_path(self, cat, page):
        return f"/{cat.cid}" + (f"?page={page}" if page > 1 else "")

    def parse_listing(self, path, q):
        cat = self.cats.get(path.strip("/"))
        if cat is None:
            return None
        try:
            page = int(q.get("page") or 1)
        except ValueError:
            return None
        return (cat, page) if 1 <= page <= len(cat.pages()) else None

    def render_listing(self, cat, page):
        arts = cat.pages()[page - 1]
        last = len(cat.pages())
        items = "".join(
            f'<div class="item"><a class="img" href="{esc(self.href(a, cat, page))}"><img src="/uploads/thumb-{a.n}.jpg" alt=""></a>'
            f'<h3><a href="{esc(self.href(a, cat, page))}">{esc(a.title_src)}</a></h3>'
            f'<p class="date">Ngày đăng tin: {dmy_hm(a.posted)}</p><p class="desc">{esc(a.excerpt())}</p></div>'
            for a in arts
        )
        pager = []
        if page > 1:
            pager.append(
                f'<li><a rel="prev" href="{self.listing_path(cat, page - 1)}">Trước</a></li>'
            )
        for p in range(1, last + 1):
            pager.append(
                f'<li class="active"><span>{p}</span></li>'
                if p == page
                else f'<li><a href="{self.listing_path(cat, p)}">{p}</a></li>'
            )
        if page < last:
            pager.append(
                f'<li><a rel="next" href="{self.listing_path(cat, page + 1)}">Sau</a></li>'
            )
        main = f'<div class="box-cat"><h2 class="cat-title">{esc(cat.name)}</h2><div class="list-news">{items}</div><ul class="paging">{"".join(pager)}</ul></div>'
        head = f'<link rel="canonical" href="{self.base}{self.listing_path(cat, page)}">'
        return self.page(cat.name, main, head)

    def render_article(self, a):
        cat = self.cats[a.cats[0]]
        head = (
            f'<link rel="canonical" href="{self.canonical(a)}">'
            f'<meta property="og:title" content="{esc(a.title_src)}"><meta property="og:type" content="article">'
        )
        main = (
            f'<div class="news-detail"><ol class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="{self.listing_path(cat, 1)}">{esc(cat.name)}</a></li></ol>'
            f'<h1 class="news-title">{esc(a.title_src)}</h1>'
            f'<div class="news-meta">Người đăng tin: Ban biên tập | Ngày đăng tin: {dmy_hm(a.posted)} | Lượt đọc: {vn_num(a.views)}</div>'
            f'<div class="news-content">{self.body_html(a)}</div>{self.share(a)}'
            + self.related(a).replace('<div class="related">', '<div class="news-other">')
            + "</div>"
        )
        return self.page(a.title_src, main, head, a)

    def render_static(self, path, title):
        out = super().render_static(path, title)
        return out.replace("</head>", f'<link rel="canonical" href="{self.base}{path}"></head>', 1)


# --------------------------------------------------------------------------------------------
# A press theme
# --------------------------------------------------------------------------------------------


class Press(Portal):
    kind = "press"
    place = "Minh Khai"
    province = "Thành phố Hà Nội"
    start = dt.datetime(2021, 12, 3, 14, 15, tzinfo=VN)
    cat_specs = [
        ("thoi-su", "Thời sự", "thoi-su", 4, 10),
        ("van-hoa", "Văn hóa - Xã hội", "van-hoa", 4, 2),
    ]
    first_n = 12345
    n_step = 13
    views_label = "Số lượt xem"
    static = {"/gioi-thieu.html": "Giới thiệu", "/lien-he.html": "Liên hệ"}

    def short_date(self, d):
        return press_date(d)

    def art_path(self, a):
        return f"/{a.cats[0]}/{a.slug}-post{a.n}.html"

    def dup_href(self, a, cat):
        return self.art_path(a) + "?fbclid=IwAR0k3xYqZ9vTgH2mNpL8sDfW"

    def key_of(self, url):
        m = re.fullmatch(r"/([a-z-]+)/([a-z0-9-]+)-post(\d+)\.html", urlsplit(url).path)
        if not m:
            return None
        a = self.by_n(int(m.group(3)))
        return a.n if a is not None and self.art_path(a) == urlsplit(url).path else None

    def listing_path(self, cat, page):
        return f"/{cat.cid}" + (f"?trang={page}" if page > 1 else "")

    def parse_listing(self, path, q):
        cat = self.cats.get(path.strip("/"))
        if cat is None:
            return None
        try:
            page = int(q.get("trang") or 1)
        except ValueError:
            return None
        return (cat, page) if 1 <= page <= 60 else None

    def render_listing(self, cat, page):
        pages = cat.pages()
        arts = pages[min(page, len(pages)) - 1]  # past the end: the last page again
        items = "".join(
            f'<article class="story"><a class="story__thumb" href="{esc(self.href(a, cat, page))}"><img src="/uploads/t{a.n}.jpg" alt=""></a>'
            f'<h3 class="story__title"><a href="{esc(self.href(a, cat, page))}">{esc(a.title_src)}</a></h3>'
            f'<span class="story__time">{press_date(a.posted)}</span><p class="story__summary">{esc(a.excerpt())}</p></article>'
            for a in arts
        )
        nums = []
        if page > 1:
            nums.append(f'<a href="{self.listing_path(cat, page - 1)}" class="prev">«</a>')
        for p in range(1, len(pages) + 1):
            nums.append(
                f'<span class="active">{p}</span>'
                if p == page
                else f'<a href="{self.listing_path(cat, p)}">{p}</a>'
            )
        nums.append(
            f'<a href="{self.listing_path(cat, page + 1)}" class="next">»</a>'
        )  # never ends
        main = f'<section class="cate"><h1 class="cate__title">{esc(cat.name)}</h1><div class="list-news">{items}</div><div class="pagination">{"".join(nums)}</div></section>'
        return self.page(cat.name, main, "")

    def render_article(self, a):
        cat = self.cats[a.cats[0]]
        head = f'<meta property="og:title" content="{esc(a.title_src)}"><meta property="og:site_name" content="{esc(self.site)}">'
        main = (
            f'<div class="detail"><div class="breadcrumb"><a href="/">Trang chủ</a> / <a href="{self.listing_path(cat, 1)}">{esc(cat.name)}</a></div>'
            f'<div class="detail-time">{press_date(a.posted)}</div>'
            f'<h1 class="title-detail">{esc(a.title_src)}</h1>'
            f'<div class="detail-toolbar"><span class="views">Số lượt xem: {vn_num(a.views)}</span> '
            '<a href="javascript:window.print()">In bài</a> <a href="#binh-luan">Bình luận (0)</a></div>'
            f'<div class="content-detail">{self.body_html(a)}</div>{self.share(a)}'
            + self.related(a).replace('<div class="related">', '<div class="box-tinlienquan">')
            + "</div>"
        )
        return self.page(a.title_src, main, head, a).replace(
            f" - {esc(self.site)}</title>", f" | {esc(self.name)}</title>"
        )


# --------------------------------------------------------------------------------------------
# Machine-readable dates only
# --------------------------------------------------------------------------------------------


class Machine(Portal):
    kind = "machine"
    place = "An Hải"
    province = "Thành phố Đà Nẵng"
    start = dt.datetime(2023, 10, 20, 16, 45, tzinfo=VN)
    cat_specs = [
        ("4", "Tin hoạt động", "danh-muc?cat=4", 5, 9),
        ("7", "Thông báo", "danh-muc?cat=7", 5, 2),
    ]
    first_n = 2201
    views_label = "Lượt đọc"
    static = {"/gioi-thieu": "Giới thiệu", "/lien-he": "Liên hệ"}

    def _build(self):
        super()._build()
        for i, a in enumerate(self.articles):
            a.machine = (
                ["meta", "jsonld", "meta-z", "jsonld-z"][i % 4]
                if i < 4
                else ["meta", "jsonld"][i % 2]
            )
            if i in (2, 3, 5):
                a.posted = a.posted.replace(second=17 + 7 * i)
            if i in (4, 8):  # no og:title: the title is only in a <div> and in <title>
                a.flags.add("no-og")

    def art_path(self, a):
        return f"/chi-tiet-tin?id={a.n}&cat={a.cats[0]}"

    def dup_href(self, a, cat):
        return self.art_path(a) + "&returnUrl=" + quote(self.listing_path(cat, 1), safe="")

    def key_of(self, url):
        sp = urlsplit(url)
        if sp.path != "/chi-tiet-tin":
            return None
        q = parse_qs(sp.query)
        try:
            a = self.by_n(int(q.get("id", [""])[0]))
        except ValueError:
            return None
        return a.n if a is not None else None

    def listing_path(self, cat, page):
        return f"/danh-muc?cat={cat.cid}" + (f"&page={page}" if page > 1 else "")

    def parse_listing(self, path, q):
        if path != "/danh-muc" or q.get("cat") not in self.cats:
            return None
        cat = self.cats[q["cat"]]
        try:
            page = int(q.get("page") or 1)
        except ValueError:
            return None
        return (cat, page) if 1 <= page <= len(cat.pages()) else None

    def short_date(self, d):
        return dmy_hm(d)

    def page(self, title, main, head, current=None):
        out = super().page(title, main, head, current)
        out = out.replace('<p class="site-name">', '<h1 class="banner">', 1).replace(
            f"{esc(self.site)}</p><nav", f"{esc(self.site)}</h1><nav", 1
        )
        return out.replace(
            '<h3 class="widget-title">Tin đọc nhiều</h3>',
            '<h2 class="widget-title">Tin mới cập nhật</h2>',
        )

    def render_listing(self, cat, page):
        arts = cat.pages()[page - 1]
        items = "".join(
            f'<li class="tin"><a class="anh" href="{esc(self.href(a, cat, page))}"><img src="/uploads/a{a.n}.jpg" alt=""></a>'
            f'<a class="ten" href="{esc(self.href(a, cat, page))}">{esc(a.title_src)}</a><span class="ngay">{dmy(a.posted)}</span></li>'
            for a in arts
        )
        head = ""
        if page < len(cat.pages()):
            head = f'<link rel="next" href="{self.listing_path(cat, page + 1)}">'
        main = f'<div class="danh-muc"><div class="ten-muc">{esc(cat.name)}</div><ul class="ds-tin">{items}</ul><button class="xem-them" onclick="taiThem()">Xem thêm</button></div>'
        return self.page(cat.name, main, head)

    def render_article(self, a):
        head = '<meta property="og:type" content="article">'
        if "no-og" not in a.flags:
            head += f'<meta property="og:title" content="{esc(a.title_src)}">'
        if a.machine == "meta":
            head += f'<meta property="article:published_time" content="{a.posted_at}">'
        elif a.machine == "meta-z":
            head += f'<meta property="article:published_time" content="{a.posted.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}">'
        else:
            published = (
                a.posted_at
                if a.machine == "jsonld"
                else a.posted.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            )
            ld = {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": expected_text(a.title_src),
                "dateModified": a.modified.isoformat(),
                "datePublished": published,
                "publisher": {"@type": "Organization", "name": self.site},
            }
            head += (
                f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
            )
        main = (
            f'<div class="chi-tiet"><div class="tieu-de">{esc(a.title_src)}</div>'
            f'<div class="thong-tin"><span class="luot-doc">Lượt đọc: {vn_num(a.views)}</span> '
            '<a href="javascript:window.print()">In trang</a></div>'
            f'<div class="noi-dung">{self.body_html(a)}</div>{self.share(a)}{self.related(a)}</div>'
        )
        return self.page(a.title_src, main, head, a)


# --------------------------------------------------------------------------------------------
# Drupal, no view counter
# --------------------------------------------------------------------------------------------


class Drupal(Portal):
    kind = "drupal"
    place = "Phú Mỹ"
    unit = "xã"
    province = "Thành phố Hồ Chí Minh"
    start = dt.datetime(2024, 6, 11, 10, 30, tzinfo=VN)
    cat_specs = [
        ("tin-tuc", "Tin tức", "tin-tuc", 3, 8),
        ("thong-bao", "Thông báo", "thong-bao", 3, 2),
    ]
    first_n = 731
    static = {"/gioi-thieu": "Giới thiệu", "/lien-he": "Liên hệ"}

    def _build(self):
        super()._build()
        for i, a in enumerate(self.articles):
            a.views = None
            if i % 2:
                a.flags.add("cap-nhat")
        self.articles[4].title_src = unicodedata.normalize("NFD", self.articles[4].title_src)

    def art_path(self, a):
        return f"/{a.cats[0]}/{a.posted.year}/{a.posted.month:02d}/{a.slug}"

    def side_href(self, a):
        return f"/node/{a.n}"

    def dup_href(self, a, cat):
        return self.art_path(a) + "?sid=9f8e7d6c5b4a3921"

    def key_of(self, url):
        path = urlsplit(url).path
        m = re.fullmatch(r"/node/(\d+)", path)
        if m:
            a = self.by_n(int(m.group(1)))
            return a.n if a else None
        a = next((x for x in self.articles if self.art_path(x) == path.rstrip("/")), None)
        return a.n if a else None

    def listing_path(self, cat, page):
        return f"/{cat.cid}" + (f"?page={page - 1}" if page > 1 else "")

    def parse_listing(self, path, q):
        cat = self.cats.get(path.strip("/"))
        if cat is None:
            return None
        try:
            page = int(q.get("page") or 0) + 1
        except ValueError:
            return None
        return (cat, page) if 1 <= page <= len(cat.pages()) + 1 else None

    def render_listing(self, cat, page):
        pages = cat.pages()
        arts = pages[page - 1] if page <= len(pages) else []
        last = len(pages)
        items = (
            "".join(
                f'<div class="views-row"><div class="views-field-title"><span class="field-content"><a href="{esc(self.href(a, cat, page))}" hreflang="vi">{esc(a.title_src)}</a></span></div>'
                f'<div class="views-field-created">{dmy_hm(a.posted)}</div><div class="views-field-body">{esc(a.excerpt())}</div></div>'
                for a in arts
            )
            or '<div class="view-empty">Không có bài viết nào.</div>'
        )
        pager = []
        if page > 1:
            pager.append(
                f'<li class="pager__item pager__item--first"><a href="{self.listing_path(cat, 1)}">« đầu</a></li>'
            )
            pager.append(
                f'<li class="pager__item pager__item--previous"><a href="{self.listing_path(cat, page - 1)}" rel="prev">‹ trước</a></li>'
            )
        for p in range(1, last + 1):
            pager.append(
                f'<li class="pager__item is-active"><a href="{self.listing_path(cat, p)}">{p}</a></li>'
                if p == page
                else f'<li class="pager__item"><a href="{self.listing_path(cat, p)}">{p}</a></li>'
            )
        if page < last:
            pager.append(
                f'<li class="pager__item pager__item--next"><a href="{self.listing_path(cat, page + 1)}" rel="next">sau ›</a></li>'
            )
            pager.append(
                f'<li class="pager__item pager__item--last"><a href="{self.listing_path(cat, last)}">cuối »</a></li>'
            )
        main = f'<h1 class="page-title">{esc(cat.name)}</h1><div class="view-content">{items}</div><nav class="pager"><ul class="pager__items">{"".join(pager)}</ul></nav>'
        return self.page(cat.name, main, "")

    def render_article(self, a):
        main = (
            f'<h1 class="page-title"><span class="field--name-title">{esc(a.title_src)}</span></h1>'
            f'<article class="node node--type-article"><div class="node__meta">{"Cập nhật" if "cap-nhat" in a.flags else "Ngày cập nhật"}: {dmy_hm(a.posted)}</div>'
            f'<div class="field--name-body"><div class="field__item">{self.body_html(a)}</div></div></article>'
            f"{self.share(a)}"
            + self.related(a).replace("<h3>Tin liên quan</h3>", "<h3>Bài viết liên quan</h3>")
        )
        return self.page(
            a.title_src, main, f'<link rel="shortlink" href="/node/{a.n}">', a
        ).replace(f" - {esc(self.site)}</title>", f" | {esc(self.name)}</title>")

    def sidebar(self, current=None):
        return super().sidebar(current).replace("Tin đọc nhiều", "Xem nhiều nhất")


PLATFORMS: list[type[Portal]] = [WordPress, Joomla, Canonical, Press, Machine, Drupal]


def build(seed: int = 12) -> list[Portal]:
    return [cls(seed) for cls in PLATFORMS]


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


class _PortalHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self, send_body: bool) -> None:
        portal: Portal = self.server.portal  # type: ignore[attr-defined]
        status, ctype, data = portal.handle(self.path)
        with portal.lock:
            portal.log.append(Hit(self.command, self.headers.get("Host", ""), self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def do_GET(self):
        self._serve(True)

    def do_HEAD(self):
        self._serve(False)

    def log_message(self, *args):
        pass


class Recorder:
    """Requests that reached a server that must never be asked anything."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.lock = threading.Lock()

    def add(self, line: str) -> None:
        with self.lock:
            self.hits.append(line)


def _recording_handler(rec: Recorder, what: str):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def _any(self):
            rec.add(f"{what}: {self.command} {self.path} Host={self.headers.get('Host', '')}")
            body = b"<html><head><title>Tin ngoai</title></head><body><h1>Tin ngoai</h1><p>Ngay dang 01/01/2023 | 10:00 | Luot xem: 1</p></body></html>"
            self.send_response(403 if what == "proxy" else 200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_HEAD = do_POST = do_CONNECT = _any

        def log_message(self, *args):
            pass

    return H


@dataclass
class World:
    portals: list[Portal]
    foreign: Recorder
    proxy: Recorder
    proxy_url: str


@contextlib.contextmanager
def serve(portals: list[Portal]) -> Iterator[World]:
    servers: list[ThreadingHTTPServer] = []
    foreign, proxy = Recorder(), Recorder()
    try:
        fsrv = ThreadingHTTPServer((FOREIGN_HOST, 0), _recording_handler(foreign, "foreign"))
        psrv = ThreadingHTTPServer(("127.0.0.1", 0), _recording_handler(proxy, "proxy"))
        servers += [fsrv, psrv]
        for p in portals:
            srv = ThreadingHTTPServer(("127.0.0.1", 0), _PortalHandler)
            srv.portal = p  # type: ignore[attr-defined]
            p.port = srv.server_address[1]
            p.foreign_port = fsrv.server_address[1]
            servers.append(srv)
        for s in servers:
            s.daemon_threads = True
            threading.Thread(target=s.serve_forever, daemon=True).start()
        yield World(portals, foreign, proxy, f"http://127.0.0.1:{psrv.server_address[1]}")
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()


def toml_value(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def write_registry(portals: list[Portal], path: Path) -> None:
    out = []
    for p in portals:
        out.append("[[ward]]")
        out += [f"{k} = {toml_value(v)}" for k, v in p.registry().items()]
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")
