# ruff: noqa: E501
"""A second, independently written replica of ward portals, with its own ground truth.

Written from docs/FAMILIES.md alone (not from wardcrawler's code or its own replica). Five
portals, one HTTP server each on 127.0.0.1 (same port also answers TLS: `https` links on an
`http` site work), realistic Liferay 6 / Hanoi-portal shells around the content.

Ground truth comes from the data model below (`Article.title`, `.posted`, `.views`, `.body`,
`Ward.expected_categories`), never from parsing the HTML that is served.

Choices where FAMILIES.md is silent (the strict tests use them; lenient tests accept others):
- a body paragraph is any block element with text (`p`, `div`, `h4`, `li`, `figcaption`,
  table row); inline tags (`span`, `strong`, `a`, `o:p`) never add spaces (Word splits words
  across spans: `<span>Đ</span><span>ảng</span>` reads `Đảng`);
- a table row reads as one paragraph, cells joined by " | "; each `<li>` is one paragraph;
  lines separated by `<br>` are separate paragraphs (all three are only checked leniently);
- `&nbsp;` is whitespace (collapsed to one space, dropped at paragraph ends);
- image captions are paragraphs of the body; `alt` texts are not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import ipaddress
import random
import re
import socket
import ssl
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from html.entities import codepoint2name
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime.now(VN).replace(second=0, microsecond=0)


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def clean(s: str) -> str:
    return re.sub(r"\s+", " ", nfc(s)).strip()


def esc(s: str) -> str:
    return html.escape(s, quote=False)


def attr(s: str) -> str:
    return html.escape(s, quote=True)


def vn_num(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def weekday_vn(d: dt.datetime, saturday: str = "Thứ Bảy") -> str:
    return ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", saturday, "Chủ Nhật"][d.weekday()]


def strip_marks(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c))


def liferay_url_title(title: str) -> str:
    """Liferay 6 urlTitle: drops đ/Đ, strips marks, 150 characters at most (may end with -)."""
    s = strip_marks(title.replace("đ", "").replace("Đ", "")).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s[:150]


def hanoi_slug(title: str) -> str:
    s = strip_marks(title.replace("đ", "d").replace("Đ", "D")).lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


# --------------------------------------------------------------------------------------------
# Text material
# --------------------------------------------------------------------------------------------

SENTENCES = [
    "Thực hiện Kế hoạch số 82-KH/ĐU ngày 13/9/2023 của Đảng ủy phường về công tác tuyên truyền năm 2023.",
    "Tại buổi sinh hoạt, đồng chí Bí thư chi bộ đã quán triệt mục đích, yêu cầu của buổi sinh hoạt chính trị tư tưởng.",
    "Các đồng chí đảng viên đều nêu rõ nhận thức của cá nhân trong việc thực hiện Chỉ thị số 24-CT/TU của Thành uỷ Hà Nội.",
    "Ủy ban nhân dân phường đã chỉ đạo các tổ dân phố rà soát, thống kê các hộ gia đình có hoàn cảnh khó khăn.",
    "Buổi lễ có sự tham dự của đại diện lãnh đạo Quận ủy, HĐND, UBND quận cùng đông đảo Nhân dân trên địa bàn.",
    "Lực lượng công an phường phối hợp với dân phòng kiểm tra 45 cơ sở kinh doanh, nhắc nhở 12 trường hợp vi phạm.",
    "Thông qua hoạt động này góp phần nâng cao ý thức trách nhiệm của mỗi người dân trong việc giữ gìn vệ sinh môi trường.",
    "Hội nghị đã thống nhất các chỉ tiêu phấn đấu trong năm tới, trong đó tỷ lệ hộ gia đình văn hóa đạt trên 95%.",
    "Phát biểu chỉ đạo, đồng chí Chủ tịch Ủy ban MTTQ phường nhấn mạnh một số nội dung trọng tâm cần quan tâm.",
    "Ban chỉ đạo đề nghị các tổ dân phố tiếp tục tuyên truyền để Nhân dân hiểu và đồng thuận thực hiện.",
    "Kết quả, toàn phường đã huy động được 1.234 lượt người tham gia, thu gom hơn 15 tấn rác thải các loại.",
    "Đồng chí Phó Bí thư Thường trực Đảng ủy phường trao giấy khen cho 8 tập thể và 15 cá nhân có thành tích xuất sắc.",
    "Theo kế hoạch, từ ngày 01/10 đến ngày 15/10, các tổ công tác sẽ đến từng hộ dân để hướng dẫn kê khai.",
    "Chương trình nhằm tạo sân chơi lành mạnh, bổ ích cho thanh thiếu niên trong dịp hè.",
    "Mọi ý kiến góp ý xin gửi về Văn phòng HĐND - UBND phường trước ngày 30/11/2024.",
    "Hoà chung không khí thi đua của cả nước, Hội Phụ nữ phường đã phát động phong trào “Phụ nữ tích cực học tập, lao động sáng tạo”.",
    "Các hộ kinh doanh cam kết không lấn chiếm vỉa hè, lòng đường, giữ gìn trật tự đô thị văn minh.",
    "Đoàn kiểm tra ghi nhận những kết quả tích cực, đồng thời chỉ ra một số tồn tại, hạn chế cần khắc phục.",
    "Tổng kinh phí thực hiện là 2.500.000.000 đồng từ nguồn ngân sách phường và xã hội hóa.",
    "Buổi tập huấn đã trang bị cho 120 học viên kiến thức cơ bản về kỹ năng số và dịch vụ công trực tuyến.",
    "Đến nay 100% tổ dân phố đã thành lập tổ công nghệ số cộng đồng, hỗ trợ người dân cài đặt ứng dụng VNeID.",
    "Hội Cựu chiến binh phường trao 20 suất quà, mỗi suất trị giá 500.000 đồng cho hội viên có hoàn cảnh khó khăn.",
]
TYPO_SENTENCE = (
    "Chi bộ tổ đân phố số 5 tổ chức sinh hoạt thường kỳ, các đồng chí đảng viên tham dự đầy đủ."
)
TONE_SENTENCE = (
    "Thực hiện chỉ đạo của Thành uỷ và Quận ủy, Ban Thường vụ Đảng uỷ phường đã ban hành "
    "Nghị quyết về công tác hòa giải ở cơ sở, hoà nhập cộng đồng."
)
ENTITY_SENTENCE = (
    'Phòng Văn hóa & Thông tin quận phối hợp tổ chức chương trình "Ngày hội Đại đoàn kết" '
    "tại nhà văn hóa tổ dân phố số 7."
)
FFFD_SENTENCE = "Ban chỉ đạo ph\ufffd\ufffdng đề nghị các hộ gia đình th\ufffdc hiện nghiêm các quy định về phòng cháy."
CAPTIONS = [
    "Ảnh: Quang cảnh hội nghị",
    "Đồng chí Bí thư Đảng ủy phường phát biểu tại buổi lễ",
    "Các đại biểu tham quan mô hình tuyến phố văn minh đô thị",
    "Ảnh: Lực lượng dân phòng ra quân tổng vệ sinh",
]
HEADINGS = [
    "I. Mục đích, yêu cầu",
    "Kết quả đạt được",
    "II. NỘI DUNG THỰC HIỆN",
    "Một số nhiệm vụ trọng tâm",
]
LIST_ITEMS = [
    "Tuyên truyền sâu rộng đến cán bộ, đảng viên và Nhân dân;",
    "Rà soát, cập nhật danh sách hộ nghèo, hộ cận nghèo;",
    "Tổ chức kiểm tra, giám sát việc thực hiện tại các tổ dân phố;",
    "Báo cáo kết quả về Thường trực Đảng ủy trước ngày 20/12.",
]
TABLE_ROWS = [
    ["STT", "Đơn vị", "Số hộ", "Tỷ lệ"],
    ["1", "Tổ dân phố số 1", "125", "98,5%"],
    ["2", "Tổ dân phố số 2", "1.042", "97%"],
    ["3", "Tổ dân phố số 10", "87", "100%"],
]
AUTHORS = ["Ban Văn hóa phường", "Minh Anh", "Thu Hà - Đài truyền thanh phường", "UBND phường"]

EVENTS = [
    "Hội nghị sơ kết công tác",
    "Ra quân tổng vệ sinh môi trường",
    "Tập huấn nghiệp vụ cho",
    "Kiểm tra công tác phòng cháy chữa cháy tại",
    "Trao quà cho hộ nghèo của",
    "Tuyên truyền phòng chống dịch sốt xuất huyết cùng",
    "Lễ kỷ niệm ngày thành lập",
    "Sinh hoạt chính trị, tư tưởng của",
    "Đối thoại giữa Nhân dân và",
    "Tổng kết phong trào thi đua của",
    "Khai mạc giải bóng đá của",
    "Hội thảo chuyển đổi số cùng",
    "Tiếp xúc cử tri với",
    "Diễn tập phương án cứu nạn cứu hộ của",
    "Ra mắt mô hình tuyến phố văn minh của",
    "Gặp mặt kỷ niệm của",
    "Hội nghị điển hình tiên tiến của",
]
ORGS = [
    "Đảng bộ phường",
    "Ủy ban nhân dân phường",
    "Ủy ban MTTQ phường",
    "Hội Liên hiệp Phụ nữ phường",
    "Đoàn Thanh niên phường",
    "Hội Cựu chiến binh phường",
    "Chi bộ tổ dân phố số 2",
    "Công an phường",
    "Hội Người cao tuổi phường",
    "Hội Chữ thập đỏ phường",
    "Trường Mầm non Hoa Sữa",
]
TAILS = [
    "năm 2023",
    "quý III năm 2024",
    "tháng 9/2023",
    "nhiệm kỳ 2020 - 2025",
    "đợt 1",
    "trên địa bàn phường",
    "giai đoạn 2021-2025",
    "lần thứ II",
    "6 tháng đầu năm",
    "năm học 2024 - 2025",
]

SEED_TITLE = "Chi bộ tổ dân phố số 2, Đảng bộ phường Phúc Lợi tổ chức sinh hoạt chính trị, tư tưởng"
# The seed article's paragraphs as published (double spaces kept: the crawler collapses them).
SEED_PARAS_RAW = [
    "Thực hiện Kế hoạch số 82-KH/ĐU, ngày 13/9/2023, Chi bộ tổ dân phố số 2 tổ chức sinh hoạt chính trị, tư tưởng về thực hiện Chỉ thị số 24 - CT/TU ngày 07/8/2023 của Ban Thường vụ Thành uỷ Hà Nội.",
    "Tại buổi sinh hoạt, đồng chí Bí thư chi bộ đã quán triệt mục đích yêu cầu của buổi sinh hoạt chính trị tư tưởng; đánh giá tình hình thực tế việc triển khai nhiệm vụ của chi bộ. Định hướng buổi sinh hoạt tập trung vào các nhóm vấn đề: công tác lãnh đạo, chỉ đạo thực hiện nhiệm vụ chính trị tại địa phương; sửa đổi, bổ sung Quy chế làm việc; việc phân công đảng viên, công tác kiểm tra giám sát, việc đảng viên thực hiện các nhiệm vụ do chi bộ phân công; công tác lãnh đạo, chỉ đạo hoạt động của các chi hội đoàn thể.",
    "Tại hội nghị có 9 ý kiến phát biểu, các đồng chí đảng viên đều nêu rõ nhận thức của cá nhân mình trong việc thực hiện Chỉ thị số 24 của Thành uỷ và việc tổ chức sinh hoạt chính trị, tư tưởng thực hiện Chỉ thị số 24 là hết sức cần thiết, nhằm nâng cao nhận thức, ý thức chấp hành kỷ cương, kỷ luật và  ý thức trách nhiệm trong thực thi nhiệm vụ đối với người đứng đầu chi bộ và đảng viên.",
    "Phát biểu chỉ đạo, đồng chí Nguyễn Thị Loan - Ủy viên Ban thường vụ, Chủ tịch Ủy ban MTTQ phường đã nhấn mạnh một số nội dung của Chỉ thị 24 cần quan tâm. Chi bộ tổ dân phố số 2 đã nghiêm túc thực hiện buổi sinh hoạt chính trị, thông qua đợt sinh hoạt chính trị tư tưởng, cần đề ra những giải pháp có tính khả thi nhằm nâng cao chất lượng, hiệu quả công việc ngày càng tốt hơn.",
    "Tiếp thu ý kiến chỉ đạo của đồng chí lãnh đạo,  đồng chí Bí thư cho bộ khẳng định  trong thời gian tới, chi bộ tiếp tục thực hiện nghiêm nguyên tắc tập trung dân chủ, nâng cao chất lượng, hiệu quả trong công tác chỉ đạo điều hành triển khai các nhiệm vụ chính trị của địa phương. Chỉ đạo đảng viên chi bộ thực hiện nghiêm túc và đẩy mạnh công tác tuyên truyền về thực hiện Chỉ thị 24 - CT/TU của Ban thường vụ Thành uỷ./.",
]

SPACERS = [
    "<p>&nbsp;</p>",
    "<p></p>",
    "<p><br></p>",
    "<p><br /></p>",
    '<p><span style="font-size:14px;">&nbsp;</span></p>',
    "<p>&#160; &nbsp;</p>",
    "<div>&nbsp;</div>",
    "<p><strong></strong></p>",
    "<p>\n</p>",
]


# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------


@dataclass
class Block:
    html: str
    paras: list[str]
    ambiguous: bool = False  # paragraph boundaries debatable (tables, lists, <br> lines)
    kind: str = "p"


@dataclass
class Article:
    ward: str
    key: str  # the portal's identity: urlTitle (Liferay) or numeric ID
    slug: str
    title: str  # expected, NFC, collapsed
    title_html: str  # as it appears in the page
    posted: dt.datetime
    views: int | None
    blocks: list[Block]
    exists: bool = True
    entry_id: int = 0
    meta_variant: int = 0
    wrap: bool = False
    features: tuple[str, ...] = ()

    @property
    def body(self) -> str:
        return "\n\n".join(p for b in self.blocks for p in b.paras)

    @property
    def ambiguous(self) -> bool:
        return any(b.ambiguous for b in self.blocks)

    @property
    def body_html(self) -> str:
        inner = "\n".join(b.html for b in self.blocks)
        if self.wrap:
            inner = (
                '<div class="ExternalClass"><div style="font-family: Arial;">'
                f'<div class="noidung">{inner}</div></div></div>'
            )
        return inner

    @property
    def summary(self) -> str:
        for b in self.blocks:
            if b.paras:
                return b.paras[0][:120].rsplit(" ", 1)[0] + "..."
        return ""


@dataclass
class Category:
    path: str  # "/web/guest/tin-moi-nhat", "/tin-tuc-su-kien"
    name: str  # as its listing page shows it
    menu: str  # as the navigation menu shows it
    per_page: int
    articles: list[Article] = field(default_factory=list)  # newest first (incl. dead entries)
    allowed: bool = True  # False when robots.txt disallows it
    name_html: str = (
        ""  # how the listing page writes the name (NFD, &nbsp;, padding); default esc(name)
    )

    def __post_init__(self):
        if not self.name_html:
            self.name_html = esc(self.name)

    def pages(self) -> list[list[Article]]:
        arts = self.articles
        return [arts[i : i + self.per_page] for i in range(0, len(arts), self.per_page)] or [[]]


@dataclass
class Ward:
    slug: str
    name: str
    province: str
    district: str | None
    family: str
    theme: str
    registry_url_path: str
    registry_categories: list[str] | None
    categories: list[Category]
    robots: str | None
    articles: dict[str, Article] = field(default_factory=dict)
    docs: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (name, ctype)
    statics: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (title, html)
    featured: list[Article] = field(default_factory=list)
    fail_once: set[str] = field(default_factory=set)
    slow: dict[str, float] = field(default_factory=dict)  # "key:..." or "path?query" -> seconds
    charset_header: bool = True

    @property
    def truth(self) -> list[Article]:
        """Articles that a correct crawl archives: existing and listed on a crawlable category."""
        listed = {a.key for c in self.categories if c.allowed for a in c.articles}
        return [a for a in self.articles.values() if a.exists and a.key in listed]

    def expected_categories(self, art: Article) -> list[str]:
        return sorted(c.name for c in self.categories if c.allowed and art in c.articles)

    def category_of(self, path: str) -> Category | None:
        for c in self.categories:
            if c.path == path:
                return c
        return None


# --------------------------------------------------------------------------------------------
# Body blocks
# --------------------------------------------------------------------------------------------


def b_plain(text: str, rng: random.Random) -> Block:
    style = rng.choice(
        [
            "",
            ' style="text-align: justify;"',
            ' class="MsoNormal"',
            ' style="text-align:justify; text-indent:36pt"',
        ]
    )
    return Block(f"<p{style}>{esc(text)}</p>", [clean(text)])


def b_inline(text: str, rng: random.Random) -> Block:
    words = text.split(" ")
    i = rng.randrange(0, max(1, len(words) - 4))
    j = i + rng.randint(1, 3)
    tag = rng.choice(["strong", "em", "b", 'span style="color:#c0392b"', 'a href="#"'])
    close = tag.split(" ")[0]
    before, mid, after = " ".join(words[:i]), " ".join(words[i:j]), " ".join(words[j:])
    # space inside the closing tag on purpose: "<strong>Kế hoạch </strong>số"
    h = (esc(before) + " " if before else "") + f"<{tag}>{esc(mid)} </{close}>" + esc(after)
    return Block(f'<p style="text-align: justify;">{h}</p>', [clean(text)], kind="inline")


def b_mso(text: str, rng: random.Random) -> Block:
    """Word paste: a word split across two spans, no space between them."""
    cuts = [m.start() + 1 for m in re.finditer(r"\w{3,}", text)]
    k = rng.choice(cuts)
    a, b = text[:k], text[k:]
    sp = 'lang="VI" style="font-size:14.0pt;line-height:115%;font-family:&quot;Times New Roman&quot;,&quot;serif&quot;"'
    h = (
        '<p class="MsoNormal" style="margin-bottom:6.0pt;text-align:justify;text-indent:36.0pt">'
        f'<span {sp}>{esc(a)}</span><span {sp}>{esc(b)}</span><span lang="VI"><o:p></o:p></span></p>'
    )
    return Block(h, [clean(text)], kind="mso-split-word")


def b_nested(texts: list[str]) -> Block:
    inner = "".join(
        '<div style="text-align: justify;"><span style="font-family:arial,helvetica,sans-serif;">'
        f'<span style="font-size:14px;">{esc(t)}</span></span></div>'
        for t in texts
    )
    return Block(
        f'<div class="noi-dung"><div>{inner}</div></div>',
        [clean(t) for t in texts],
        kind="nested-div",
    )


def b_heading(text: str) -> Block:
    return Block(
        f'<h4 style="text-align: justify;"><strong>{esc(text)}</strong></h4>', [text], kind="h4"
    )


def b_list(items: list[str]) -> Block:
    lis = "".join(f"<li>{esc(i)}</li>" for i in items)
    return Block(
        f"<p>Nội dung chính gồm:</p>\n<ul>\n{lis}\n</ul>",
        ["Nội dung chính gồm:", *items],
        True,
        "ul-li",
    )


def b_table(rows: list[list[str]]) -> Block:
    trs = []
    for r_i, row in enumerate(rows):
        tds = "".join(
            f'<td style="width:25%"><p style="text-align:center">'
            f"{'<strong>' + esc(c) + '</strong>' if r_i == 0 else esc(c)}</p></td>"
            for c in row
        )
        trs.append(f"<tr>{tds}</tr>")
    h = (
        '<table border="1" cellpadding="1" cellspacing="1" style="width:500px"><tbody>'
        + "".join(trs)
        + "</tbody></table>"
    )
    return Block(h, [" | ".join(r) for r in rows], True, "table")


def b_image(img_url: str, caption: str) -> Block:
    h = (
        f'<p style="text-align: center;"><img alt="Ảnh minh họa hoạt động" src="{attr(img_url)}" '
        'style="width: 600px; height: 400px;" /></p>\n'
        f'<p style="text-align: center;"><em>{esc(caption)}</em></p>'
    )
    return Block(h, [caption], kind="image+caption")


def b_figure(img_url: str, caption: str) -> Block:
    h = (
        f'<figure class="image"><img alt="Toàn cảnh buổi lễ" src="{attr(img_url)}" />'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )
    return Block(h, [caption], kind="figure")


def b_doc(url: str, name: str) -> Block:
    h = (
        '<p>Chi tiết xem tại: <a href="' + attr(url) + '" target="_blank">'
        '<img alt="" src="/html/themes/classic/images/file_system/small/pdf.png" /> '
        f"{esc(name)}</a></p>"
    )
    return Block(h, [f"Chi tiết xem tại: {name}"], kind="document-link")


def b_script() -> Block:
    h = (
        "<script type=\"text/javascript\">document.write('<p>Không phải nội dung bài viết</p>');"
        "var _gaq = _gaq || [];</script>\n"
        '<style type="text/css">.noi-dung p { margin: 0 0 6px; } /* Lượt xem: 999 */</style>\n'
        "<!-- <p>Đoạn đã ẩn bởi biên tập viên</p> -->"
    )
    return Block(h, [], kind="script/style/comment")


def b_nfd(text: str) -> Block:
    return Block(f"<p>{esc(unicodedata.normalize('NFD', text))}</p>", [clean(text)], kind="NFD")


def b_entities(text: str, rng: random.Random) -> Block:
    out = []
    spaces_done = 0
    for ch in text:
        cp = ord(ch)
        if ch == " " and spaces_done < 3 and rng.random() < 0.3:
            out.append(["&nbsp;", "  \n  ", " &nbsp; "][spaces_done])
            spaces_done += 1
        elif ch in '&<>"':
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[ch])
        elif cp in codepoint2name and rng.random() < 0.6:
            out.append(f"&{codepoint2name[cp]};")
        elif cp > 127 and rng.random() < 0.4:
            out.append(f"&#{cp};" if rng.random() < 0.5 else f"&#x{cp:X};")
        else:
            out.append(ch)
    return Block(f"<p>&nbsp;{''.join(out)}&nbsp;</p>", [clean(text)], kind="entities+nbsp")


def b_br(lines: list[str]) -> Block:
    h = "<p>" + "<br />\n".join(esc(x) for x in lines) + "</p>"
    return Block(h, lines, True, "br-lines")


def b_bare(lines: list[str]) -> Block:
    h = "<br /><br />".join(esc(x) for x in lines)
    return Block(h, lines, True, "bare-text+br")


FEATURES = [
    "inline",
    "mso",
    "nested",
    "h4",
    "list",
    "table",
    "image",
    "figure",
    "doc",
    "script",
    "nfd",
    "fffd",
    "entities",
    "br",
    "tone",
    "typo",
    "bare",
]


def make_blocks(rng: random.Random, features: tuple[str, ...], img_url, doc) -> list[Block]:
    sents = rng.sample(SENTENCES, 8)
    blocks: list[Block] = [b_inline(sents[0] + " " + sents[1], rng)]

    def spacer():
        if rng.random() < 0.45:
            blocks.append(Block(rng.choice(SPACERS), [], kind="spacer"))

    for f in features:
        spacer()
        s = sents.pop()
        if f == "inline":
            blocks.append(b_inline(s, rng))
        elif f == "mso":
            blocks.append(b_mso(s, rng))
        elif f == "nested":
            blocks.append(b_nested([s, sents.pop()]))
        elif f == "h4":
            blocks.append(b_heading(rng.choice(HEADINGS)))
            blocks.append(b_plain(s, rng))
        elif f == "list":
            blocks.append(b_list(rng.sample(LIST_ITEMS, 3)))
        elif f == "table":
            blocks.append(b_plain(s, rng))
            blocks.append(b_table(TABLE_ROWS))
        elif f == "image":
            blocks.append(b_image(img_url(), rng.choice(CAPTIONS)))
        elif f == "figure":
            blocks.append(b_figure(img_url(), rng.choice(CAPTIONS)))
        elif f == "doc":
            url, name = doc()
            blocks.append(b_plain(s, rng))
            blocks.append(b_doc(url, name))
        elif f == "script":
            blocks.append(b_plain(s, rng))
            blocks.append(b_script())
        elif f == "nfd":
            blocks.append(b_nfd(s))
        elif f == "fffd":
            blocks.append(b_plain(FFFD_SENTENCE, rng))
        elif f == "entities":
            blocks.append(b_entities(ENTITY_SENTENCE, rng))
        elif f == "br":
            blocks.append(b_br([s, sents.pop()]))
        elif f == "tone":
            blocks.append(b_plain(TONE_SENTENCE, rng))
        elif f == "typo":
            blocks.append(b_plain(TYPO_SENTENCE, rng))
        elif f == "bare":
            blocks.append(b_bare([s, sents.pop()]))
    spacer()
    blocks.append(b_plain(sents.pop()[:-1] + "./.", rng))
    if rng.random() < 0.5:
        author = rng.choice(AUTHORS)
        blocks.append(
            Block(
                f'<p style="text-align: right;"><strong>{esc(author)}</strong></p>',
                [author],
                kind="author",
            )
        )
    return blocks


# --------------------------------------------------------------------------------------------
# Building the five portals
# --------------------------------------------------------------------------------------------


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.used_titles: set[str] = set()
        self.feature_i = 0

    def title(self) -> str:
        while True:
            t = f"{self.rng.choice(EVENTS)} {self.rng.choice(ORGS)} {self.rng.choice(TAILS)}"
            if t not in self.used_titles:
                self.used_titles.add(t)
                return t

    def features(self) -> tuple[str, ...]:
        i = self.feature_i
        self.feature_i += 1
        a = FEATURES[i % len(FEATURES)]
        b = FEATURES[(i * 7 + 3) % len(FEATURES)]
        return (a,) if a == b else (a, b)

    def dates(
        self, n: int, start: dt.datetime, end: dt.datetime, saturdays: bool = False
    ) -> list[dt.datetime]:
        span = int((end - start).total_seconds() // 60)
        out: set[dt.datetime] = set()
        while len(out) < n:
            d = start + dt.timedelta(minutes=self.rng.randrange(span))
            if saturdays and len(out) % 2 == 0:
                d += dt.timedelta(days=(5 - d.weekday()) % 7)
            if d > end:
                continue
            # some days <= 12 so that month-first parsing shows
            if len(out) % 3 == 0:
                d = d.replace(day=self.rng.randint(1, 12))
            out.add(d.replace(second=0, microsecond=0))
        return sorted(out, reverse=True)

    def views(self, i: int) -> int:
        if i == 3:
            return 0
        if i == 5:
            return 12345
        return self.rng.choice(
            [self.rng.randint(1, 999), self.rng.randint(1000, 99999), self.rng.randint(100, 5000)]
        )


def _special_titles() -> dict[int, tuple[str, str]]:
    """index -> (expected title, html of the title)."""
    t_amp = 'Hội thi "Dân vận khéo" & <Tuổi trẻ sáng tạo> năm 2024'
    t_nfd = "Hội nghị triển khai nhiệm vụ năm 2025 của Đảng ủy phường"
    t_caps = "THÔNG BÁO TUYỂN DỤNG VIÊN CHỨC NĂM 2024"
    t_long = (
        "Ủy ban nhân dân phường tổ chức hội nghị tuyên truyền, phổ biến, giáo dục pháp luật về "
        "phòng, chống tham nhũng, tiêu cực và thực hành tiết kiệm, chống lãng phí cho cán bộ, công "
        "chức, người lao động và đại diện các tổ dân phố trên địa bàn năm 2024"
    )
    t_space = "Ra quân  giải tỏa   lấn chiếm vỉa hè, lòng đường tháng 10"
    return {
        1: (t_amp, esc(t_amp)),
        2: (t_nfd, esc(unicodedata.normalize("NFD", t_nfd))),
        4: (t_caps, esc(t_caps)),
        6: (clean(t_long), esc(t_long)),
        7: (clean(t_space), "\n  " + esc(t_space).replace("tháng", "tháng&nbsp;") + " \n"),
    }


def _new_article(g: _Gen, ward: str, i: int, posted, key_fn, img_url, doc, views=True) -> Article:
    specials = _special_titles()
    if i in specials:
        title, title_html = specials[i]
        g.used_titles.add(title)
    else:
        title = g.title()
        title_html = esc(title)
    feats = g.features()
    blocks = make_blocks(g.rng, feats, img_url, doc)
    a = Article(
        ward=ward,
        key="",
        slug="",
        title=title,
        title_html=title_html,
        posted=posted,
        views=g.views(i) if views else None,
        blocks=blocks,
        entry_id=30000 + 17 * i + len(ward),
        meta_variant=i % 3,
        wrap=(i % 4 == 1),
        features=feats,
    )
    a.key, a.slug = key_fn(a)
    return a


def _assign(
    g: _Gen,
    arts: list[Article],
    cats: list[Category],
    everything: Category | None,
    topic_counts: dict[str, int],
) -> None:
    """Every article goes into `everything` (when given) and into 1-2 topic categories."""
    rng = g.rng
    topics = [c for c in cats if c is not everything and c.allowed]
    for idx, a in enumerate(arts):
        if everything is not None:
            everything.articles.append(a)
        k = 1 if idx % 3 else 2
        chosen = (
            rng.sample(topics, min(k, len(topics))) if idx % 5 != 4 or everything is None else []
        )
        if everything is None and not chosen:
            chosen = [topics[idx % len(topics)]]
        for c in chosen:
            c.articles.append(a)
    for c in cats:
        c.articles.sort(key=lambda a: a.posted, reverse=True)


def build_portals(seed: int = 20261128) -> list[Ward]:
    wards = [_alpha(seed), _beta(seed + 1), _gamma(seed + 2), _delta(seed + 3), _epsilon(seed + 4)]
    return wards


def _liferay_doc_picker(g: _Gen, docs: list[tuple[str, str]]):
    state = {"i": 0}

    def pick():
        d = docs[state["i"] % len(docs)]
        state["i"] += 1
        return d

    return pick


def _img_picker(g: _Gen, fmt: str):
    def pick():
        return fmt.format(n=g.rng.randint(10000, 99999), t=1694775720000 + g.rng.randint(0, 10**8))

    return pick


def _liferay_key(used: set[str]):
    def key(a: Article) -> tuple[str, str]:
        base = liferay_url_title(a.title)
        k, n = base, 1
        while k in used:
            n += 1
            k = f"{base}-{n}"
        used.add(k)
        return k, k

    return key


LIFERAY_DOCS_ALPHA = [
    (
        "/documents/10180/0/Ke+hoach+so+82-KH+DU.pdf/5e1c2d3a-1111-4a2b-9c3d-000000000001?t=1694775720000",
        "Kế hoạch số 82-KH/ĐU",
    ),
    (
        "/documents/20143/38211/Bao+cao+so+12-BC.docx/7a8b9c0d-2222-4e5f-8a9b-000000000002?t=1694775720001",
        "Báo cáo số 12-BC/UBND",
    ),
]


def _alpha(seed: int) -> Ward:
    """Stock Liferay 6 asset publisher, registry categories with /web/guest/ paths."""
    g = _Gen(seed)
    slug = "qa-lb-alpha"
    used: set[str] = set()
    keyf = _liferay_key(used)
    img = _img_picker(g, "/image/journal/article?img_id={n}&t={t}")
    doc = _liferay_doc_picker(g, LIFERAY_DOCS_ALPHA)
    tmn = Category("/web/guest/tin-moi-nhat", "tin mới nhất", "Tin mới nhất", 5)
    hd = Category(
        "/web/guest/hoat-dong-khoi-chinh-quyen",
        "Hoạt động khối chính quyền",
        "HOẠT ĐỘNG KHỐI CHÍNH QUYỀN",
        5,
    )
    tdp = Category(
        "/web/guest/hoat-dong-to-dan-pho",
        "Hoạt động tổ dân phố và các đơn vị hiệp quản",
        "Tổ dân phố",
        5,
    )
    tb1 = Category("/web/guest/thong-bao1", "thông báo", "Thông báo", 5)
    tb2 = Category("/web/guest/thong-baothong-bao", "Thông báo", "Thông báo (cũ)", 5)
    cats = [tmn, hd, tdp, tb1, tb2]
    dates = g.dates(22, dt.datetime(2023, 1, 3, tzinfo=VN), dt.datetime(2025, 6, 28, tzinfo=VN))
    arts = [_new_article(g, slug, i, d, keyf, img, doc) for i, d in enumerate(dates)]
    # duplicate titles -> "-2" urlTitle
    for a in arts[9:11]:
        used.discard(a.key)
        a.title = a.title_html = "Thông báo lịch tiếp công dân của Chủ tịch UBND phường"
    for a in arts[9:11]:
        a.key = a.slug = keyf(a)[0]
    seed_art = Article(
        ward=slug,
        key="",
        slug="",
        title=SEED_TITLE,
        title_html=esc(SEED_TITLE),
        posted=dt.datetime(2023, 9, 15, 18, 2, tzinfo=VN),
        views=29,
        blocks=[
            Block(f'<p style="text-align: justify;">{esc(p)}</p>', [clean(p)])
            for p in SEED_PARAS_RAW[:2]
        ]
        + [
            Block("<p>&nbsp;</p>", [], kind="spacer"),
            Block(
                '<p style="text-align:center"><img src="/image/journal/article?img_id=123&amp;t=1694775720000"/></p>',
                [],
                kind="image",
            ),
        ]
        + [Block(f"<p>{esc(p)}</p>", [clean(p)]) for p in SEED_PARAS_RAW[2:]],
        entry_id=29999,
        features=("seed",),
    )
    seed_art.key, seed_art.slug = keyf(seed_art)
    arts.append(seed_art)
    arts.sort(key=lambda a: a.posted, reverse=True)
    _assign(g, arts, [tmn, hd, tdp, tb1], tmn, {})
    # thông báo (both spellings): the duplicate-title pair + one article in both
    for c in (tb1, tb2):
        for a in arts:
            if a.title.startswith("Thông báo lịch tiếp") and a not in c.articles:
                c.articles.append(a)
    for a in arts[:14:4]:
        if a not in tb2.articles:
            tb2.articles.append(a)
    if seed_art not in tdp.articles:
        tdp.articles.append(seed_art)
    for c in cats:
        c.articles.sort(key=lambda a: a.posted, reverse=True)
    # a dead link on hoat-dong page 1 (HTTP 404)
    dead = Article(
        slug,
        "hop-bao-cung-cap-thong-tin-a-go-bo",
        "hop-bao-cung-cap-thong-tin-a-go-bo",
        "Họp báo cung cấp thông tin đã gỡ bỏ",
        esc("Họp báo cung cấp thông tin đã gỡ bỏ"),
        dates[1],
        0,
        [],
        exists=False,
    )
    hd.articles.insert(2, dead)
    w = Ward(
        slug=slug,
        name="Phường Alpha (QA)",
        province="Hà Nội",
        district="Quận Long Biên",
        family="liferay-asset-publisher",
        theme="liferay-stock",
        registry_url_path="/",
        registry_categories=[c.path for c in cats],
        categories=cats,
        robots=(
            "# robots.txt for Liferay\nUser-agent: Googlebot\nDisallow:\n\n"
            "User-agent: *\nDisallow: /c/\nDisallow: /documents/\nAllow: /documents/10180/0/\n"
            "Disallow: /web/guest/*p_p_state=maximized\nDisallow: /group/\nCrawl-delay: 1\n"
        ),
    )
    w.articles = {a.key: a for a in arts}
    w.articles[dead.key] = dead
    w.docs = {
        urlsplit(u).path: (
            n,
            "application/pdf"
            if ".pdf" in u
            else "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        for u, n in LIFERAY_DOCS_ALPHA
    }
    w.docs["/documents/10180/0/QD+so+15-QD-UBND.pdf/9c9c9c9c-3333-4444-5555-000000000003"] = (
        "Quyết định số 15/QĐ-UBND",
        "application/pdf",
    )
    w.featured = [arts[0], arts[3], arts[8], arts[15]]
    w.fail_once = {arts[4].key}
    w.slow = {"/web/guest/tin-moi-nhat?cur=2": 1.0}
    w.statics = {
        "/web/guest/gioi-thieu": ("Giới thiệu", "<p>Phường Alpha được thành lập năm 2003.</p>")
    }
    return w


def _beta(seed: int) -> Ward:
    """Ministry-of-Health hook, categories discovered from the home navigation."""
    g = _Gen(seed)
    slug = "qa-lb-beta"
    used: set[str] = set()
    keyf = _liferay_key(used)
    img = _img_picker(g, "/image/journal/article?img_id={n}&t={t}")
    docs = [
        (
            "/documents/10157/22016/Thong+bao+so+45-TB.pdf/1b2c3d4e-aaaa-bbbb-cccc-000000000010?t=1700000000000",
            "Thông báo số 45/TB-UBND",
        )
    ]
    doc = _liferay_doc_picker(g, docs)
    tmn = Category("/web/guest/tin-moi-nhat", "Tin mới nhất", "TIN MỚI NHẤT", 4)
    hd = Category(
        "/web/guest/hoat-dong-khoi-chinh-quyen",
        "hoạt động khối chính quyền",
        "HOẠT ĐỘNG KHỐI CHÍNH QUYỀN",
        4,
    )
    db = Category("/web/guest/dangbo", "Đảng bộ", "Đảng bộ", 4)
    ck = Category("/web/guest/noi-bo/cong-khai", "Thông báo công khai", "THÔNG BÁO CÔNG KHAI", 4)
    nb = Category("/web/guest/noi-bo", "Tin nội bộ", "Nội bộ", 4, allowed=False)
    cats = [tmn, hd, db, ck, nb]
    dates = g.dates(18, dt.datetime(2022, 5, 1, tzinfo=VN), dt.datetime(2025, 6, 30, tzinfo=VN))
    arts = [_new_article(g, slug, i, d, keyf, img, doc) for i, d in enumerate(dates)]
    arts[7].views = None  # one article without a view counter
    internal, public = arts[-2:], arts[:-2]
    _assign(g, public, [tmn, hd, db, ck], tmn, {})
    nb.articles.extend(internal)
    dead = Article(
        slug,
        "le-ky-niem-ngay-thanh-lap-bai-cu",
        "le-ky-niem-ngay-thanh-lap-bai-cu",
        "Lễ kỷ niệm ngày thành lập (bài cũ)",
        esc("Lễ kỷ niệm ngày thành lập (bài cũ)"),
        dates[2],
        0,
        [],
        exists=False,
    )
    db.articles.insert(1, dead)
    w = Ward(
        slug=slug,
        name="Phường Beta (QA)",
        province="Hà Nội",
        district="Quận Long Biên",
        family="liferay-asset-publisher",
        theme="liferay-moh-hook",
        registry_url_path="/",
        registry_categories=None,
        categories=cats,
        robots=(
            "User-agent: *\nCrawl-delay: 1\nDisallow: /c/\nDisallow: /web/guest/noi-bo\n"
            "Allow: /web/guest/noi-bo/cong-khai\nDisallow: /documents/\nDisallow: /*p_p_lifecycle=1\n"
        ),
    )
    w.articles = {a.key: a for a in arts}
    w.articles[dead.key] = dead
    w.docs = {urlsplit(u).path: (n, "application/pdf") for u, n in docs}
    w.featured = [public[1], public[4], public[6]]
    w.statics = {
        "/web/guest/gioi-thieu": (
            "Giới thiệu chung",
            "<p>Phường Beta nằm ở phía Bắc quận Long Biên.</p><p>Diện tích tự nhiên 3,2 km².</p>",
        ),
        "/web/guest/lien-he": (
            "Liên hệ",
            "<p>Địa chỉ: số 1 phố Beta. Điện thoại: 024.3875.1234</p>",
        ),
        "/web/guest/van-ban": (
            "Văn bản",
            '<ul class="documents"><li><a href="/documents/10157/22016/Thong+bao+so+45-TB.pdf/1b2c3d4e-aaaa-bbbb-cccc-000000000010">Thông báo số 45/TB-UBND</a></li></ul>',
        ),
    }
    return w


def _gamma(seed: int) -> Ward:
    """`asset_publisher_view_full_content` hook, Thứ Bẩy dates, view count elsewhere."""
    g = _Gen(seed)
    slug = "qa-lb-gamma"
    used: set[str] = set()
    keyf = _liferay_key(used)
    img = _img_picker(g, "/image/journal/article?img_id={n}&t={t}")
    docs = [
        (
            "/documents/18/0/Lich+tiep+cong+dan+thang+10.pdf/0f0f0f0f-1234-5678-9abc-000000000020",
            "Lịch tiếp công dân tháng 10",
        )
    ]
    doc = _liferay_doc_picker(g, docs)
    c1 = Category(
        "/tintuccacdonvi",
        "Tin tức các đơn vị",
        "Tin tức các đơn vị",
        4,
        name_html="\n   Tin tức các&nbsp;đơn vị&nbsp;\n",
    )
    c2 = Category(
        "/vanhoa",
        "Văn hóa - Xã hội",
        "VĂN HÓA - XÃ HỘI",
        4,
        name_html=esc(unicodedata.normalize("NFD", "Văn hóa - Xã hội")),
    )
    c3 = Category("/baivietcacchuyende", "BÀI VIẾT CÁC CHUYÊN ĐỀ", "Bài viết các chuyên đề", 4)
    cats = [c1, c2, c3]
    dates = g.dates(
        17, dt.datetime(2021, 2, 1, tzinfo=VN), dt.datetime(2025, 6, 20, tzinfo=VN), saturdays=True
    )
    arts = [_new_article(g, slug, i, d, keyf, img, doc) for i, d in enumerate(dates)]
    _assign(g, arts, cats, None, {})
    w = Ward(
        slug=slug,
        name="Phường Gamma (QA)",
        province="Hà Nội",
        district="Quận Long Biên",
        family="liferay-asset-publisher",
        theme="liferay-full-content-hook",
        registry_url_path="",
        registry_categories=[c.path.lstrip("/") for c in cats],
        categories=cats,
        robots=None,
        charset_header=False,
    )
    w.articles = {a.key: a for a in arts}
    w.docs = {urlsplit(u).path: (n, "application/pdf") for u, n in docs}
    w.featured = [arts[0], arts[2], arts[5]]
    return w


def _delta(seed: int) -> Ward:
    """hanoi-portal (new platform), no view counter."""
    g = _Gen(seed)
    slug = "qa-hn-delta"
    img = _img_picker(g, "/images/2025/{n}/anh-{t}.jpg")
    docs = [("/Uploads/files/2025/07/ke-hoach-so-15-kh-ubnd.pdf", "Kế hoạch số 15/KH-UBND")]
    doc = _liferay_doc_picker(g, docs)
    c1 = Category("/tin-tuc-su-kien", "Tin tức - Sự kiện", "TIN TỨC - SỰ KIỆN", 6)
    c2 = Category("/dang-doan-the", "Đảng - Đoàn thể", "ĐẢNG - ĐOÀN THỂ", 6)
    c3 = Category("/cai-cach-hanh-chinh", "Cải cách hành chính", "CẢI CÁCH HÀNH CHÍNH", 6)
    cats = [c1, c2, c3]
    dates = g.dates(21, dt.datetime(2025, 7, 1, 7, 0, tzinfo=VN), NOW - dt.timedelta(days=35))
    dates = sorted(
        dates
        + [
            NOW - dt.timedelta(days=2, hours=3),
            NOW - dt.timedelta(days=9, minutes=17),
            NOW - dt.timedelta(days=20, hours=5),
        ],
        reverse=True,
    )

    def key(a: Article) -> tuple[str, str]:
        ms = (a.entry_id * 37) % 1000
        ident = "2809" + a.posted.strftime("%y%m%d%H%M%S") + f"{ms:03d}"
        return ident, hanoi_slug(a.title)

    arts = [_new_article(g, slug, i, d, key, img, doc, views=False) for i, d in enumerate(dates)]
    _assign(g, arts, cats, None, {})
    # each category's page 1 opens with its own featured (newest) story, listed nowhere else
    for c in cats:
        top = c.articles[0]
        for o in cats:
            if o is not c and top in o.articles and len(o.articles) > 1:
                o.articles.remove(top)
    w = Ward(
        slug=slug,
        name="Phường Delta (QA)",
        province="Hà Nội",
        district=None,
        family="hanoi-portal",
        theme="hanoi-portal",
        registry_url_path="/",
        registry_categories=[c.path.lstrip("/") for c in cats],
        categories=cats,
        robots="User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /tim-kiem\nDisallow: /*?*print=1\n",
    )
    w.articles = {a.key: a for a in arts}
    w.docs = {d[0]: (d[1], "application/pdf") for d in docs}
    w.slow = {"key:" + arts[6].key: 1.0}
    return w


def _epsilon(seed: int) -> Ward:
    """liferay-view-content (Ngô Quyền), discovery, charset only in <meta>, ?cur=N pager."""
    g = _Gen(seed)
    slug = "qa-hp-epsilon"
    img = _img_picker(g, "/image/journal/article?img_id={n}&t={t}")
    docs = [
        (
            "/documents/10157/0/QD+so+120-QD-UBND.pdf/3e3e3e3e-9999-8888-7777-000000000030",
            "Quyết định số 120/QĐ-UBND",
        )
    ]
    doc = _liferay_doc_picker(g, docs)
    c1 = Category("/tin-tuc-su-kien", "Tin tức sự kiện", "TIN TỨC SỰ KIỆN", 5)
    c2 = Category(
        "/hoat-dong-phuong",
        "Hoạt động phường",
        "HOẠT ĐỘNG PHƯỜNG",
        5,
        name_html="Hoạt động&nbsp;phường ",
    )
    c3 = Category("/van-ban-chi-dao", "Văn bản chỉ đạo", "Văn bản chỉ đạo", 5)
    nb = Category("/tin-noi-bo", "Tin nội bộ", "Tin nội bộ", 5, allowed=False)
    cats = [c1, c2, c3, nb]
    dates = g.dates(22, dt.datetime(2018, 1, 5, tzinfo=VN), dt.datetime(2024, 12, 30, tzinfo=VN))

    def key(a: Article) -> tuple[str, str]:
        ident = str(104000 + a.entry_id * 13)
        return ident, hanoi_slug(a.title)

    arts = [_new_article(g, slug, i, d, key, img, doc) for i, d in enumerate(dates)]
    internal, public = arts[-2:], arts[:-2]
    _assign(g, public, [c1, c2, c3], None, {})
    nb.articles.extend(internal)
    w = Ward(
        slug=slug,
        name="Phường Epsilon (QA)",
        province="Hải Phòng",
        district="Quận Ngô Quyền",
        family="liferay-view-content",
        theme="view-content",
        registry_url_path="/",
        registry_categories=None,
        categories=cats,
        robots="User-agent: *\nDisallow: /c/\nDisallow: /*?*print=true\nDisallow: /tin-noi-bo\nCrawl-delay: 1\n",
        charset_header=False,
    )
    w.articles = {a.key: a for a in arts}
    w.docs = {urlsplit(u).path: (n, "application/pdf") for u, n in docs}
    w.slow = {"key:" + public[3].key: 0.8}
    w.fail_once = {public[8].key}
    w.statics = {
        "/gioi-thieu": (
            "Giới thiệu",
            "<p>Phường Epsilon thuộc quận Ngô Quyền, thành phố Hải Phòng.</p>",
        ),
        "/lich-cong-tac": (
            "Lịch công tác",
            "<table><tr><td>Thứ Hai</td><td>Giao ban</td></tr></table>",
        ),
        "/lien-he": ("Liên hệ", "<p>Điện thoại: 0225.3826.123</p>"),
    }
    return w


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

LF_Q_BASE = "p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"


def lf_article_url(cat_path: str, a: Article, variant: int, redirect: str | None = None) -> str:
    sa = "_101_struts_action=%2Fasset_publisher%2Fview_content"
    if variant == 0:
        q = (
            f"{LF_Q_BASE}&p_p_col_id=column-1&p_p_col_count=1&{sa}&_101_assetEntryId={a.entry_id}"
            f"&_101_type=content&_101_urlTitle={a.slug}"
        )
        if redirect:
            q += "&_101_redirect=" + quote(redirect, safe="")
    elif variant == 1:
        q = f"{LF_Q_BASE}&p_p_col_id=column-1&p_p_col_count=1&{sa}&_101_type=content&_101_viewMode=view&_101_urlTitle={a.slug}"
    else:
        q = f"p_p_id=101&p_p_lifecycle=0&p_p_state=normal&{sa}&_101_urlTitle={a.slug}&_101_type=content&p_p_mode=view&p_p_col_id=column-1&p_p_col_count=2"
    return f"{cat_path}?{q}"


def lf_instance_url(page: str, inst: str, a: Article) -> str:
    p = f"_101_INSTANCE_{inst}_"
    return (
        f"{page}?p_p_id=101_INSTANCE_{inst}&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
        f"&p_p_col_id=column-2&p_p_col_count=2&{p}struts_action=%2Fasset_publisher%2Fview_content"
        f"&{p}urlTitle={a.slug}&{p}type=content"
    )


def lf_page_url(cat_path: str, cur: int) -> str:
    return (
        f"{cat_path}?{LF_Q_BASE}&p_p_col_id=column-1&p_p_col_count=1&_101_delta=10&_101_keywords="
        f"&_101_advancedSearch=false&_101_andOperator=true&p_r_p_564233524_resetCur=false&_101_cur={cur}"
    )


def fmt_meta(a: Article) -> str:
    d = a.posted.strftime("%d/%m/%Y")
    t = a.posted.strftime("%H:%M")
    if a.views is None:
        return f"Ngày đăng {d} | {t}"
    v = vn_num(a.views)
    return [
        f"Ngày đăng {d} | {t}&nbsp; | Lượt xem: {v}",
        f"Ngày đăng&nbsp;{d} | {t} &nbsp;| Lượt xem: {v}",
        f"Ngày đăng {d} | {t}  | Lượt xem: {v}",
    ][a.meta_variant]


class Renderer:
    def __init__(self, ward: Ward, base: str, all_bases: dict[str, str]):
        self.w = ward
        self.base = base  # http://127.0.0.1:PORT
        self.https = base.replace("http://", "https://")
        self.all_bases = all_bases

    # ---------- Liferay shell ----------
    def lf_nav(self) -> str:
        w = self.w
        items = [
            '<li class="selected"><a href="/trang-chu"><span>Trang chủ</span></a></li>',
            '<li><a href="/web/guest/gioi-thieu"><span>Giới thiệu</span></a></li>',
        ]
        cats = [c for c in w.categories if c.path.startswith("/web/guest/")]
        if w.theme == "liferay-moh-hook":
            sub = "".join(
                f'<li><a href="{c.path}" role="menuitem">{esc(c.menu)}</a></li>'
                for c in cats
                if not c.path.startswith("/web/guest/noi-bo")
            )
            items.append(
                f'<li class="dropdown"><a href="javascript:;" class="dropdown-toggle"><span>Tin tức</span></a>'
                f'<ul class="child-menu dropdown-menu">{sub}</ul></li>'
            )
            items += [
                '<li><a href="/web/guest/noi-bo/cong-khai"><span>THÔNG BÁO CÔNG KHAI</span></a></li>',
                '<li><a href="/web/guest/noi-bo"><span>Nội bộ</span></a></li>',
                '<li><a href="/web/guest/van-ban"><span>Văn bản</span></a></li>',
                '<li><a href="/web/guest/hoi-dap"><span>Hỏi đáp</span></a></li>',
                f'<li><a href="{self.base}/web/guest/lien-he"><span>Liên hệ</span></a></li>',
            ]
        else:
            for c in w.categories:
                items.append(f'<li><a href="{c.path}"><span>{esc(c.menu)}</span></a></li>')
        return (
            '<nav class="sort-pages modify-pages" id="navigation" role="navigation">'
            '<h1 class="hide-accessible"><span>Điều hướng</span></h1><ul aria-label="Trang web" role="menubar">'
            + "".join(items)
            + "</ul></nav>"
        )

    def lf_head(self, title: str, canonical: str) -> str:
        w = self.w
        ts = "1694771234000"
        css = "".join(
            f'<link href="{self.base}/html/{p}?browserId=other&amp;themeId=phuong_WAR_phuongtheme&amp;minifierType=css&amp;languageId=vi_VN&amp;b=6210&amp;t={ts}" rel="stylesheet" type="text/css" />\n'
            for p in (
                "css/main.css",
                "portlet/asset_publisher/css/main.css",
                "portlet/journal_content/css/main.css",
            )
        )
        js = "".join(
            f'<script src="/html/js/{p}?browserId=other&amp;minifierType=js&amp;languageId=vi_VN&amp;b=6210&amp;t={ts}" type="text/javascript"></script>\n'
            for p in ("barebone.jsp", "liferay/modules.js", "aui/aui/aui.js")
        )
        charset = (
            '<meta content="text/html; charset=UTF-8" http-equiv="content-type" />'
            if w.charset_header
            else '<meta charset="utf-8" />'
        )
        return f"""<!DOCTYPE html>
