"""An independent replica of the three ward-portal families of FAMILIES.md.

Written from FAMILIES.md only (not from wardcrawler's own replica or extractor). Each ward is a
stdlib ThreadingHTTPServer on 127.0.0.1:0. Ground truth comes from the data model below, never
from parsing the HTML that is served.

Interpretations chosen where FAMILIES.md is silent (each recorded on the Block as `alt`):
- a `<br>` inside a paragraph starts a new paragraph (the reader sees separate lines);
  alternative accepted by the lenient body test: the lines joined by one space.
- a figure caption (`<figcaption>`) is a paragraph of the body; alternative: it is dropped.
- an image alone in a `<p>` is an empty paragraph (dropped); `alt` text is not body text.
- `<div>` blocks of text inside the body container are paragraphs.
- the category names of an article are those of the category pages whose *main list* shows it;
  sidebars ("Đọc nhiều", "Tin xem nhiều") and the home page's latest list are not category lists.
"""

from __future__ import annotations

import html
import json
import random
import re
import threading
import time
import unicodedata
import urllib.parse
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NFC = lambda s: unicodedata.normalize("NFC", s)  # noqa: E731
NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731


def h(s: str) -> int:
    return zlib.crc32(s.encode())


def collapse(s: str) -> str:
    return re.sub(r"\s+", " ", NFC(s)).strip()


# --------------------------------------------------------------------------------------------
# data model


@dataclass
class Block:
    html: str
    expected: list[str]
    alt: list[str] | None = None  # alternative interpretation, accepted by the lenient test only


@dataclass
class Category:
    slug: str
    name: str  # as shown on the listing page (NFC, collapsed) = ground truth
    name_html: str  # as served on the listing page
    nav_label: str  # label in the navigation bar (may differ from the listing heading)
    disallowed: bool = False  # robots.txt disallows it (its articles are not expected)


@dataclass
class Article:
    ward: str
    key: str  # article_key: _101_urlTitle or the numeric ID
    title: str  # ground truth
    title_html: str
    posted: datetime
    views: int | None
    blocks: list[Block]
    cats: list[str]  # slugs of the category pages whose main list shows it
    primary: str
    slug: str = ""  # title slug (hanoi / view-content)
    entry_id: int = 0
    fault: str = ""  # "", "404", "503once", "slow"
    docs: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    meta_variant: int = 0
    view_place: str = "body"  # other-hook theme: "body" | "outside" | "none"

    @property
    def body(self) -> str:
        return "\n\n".join(p for b in self.blocks for p in b.expected)

    @property
    def body_alt(self) -> str:
        return "\n\n".join(
            p for b in self.blocks for p in (b.alt if b.alt is not None else b.expected)
        )

    @property
    def has_alt(self) -> bool:
        return any(b.alt is not None for b in self.blocks)


# --------------------------------------------------------------------------------------------
# text

ENTITY = {
    "à": "&agrave;",
    "á": "&aacute;",
    "â": "&acirc;",
    "ê": "&ecirc;",
    "ô": "&ocirc;",
    "ò": "&ograve;",
    "ó": "&oacute;",
    "è": "&egrave;",
    "é": "&eacute;",
    "ì": "&igrave;",
    "í": "&iacute;",
    "ù": "&ugrave;",
    "ú": "&uacute;",
    "ý": "&yacute;",
    "ã": "&atilde;",
    "õ": "&otilde;",
    "ộ": "&#7897;",
    "ư": "&#432;",
    "ơ": "&#x1A1;",
    "đ": "&#273;",
    "ệ": "&#x1EC7;",
    "ạ": "&#7841;",
    "“": "&ldquo;",
    "”": "&rdquo;",
    "–": "&ndash;",
    '"': "&quot;",
    "'": "&#39;",
}
SEPS = ["  ", "&nbsp;", " &nbsp;", "\n", "&nbsp; ", "\t", " \r\n  "]


def enc(part: str, nfd: bool, ents: bool) -> str:
    if nfd:
        part = NFD(part)
    e = html.escape(part, quote=False)
    if ents:
        e = "".join(ENTITY.get(c, c) if c in ENTITY else c for c in e)
    return e


def rich(text: str, rng: random.Random, *, nfd=False, ents=False, ws=0.08, inline=0.06) -> str:
    """Render plain text (NFC, single spaces) as HTML with the quirks of §5."""
    out = []
    for tok in text.split(" "):
        r = rng.random()
        if len(tok) >= 4 and r < inline:
            k = rng.randint(1, len(tok) - 1)
            s = (
                enc(tok[:k], nfd, ents)
                + '<span style="font-family:Times New Roman,serif">'
                + enc(tok[k:], nfd, ents)
                + "</span>"
            )
        else:
            s = enc(tok, nfd, ents)
        if r > 1 - inline:
            s = f"<strong>{s}</strong>"
        out.append(s)
    res = out[0]
    for s in out[1:]:
        res += (rng.choice(SEPS) if rng.random() < ws else " ") + s
    return res


SENTENCES = [
    "Thực hiện Kế hoạch của Ủy ban nhân dân phường, các tổ dân phố đã ra quân tổng vệ sinh môi trường trên địa bàn.",
    "Buổi lễ có sự tham dự của đồng chí Bí thư Đảng ủy, Chủ tịch Ủy ban nhân dân phường cùng đại diện các ban, ngành, đoàn thể.",
    "Tại hội nghị, các đại biểu đã thảo luận, đóng góp nhiều ý kiến tâm huyết, trách nhiệm.",
    "Phát biểu chỉ đạo, đồng chí Chủ tịch UBND phường đề nghị các đơn vị tiếp tục nâng cao chất lượng công tác tuyên truyền.",
    "Kết quả, đã có 1.250 hộ gia đình được tuyên truyền, vận động thực hiện phân loại rác thải tại nguồn.",
    "Ủy ban nhân dân phường đề nghị các tổ chức, cá nhân nghiêm túc thực hiện các nội dung trên.",
    "Chương trình nhằm nâng cao nhận thức của nhân dân về phòng, chống cháy nổ tại khu dân cư.",
    "Trong năm qua, Hội đã phát triển thêm 45 hội viên mới, nâng tổng số hội viên lên 1.036 người.",
    "Các lực lượng chức năng đã kiểm tra 32 cơ sở kinh doanh, nhắc nhở 7 trường hợp vi phạm.",
    "Hội nghị đã biểu quyết thông qua Nghị quyết với tỷ lệ 100% đại biểu tán thành.",
    "Đây là hoạt động thiết thực nhằm tri ân các anh hùng liệt sĩ, thương binh và gia đình có công với cách mạng.",
    "Đoàn viên thanh niên đã tham gia dọn dẹp, trồng cây xanh tại các tuyến phố trên địa bàn.",
    "Thời gian tiếp nhận hồ sơ: từ 8 giờ 00 đến 17 giờ 00 các ngày làm việc trong tuần.",
    "Mọi thắc mắc xin liên hệ bộ phận Một cửa, số điện thoại 024.3875.1234.",
    "Qua đó góp phần giữ vững an ninh chính trị, trật tự an toàn xã hội trên địa bàn phường.",
    "Công tác hoà giải ở cơ sở được quan tâm, tỷ lệ hoà giải thành đạt 92%.",
    "Uỷ ban Mặt trận Tổ quốc phường đã trao 50 suất quà, mỗi suất trị giá 500.000 đồng.",
    "Ban chỉ đạo yêu cầu các tổ đân phố tiếp tục rà soát, cập nhật dữ liệu dân cư.",
    "Lớp học thu hút đông đảo người cao tuổi tham gia, học cách sử dụng điện thoại thông minh.",
    "Người dân có thể tra cứu thông tin thủ tục hành chính trên Cổng dịch vụ công quốc gia.",
    "Hội nghị cũng đã khen thưởng 12 tập thể và 25 cá nhân có thành tích xuất sắc.",
    'Đồng chí nhấn mạnh: "Mỗi cán bộ, đảng viên phải thực sự gương mẫu, đi đầu trong mọi phong trào".',
    "Công trình có tổng mức đầu tư hơn 2,5 tỷ đồng, dự kiến hoàn thành trong quý IV năm nay.",
    "Phường đã hoàn thành 100% chỉ tiêu giao quân năm 2024 – một kết quả đáng ghi nhận.",
    "Các hộ kinh doanh cam kết không lấn chiếm vỉa hè, lòng đường để kinh doanh, buôn bán.",
    "Dịp này, Ban tổ chức đã trao giấy chứng nhận cho 30 học viên hoàn thành khóa học.",
    "Lực lượng công an phường phối hợp với tổ bảo vệ an ninh trật tự cơ sở tuần tra ban đêm.",
    "Ngay sau hội nghị, các chi bộ đã xây dựng kế hoạch cụ thể để triển khai thực hiện.",
    "Hội nghị tổng kết ph\ufffd\ufffdng trào thi đua đã diễn ra thành công tốt đẹp.",
]