<html class="aui ltr" dir="ltr" lang="vi-VN">
<head>
<title>{esc(title)} - {esc(w.name)}</title>
{charset}
<meta content="initial-scale=1.0, width=device-width" name="viewport" />
<link href="/phuong-theme/images/favicon.ico" rel="Shortcut Icon" />
<link href="{canonical}" rel="canonical" />
{css}<script type="text/javascript">
// <![CDATA[
var Liferay = {{Browser: {{acceptsGzip: function() {{return true;}}}}, ThemeDisplay: {{getLayoutURL: function() {{return "{self.base}/web/guest/trang-chu";}}, getPathMain: function() {{return "/c";}}, getURLHome: function() {{return "{self.base}/web/guest";}}, getPortletSetupShowBordersDefault: function() {{return true;}}}}, PropsValues: {{NTLM_AUTH_ENABLED: false}}}};
var themeDisplay = Liferay.ThemeDisplay;
Liferay.Portlet.list = ["101", "101_INSTANCE_tnb1", "110_INSTANCE_vbm", "86"];
// ]]>
</script>
{js}<script type="text/javascript">(function(i,s,o,g,r,a,m){{i['GoogleAnalyticsObject']=r;}})(window,document,'script','//www.google-analytics.com/analytics.js','ga');ga('create', 'UA-12345678-1', 'auto');</script>
<style type="text/css">#banner {{ background: url(/phuong-theme/images/banner.jpg); }} .portlet-title-text {{ text-transform: none; }}</style>
</head>"""

    def lf_sidebar(self) -> str:
        w = self.w
        feats = w.featured
        page = "/web/guest/trang-chu"
        if w.theme == "liferay-stock":
            items = "".join(
                f'<div class="asset-abstract"><h3 class="asset-title"><a href="{attr(lf_instance_url(page, "tnb1", a))}">{a.title_html}</a></h3>'
                f'<div class="asset-summary">{esc(a.summary)}</div></div>'
                for a in feats
            )
        else:
            items = (
                '<ul class="tin-noi-bat">'
                + "".join(
                    f'<li><a href="{attr(lf_instance_url(page, "tnb1", a))}">{a.title_html}</a> <span class="date">({a.posted:%d/%m/%Y})</span></li>'
                    for a in feats
                )
                + "</ul>"
            )
        most_read = "".join(
            f'<li><a href="{attr(lf_instance_url(page, "xemnhieu", a))}">{a.title_html}</a> <span>(Lượt xem: {vn_num((a.views or 0) + 100000)})</span></li>'
            for a in feats[:2]
        )
        docs = "".join(
            f'<li><a href="{attr(p)}?t=1700000000000">{esc(n)}</a></li>'
            for p, (n, _c) in w.docs.items()
        )
        links = "".join(
            f'<option value="{b}/">{s}</option>' for s, b in self.all_bases.items() if s != w.slug
        )
        return f"""
<div class="portlet-boundary portlet-boundary_101_ portlet-static portlet-static-end portlet-asset-publisher" id="p_p_id_101_INSTANCE_tnb1_">
<section class="portlet" id="portlet_101_INSTANCE_tnb1"><header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">Tin nổi bật</span></h1></header>
<div class="portlet-content"><div class="portlet-body">{items}</div></div></section></div>
<div class="portlet-boundary portlet-boundary_101_ portlet-asset-publisher" id="p_p_id_101_INSTANCE_xemnhieu_">
<section class="portlet" id="portlet_101_INSTANCE_xemnhieu"><header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">Tin xem nhiều</span></h1></header>
<div class="portlet-content"><div class="portlet-body"><ul class="tin-xem-nhieu">{most_read}</ul></div></div></section></div>
<div class="portlet-boundary portlet-boundary_110_ portlet-document-library-display" id="p_p_id_110_INSTANCE_vbm_">
<section class="portlet" id="portlet_110_INSTANCE_vbm"><header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">Văn bản mới</span></h1></header>
<div class="portlet-content"><div class="portlet-body"><ul class="van-ban-moi">{docs}</ul><a href="/web/guest/van-ban">Xem tất cả »</a></div></div></section></div>
<div class="portlet-boundary portlet-boundary_86_" id="p_p_id_86_"><section class="portlet" id="portlet_86"><header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">Liên kết website</span></h1></header>
<div class="portlet-content"><select onchange="window.open(this.value)"><option>-- Chọn website --</option>{links}<option value="http://www.chinhphu.vn">Cổng TTĐT Chính phủ</option></select>
<p><a href="https://dichvucong.gov.vn/p/home/dvc-trang-chu.html" target="_blank"><img src="/phuong-theme/images/banner-dvc.png" alt="Dịch vụ công"></a></p></div></section></div>
"""

    def lf_page(
        self, title: str, main: str, crumbs: list[tuple[str, str]], canonical: str, top: str = ""
    ) -> str:
        w = self.w
        crumb_html = "".join(
            f'<li class="{"first" if i == 0 else ""}"><a href="{attr(h)}">{esc(t)}</a><span class="divider">/</span></li>'
            for i, (t, h) in enumerate(crumbs)
        )
        return f"""{self.lf_head(title, canonical)}