TITLES = [
    "Phường {w} tổ chức Hội nghị tổng kết công tác năm {y}",
    "Ủy ban nhân dân phường ra quân tổng vệ sinh môi trường đợt {n}",
    "Chi bộ tổ dân phố số {n} sinh hoạt chính trị, tư tưởng",
    "Thông báo lịch tiếp công dân tháng {m}/{y}",
    "Ngày hội Đại đoàn kết toàn dân tộc tại khu dân cư số {n}",
    "Hội Liên hiệp Phụ nữ ra mắt mô hình “Chi hội 5 không, 3 sạch” số {n}",
    "Tuyên truyền phòng, chống cháy nổ tại các hộ kinh doanh tuyến phố số {n}",
    "Đoàn thanh niên phường {w} hưởng ứng Tháng thanh niên năm {y}",
    "Hội nghị đối thoại giữa người đứng đầu cấp ủy với nhân dân lần {n}",
    "Thông báo về việc thu gom rác thải sinh hoạt tại tổ dân phố số {n}",
    "Kiểm tra trật tự xây dựng trên địa bàn phường đợt {n} năm {y}",
    "Khai giảng lớp bồi dưỡng nhận thức về Đảng khóa {n}",
    "Trao quà cho gia đình chính sách nhân dịp kỷ niệm {n} năm Ngày Thương binh - Liệt sĩ",
    "Tiếp nhận hồ sơ đăng ký nghĩa vụ quân sự năm {y}, đợt {n}",
    "Hướng dẫn sử dụng ứng dụng VNeID mức độ 2 cho tổ dân phố số {n}",
    "Hội Cựu chiến binh phường {w} tổ chức Đại hội chi hội số {n}",
    "Thành lập tổ công nghệ số cộng đồng tại tổ dân phố số {n}",
    "Tập huấn công tác hoà giải ở cơ sở năm {y} (lớp {n})",
    "Kế hoạch tổ chức các hoạt động hè cho thiếu nhi năm {y} – cụm {n}",
    "Ra quân xử lý vi phạm lấn chiếm vỉa hè tuyến đường số {n}",
]


# --------------------------------------------------------------------------------------------
# slugs and keys


def ascii_slug(text: str, drop_d: bool) -> str:
    t = NFC(text)
    t = t.replace("đ", "" if drop_d else "d").replace("Đ", "" if drop_d else "D")
    t = "".join(c for c in NFD(t) if not unicodedata.combining(c)).lower()
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    return t


def url_title(text: str, taken: set[str]) -> str:
    base = ascii_slug(text, drop_d=True)[:150]
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    taken.add(key)
    return key


WEEKDAY = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
WEEKDAY_BAY = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bẩy", "Chủ Nhật"]


def fmt_views(v: int) -> str:
    return f"{v:,}".replace(",", ".")


# --------------------------------------------------------------------------------------------
# wards


def robots_match(rules: list[str], path_qs: str) -> bool:
    """Google-style robots matching: prefix, `*` wildcard, `$` end anchor."""
    for r in rules:
        rx = re.escape(r).replace(r"\*", ".*")
        if rx.endswith(r"\$"):
            rx = rx[:-2] + "$"
        if re.match(rx, path_qs):
            return True
    return False


@dataclass
class Ward:
    slug: str
    name: str
    family: str
    theme: str
    district: str
    province: str
    cats: list[Category]
    statics: list[tuple[str, str]]  # (path, nav label)
    registry_cats: bool  # write `categories` into the registry
    disallow: list[str]
    header_charset: bool = True
    page_size: int = 10
    home_latest: bool = False
    sidebar: bool = False
    viewmore_on_last: bool = False
    id_prefix: str = ""
    articles: list[Article] = field(default_factory=list)
    faults_done: set = field(default_factory=set)
    log: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None
    dead: list[str] = field(default_factory=list)  # listed keys that 404
    slow_listing: str = ""  # path of a slow listing page
    fail_listing: str = ""  # "slug|page" of a listing page that answers 503 once

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cat(self, slug: str) -> Category:
        return next(c for c in self.cats if c.slug == slug)

    def expected_articles(self) -> list[Article]:
        out = []
        for a in self.articles:
            if a.fault == "404":
                continue
            live = [c for c in a.cats if not self.cat(c).disallowed]
            if not live:
                continue
            out.append(a)
        return out

    def truth(self) -> dict:
        res = {}
        for a in self.expected_articles():
            res[a.key] = {
                "title": a.title,
                "posted_at": a.posted.strftime("%Y-%m-%dT%H:%M:00+07:00"),
                "views": a.views,
                "body": a.body,
                "body_alt": a.body_alt,
                "categories": sorted(
                    self.cat(c).name for c in a.cats if not self.cat(c).disallowed
                ),
                "docs": a.docs,
                "theme": self.theme,
                "family": self.family,
            }
        return res

    def robots(self) -> str:
        lines = ["User-agent: BadBot", "Disallow: /", "", "User-agent: *"]
        lines += [f"Disallow: {p}" for p in self.disallow]
        lines += ["", "Sitemap: /sitemap.xml", ""]
        return "\n".join(lines)

    def __post_init__(self):
        self.disallow = self.disallow + ["/dang-nhap"]

    def disallowed(self, path_qs: str) -> bool:
        return robots_match(self.disallow, path_qs)


# --------------------------------------------------------------------------------------------
# content generation