<body class="yui3-skin-sam controls-visible guest-site signed-out public-page site">
<a href="#main-content" id="skip-to-content">Chuyển đến nội dung</a>
<div class="navbar navbar-static-top dockbar" id="_145_dockbar"><div class="navbar-inner"><ul class="nav nav-account-controls">
<li><a href="/c/portal/login?p_l_id=10234" rel="nofollow">Đăng nhập</a></li>
<li><a href="/web/guest/trang-chu?p_p_id=58&amp;p_p_lifecycle=1&amp;p_p_state=maximized&amp;_58_struts_action=%2Flogin%2Fcreate_account" rel="nofollow">Tạo tài khoản</a></li></ul></div></div>
<div class="container-fluid" id="wrapper">
<header id="banner" role="banner"><div id="heading"><h1 class="site-title"><a class="logo custom-logo" href="{self.base}/web/guest/trang-chu" title="Chuyển đến {esc(w.name)}"><img alt="{esc(w.name)}" height="120" src="/image/company_logo?img_id=10197&amp;t=1694771234000" width="1000" /></a>
<span class="site-name" title="Chuyển đến {esc(w.name)}">CỔNG THÔNG TIN ĐIỆN TỬ {esc(w.name.upper())}</span></h1>
<form action="/web/guest/tim-kiem" method="get" class="search"><input name="_3_keywords" placeholder="Tìm kiếm..." /></form></div>
{self.lf_nav()}
<div class="marquee"><marquee>Chào mừng kỷ niệm 80 năm Cách mạng Tháng Tám và Quốc khánh 2/9</marquee></div>
</header>
<div id="content">
<nav id="breadcrumbs"><ul aria-label="Breadcrumb" class="breadcrumb breadcrumb-horizontal">{crumb_html}</ul></nav>
{top}
<div class="columns-2" id="main-content" role="main"><div class="portlet-layout row-fluid">
<div class="portlet-column portlet-column-first span8" id="column-1"><div class="portlet-dropzone portlet-column-content portlet-column-content-first" id="layout-column_column-1">
{main}
</div></div>
<div class="portlet-column portlet-column-last span4" id="column-2"><div class="portlet-dropzone portlet-column-content portlet-column-content-last" id="layout-column_column-2">
{self.lf_sidebar()}
</div></div>
</div></div>
<form action="#" id="hrefFm" method="post" name="hrefFm"><span></span></form>
</div>
<footer id="footer" role="contentinfo">
<div class="footer-menu"><a href="/web/guest/gioi-thieu">Giới thiệu</a> | <a href="/web/guest/so-do-cong">Sơ đồ cổng</a> | <a href="/c/portal/login">Quản trị</a></div>
<p>Cơ quan chủ quản: Ủy ban nhân dân {esc(w.name)}. Địa chỉ: số 1 phố Hoa Sữa, {esc(w.district or "")}, {esc(w.province)}.</p>
<p>Chịu trách nhiệm chính: Chủ tịch UBND phường. Điện thoại: 024.3875.xxxx</p>
<div class="thong-ke-truy-cap">Lượt truy cập: <strong>1.234.567</strong> | Đang trực tuyến: <strong>25</strong></div>
<p class="powered-by">Powered By <a href="http://www.liferay.com" rel="external">Liferay</a></p>
</footer>
</div>
<script type="text/javascript">
// <![CDATA[
AUI().use('aui-base', 'liferay-menu', 'liferay-notice', 'liferay-poller', function(A) {{(function() {{Liferay.Util.addInputType();Liferay.Portlet.ready(function(portletId, node) {{Liferay.Util.addInputType(node);}});}})();}});
// ]]>
</script>
<script src="/phuong-theme/js/main.js?browserId=other&amp;minifierType=js&amp;t=1694771234000" type="text/javascript"></script>
</body>
</html>"""

    def lf_portlet(self, pid: str, title: str, body: str, title_html: str | None = None) -> str:
        return (
            f'<div class="portlet-boundary portlet-boundary_101_ portlet-static portlet-static-end portlet-asset-publisher" id="p_p_id_{pid}_">'
            f'<span id="p_{pid}"></span><div class="portlet-body">'
            f'<section class="portlet" id="portlet_{pid}"><header class="portlet-topper">'
            f'<h1 class="portlet-title"><span tabindex="0"><img alt="" id="icon" src="/html/icons/asset_publisher.png" /></span>'
            f'<span class="portlet-title-text">{title_html or esc(title)}</span></h1>'
            f'<menu class="portlet-topper-toolbar" id="portlet-topper-toolbar_{pid}" type="toolbar"></menu></header>'
            f'<div class="portlet-content"><div class=" portlet-content-container"><div class="portlet-body">{body}</div></div></div>'
            f"</section></div></div>"
        )

    # ---------- Liferay listing ----------
    def lf_listing(self, cat: Category, cur: int) -> str:
        w = self.w
        pages = cat.pages()
        n = len(pages)
        past = cur > n
        shown = min(max(cur, 1), n)
        items = pages[shown - 1]
        here = self.base + (lf_page_url(cat.path, cur) if cur > 1 else cat.path)
        parts = []
        for i, a in enumerate(items):
            if w.theme == "liferay-stock":
                title_url = lf_article_url(cat.path, a, 0, redirect=here)
                title_url = (self.https if i % 2 == 0 else self.base) + title_url
                more_url = lf_article_url(cat.path, a, 1)
                parts.append(
                    f'<div class="asset-abstract "><div class="lfr-meta-actions asset-actions"></div>'
                    f'<h3 class="asset-title"><a href="{attr(title_url)}"><img alt="" src="/html/icons/../file_system/small/html.png" />{a.title_html}</a></h3>'
                    f'<div class="asset-content"><div class="asset-summary">{esc(a.summary)}</div>'
                    f'<div class="asset-more"><a href="{attr(more_url)}">Xem tiếp <span class="hide-accessible">về {a.title_html}</span> »</a></div></div>'
                    f'<div class="asset-metadata"></div></div>'
                )
            elif w.theme == "liferay-moh-hook":
                title_url = self.base + lf_article_url(cat.path, a, 0, redirect=here)
                thumb_url = lf_article_url(
                    cat.path + ";jsessionid=8F3A1C0B2D4E6F7A9B1C3D5E7F9A1B3C", a, 2
                )
                parts.append(
                    f'<div class="itemm clearfix"><a class="thumb" href="{attr(thumb_url)}"><img src="/image/journal/article?img_id={a.entry_id}&amp;t=1" alt="{attr(a.title)}" /></a>'
                    f'<h3 class="asset-title"><a href="{attr(title_url)}">{a.title_html}</a></h3>'
                    f'<span class="time">{weekday_vn(a.posted)}, ngày {a.posted:%d/%m/%Y %H:%M}</span>'
                    f'<p class="sapo">{esc(a.summary)}</p></div>'
                )
            else:  # full-content hook: raw & in some hrefs
                u = lf_article_url(cat.path, a, 2)
                href = u if i % 2 else attr(u)
                parts.append(
                    f'<div class="asset-abstract news-item row-fluid"><div class="span4"><a href="{attr(lf_article_url(cat.path, a, 1))}"><img src="/image/journal/article?img_id={a.entry_id}" /></a></div>'
                    f'<div class="span8"><div class="asset_title"><a href="{href}">{a.title_html}</a></div>'
                    f'<div class="asset-publish-date"><span>{weekday_vn(a.posted, "Thứ Bẩy")}, ngày {a.posted:%d/%m/%Y %H:%M}</span></div>'
                    f'<div class="asset-summary">{esc(a.summary)}</div></div></div>'
                )
        pager = self.lf_pager(cat, shown, n, past)
        body = "\n".join(parts) + pager
        return body

    def lf_pager(self, cat: Category, cur: int, n: int, past: bool) -> str:
        if n == 1:
            return ""

        def li(label, target, cls=""):
            if target is None:
                return f'<li class="disabled {cls}"><a href="javascript:;">{label}</a></li>'
            return f'<li class="{cls}"><a href="{attr(lf_page_url(cat.path, target))}">{label}</a></li>'

        if self.w.theme == "liferay-full-content-hook":
            nums = "".join(
                f'<li class="{"active" if k == cur else ""}"><a href="{attr(lf_page_url(cat.path, k))}">{k}</a></li>'
                for k in range(1, n + 1)
            )
            # buggy hook: the last page's "Tiếp" points one page past the end
            nxt = None if past else cur + 1
            return (
                f'<div class="pagination pagination-centered"><ul>{li("«", 1 if cur > 1 else None)}{nums}'
                f"{li('Tiếp', nxt)}</ul></div>"
            )
        nums = "".join(
            f'<li class="{"active" if k == cur else ""}"><a href="{attr(lf_page_url(cat.path, k))}">{k}</a></li>'
            for k in range(1, n + 1)
        )
        return (
            '<div class="taglib-page-iterator"><div class="clearfix lfr-pagination">'
            f'<div class="lfr-pagination-config"><div class="lfr-pagination-page-selector">Trang {cur} / {n}</div>'
            f'<div class="lfr-pagination-delta-selector">{cat.per_page} mục mỗi trang</div></div>'
            f'<small class="search-results">Đang hiển thị {(cur - 1) * cat.per_page + 1} - {min(cur * cat.per_page, len(cat.articles))} của {len(cat.articles)} kết quả.</small>'
            f'<ul class="pagination-numbers">{nums}</ul>'
            '<ul class="pager lfr-pagination-buttons">'
            + li("&larr; Đầu", 1 if cur > 1 else None, "first")
            + li("Trước", cur - 1 if cur > 1 else None)
            + li("Tiếp", cur + 1 if cur < n else None)
            + li("Cuối &rarr;", n if cur < n else None, "last")
            + "</ul></div></div>"
        )

    def lf_category_page(self, cat: Category, cur: int) -> str:
        w = self.w
        body = self.lf_listing(cat, cur)
        main = self.lf_portlet("101", cat.name, body, cat.name_html)
        top = self.lf_slider() if w.theme == "liferay-full-content-hook" else ""
        crumbs = [("Trang chủ", "/web/guest"), (cat.name, cat.path)]
        return self.lf_page(cat.name, main, crumbs, self.base + cat.path, top)

    def lf_slider(self) -> str:
        items = "".join(
            f'<div class="slide-item"><a href="{attr(lf_instance_url("/web/guest/trang-chu", "slide", a))}"><img src="/image/journal/article?img_id={a.entry_id}" /></a>'
            f'<div class="asset_title"><a href="{attr(lf_instance_url("/web/guest/trang-chu", "slide", a))}">{a.title_html}</a></div>'
            f'<div class="asset-publish-date"><span>{weekday_vn(a.posted, "Thứ Bẩy")}, ngày {a.posted:%d/%m/%Y %H:%M}</span></div></div>'
            for a in self.w.featured
        )
        return (
            '<div class="portlet-layout row-fluid"><div class="portlet-column span12" id="column-top">'
            + self.lf_portlet(
                "101_INSTANCE_slide", "Tin nổi bật", f'<div class="slider">{items}</div>'
            )
            + "</div></div>"
        )

    # ---------- Liferay article ----------
    def lf_related(self, cat_path: str, a: Article) -> list[Article]:
        c = self.w.category_of(cat_path)
        pool = [x for x in (c.articles if c else []) if x is not a and x.exists]
        return pool[:4]

    def lf_article_page(
        self, cat_path: str, portlet_title: str, a: Article, pid: str = "101"
    ) -> str:
        w = self.w
        rel = self.lf_related(cat_path, a)
        if w.theme == "liferay-stock":
            related = "".join(
                f'<li><a href="{attr(lf_article_url(cat_path, r, 1))}">{r.title_html}</a> <span class="date">({r.posted:%d/%m/%Y})</span></li>'
                for r in rel
            )
            body = (
                '<div class="asset-full-content default-asset-publisher show-asset-title">'
                f'<div class="taglib-header "><span class="header-back-to"><a class="icon-circle-arrow-left previous-level" href="{cat_path}" title="Quay lại"><span class="helper-hidden-accessible">Quay lại</span></a></span>'
                f'<h3 class="header-title"><span>{a.title_html}</span></h3></div>'
                f'<div class="asset-metadata">{fmt_meta(a)}</div>'
                f'<div class="asset-content" id="_101_{a.entry_id}"><div class="journal-content-article">\n{a.body_html}\n</div>'
                + (
                    self.lf_inside_extras(cat_path, rel)
                    if a.entry_id % 2
                    else '<div class="asset-links"></div>'
                )
                + "</div>"
                f'<div class="social-share">Chia sẻ: <a href="https://www.facebook.com/sharer/sharer.php?u={quote(self.base + lf_article_url(cat_path, a, 1), safe="")}">Facebook</a> '
                f'<a href="https://twitter.com/intent/tweet?text={quote(a.title)}">Twitter</a> <a href="javascript:window.print();">In bài viết</a> '
                f'<a href="{attr(lf_article_url(cat_path, a, 1).replace("p_p_state=normal", "p_p_state=maximized"))}">Phóng to</a></div>'
                '<div class="asset-ratings"><div class="taglib-ratings stars">Đánh giá: <span>0 (0 phiếu)</span></div></div>'
                "</div>"
                f'<div class="tinlienquan"><h5>Các tin khác</h5><ul>{related}</ul></div>'
            )
        elif w.theme == "liferay-moh-hook":
            related = "".join(
                f'<li><a href="{attr(self.base + lf_article_url(cat_path, r, 0))}">{r.title_html}</a> <span>({r.posted:%d/%m/%Y})</span></li>'
                for r in rel
            )
            if a.meta_variant == 1 and a.views is not None:
                meta = (
                    f'<span class="date">{weekday_vn(a.posted)}, ngày {a.posted:%d/%m/%Y %H:%M}</span> '
                    f'<span class="view">| Lượt xem: {vn_num(a.views)}</span>'
                )
            else:
                meta = fmt_meta(a)
            body = (
                '<div class="contentDetail">'
                '<div class="tool-bar"><a class="text-size" href="javascript:;">A-</a> <a class="text-size" href="javascript:;">A+</a> <a href="javascript:window.print()">In bài</a></div>'
                f'<h3 class="text-change-size">{a.title_html}</h3>'
                f'<p class="time-post">{meta}</p>'
                f'<div class="contentDetail mt15">\n{a.body_html}\n</div>'
                '<div class="share-bar"><span>Chia sẻ bài viết:</span> <a href="https://www.facebook.com/sharer/sharer.php">Facebook</a> <a href="https://zalo.me/share">Zalo</a></div>'
                f'<div class="newsDifferent"><h4 class="title-other">Tin liên quan</h4><ul class="tinlienquan">{related}</ul></div>'
                "</div>"
            )
        else:
            related = "".join(
                f'<li><a href="{attr(lf_article_url(cat_path, r, 2))}">{r.title_html}</a></li>'
                for r in rel
            )
            views = (
                ""
                if a.views is None
                else f'<div class="asset-view-count"><i class="icon-eye-open"></i> Lượt xem: {vn_num(a.views)}</div>'
            )
            body = (
                '<div class="asset_publisher_view_full_content">'
                f'<div class="asset_title"><span>{a.title_html}</span></div>'
                f'<div class="asset-publish-date"><i class="icon-calendar"></i> <span>{weekday_vn(a.posted, "Thứ Bẩy")}, ngày {a.posted:%d/%m/%Y %H:%M}</span></div>'
                f'<div class="asset_content"><div class="journal-content-article">\n{a.body_html}\n</div></div>'
                '<div class="asset_tool"><a href="javascript:print()">In bài viết</a> | <a href="mailto:?subject=Tin%20bai">Gửi email</a></div>'
                "</div>"
                f"{views}"
                f'<div class="newsDifferent"><div class="title">Tin cùng chuyên mục</div><ul class="tinlienquan">{related}</ul></div>'
            )
        c = w.category_of(cat_path)
        main = self.lf_portlet(
            pid, portlet_title, body, c.name_html if c is not None and pid == "101" else None
        )
        top = self.lf_slider() if w.theme == "liferay-full-content-hook" else ""
        crumbs = [("Trang chủ", "/web/guest"), (portlet_title, cat_path)]
        return self.lf_page(a.title, main, crumbs, self.base + cat_path, top)

    def lf_inside_extras(self, cat_path: str, rel: list[Article]) -> str:
        """Liferay 6.2 full_content.jsp: print, ratings, related assets, bookmarks inside .asset-content."""
        links = "".join(
            f'<li class="asset-links-list-item"><a class="asset-links-title" href="{attr(lf_article_url(cat_path, r, 1))}">{r.title_html}</a></li>'
            for r in rel[:2]
        )
        return (
            '<div class="print-action"><span class="lfr-icon-menu"><a href="javascript:;" title="In">In</a></span></div>'
            '<div class="asset-ratings"><div class="taglib-ratings stars"><div class="liferay-rating-vote">Đánh giá của bạn <span>0 sao</span></div>'
            '<div class="liferay-rating-score">Điểm trung bình (0 phiếu)</div></div></div>'
            f'<div class="taglib-asset-links"><h2 class="asset-links-title">Liên kết liên quan:</h2><ul class="asset-links-list">{links}</ul></div>'
            '<div class="asset-social-bookmarks"><div class="taglib-social-bookmarks"><ul class="unstyled"><li><a href="http://www.facebook.com/sharer.php">Facebook</a></li><li><a href="https://twitter.com/intent/tweet">Twitter</a></li></ul></div></div>'
        )

    def lf_not_found_portlet(self, cat_path: str, title: str) -> str:
        main = self.lf_portlet(
            "101", title, '<div class="alert alert-info">Không có kết quả nào.</div>'
        )
        return self.lf_page(title, main, [("Trang chủ", "/web/guest")], self.base + cat_path)

    def lf_home(self) -> str:
        w = self.w
        newest = sorted(w.truth, key=lambda a: a.posted, reverse=True)[:5]
        items = "".join(
            f'<div class="asset-abstract"><h3 class="asset-title"><a href="{attr(lf_instance_url("/trang-chu", "home", a))}">{a.title_html}</a></h3>'
            f'<div class="asset-summary">{esc(a.summary)}</div></div>'
            for a in newest
        )
        main = self.lf_portlet("101_INSTANCE_home", "Tin tức - Sự kiện", items)
        return self.lf_page(
            "Trang chủ", main, [("Trang chủ", "/web/guest")], self.base + "/web/guest/trang-chu"
        )

    def lf_static(self, path: str) -> str:
        title, content = self.w.statics[path]
        main = (
            f'<div class="portlet-boundary portlet-boundary_56_ portlet-journal-content" id="p_p_id_56_INSTANCE_gt_">'
            f'<section class="portlet" id="portlet_56_INSTANCE_gt"><header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">{esc(title)}</span></h1></header>'
            f'<div class="portlet-content"><div class="journal-content-article">{content}</div></div></section></div>'
        )
        return self.lf_page(
            title, main, [("Trang chủ", "/web/guest"), (title, path)], self.base + path
        )

    def lf_404(self) -> str:
        return self.lf_page(
            "Không tìm thấy",
            '<div class="alert alert-error">Không tìm thấy trang yêu cầu.</div>',
            [("Trang chủ", "/web/guest")],
            self.base + "/",
        )

    # ---------- hanoi-portal ----------
    def hn_url(self, cat: Category, a: Article) -> str:
        return f"{cat.path}/{a.slug}-{a.key}.htm"

    def hn_page(self, title: str, main: str, aside: str) -> str:
        w = self.w
        menu = "".join(
            f'<li class="menu-item"><a href="{c.path}" title="{attr(c.name)}">{esc(c.menu)}</a></li>'
            for c in w.categories
        )
        return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta property="og:site_name" content="{attr(w.name)}"><meta property="og:type" content="website">
<link rel="stylesheet" href="/static/css/main.min.css?v=20250701"><link rel="preconnect" href="https://cdn.hanoi.gov.vn">
<script src="/static/js/jquery-3.6.0.min.js"></script>
<script>var pageSettings = {{ domain: "{self.base}", sharefbApiDomain: "https://sharefb.cnnd.vn", api: "/api/getMostView.htm" }};</script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script>
</head>
<body class="page-category">
<div class="header"><div class="header-top"><a class="logo" href="/"><img src="/static/images/logo.png" alt="{attr(w.name)}"></a>
<form class="search" action="/tim-kiem.htm"><input name="keywords"></form></div>
<nav class="menu-main"><ul><li class="menu-item home"><a href="/trang-chu" title="Trang chủ"><i class="icon-home"></i></a></li>{menu}
<li class="menu-item"><a href="/gioi-thieu-chung">Giới thiệu chung</a></li></ul></nav></div>
<div class="main container"><div class="row"><div class="col-8">{main}</div>
<aside class="col-4">{aside}</aside></div></div>
<div class="footer"><p>CỔNG THÔNG TIN ĐIỆN TỬ {esc(w.name.upper())}</p><p>Địa chỉ: số 15 phố Hoa Sữa, Hà Nội</p>
<p class="visits">Lượt truy cập: 2.345.678</p></div>
<script>$(function(){{ $('.box-stream-more').on('click', function(){{}}); }});</script>
</body></html>"""

    def hn_aside(self) -> str:
        w = self.w
        most = sorted(w.truth, key=lambda a: a.entry_id)[:5]
        lis = "".join(
            f'<li class="box-most-read-item"><a href="{self.hn_url(next(c for c in w.categories if a in c.articles), a)}" title="{attr(a.title)}">{a.title_html}</a></li>'
            for a in most
        )
        return f'<div class="box-most-read"><h3 class="box-title">Đọc nhiều</h3><ul>{lis}</ul></div><div class="banner"><a href="https://dichvucong.hanoi.gov.vn"><img src="/static/images/dvc.png"></a></div>'

    def hn_listing(self, cat: Category, page: int) -> str:
        pages = cat.pages()
        n = len(pages)
        items = pages[page - 1] if 1 <= page <= n else []
        out = [
            f'<div class="box-category" data-layout="1"><div class="box-category-top"><h1 class="box-category-title">'
            f'<a href="{cat.path}" title="{attr(cat.name)}">{cat.name_html}</a></h1></div>'
        ]
        stream = items
        if page == 1 and items:
            f = items[0]
            stream = items[1:]
            u = self.hn_url(cat, f)
            out.append(
                f'<div class="box-category-middle"><div class="box-category-item-first" data-id="{f.key}">'
                f'<a class="box-category-link-with-avatar img-resize" href="{u}" title="{attr(f.title)}"><img src="/images/thumb/{f.key}.jpg" alt="{attr(f.title)}"></a>'
                f'<div class="box-category-content"><h2><a class="box-category-link-title" href="{u}" title="{attr(f.title)}">{f.title_html}</a></h2>'
                f'<span class="box-category-time time-ago" title="{f.posted:%Y-%m-%dT%H:%M:%S}">{f.posted:%H:%M %d/%m/%Y}</span>'
                f'<p class="box-category-sapo">{esc(f.summary)}</p></div></div></div>'
            )
        out.append('<div class="box-stream">')
        for i, a in enumerate(stream):
            u = self.hn_url(cat, a)
            tu = (self.https + u) if i % 2 == 0 else u
            out.append(
                f'<div class="box-stream-item" data-id="{a.key}">'
                f'<a class="box-stream-link-with-avatar img-resize" href="{u}" title="{attr(a.title)}"><img src="/images/thumb/{a.key}.jpg"></a>'
                f'<div class="box-stream-content"><h3><a class="box-stream-link-title" href="{tu}" title="{attr(a.title)}">{a.title_html}</a></h3>'
                f'<span class="box-stream-time">{a.posted:%H:%M %d/%m/%Y}</span><p class="box-stream-sapo">{esc(a.summary)}</p></div></div>'
            )
        out.append("</div>")
        if page < n:
            out.append(
                f'<div class="box-stream-more"><a class="view-more" href="{cat.path}?page={page + 1}" rel="next">Xem thêm</a></div>'
            )
        out.append("</div>")
        return self.hn_page(cat.name, "".join(out), self.hn_aside())

    def hn_article(self, cat: Category, a: Article) -> str:
        rel = [x for x in cat.articles if x is not a][:3]
        related = "".join(
            f'<li><a href="{self.hn_url(cat, r)}">{r.title_html}</a></li>' for r in rel
        )
        main = (
            '<div class="detail">'
            f'<div class="detail-cate"><a href="{cat.path}" title="{attr(cat.name)}">{cat.name_html}</a></div>'
            f'<h1 class="detail-title" data-role="title">{a.title_html}</h1>'
            f'<div class="detail-time"><div data-role="publishdate">{a.posted:%H:%M %d/%m/%Y} </div></div>'
            f'<div class="detail-tool"><a href="{self.hn_url(cat, a)}?print=1" rel="nofollow">In bài</a> <div class="fb-share-button" data-href="{self.https}{self.hn_url(cat, a)}"></div></div>'
            f'<div class="detail-cmain"><div class="detail-content afcbc-body" data-role="content">\n{a.body_html}\n</div></div>'
            '<div class="detail-tags"><span>Từ khóa:</span> <a href="/tim-kiem?keywords=phuong">phường</a></div>'
            f'<div class="detail-related"><h3>Tin liên quan</h3><ul>{related}</ul></div>'
            "</div>"
        )
        return self.hn_page(a.title, main, self.hn_aside())

    def hn_home(self) -> str:
        lis = "".join(
            f'<li><a href="{self.hn_url(c, c.articles[0])}">{c.articles[0].title_html}</a></li>'
            for c in self.w.categories
            if c.articles
        )
        return self.hn_page(
            self.w.name, f'<div class="box-home"><ul>{lis}</ul></div>', self.hn_aside()
        )

    # ---------- liferay-view-content ----------
    def vc_url(self, cat: Category, a: Article) -> str:
        return f"{cat.path}/-/view_content/{a.key}-{a.slug}.html"

    def vc_page(self, title: str, main: str) -> str:
        w = self.w
        nav = [("Trang chủ", "/trang-chu"), ("Giới thiệu", "/gioi-thieu")]
        nav += [(c.menu, c.path) for c in w.categories]
        nav += [
            ("Lịch công tác", "/lich-cong-tac"),
            ("Thư viện ảnh", "/thu-vien-anh"),
            ("Liên hệ", "/lien-he"),
        ]
        lis = "".join(f'<li><a href="{h}">{esc(t)}</a></li>' for t, h in nav)
        newest = sorted(w.truth, key=lambda a: a.posted, reverse=True)[:4]
        side = "".join(
            f'<li><a href="{self.vc_url(next(c for c in w.categories if a in c.articles), a)}">{a.title_html}</a></li>'
            for a in newest
        )
        return f"""<!DOCTYPE html>
<html dir="ltr" lang="vi-VN"><head><title>{esc(title)} - {esc(w.name)}</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<link href="/html/css/main.css?browserId=other&amp;themeId=ngoquyen_WAR_theme&amp;t=1525920000000" rel="stylesheet" type="text/css" />
<script src="/html/js/barebone.jsp?browserId=other&amp;t=1525920000000" type="text/javascript"></script>
<script type="text/javascript">var themeDisplay = {{getPathContext: function() {{return "";}}, getScopeGroupId: function() {{return "10180";}}}};</script>
</head><body class="yui3-skin-sam guest-site signed-out public-page">
<div id="wrapper"><header id="banner"><a href="/trang-chu" class="logo"><img src="/ngoquyen-theme/images/logo.png" alt=""></a>
<nav id="navigation"><ul class="main-menu">{lis}</ul></nav></header>
<div id="content" class="row-fluid"><div class="span9" id="column-1">{main}</div>
<div class="span3" id="column-2"><div class="portlet"><h2 class="portlet-title">Tin mới</h2><ul class="list-news-sidebar">{side}</ul></div>
<div class="portlet"><h2 class="portlet-title">Văn bản</h2><ul><li><a href="/documents/10157/0/QD+so+120-QD-UBND.pdf/3e3e3e3e-9999-8888-7777-000000000030">Quyết định số 120/QĐ-UBND</a></li></ul></div></div></div>
<footer id="footer"><p>Cổng thông tin điện tử {esc(w.name)} - {esc(w.district or "")} - {esc(w.province)}</p>
<p>Lượt truy cập: 345.678</p></footer></div></body></html>"""

    def vc_crumbs(self, cat: Category) -> str:
        mid = (
            '<li><a href="/tin-tuc-su-kien">Tin tức</a> <span class="divider">›</span></li>'
            if cat.path == "/hoat-dong-phuong"
            else ""
        )
        return (
            f'<ul class="breadcrumb"><li><a href="/trang-chu">Trang chủ</a> <span class="divider">›</span></li>{mid}'
            f'<li class="active"><a href="{cat.path}">{cat.name_html}</a></li></ul>'
        )

    def vc_listing(self, cat: Category, cur: int) -> str:
        pages = cat.pages()
        n = len(pages)
        items = pages[cur - 1] if 1 <= cur <= n else []
        lis = []
        for i, a in enumerate(items):
            u = self.vc_url(cat, a)
            if i % 3 == 0:
                u = self.base + u
            lis.append(
                f'<li class="news-item"><a class="news-img" href="{u}"><img src="/image/journal/article?img_id={a.entry_id}" /></a>'
                f'<a class="news-title" href="{u}">{a.title_html}</a> <span class="news-date">({a.posted:%d/%m/%Y})</span>'
                f'<p class="news-desc">{esc(a.summary)}</p></li>'
            )
        if not items:
            lis.append('<li class="empty">Không có bài viết nào.</li>')
        pager = ""
        if n > 1:
            nums = "".join(
                f'<li class="active"><span>{k}</span></li>'
                if k == cur
                else f'<li><a href="?cur={k}">{k}</a></li>'
                for k in range(1, n + 1)
            )
            nxt = f'<li><a href="?cur={cur + 1}">»</a></li>' if cur < n else ""
            pager = f'<div class="pagination"><ul>{nums}{nxt}</ul></div>'
        main = (
            f'{self.vc_crumbs(cat)}<div class="view-content-list"><h1 class="category-title">{cat.name_html}</h1>'
            f'<ul class="list-news">{"".join(lis)}</ul>{pager}</div>'
        )
        return self.vc_page(cat.name, main)

    def vc_article(self, cat: Category, a: Article) -> str:
        views = (
            ""
            if a.views is None
            else f' | <span class="view"><i class="icon-eye"></i> Lượt xem: <b>{vn_num(a.views)}</b></span>'
        )
        rel = [x for x in cat.articles if x is not a][:3]
        related = "".join(
            f'<li><a href="{self.vc_url(cat, r)}">{r.title_html}</a> <span>({r.posted:%d/%m/%Y})</span></li>'
            for r in rel
        )
        main = (
            f"{self.vc_crumbs(cat)}"
            '<div class="view-content-detail">'
            f'<h2 class="title">{a.title_html}</h2>'
            f'<div class="date-view"><span class="icon-calendar"></span> Ngày đăng <span class="date">{a.posted:%d/%m/%Y}</span> | '
            f'<span class="time">{a.posted:%H:%M}</span>{views} <span class="print"><a href="?print=true" rel="nofollow">In trang</a></span> '
            '<span class="font-size">Cỡ chữ: <a href="javascript:;">A-</a> <a href="javascript:;">A+</a></span></div>'
            f'<div class="content">\n{a.body_html}\n</div>'
            '<div class="share"><span>Chia sẻ:</span> <a href="https://www.facebook.com/sharer.php">Facebook</a></div>'
            "</div>"
            f'<div class="other-news"><h3>Các tin khác</h3><ul>{related}</ul></div>'
        )
        return self.vc_page(a.title, main)

    def vc_home(self) -> str:
        return self.vc_page("Trang chủ", '<div class="home-box"><h2>Chào mừng</h2></div>')

    def vc_static(self, path: str) -> str:
        title, content = self.w.statics[path]
        return self.vc_page(
            title, f'<div class="journal-content-article"><h1>{esc(title)}</h1>{content}</div>'
        )