class Builder:
    def __init__(self, ward: Ward, seed: int, start: datetime, end: datetime):
        self.w = ward
        self.rng = random.Random(seed)
        self.start, self.end = start, end
        self.taken: set[str] = set()
        self.titles: set[str] = set()
        self.ids: set[int] = set()

    def title(self) -> str:
        while True:
            t = self.rng.choice(TITLES).format(
                w=self.w.name.replace("Phường ", ""),
                y=self.rng.randint(2019, 2025),
                y2=2030,
                n=self.rng.randint(1, 40),
                m=self.rng.randint(1, 12),
            )
            if t not in self.titles:
                self.titles.add(t)
                return t

    def when(self) -> datetime:
        span = int((self.end - self.start).total_seconds() // 60)
        d = self.start + timedelta(minutes=self.rng.randint(0, span))
        r = self.rng.random()
        if r < 0.25:  # day <= 12 to catch day/month swaps
            d = d.replace(day=self.rng.randint(1, 12))
        if r > 0.85:
            d = d.replace(hour=self.rng.choice([0, 12, 23]), minute=self.rng.choice([0, 5, 59]))
        return d.replace(second=0, microsecond=0)

    def para(self, nfd=False, ents=False, end_mark=False) -> Block:
        k = self.rng.randint(1, 3)
        text = " ".join(self.rng.sample(SENTENCES, k))
        if end_mark:
            text += "./."
        style = self.rng.choice(["", ' style="text-align:justify"', ' class="MsoNormal"', ""])
        lead = self.rng.choice(["", "", "\n\t", "&nbsp;"])
        return Block(f"<p{style}>{lead}{rich(text, self.rng, nfd=nfd, ents=ents)}</p>", [text])

    def spacer(self) -> Block:
        return Block(
            self.rng.choice(
                [
                    "<p>&nbsp;</p>",
                    "<p><br /></p>",
                    "<p> </p>",
                    '<p><span style="font-size:14px">&nbsp;</span></p>',
                    "<p>&nbsp; &nbsp;</p>",
                    "<p><strong>&nbsp;</strong></p>",
                    "<div>&nbsp;</div>",
                ]
            ),
            [],
        )

    def image(self, a: Article) -> Block:
        img = f"/image/journal/article?img_id={self.rng.randint(10000, 99999)}&t={self.rng.randint(10**12, 2 * 10**12)}"
        a.images.append(img)
        alt = self.rng.choice(["", "Ảnh hội nghị"])
        return Block(
            f'<p style="text-align:center"><img alt="{alt}" src="{html.escape(img)}" style="width:600px" /></p>',
            [],
        )

    def caption(self) -> Block:
        text = self.rng.choice(
            [
                "Ảnh: Quang cảnh hội nghị",
                "Các đại biểu tham dự buổi lễ",
                "Ảnh: Đoàn viên thanh niên ra quân",
            ]
        )
        return Block(f'<p style="text-align:center"><em>{html.escape(text)}</em></p>', [text])

    def doc(self, a: Article) -> Block:
        name = self.rng.choice(
            ["Kế hoạch số 82-KH/UBND", "Thông báo số 15/TB-UBND", "Quyết định số 120/QĐ-UBND"]
        )
        fname = ascii_slug(name, drop_d=False).replace("-", "+") + ".pdf"
        url = f"/documents/20182/{self.rng.randint(100000, 999999)}/{fname}/{self.rng.randint(10**7, 10**8)}-aa11-4c2b-9d3e-0123456789ab?t={self.rng.randint(10**12, 2 * 10**12)}"
        a.docs.append(url)
        return Block(
            f'<p>Chi tiết xem tại: <a href="{html.escape(url)}" target="_blank">{html.escape(name)}.pdf</a></p>',
            [f"Chi tiết xem tại: {name}.pdf"],
        )

    def br_block(self) -> Block:
        lines = [
            "- Thời gian: 8 giờ 00, ngày 20/9/2023.",
            "- Địa điểm: Hội trường UBND phường.",
            "- Thành phần: Đại diện các tổ dân phố.",
        ]
        sep = self.rng.choice(["<br />", "<br>", "<br/>\n"])
        return Block(f"<p>{sep.join(html.escape(x) for x in lines)}</p>", lines, [" ".join(lines)])

    def heading(self) -> Block:
        text = self.rng.choice(
            ["I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG THỰC HIỆN", "Thông tin chi tiết:"]
        )
        return Block(f"<p><strong>{html.escape(text)}</strong></p>", [text])

    def body(self, a: Article, nfd=False, ents=False) -> list[Block]:
        rng = self.rng
        blocks = [self.para(nfd, ents)]
        n = rng.randint(2, 5)
        for _i in range(n):
            r = rng.random()
            if r < 0.18:
                blocks.append(self.spacer())
            elif r < 0.30:
                blocks.append(self.image(a))
                if rng.random() < 0.6:
                    blocks.append(self.caption())
            elif r < 0.38:
                blocks.append(self.heading())
            elif r < 0.44:
                blocks.append(
                    Block(
                        "<!-- noi dung bai viet --><script>var x = '<p>không phải nội dung</p>';</script>",
                        [],
                    )
                )
            blocks.append(self.para(nfd and rng.random() < 0.7, ents))
        if rng.random() < 0.25:
            blocks.append(self.doc(a))
        if rng.random() < 0.5:
            blocks.append(self.spacer())
        blocks.append(self.para(nfd, ents, end_mark=rng.random() < 0.6))
        if rng.random() < 0.3:
            blocks.append(self.spacer())
        return blocks

    def article(
        self,
        cats: list[str],
        *,
        title: str | None = None,
        key: str | None = None,
        nfd=False,
        ents=False,
        title_html: str | None = None,
        views="random",
    ) -> Article:
        rng = self.rng
        t = title or self.title()
        t_nfd = nfd or rng.random() < 0.1
        th = (
            title_html
            if title_html is not None
            else rich(t, rng, nfd=t_nfd, ents=ents or rng.random() < 0.15, ws=0.1, inline=0)
        )
        posted = self.when()
        if views == "random":
            views = rng.choice([0, 7, 29, 498, 1234, 3456, 12345, 1234567, rng.randint(30, 999)])
        a = Article(self.w.slug, "", collapse(t), th, posted, views, [], cats, cats[0])
        fam = self.w.family
        a.slug = ascii_slug(t, drop_d=False)[:80].strip("-")
        if fam == "liferay-asset-publisher":
            a.key = key or url_title(t, self.taken)
            a.entry_id = rng.randint(100000, 999999)
        elif fam == "hanoi-portal":
            created = posted - timedelta(minutes=rng.randint(5, 3000), seconds=rng.randint(0, 59))
            while True:
                k = (
                    self.w.id_prefix
                    + created.strftime("%y%m%d%H%M%S")
                    + f"{rng.randint(0, 999):03d}"
                )
                if k not in self.taken:
                    break
            self.taken.add(k)
            a.key = k
            a.views = None
        else:
            while True:
                k = rng.randint(100000, 9999999)
                if k not in self.ids:
                    break
            self.ids.add(k)
            a.key = str(k)
        a.blocks = self.body(a, nfd=nfd, ents=ents)
        self.w.articles.append(a)
        return a


def spread(
    rng: random.Random, cats: list[str], main: str | None, n: int, multi: float
) -> list[list[str]]:
    """Category lists for n articles: `main` (e.g. tin-moi-nhat) plus one topic, sometimes two."""
    out = []
    topics = [c for c in cats if c != main]
    for i in range(n):
        t = [topics[i % len(topics)]]
        if rng.random() < multi:
            other = rng.choice(topics)
            if other not in t:
                t.append(other)
        if main and rng.random() < 0.8:
            t = [main] + t
        out.append(t)
    return out


def cat(slug, name, nav=None, nfd=False, extra="", disallowed=False) -> Category:
    nh = html.escape(NFD(name) if nfd else name) + extra
    return Category(slug, collapse(name), nh, nav or name, disallowed)


SEED_PARAS = [
    "Thực hiện Kế hoạch số 82-KH/ĐU, ngày 13/9/2023, Chi bộ tổ dân phố số 2 tổ chức sinh hoạt chính trị, tư tưởng về thực hiện Chỉ thị số 24 - CT/TU ngày 07/8/2023 của Ban Thường vụ Thành uỷ Hà Nội.",
    "Tại buổi sinh hoạt, đồng chí Bí thư chi bộ đã quán triệt mục đích yêu cầu của buổi sinh hoạt chính trị tư tưởng; đánh giá tình hình thực tế việc triển khai nhiệm vụ của chi bộ. Định hướng buổi sinh hoạt tập trung vào các nhóm vấn đề: công tác lãnh đạo, chỉ đạo thực hiện nhiệm vụ chính trị tại địa phương; sửa đổi, bổ sung Quy chế làm việc; việc phân công đảng viên, công tác kiểm tra giám sát, việc đảng viên thực hiện các nhiệm vụ do chi bộ phân công; công tác lãnh đạo, chỉ đạo hoạt động của các chi hội đoàn thể.",
    "Tại hội nghị có 9 ý kiến phát biểu, các đồng chí đảng viên đều nêu rõ nhận thức của cá nhân mình trong việc thực hiện Chỉ thị số 24 của Thành uỷ và việc tổ chức sinh hoạt chính trị, tư tưởng thực hiện Chỉ thị số 24 là hết sức cần thiết, nhằm nâng cao nhận thức, ý thức chấp hành kỷ cương, kỷ luật và  ý thức trách nhiệm trong thực thi nhiệm vụ đối với người đứng đầu chi bộ và đảng viên.",
    "Phát biểu chỉ đạo, đồng chí Nguyễn Thị Loan - Ủy viên Ban thường vụ, Chủ tịch Ủy ban MTTQ phường đã nhấn mạnh một số nội dung của Chỉ thị 24 cần quan tâm. Chi bộ tổ dân phố số 2 đã nghiêm túc thực hiện buổi sinh hoạt chính trị, thông qua đợt sinh hoạt chính trị tư tưởng, cần đề ra những giải pháp có tính khả thi nhằm nâng cao chất lượng, hiệu quả công việc ngày càng tốt hơn.",
    "Tiếp thu ý kiến chỉ đạo của đồng chí lãnh đạo,  đồng chí Bí thư cho bộ khẳng định  trong thời gian tới, chi bộ tiếp tục thực hiện nghiêm nguyên tắc tập trung dân chủ, nâng cao chất lượng, hiệu quả trong công tác chỉ đạo điều hành triển khai các nhiệm vụ chính trị của địa phương. Chỉ đạo đảng viên chi bộ thực hiện nghiêm túc và đẩy mạnh công tác tuyên truyền về thực hiện Chỉ thị 24 - CT/TU của Ban thường vụ Thành uỷ./.",
]


def specials(b: Builder, cats_a: list[str], cats_b: list[str]) -> None:
    """Articles with title quirks, shared by the wards of every family."""
    b.article(cats_a, title="THÔNG BÁO LỊCH TIẾP CÔNG DÂN CỦA CHỦ TỊCH UBND PHƯỜNG THÁNG 10/2023")
    b.article(cats_b, title="Ra quân làm sạch đường làng ngõ xóm tại tổ đân phố số 5", nfd=True)
    b.article(
        cats_a,
        title="Tập huấn công tác hoà giải của Uỷ ban phường cho các ủy viên hòa giải",
        ents=True,
    )
    t = 'Tuyên truyền "Ngày hội toàn dân bảo vệ an ninh Tổ quốc" & phòng chống tội phạm'
    b.article(
        cats_b, title=t, title_html=html.escape(t, quote=True).replace("&#x27;", "&#39;") + " "
    )
    t = "Phường tổ chức l\ufffdp học kỹ năng sống cho thiếu nhi"
    b.article(cats_a, title=t)
    t = "Hội nghị  sơ kết 6 tháng đầu năm 2024"
    b.article(
        cats_b, title=t, title_html="\n  Hội nghị&nbsp; sơ kết&nbsp;6 tháng <b>đầu năm</b> 2024\n "
    )


def build_wards() -> list[Ward]:
    wards = []

    # W1: asset publisher, stock Liferay markup, registry lists the categories -----------------
    w = Ward(
        "indep-phuc-an",
        "Phường Phúc An",
        "liferay-asset-publisher",
        "stock",
        "Quận Long Biên",
        "Hà Nội",
        [
            cat("tin-moi-nhat", "tin mới nhất"),
            cat("hoat-dong-khoi-chinh-quyen", "Hoạt động khối chính quyền"),
            cat("thong-baothong-bao", "thông báo", nfd=True, extra="&nbsp;"),
            cat("dangbo", "Hoạt động tổ dân phố và các đơn vị hiệp quản"),
        ],
        [("/gioi-thieu", "Giới thiệu")],
        True,
        ["/c/", "/web/guest/dang-nhap", "/tim-kiem", "/*_101_redirect="],
        page_size=5,
    )
    b = Builder(w, 11, datetime(2023, 1, 1), datetime(2025, 6, 30))
    seed = b.article(
        ["tin-moi-nhat", "dangbo"],
        title="Chi bộ tổ dân phố số 2, Đảng bộ phường Phúc Lợi tổ chức sinh hoạt chính trị, tư tưởng",
        views=29,
    )
    seed.posted = datetime(2023, 9, 15, 18, 2)
    seed.blocks = [
        Block(f"<p>{rich(p, b.rng, ws=0.05)}</p>", [collapse(p)]) for p in SEED_PARAS[:1]
    ]
    seed.blocks += [b.spacer(), b.image(seed)]
    seed.blocks += [
        Block(f'<p style="text-align:justify">{html.escape(p)}</p>', [collapse(p)])
        for p in SEED_PARAS[1:]
    ]
    specials(
        b, ["tin-moi-nhat", "hoat-dong-khoi-chinh-quyen"], ["tin-moi-nhat", "thong-baothong-bao"]
    )
    long_t = (
        "Kế hoạch tổ chức triển khai thực hiện công tác đảm bảo trật tự an toàn giao thông, trật tự đô thị, "
        "vệ sinh môi trường trên địa bàn phường đồng thời phục vụ các ngày lễ lớn trong năm 2024 của thành phố"
    )
    b.article(["hoat-dong-khoi-chinh-quyen"], title=long_t)
    b.article(
        ["tin-moi-nhat", "dangbo"], title="Đảng bộ phường tổ chức Đại hội đại biểu lần thứ XV"
    )
    b.article(["dangbo"], title="Đảng bộ phường tổ chức Đại hội đại biểu lần thứ XV")  # urlTitle -2
    edited = b.article(
        ["tin-moi-nhat", "thong-baothong-bao"],
        title="Thông báo tạm dừng cấp nước khu vực tổ dân phố số 8",
        key="thong-bao-tam-dung-cap-nuoc",
    )
    edited.title = "Thông báo (điều chỉnh) tạm dừng cấp nước khu vực tổ dân phố số 8 và số 9"
    edited.title_html = html.escape(edited.title)
    for cs in spread(
        b.rng,
        ["tin-moi-nhat", "hoat-dong-khoi-chinh-quyen", "thong-baothong-bao", "dangbo"],
        "tin-moi-nhat",
        14,
        0.15,
    ):
        b.article(cs)
    dead = b.article(["thong-baothong-bao"], title="Bài viết đã bị gỡ bỏ")
    dead.fault = "404"
    w.articles[12].blocks.insert(2, b.br_block())
    wards.append(w)

    # W2: asset publisher, Ministry-of-Health hook, categories discovered from the menu ----------
    w = Ward(
        "indep-ngoc-lam",
        "Phường Ngọc Lâm",
        "liferay-asset-publisher",
        "moh",
        "Quận Long Biên",
        "Hà Nội",
        [
            cat("tintuccacdonvi", "Tin tức các đơn vị", nav="Tin các đơn vị"),
            cat("vanhoa", "văn hoá - xã hội", nav="Văn hóa"),
            cat("baivietcacchuyende", "Bài viết các chuyên đề", nfd=True),
        ],
        [("/gioi-thieu", "Giới thiệu"), ("/lien-he", "Liên hệ"), ("/so-do-cong", "Sơ đồ cổng")],
        False,
        ["/tim-kiem", "/c/portal", "/web/guest/dang-nhap"],
        page_size=6,
        home_latest=True,
    )
    w.fail_listing = "vanhoa|2"
    b = Builder(w, 22, datetime(2023, 3, 1), datetime(2025, 6, 30))
    specials(b, ["tintuccacdonvi"], ["vanhoa", "baivietcacchuyende"])
    for cs in spread(b.rng, ["tintuccacdonvi", "vanhoa", "baivietcacchuyende"], None, 16, 0.3):
        b.article(cs, nfd=b.rng.random() < 0.1)
    wards.append(w)

    # W3: asset publisher, the other hook (Thứ Bẩy, view count elsewhere), registry categories ----
    w = Ward(
        "indep-bo-de",
        "Phường Bồ Đề",
        "liferay-asset-publisher",
        "other",
        "Quận Long Biên",
        "Hà Nội",
        [
            cat("tin-moi-nhat", "Tin mới nhất"),
            cat("thong-bao1", "Thông báo"),
            cat("hoat-dong-khoi-chinh-quyen", "hoạt động khối chính quyền"),
            cat("baivietcacchuyende", "Bài viết các chuyên đề"),
        ],
        [("/gioi-thieu", "Giới thiệu")],
        True,
        ["/c/", "/tim-kiem"],
        header_charset=False,
        page_size=8,
    )
    b = Builder(w, 33, datetime(2023, 5, 1), datetime(2025, 6, 30))
    specials(b, ["tin-moi-nhat", "thong-bao1"], ["tin-moi-nhat", "hoat-dong-khoi-chinh-quyen"])
    for cs in spread(
        b.rng, ["tin-moi-nhat", "thong-bao1", "hoat-dong-khoi-chinh-quyen"], "tin-moi-nhat", 14, 0.2
    ):
        b.article(cs)
    sat = [a for a in w.articles if a.posted.weekday() == 5]
    for a in w.articles[:4]:  # make sure some are Saturdays (Thứ Bẩy)
        if a not in sat:
            a.posted += timedelta(days=(5 - a.posted.weekday()) % 7)
    for i, a in enumerate(w.articles):
        a.view_place = ["body", "body", "outside", "body", "none"][i % 5]
        if a.view_place == "none":
            a.views = None
    w.articles[5].fault = "slow"
    wards.append(w)

    # W4: hanoi-portal, categories discovered; home shows latest; static page looks like a detail -
    w = Ward(
        "indep-phuc-loi",
        "Phường Phúc Lợi",
        "hanoi-portal",
        "hanoi-a",
        "",
        "Hà Nội",
        [
            cat("tin-tuc-su-kien", "Tin tức - Sự kiện", nav="Tin tức"),
            cat("dang-doan-the", "Đảng - Đoàn thể"),
            cat("thong-tin-tuyen-truyen", "Thông tin tuyên truyền", nav="Tuyên truyền", nfd=True),
        ],
        [("/gioi-thieu-chung", "Giới thiệu chung"), ("/lien-he", "Liên hệ")],
        False,
        ["/tim-kiem", "/api/", "/print/"],
        page_size=6,
        home_latest=True,
        sidebar=True,
        id_prefix="2702",
    )
    b = Builder(w, 44, datetime(2025, 7, 1, 8), datetime(2025, 12, 20))
    specials(b, ["tin-tuc-su-kien"], ["dang-doan-the", "tin-tuc-su-kien"])
    for cs in spread(
        b.rng, ["tin-tuc-su-kien", "dang-doan-the", "thong-tin-tuyen-truyen"], None, 17, 0.3
    ):
        b.article(cs)
    dead = b.article(["tin-tuc-su-kien"], title="Tin đã gỡ")
    dead.fault = "404"
    for a in w.articles[1:20:4]:  # text typed straight into the body container, after the last <p>
        a.blocks.append(
            Block(
                "\nNguồn: Phòng Văn hoá và Thông tin phường ",
                ["Nguồn: Phòng Văn hoá và Thông tin phường"],
            )
        )
    wards.append(w)

    # W5: hanoi-portal, registry categories; "Xem thêm" still shown on the last page ------------
    w = Ward(
        "indep-dong-da",
        "Phường Đống Đa",
        "hanoi-portal",
        "hanoi-b",
        "",
        "Hà Nội",
        [
            cat("tin-tuc-su-kien", "Tin tức sự kiện"),
            cat("cai-cach-hanh-chinh", "Cải cách hành chính"),
        ],
        [("/gioi-thieu-chung", "Giới thiệu")],
        True,
        ["/tim-kiem", "/print/"],
        header_charset=False,
        page_size=5,
        viewmore_on_last=True,
        id_prefix="2806",
    )
    w.fail_listing = "tin-tuc-su-kien|2"
    b = Builder(w, 55, datetime(2025, 7, 1, 0, 30), datetime(2025, 12, 20))
    specials(b, ["tin-tuc-su-kien"], ["cai-cach-hanh-chinh", "tin-tuc-su-kien"])
    for cs in spread(b.rng, ["tin-tuc-su-kien", "cai-cach-hanh-chinh"], None, 12, 0.3):
        b.article(cs)
    wards.append(w)

    # W6: liferay-view-content, categories discovered; a robots-disallowed category in the menu ---
    w = Ward(
        "indep-lac-vien",
        "Phường Lạc Viên",
        "liferay-view-content",
        "vc-a",
        "Quận Ngô Quyền",
        "Hải Phòng",
        [
            cat("tin-tuc-su-kien", "Tin tức - Sự kiện"),
            cat("cai-cach-hanh-chinh", "Cải cách hành chính", nav="CCHC"),
            cat("van-hoa-xa-hoi", "Văn hóa - Xã hội"),
            cat("noi-bo", "Tin nội bộ", disallowed=True),
        ],
        [("/so-do-cong", "Sơ đồ cổng"), ("/lien-he", "Liên hệ")],
        False,
        ["/noi-bo", "/in-bai", "/tim-kiem"],
        page_size=7,
    )
    b = Builder(w, 66, datetime(2018, 1, 1), datetime(2024, 12, 31))
    specials(b, ["tin-tuc-su-kien"], ["van-hoa-xa-hoi", "cai-cach-hanh-chinh"])
    for cs in spread(
        b.rng, ["tin-tuc-su-kien", "cai-cach-hanh-chinh", "van-hoa-xa-hoi"], None, 14, 0.3
    ):
        b.article(cs)
    for _ in range(3):
        b.article(["noi-bo"])
    for a in w.articles[2:10:3]:  # <br>-separated lines
        a.blocks.insert(1, b.br_block())
    w.articles[7].fault = "503once"
    wards.append(w)

    # W7: liferay-view-content, registry categories; sidebar div.content before the article ------
    w = Ward(
        "indep-le-loi",
        "Phường Lê Lợi",
        "liferay-view-content",
        "vc-b",
        "Quận Ngô Quyền",
        "Hải Phòng",
        [
            cat("tin-tuc", "Tin tức"),
            cat("thong-bao", "Thông báo"),
            cat("an-ninh-quoc-phong", "An ninh - Quốc phòng"),
        ],
        [("/gioi-thieu", "Giới thiệu")],
        True,
        ["/tim-kiem", "/in-bai"],
        header_charset=False,
        page_size=6,
        sidebar=True,
    )
    w.slow_listing = "/thong-bao"
    b = Builder(w, 77, datetime(2018, 1, 1), datetime(2024, 12, 31))
    specials(b, ["tin-tuc"], ["thong-bao", "an-ninh-quoc-phong"])
    for cs in spread(b.rng, ["tin-tuc", "thong-bao", "an-ninh-quoc-phong"], None, 12, 0.3):
        b.article(cs)
    for i, a in enumerate(w.articles):
        a.meta_variant = i % 3
        if i % 4 == 1:  # Word paste: <div> paragraphs, and a WordSection wrapper
            new = []
            for blk in a.blocks:
                if blk.html.startswith("<p") and blk.expected:
                    inner = re.sub(r"^<p[^>]*>|</p>$", "", blk.html)
                    new.append(
                        Block(
                            f'<div style="text-align: justify;">{inner}</div>',
                            blk.expected,
                            blk.alt,
                        )
                    )
                else:
                    new.append(blk)
            a.blocks = new
        elif i % 4 == 3:
            a.blocks = [Block('<div class="WordSection1">', [])] + a.blocks + [Block("</div>", [])]
    wards.append(w)
    return wards


# --------------------------------------------------------------------------------------------
# rendering


def page(w: Ward, title: str, main: str, head_extra: str = "") -> str:
    meta = (
        '<meta charset="utf-8">'
        if w.header_charset
        else '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
    )
    return f"""<!DOCTYPE html>
<html lang="vi"><head>{meta}
<title>{html.escape(title)} - Cổng thông tin điện tử {html.escape(w.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{head_extra}
<link rel="stylesheet" href="/static/main.css"><script src="/static/jquery.js"></script>
</head><body>
<div class="top-bar"><span>Hôm nay: Thứ Hai, 01/01/2024</span> <a href="/dang-nhap">Đăng nhập</a>
<form action="/tim-kiem" method="get"><input name="q"></form> <a href="/tim-kiem?q=tin">Tìm kiếm</a></div>
<div class="banner"><a href="/"><img src="/static/logo.png" alt="Cổng thông tin điện tử {html.escape(w.name)}"></a>
<h1 class="site-name">ỦY BAN NHÂN DÂN {html.escape(w.name.upper())}</h1></div>
{nav(w)}
<div id="wrapper" class="container">{main}</div>
<div class="footer"><p>Cơ quan chủ quản: Ủy ban nhân dân {html.escape(w.name)}</p>
<p>Địa chỉ: Số 1 phố Ngọc Lâm. Điện thoại: 024.3827.1234 - Email: <a href="mailto:ubnd@example.vn">ubnd@example.vn</a></p>
<p>Lượt truy cập: 1.234.567</p></div>
</body></html>"""


def nav(w: Ward) -> str:
    items = [(c.slug, c.nav_label) for c in w.cats]
    statics = w.statics
    if w.theme in ("stock", "other"):
        lis = "".join(
            f'<li class="menu-item"><a href="/{s}"><span>{html.escape(n)}</span></a></li>'
            for s, n in items
        )
        lis += "".join(
            f'<li class="menu-item"><a href="{p}">{html.escape(n)}</a></li>' for p, n in statics
        )
        return f'<div class="navbar-main"><ul class="menu-list"><li class="menu-item home"><a href="/">Trang chủ</a></li>{lis}</ul></div>'
    if w.theme == "moh":
        sub = "".join(f'<li><a href="{w.base}/{s}">{html.escape(n)}</a></li>' for s, n in items)
        st = "".join(f'<li><a href="{p}">{html.escape(n)}</a></li>' for p, n in statics)
        return (
            '<div class="menu-wrap"><ul id="main-menu"><li class="active"><a href="/">Trang chủ</a></li>'
            f'<li class="has-sub"><a href="javascript:void(0);">Tin tức</a><ul class="sub-menu">{sub}</ul></li>'
            f'{st}<li><a href="/tim-kiem">Tìm kiếm</a></li><li><a href="#">Văn bản</a></li></ul></div>'
        )
    if w.family == "hanoi-portal":
        a = "".join(
            f'<li><a href="/{s}" title="{html.escape(n)}">{html.escape(n)}</a></li>'
            for s, n in items
        )
        st = "".join(f'<li><a href="{p}">{html.escape(n)}</a></li>' for p, n in statics)
        return f'<div class="menu-top"><ul><li><a href="/" class="home">Trang chủ</a></li>{a}{st}<li><a href="javascript:void(0)" onclick="openDvc()">Dịch vụ công</a></li></ul></div>'
    a = "".join(f'<li><a href="/{s}">{html.escape(n)}</a></li>' for s, n in items)
    st = "".join(f'<li><a href="{p}">{html.escape(n)}</a></li>' for p, n in statics)
    return f'<div class="main-nav-wrapper"><ul id="main-menu"><li><a href="/">Trang chủ</a></li>{a}{st}</ul></div>'


def body_html(a: Article) -> str:
    return "\n".join(b.html for b in a.blocks)


def listing_pages(w: Ward, slug: str) -> list[list[Article]]:
    arts = sorted((a for a in w.articles if slug in a.cats), key=lambda a: a.posted, reverse=True)
    ps = w.page_size
    return [arts[i : i + ps] for i in range(0, len(arts), ps)] or [[]]


# ---- asset publisher


AP_BASE = [
    ("p_p_id", "101"),
    ("p_p_lifecycle", "0"),
    ("p_p_state", "normal"),
    ("p_p_mode", "view"),
    ("p_p_col_id", "column-1"),
    ("p_p_col_count", "1"),
]


def ap_article_url(w: Ward, a: Article, slug: str, variant: int, absolute=False) -> str:
    params = list(AP_BASE) + [("_101_struts_action", "/asset_publisher/view_content")]
    if variant % 2 == 0:
        params.append(("_101_assetEntryId", str(a.entry_id)))
    params.append(("_101_type", "content"))
    if variant % 3 != 1:
        params.append(("_101_viewMode", "view"))
    params.append(("_101_urlTitle", a.key))
    if variant % 3 == 0:
        params.append(("_101_redirect", f"{w.base}/{slug}?p_p_id=101&p_p_lifecycle=0&_101_cur=1"))
    if variant % 4 == 3:
        random.Random(a.key + slug).shuffle(params)
    q = urllib.parse.urlencode(params)
    return (w.base if absolute else "") + f"/{slug}?{q}"


def ap_page_url(slug: str, n: int) -> str:
    return (
        f"/{slug}?p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&p_p_col_id=column-1&p_p_col_count=1"
        f"&_101_delta=10&_101_keywords=&_101_advancedSearch=false&_101_andOperator=true"
        f"&p_r_p_564233524_resetCur=false&_101_cur={n}"
    )


def portlet(title_html: str, inner: str, pid="101") -> str:
    return (
        f'<section class="portlet" id="portlet_{pid}"><header class="portlet-topper"><h1 class="portlet-title">'
        f'<span class="portlet-title-text">{title_html}</span></h1></header>'
        f'<div class="portlet-content"><div class="portlet-body">{inner}</div></div></section>'
    )


def ap_listing(w: Ward, c: Category, n: int) -> str:
    pages = listing_pages(w, c.slug)
    last = len(pages)
    n = max(1, min(n, last))
    items = []
    for i, a in enumerate(pages[n - 1]):
        v = h(a.key) % 12 + i
        u1 = html.escape(ap_article_url(w, a, c.slug, v, absolute=(i % 2 == 0)))
        u2 = html.escape(ap_article_url(w, a, c.slug, v + 1))
        date = a.posted.strftime("%d/%m/%Y %H:%M")
        if w.theme == "moh":
            wd = WEEKDAY[a.posted.weekday()]
            items.append(
                f'<div class="itemm clearfix"><a class="thumb" href="{u2}"><img src="/image/journal/article?img_id=1&amp;t=1"></a>'
                f'<h3 class="asset-title"><a href="{u1}">{a.title_html}</a></h3>'
                f'<span class="time">{wd}, ngày {date}</span><p class="sapo">{html.escape(SENTENCES[0])}</p></div>'
            )
        elif w.theme == "other":
            items.append(
                f'<div class="news-row"><div class="asset_title"><a class="title" href="{u1}">{a.title_html}</a></div>'
                f'<div class="asset-publish-date"><span>{date}</span></div><a class="more" href="{u2}">Chi tiết</a></div>'
            )
        else:
            items.append(
                f'<div class="asset-abstract"><h3 class="asset-title"><a href="{u1}">{a.title_html}</a></h3>'
                f'<div class="asset-summary">{html.escape(SENTENCES[1])}</div>'
                f'<div class="asset-more"><a href="{u2}">Xem tiếp »</a></div></div>'
            )
    if w.theme == "moh":
        pager = (
            '<div class="pagination">'
            + "".join(
                f'<a href="{html.escape(ap_page_url(c.slug, k))}" class="{"active" if k == n else ""}">{k}</a>'
                for k in range(1, last + 1)
            )
            + "</div>"
        )
    else:

        def li(label, k, cls=""):
            if k is None:
                return f'<li class="disabled {cls}"><a href="javascript:;">{label}</a></li>'
            return f'<li class="{cls}"><a href="{html.escape(ap_page_url(c.slug, k))}">{label}</a></li>'

        pager = (
            '<div class="taglib-page-iterator"><div class="clearfix lfr-pagination"><ul class="pager lfr-pagination-buttons">'
            + li("&larr; Đầu", 1 if n > 1 else None, "first")
            + li("Trước", n - 1 if n > 1 else None)
            + li("Tiếp", n + 1 if n < last else None)
            + li("Cuối &rarr;", last if n < last else None, "last")
            + f'</ul><div class="search-results">Trang {n} của {last}</div></div></div>'
        )
    # the dead link is listed like any other item (it is in the category's list)
    return page(w, c.name, portlet(c.name_html, "".join(items) + pager))


def ap_meta(a: Article) -> str:
    d = a.posted.strftime("%d/%m/%Y")
    t = a.posted.strftime("%H:%M")
    sep = "&nbsp; " if h(a.key) % 2 else " &nbsp;"
    views = fmt_views(a.views) if a.views is not None else "0"
    return f"Ngày đăng {d} | {t}{sep}| Lượt xem: {views}"


def ap_related(w: Ward, a: Article, slug: str) -> list[tuple[str, str]]:
    others = [o for o in w.articles if o is not a and o.fault != "404" and slug in o.cats][:3]
    return [(ap_article_url(w, o, slug, 2), o.title_html) for o in others]


def ap_article(w: Ward, a: Article, slug: str) -> str:
    c = w.cat(slug) if any(x.slug == slug for x in w.cats) else w.cat(a.primary)
    rel = ap_related(w, a, slug)
    if w.theme == "moh":
        relhtml = "".join(f'<li><a href="{html.escape(u)}">{t}</a></li>' for u, t in rel)
        printlink = (
            '<div class="print-news"><a href="javascript:window.print()">In bài viết</a> | <a href="javascript:history.back()">Quay lại</a></div>'
            if h(a.key) % 2
            else ""
        )
        inner = (
            f'<div class="contentDetail"><h3 class="text-change-size">{a.title_html}</h3>'
            f'<p class="time-post">{ap_meta(a)}</p>'
            '<div class="change-size"><a href="javascript:;">A-</a> <a href="javascript:;">A+</a></div>'
            f'<div class="contentDetail mt15">{body_html(a)}{printlink}</div>'
            f'<div class="newsDifferent"><h4>Tin liên quan</h4><ul class="tinlienquan">{relhtml}</ul></div></div>'
        )
    elif w.theme == "other":
        wd = WEEKDAY_BAY[a.posted.weekday()]
        relhtml = "".join(f'<li><a href="{html.escape(u)}">{t}</a></li>' for u, t in rel)
        vc_in = (
            f'<div class="luot-xem">Lượt xem: {fmt_views(a.views)}</div>'
            if a.view_place == "body"
            else ""
        )
        vc_out = (
            f'<div class="asset-view-count"><span>Lượt xem: {fmt_views(a.views)}</span></div>'
            if a.view_place == "outside"
            else ""
        )
        inner = (
            '<div class="asset_publisher_view_full_content">'
            f'<div class="asset_title"><span>{a.title_html}</span></div>'
            f'<div class="asset-publish-date"><span>{wd}, ngày {a.posted.strftime("%d/%m/%Y %H:%M")}</span></div>'
            f'<div class="asset_content journal-content-article">{body_html(a)}{vc_in}'
            '<div class="print-back"><a href="javascript:window.print()">In bài</a> | <a href="javascript:history.back()">Quay lại</a></div></div>'
            f'{vc_out}<div class="asset-links"><h5>Tin liên quan</h5><ul>{relhtml}</ul></div></div>'
        )
    else:
        relhtml = "".join(f'<li><a href="{html.escape(u)}">{t}</a></li>' for u, t in rel)
        inner = (
            '<div class="asset-full-content default-asset-publisher show-asset-title">'
            f'<div class="taglib-header"><h3 class="header-title"><span>{a.title_html}</span></h3></div>'
            f'<div class="asset-metadata">{ap_meta(a)}</div>'
            f'<div class="asset-content"><div class="journal-content-article">{body_html(a)}</div></div>'
            '<div class="social-share">Chia sẻ: <a href="https://www.facebook.com/sharer/sharer.php">Facebook</a></div></div>'
            f'<div class="tinlienquan"><h5>Các tin khác</h5><ul>{relhtml}</ul></div>'
        )
    return page(w, a.title, portlet(c.name_html, inner))


def ap_home(w: Ward) -> str:
    main = ""
    if w.home_latest:
        latest = sorted(
            (
                a
                for a in w.articles
                if a.fault != "404" and not any(w.cat(c).disallowed for c in a.cats)
            ),
            key=lambda a: a.posted,
            reverse=True,
        )[:6]
        items = "".join(
            f'<div class="itemm"><h3 class="asset-title"><a href="{html.escape(ap_article_url(w, a, a.primary, 1))}">{a.title_html}</a></h3>'
            f'<span class="time">{a.posted.strftime("%d/%m/%Y %H:%M")}</span></div>'
            for a in latest
        )
        main += portlet("Tin mới", items, pid="101_INSTANCE_home")
    main += portlet(
        "Giới thiệu",
        f'<div class="journal-content-article"><p>Chào mừng đến với cổng thông tin {html.escape(w.name)}.</p></div>',
        pid="56",
    )
    return page(w, "Trang chủ", main)


# ---- hanoi portal


def hn_url(w: Ward, a: Article, slug: str | None = None) -> str:
    return f"/{slug or a.primary}/{a.slug}-{a.key}.htm"


def hn_item(w: Ward, a: Article, slug: str) -> str:
    # listed in a secondary category: most links are canonical, some carry the listing's slug
    link_slug = slug if (slug != a.primary and int(a.key[-1]) % 2) else a.primary
    u = html.escape(hn_url(w, a, link_slug))
    return (
        f'<div class="box-stream-item"><a class="box-stream-link-with-avatar" href="{u}" title="{html.escape(a.title)}">'
        f'<img src="/static/thumb.jpg" alt="{html.escape(a.title)}"></a><div class="box-stream-content">'
        f'<h3><a class="box-stream-link-title" href="{u}">{a.title_html}</a></h3>'
        f'<span class="box-stream-time">{a.posted.strftime("%d/%m/%Y %H:%M")}</span></div></div>'
    )


def sidebar(w: Ward, exclude: str) -> str:
    pop = [
        a
        for a in w.articles
        if exclude not in a.cats
        and a.fault != "404"
        and not any(w.cat(c).disallowed for c in a.cats)
    ][:4]
    if w.family == "hanoi-portal":
        lis = "".join(
            f'<li><a href="{html.escape(hn_url(w, a))}">{a.title_html}</a></li>' for a in pop
        )
        return (
            f'<div class="box-sidebar"><div class="box-title">Đọc nhiều</div><ul>{lis}</ul></div>'
        )
    lis = "".join(
        f'<li><a href="{html.escape(vc_url(a, a.primary))}">{a.title_html}</a></li>' for a in pop
    )
    return f'<div class="box-sidebar col-right"><h3>Tin xem nhiều</h3><div class="content"><ul>{lis}</ul></div></div>'


def hn_listing(w: Ward, c: Category, n: int) -> str:
    pages = listing_pages(w, c.slug)
    last = len(pages)
    shown = max(1, min(n, last))
    items = []
    for i, a in enumerate(pages[shown - 1]):
        if shown == 1 and i < 2 and w.theme == "hanoi-a":  # featured slots above the stream
            u = html.escape(hn_url(w, a))
            items.append(
                f'<div class="box-focus"><a class="box-focus-link-avatar" href="{u}"><img src="/static/big.jpg"></a>'
                f'<h2 class="box-focus-title"><a href="{u}">{a.title_html}</a></h2><p class="box-focus-sapo">{html.escape(SENTENCES[2])}</p></div>'
            )
        else:
            items.append(hn_item(w, a, c.slug))
    more = ""
    if n < last or w.viewmore_on_last:
        more = f'<a class="view-more" href="/{c.slug}?page={n + 1}">Xem thêm</a>'
    heading = (
        f'<div class="box-category"><div class="box-category-top"><h2 class="box-category-title">'
        f'<a href="/{c.slug}" title="{html.escape(c.name)}">{c.name_html}</a></h2></div>'
    )
    side = sidebar(w, c.slug) if w.sidebar else ""
    main = (
        f'<div class="breadcrumb"><a href="/">Trang chủ</a> &gt; <span>{c.name_html}</span></div>'
        f'<div class="row"><div class="col-main">{heading}<div class="box-stream">{"".join(items)}</div>{more}</div></div>'
        f'<div class="col-side">{side}</div></div>'
    )
    return page(w, c.name, main)


def hn_article(w: Ward, a: Article) -> str:
    c = w.cat(a.primary)
    rel = [o for o in w.articles if o is not a and o.fault != "404" and a.primary in o.cats][:3]
    rel_li = "".join(
        f'<li><a href="{html.escape(hn_url(w, o))}">{o.title_html}</a></li>' for o in rel
    )
    body = body_html(a)
    if w.theme == "hanoi-b":
        body = body.replace(
            "</p>\n",
            '</p>\n<figure class="VCSortableInPreviewMode" type="Photo"><div><img src="/static/p.jpg" alt=""></div>'
            '<figcaption class="PhotoCMS_Caption"><p data-placeholder="[nhập chú thích]">Ảnh: Quang cảnh buổi làm việc</p></figcaption></figure>\n',
            1,
        )
        body += (
            f'\n<div class="VCSortableInPreviewMode link-content-footer" type="RelatedNews"><div class="related-title">Tin liên quan</div>'
            f"<ul>{rel_li}</ul></div>"
        )
    main = (
        f'<div class="detail-page"><div class="detail-cate"><a href="/{c.slug}">{c.name_html}</a></div>'
        f'<h1 class="detail-title">{a.title_html}</h1>'
        f'<div class="detail-info"><span class="detail-author">Phòng Văn hóa - Xã hội</span> '
        f'<div class="detail-time"><div data-role="publishdate">{a.posted.strftime("%H:%M %d/%m/%Y")}</div></div></div>'
        f'<div class="detail-content afcbc-body" data-role="content">{body}</div>'
        f'<div class="detail-print"><a href="/print/{a.key}.htm">In bài</a></div>'
        f'<div class="detail-related"><h3>Tin liên quan</h3><ul>{rel_li}</ul></div></div>'
    )
    return page(w, a.title, main)


def hn_fix_captions(w: Ward) -> None:
    """hanoi-b inserts one figure caption after the first paragraph: record it in the truth."""
    if w.theme != "hanoi-b":
        return
    for a in w.articles:
        for i, blk in enumerate(a.blocks):
            if blk.html.endswith("</p>") and i + 1 < len(a.blocks):
                a.blocks.insert(i + 1, Block("", ["Ảnh: Quang cảnh buổi làm việc"], []))
                break


def hn_home(w: Ward) -> str:
    latest = sorted(
        (a for a in w.articles if a.fault != "404"), key=lambda a: a.posted, reverse=True
    )[:8]
    items = "".join(hn_item(w, a, a.primary) for a in latest)
    return page(
        w,
        "Trang chủ",
        f'<div class="home-latest"><h2 class="title">Tin mới nhất</h2><div class="box-stream">{items}</div></div>',
    )


# ---- liferay view content


def vc_url(a: Article, slug: str) -> str:
    return f"/{slug}/-/view_content/{a.key}-{a.slug}.html"


def vc_listing(w: Ward, c: Category, n: int) -> str:
    pages = listing_pages(w, c.slug)
    last = len(pages)
    n = max(1, min(n, last))
    crumbs = f'<ul class="breadcrumb"><li><a href="/">Trang chủ</a></li><li class="active"><a href="/{c.slug}">{c.name_html}</a></li></ul>'
    if w.theme == "vc-a":
        lis = "".join(
            f'<li class="news-item"><a class="news-title" href="{html.escape(vc_url(a, c.slug))}">{a.title_html}</a>'
            f' <span class="news-date">({a.posted.strftime("%d/%m/%Y")})</span></li>'
            for a in pages[n - 1]
        )
        lst = f'<div class="tieu-de-chuyen-muc">{c.name_html}</div><ul class="list-news">{lis}</ul>'
    else:
        lis = "".join(
            f'<div class="news-item-row"><a class="thumb" href="{html.escape(vc_url(a, c.slug))}"><img src="/static/t.jpg"></a>'
            f'<a class="title-news" href="{html.escape(vc_url(a, c.slug))}">{a.title_html}</a>'
            f'<span class="news-date">{a.posted.strftime("%d/%m/%Y")}</span></div>'
            for a in pages[n - 1]
        )
        lst = f'<div class="header-cate"><h2><span>{c.name_html}</span></h2></div><div class="list-news-cate">{lis}</div>'
    pager = (
        '<div class="paging">'
        + "".join(
            f'<a href="/{c.slug}?cur={k}"{" class=active" if k == n else ""}>{k}</a>'
            for k in range(1, last + 1)
        )
        + (f'<a href="/{c.slug}?cur={n + 1}">»</a>' if n < last else "")
        + "</div>"
    )
    side = sidebar(w, c.slug) if w.sidebar else ""
    return page(w, c.name, f"{side}{crumbs}<div class='col-main'>{lst}{pager}</div>")


def vc_article(w: Ward, a: Article, slug: str) -> str:
    c = w.cat(slug) if any(x.slug == slug for x in w.cats) else w.cat(a.primary)
    d, t = a.posted.strftime("%d/%m/%Y"), a.posted.strftime("%H:%M")
    views = fmt_views(a.views)
    meta = [
        f"Ngày đăng {d} | {t} | Lượt xem: {views}",
        f"Ngày đăng: {d} | {t} | Lượt xem: {views}",
        f"Ngày đăng {d} | {t} | Lượt xem: {views}",
    ][a.meta_variant]
    body = body_html(a)
    rel = [o for o in w.articles if o is not a and slug in o.cats][:3]
    rel_li = "".join(
        f'<li><a href="{html.escape(vc_url(o, slug))}">{o.title_html}</a></li>' for o in rel
    )
    if w.theme == "vc-a":
        body += (
            f'<div class="box-print"><a href="/in-bai?id={a.key}" target="_blank">In bài viết</a> '
            '<a href="javascript:history.back()">Quay lại</a></div>'
            f'<div class="tin-lien-quan"><h4>Tin liên quan</h4><ul>{rel_li}</ul></div>'
        )
        after = ""
    else:
        after = f'<div class="other-news"><h4>Các tin khác</h4><ul>{rel_li}</ul></div>'
    side = sidebar(w, slug) if w.sidebar else ""
    main = (
        f'{side}<ul class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="/{c.slug}">{c.name_html}</a></li></ul>'
        f'<div class="view-content-detail"><h2 class="title">{a.title_html}</h2>'
        f'<div class="date-view">{meta}</div><div class="content">{body}</div>{after}</div>'
    )
    return page(w, a.title, main)


def static_page(w: Ward, path: str, label: str) -> str:
    text = f"{w.name} được thành lập năm 1982, có diện tích tự nhiên 1,2 km² với 25 tổ dân phố."
    if w.family == "hanoi-portal":  # looks like a detail page, but it is no article
        main = (
            f'<div class="detail-page"><h1 class="detail-title">{html.escape(label)}</h1>'
            f'<div class="detail-content" data-role="content"><p>{html.escape(text)}</p><p>Ngày cập nhật 01/07/2025</p></div></div>'
        )
    elif w.family == "liferay-view-content":
        main = f'<div class="view-content-detail"><h2 class="title">{html.escape(label)}</h2><div class="content"><p>{html.escape(text)}</p></div></div>'
    else:
        main = portlet(
            html.escape(label),
            f'<div class="journal-content-article"><p>{html.escape(text)}</p></div>',
            pid="56",
        )
    return page(w, label, main)


def not_found(w: Ward) -> str:
    return page(w, "Không tìm thấy", "<h2>Không tìm thấy trang yêu cầu (404)</h2>")


# --------------------------------------------------------------------------------------------
# server


def route(w: Ward, raw_path: str) -> tuple[int, str, str]:
    """(status, content, content-type) for a request path (with query)."""
    u = urllib.parse.urlsplit(raw_path)
    path = urllib.parse.unquote(u.path)
    q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
    ctype = "text/html; charset=utf-8" if w.header_charset else "text/html"
    if path == "/robots.txt":
        return 200, w.robots(), "text/plain; charset=utf-8"
    if w.disallowed(raw_path):  # still served (a crawler must not ask)
        return 200, page(w, "Khu vực hạn chế", "<p>Khu vực hạn chế</p>"), ctype
    if path in ("/", ""):
        home = (
            hn_home(w)
            if w.family == "hanoi-portal"
            else ap_home(w)
            if w.family == "liferay-asset-publisher"
            else page(w, "Trang chủ", '<div class="welcome"><p>Chào mừng</p></div>')
        )
        return 200, home, ctype
    for p, label in w.statics:
        if path == p:
            return 200, static_page(w, p, label), ctype
    parts = [x for x in path.split("/") if x]
    cats = {c.slug: c for c in w.cats}
    if w.family == "liferay-asset-publisher":
        if len(parts) == 1 and parts[0] in cats:
            key = q.get("_101_urlTitle")
            if key is not None and q.get("p_p_id") == "101":
                a = next((x for x in w.articles if x.key == key), None)
                if a is None or a.fault == "404":
                    return 404, not_found(w), ctype
                return article_fault(w, a) or (200, ap_article(w, a, parts[0]), ctype)
            n = int(q.get("_101_cur", "1") or 1)
            return listing_fault(w, parts[0], n) or (200, ap_listing(w, cats[parts[0]], n), ctype)
    elif w.family == "hanoi-portal":
        if len(parts) == 1 and parts[0] in cats:
            n = int(q.get("page", "1") or 1)
            return listing_fault(w, parts[0], n) or (200, hn_listing(w, cats[parts[0]], n), ctype)
        m = re.fullmatch(r"[a-z0-9-]+-(\d{15,})\.htm", parts[-1]) if len(parts) == 2 else None
        if m:
            a = next((x for x in w.articles if x.key == m.group(1)), None)
            if a is None or a.fault == "404":
                return 404, not_found(w), ctype
            return article_fault(w, a) or (200, hn_article(w, a), ctype)
    else:
        if len(parts) == 1 and parts[0] in cats:
            n = int(q.get("cur", "1") or 1)
            return listing_fault(w, parts[0], n) or (200, vc_listing(w, cats[parts[0]], n), ctype)
        if len(parts) == 4 and parts[1] == "-" and parts[2] == "view_content":
            m = re.fullmatch(r"(\d+)-.*\.html", parts[3])
            a = next((x for x in w.articles if m and x.key == m.group(1)), None)
            if a is None or a.fault == "404":
                return 404, not_found(w), ctype
            return article_fault(w, a) or (200, vc_article(w, a, parts[0]), ctype)
    return 404, not_found(w), ctype


def article_fault(w: Ward, a: Article):
    if a.fault == "slow":
        time.sleep(1.0)
    if a.fault == "503once":
        with w.lock:
            first = ("a", a.key) not in w.faults_done
            w.faults_done.add(("a", a.key))
        if first:
            return 503, "<html><body>Service Unavailable</body></html>", "text/html"
    return None


def listing_fault(w: Ward, slug: str, n: int):
    if w.slow_listing == f"/{slug}" and n == 1:
        time.sleep(1.0)
    if w.fail_listing == f"{slug}|{n}":
        with w.lock:
            first = ("l", slug, n) not in w.faults_done
            w.faults_done.add(("l", slug, n))
        if first:
            return 503, "<html><body>Service Unavailable</body></html>", "text/html"
    return None


def make_handler(w: Ward):
    class Handler(BaseHTTPRequestHandler):
        server_version = "Apache-Coyote/1.1"

        def do_GET(self):  # noqa: N802
            try:
                status, content, ctype = route(w, self.path)
            except Exception as e:  # pragma: no cover - replica bug
                status, content, ctype = 500, f"replica error: {e!r}", "text/plain"
            data = content.encode("utf-8")
            with w.lock:
                w.log.append((self.command, self.path, status, self.headers.get("User-Agent", "")))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            if status == 503:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(data)

        def do_HEAD(self):  # noqa: N802
            with w.lock:
                w.log.append((self.command, self.path, 405, ""))
            self.send_response(405)
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


class Portals:
    def __init__(self):
        self.wards = build_wards()
        for w in self.wards:
            hn_fix_captions(w)

    def __enter__(self):
        for w in self.wards:
            srv = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(w))
            srv.daemon_threads = True
            w.server = srv
            w.port = srv.server_address[1]
            w.thread = threading.Thread(
                target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            w.thread.start()
        return self

    def __exit__(self, *exc):
        for w in self.wards:
            if w.server:
                w.server.shutdown()
                w.server.server_close()
                w.thread.join(5)
                w.server = None

    def registry(self) -> str:
        out = []
        for w in self.wards:
            out.append("[[ward]]")
            out.append(f'slug = "{w.slug}"')
            out.append(f"name = {json.dumps(w.name, ensure_ascii=False)}")
            out.append(f"province = {json.dumps(w.province, ensure_ascii=False)}")
            if w.district:
                out.append(f"district = {json.dumps(w.district, ensure_ascii=False)}")
            out.append(f'url = "{w.base}/"')
            out.append(f'family = "{w.family}"')
            if w.registry_cats:
                cs = ", ".join(json.dumps(c.slug) for c in w.cats if not c.disallowed)
                out.append(f"categories = [{cs}]")
            out.append("")
        return "\n".join(out)

    def truth(self) -> dict:
        return {w.slug: w.truth() for w in self.wards}

    def bump(self) -> None:
        """What changes between two crawls on a live site: view counts, an edited title."""
        for w in self.wards:
            for a in w.articles:
                if a.views is not None:
                    a.views += 3
            a = w.articles[-2]
            a.title = a.title + " (cập nhật)"
            a.title_html = html.escape(a.title)


if __name__ == "__main__":  # manual inspection: serve until interrupted
    with Portals() as p:
        print(p.registry())
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