# --------------------------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------------------------

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Portal:
    """Routes requests of one ward's server; logs them."""

    def __init__(self, ward: Ward):
        self.w = ward
        self.port = 0
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.failed_once: set[str] = set()
        self.renderer: Renderer | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, req: BaseHTTPRequestHandler, head: bool) -> None:
        scheme = "https" if isinstance(req.connection, ssl.SSLSocket) else "http"
        with self.lock:
            self.log.append(
                {
                    "method": req.command,
                    "path": req.path,
                    "scheme": scheme,
                    "ua": req.headers.get("User-Agent", ""),
                    "t": time.time(),
                }
            )
        try:
            status, ctype, body, extra = self.route(req.path)
        except Exception as e:  # pragma: no cover - a replica bug must be visible
            status, ctype, body, extra = 500, "text/plain", f"replica error: {e!r}".encode(), {}
        with self.lock:
            self.log[-1]["status"] = status
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        req.send_header(
            "Set-Cookie", "JSESSIONID=8F3A1C0B2D4E6F7A9B1C3D5E7F9A1B3C; Path=/; HttpOnly"
        )
        for k, v in extra.items():
            req.send_header(k, v)
        req.end_headers()
        if not head:
            req.wfile.write(body)

    def html(self, text: str, status: int = 200) -> tuple:
        ctype = "text/html; charset=utf-8" if self.w.charset_header else "text/html"
        return status, ctype, text.encode("utf-8"), {}

    def maybe_fail(self, key: str) -> tuple | None:
        if key in self.w.fail_once:
            with self.lock:
                if key not in self.failed_once:
                    self.failed_once.add(key)
                    return (
                        503,
                        "text/html",
                        b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                        {},
                    )
        return None

    def maybe_slow(self, tag: str) -> None:
        d = self.w.slow.get(tag)
        if d:
            time.sleep(d)

    def route(self, raw: str) -> tuple:
        w = self.w
        parts = urlsplit(raw)
        path = unquote(parts.path).split(";jsessionid=")[0]
        q = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if path == "/robots.txt":
            if w.robots is None:
                return 404, "text/html", b"<html><body>Not Found</body></html>", {}
            return 200, "text/plain; charset=utf-8", w.robots.encode(), {}
        if path in w.docs:
            name, ctype = w.docs[path]
            return 200, ctype, PDF, {"Content-Disposition": f'inline; filename="{quote(name)}.pdf"'}
        if path.startswith(("/image/", "/images/")) or path.endswith((".png", ".jpg", ".ico")):
            return 200, "image/gif", GIF, {}
        if path.startswith(("/html/", "/static/", "/phuong-theme/")):
            return 200, "text/css", b"/* */", {}
        if w.family == "liferay-asset-publisher":
            return self.route_liferay(path, q, parts.query)
        if w.family == "hanoi-portal":
            return self.route_hanoi(path, q)
        return self.route_view_content(path, q)

    def route_liferay(self, path: str, q: dict, query: str) -> tuple:
        w, r = self.w, self.renderer
        if path in ("/", "/trang-chu", "/web/guest", "/web/guest/trang-chu", "/web/guest/home"):
            pid = q.get("p_p_id", "")
            m = re.fullmatch(r"101_INSTANCE_(\w+)", pid)
            if m:
                a = w.articles.get(q.get(f"_101_INSTANCE_{m.group(1)}_urlTitle", ""))
                if a is not None and a.exists:
                    title = {
                        "tnb1": "Tin nổi bật",
                        "xemnhieu": "Tin xem nhiều",
                        "slide": "Tin nổi bật",
                        "home": "Tin tức - Sự kiện",
                    }.get(m.group(1), "Tin tức")
                    return self.html(r.lf_article_page(path, title, a, pid))
            return self.html(r.lf_home())
        if path in w.statics:
            return self.html(r.lf_static(path))
        cat = w.category_of(path)
        if cat is None:
            return self.html(r.lf_404(), 404)
        pid = q.get("p_p_id", "")
        m = re.fullmatch(r"101_INSTANCE_(\w+)", pid)
        ut = (
            q.get("_101_urlTitle")
            if pid == "101"
            else (q.get(f"_101_INSTANCE_{m.group(1)}_urlTitle") if m else None)
        )
        if ut is not None:
            a = w.articles.get(ut)
            if a is None or not a.exists:
                if w.theme == "liferay-stock":
                    return self.html(r.lf_404(), 404)
                return self.html(r.lf_not_found_portlet(path, cat.name))
            fail = self.maybe_fail(a.key)
            if fail:
                return fail
            self.maybe_slow("key:" + a.key)
            return self.html(r.lf_article_page(path, cat.name, a, pid or "101"))
        cur = 1
        if pid == "101" and q.get("_101_cur", "").isdigit():
            cur = int(q["_101_cur"])
        self.maybe_slow(f"{path}?cur={cur}")
        return self.html(r.lf_category_page(cat, max(cur, 1)))

    def route_hanoi(self, path: str, q: dict) -> tuple:
        w, r = self.w, self.renderer
        if path in ("/", "/trang-chu"):
            return self.html(r.hn_home())
        cat = w.category_of(path)
        if cat is not None:
            page = int(q["page"]) if q.get("page", "").isdigit() else 1
            return self.html(r.hn_listing(cat, max(page, 1)))
        m = re.fullmatch(r"(/[\w-]+)/([\w-]+)-(\d{15,})\.htm", path)
        if m and w.category_of(m.group(1)) is not None and m.group(3) in w.articles:
            a = w.articles[m.group(3)]
            fail = self.maybe_fail(a.key)
            if fail:
                return fail
            self.maybe_slow("key:" + a.key)
            if "print" in q:
                return self.html(
                    f"<html><body onload='print()'><h1>{a.title_html}</h1>{a.body_html}</body></html>"
                )
            return self.html(r.hn_article(w.category_of(m.group(1)), a))
        if path == "/gioi-thieu-chung":
            return self.html(
                r.hn_page(
                    "Giới thiệu chung",
                    "<div class='detail-content'><p>Phường Delta được thành lập ngày 01/7/2025.</p></div>",
                    "",
                )
            )
        return self.html(r.hn_page("404", "<h1>Trang không tồn tại</h1>", ""), 404)

    def route_view_content(self, path: str, q: dict) -> tuple:
        w, r = self.w, self.renderer
        if path == "/":
            return 302, "text/html", b"", {"Location": "/web/guest/trang-chu"}
        if path in ("/trang-chu", "/web/guest/trang-chu", "/web/guest"):
            return self.html(r.vc_home())
        if path in w.statics:
            return self.html(r.vc_static(path))
        cat = w.category_of(path)
        if cat is not None:
            cur = int(q["cur"]) if q.get("cur", "").isdigit() else 1
            return self.html(r.vc_listing(cat, max(cur, 1)))
        m = re.fullmatch(r"(/[\w-]+)/-/view_content/(\d+)-([\w-]*)\.html", path)
        if m and w.category_of(m.group(1)) is not None and m.group(2) in w.articles:
            a = w.articles[m.group(2)]
            fail = self.maybe_fail(a.key)
            if fail:
                return fail
            self.maybe_slow("key:" + a.key)
            return self.html(r.vc_article(w.category_of(m.group(1)), a))
        return self.html(r.vc_page("Lỗi", "<h1>404 - Không tìm thấy trang</h1>"), 404)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache-Coyote/1.1"
    sys_version = ""
    timeout = 20

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        self.server.portal.handle(self, head=False)

    def do_HEAD(self):  # noqa: N802
        self.server.portal.handle(self, head=True)


class _SniffingServer(ThreadingHTTPServer):
    """Plain HTTP and TLS on the same port (first byte 0x16 = TLS handshake)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, portal: Portal, ssl_ctx: ssl.SSLContext):
        self.portal = portal
        self.ssl_ctx = ssl_ctx
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request, client_address):
        try:
            request.settimeout(20)
            first = request.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first == b"\x16":
            try:
                tls = self.ssl_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
            try:
                self.RequestHandlerClass(tls, client_address, self)
            finally:
                with contextlib.suppress(OSError):
                    tls.close()
            return
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        pass  # client hung up: not the replica's business


def make_tls_context(folder: Path) -> ssl.SSLContext:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_p, key_p = folder / "cert.pem", folder / "key.pem"
    cert_p.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_p.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert_p), str(key_p))
    return ctx


@contextlib.contextmanager
def serve(wards: list[Ward], folder: Path):
    """Start one server per ward; yield the Portal objects; stop them all."""
    ctx = make_tls_context(folder)
    portals = [Portal(w) for w in wards]
    servers, threads = [], []
    try:
        for p in portals:
            srv = _SniffingServer(p, ctx)
            p.port = srv.server_address[1]
            servers.append(srv)
        bases = {p.w.slug: p.base for p in portals}
        for p, srv in zip(portals, servers, strict=True):
            p.renderer = Renderer(p.w, p.base, bases)
            t = threading.Thread(
                target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            t.start()
            threads.append(t)
        yield portals
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()
        for t in threads:
            t.join(timeout=5)


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_registry(portals: list[Portal], path: Path) -> None:
    out = []
    for p in portals:
        w = p.w
        out.append("[[ward]]")
        out.append(f"slug = {toml_str(w.slug)}")
        out.append(f"name = {toml_str(w.name)}")
        out.append(f"province = {toml_str(w.province)}")
        if w.district:
            out.append(f"district = {toml_str(w.district)}")
        out.append(f"url = {toml_str(p.base + w.registry_url_path)}")
        out.append(f"family = {toml_str(w.family)}")
        if w.registry_categories is not None:
            out.append(
                "categories = [" + ", ".join(toml_str(c) for c in w.registry_categories) + "]"
            )
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# robots.txt (independent matcher: longest match wins, Allow wins ties, * and $ supported)
# --------------------------------------------------------------------------------------------


def robots_rules(text: str | None, agent: str = "*") -> list[tuple[bool, str]]:
    if not text:
        return []
    groups: list[tuple[list[str], list[tuple[bool, str]]]] = []
    cur_agents: list[str] = []
    cur_rules: list[tuple[bool, str]] = []
    last_was_agent = False
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        k, v = (x.strip() for x in line.split(":", 1))
        k = k.lower()
        if k == "user-agent":
            if not last_was_agent:
                cur_agents, cur_rules = [], []
                groups.append((cur_agents, cur_rules))
            cur_agents.append(v.lower())
            last_was_agent = True
        elif k in ("allow", "disallow"):
            last_was_agent = False
            if v:
                cur_rules.append((k == "allow", v))
        else:
            last_was_agent = False
    for agents, rules in groups:
        if agent in agents:
            return rules
    return []


def robots_allowed(rules: list[tuple[bool, str]], path_and_query: str) -> bool:
    best: tuple[int, bool] | None = None
    for allow, pat in rules:
        rx = re.escape(pat).replace(r"\*", ".*")
        if rx.endswith(r"\$"):
            rx = rx[:-2] + "$"
        if re.match(rx, path_and_query):
            cand = (len(pat), allow)
            if best is None or cand[0] > best[0] or (cand[0] == best[0] and allow):
                best = cand
    return best is None or best[1]
