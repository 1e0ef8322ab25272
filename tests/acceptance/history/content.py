"""Independent portal content and markup for the archive/schedule checks.

Written only from FAMILIES.md (reference markup, URL grammar, text quirks) and README.md.
Nothing here is shared with wardcrawler or its own replica.

Text model: every text is generated as a plain NFC string; the HTML renderers apply the
quirks seen on the real portals (NFD, double spaces, &nbsp;, entities, spacer paragraphs,
inline tags); the ground truth is ``norm(text)`` (NFC, whitespace collapsed) and bodies are
paragraphs joined by a blank line.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape
from urllib.parse import quote

VN = timezone(timedelta(hours=7))

FAMILY_LAP = "liferay-asset-publisher"
FAMILY_HP = "hanoi-portal"
FAMILY_VC = "liferay-view-content"


# ----------------------------------------------------------------------------- text


def norm(s: str) -> str:
    """Ground truth form of one text: NFC, whitespace (incl. NBSP) collapsed."""
    return " ".join(unicodedata.normalize("NFC", s).split())


def expected_body(paras) -> str:
    return "\n\n".join(n for n in (norm(p) for p in paras) if n)


def strip_marks(s: str) -> str:
    d = unicodedata.normalize("NFD", s)
    return "".join(c for c in d if unicodedata.category(c) != "Mn")


def lap_url_title(title: str) -> str:
    """Liferay urlTitle: drops đ/Đ, strips other marks, cut at 150 chars (may end with '-')."""
    t = title.replace("đ", "").replace("Đ", "")
    t = strip_marks(t).lower()
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    return t[:150]


def d_slug(title: str) -> str:
    """hanoi-portal / view-content slug: đ -> d."""
    t = title.replace("đ", "d").replace("Đ", "D")
    t = strip_marks(t).lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")[:80]


SENTENCES = [
    "Thực hiện Kế hoạch số 82-KH/ĐU, ngày 13/9/2023, Chi bộ tổ dân phố số 2 tổ chức sinh hoạt chính trị, tư tưởng.",
    "Tại buổi sinh hoạt, đồng chí Bí thư chi bộ đã quán triệt mục đích yêu cầu của buổi sinh hoạt.",
    "Các đồng chí đảng viên đều nêu rõ nhận thức của cá nhân mình trong việc thực hiện Chỉ thị số 24 của Thành uỷ.",
    "Ban Thường vụ Thành ủy Hà Nội chỉ đạo tăng cường công tác phòng cháy, chữa cháy tại khu dân cư.",
    "UBND phường đã tổ chức hội nghị đối thoại với nhân dân về công tác cải cách hành chính.",
    "Hội nghị có 9 ý kiến phát biểu, tập trung vào công tác vệ sinh môi trường và trật tự đô thị.",
    "Tổng kinh phí hỗ trợ là 1.234.000.000 đồng, trong đó ngân sách thành phố hỗ trợ 60%.",
    'Toàn phường có 1.872 hộ gia đình đăng ký tham gia phong trào "Ngày Chủ nhật xanh".',
    "Đoàn kiểm tra đã làm việc với tổ đân phố số 5 về việc thu gom rác thải sinh hoạt.",
    "Uỷ ban MTTQ phường phối hợp với các đoàn thể vận động nhân dân ủng hộ Quỹ Vì người nghèo.",
    "Phát biểu chỉ đạo, đồng chí Chủ tịch UBND phường đề nghị các tổ dân phố hoà nhập, đoàn kết.",
    "Công an phường khuyến cáo người dân cảnh giác với các thủ đoạn lừa đảo qua mạng xã hội.",
    "Trạm Y tế phường triển khai tiêm chủng mở rộng cho trẻ em dưới 5 tuổi & phụ nữ mang thai.",
    "Lớp bồi dưỡng lý luận chính trị cho đảng viên mới được tổ chức trong 5 ngày.",
    "Kết quả, 100% hồ sơ thủ tục hành chính được giải quyết đúng và trước hạn.",
    "Đại hội đã bầu Ban Chấp hành gồm 15 đồng chí, nhiệm kỳ 2025 - 2030.",
    "Nhân dịp này, phường đã trao 45 suất quà cho các gia đình chính sách, mỗi suất trị giá 500.000 đồng.",
    "Các hộ kinh doanh cam kết không lấn chiếm vỉa hè, lòng đường để buôn bán.",
    "Ngày hội Đại đoàn kết toàn dân tộc được tổ chức tại nhà văn hoá tổ dân phố số 3.",
    "Ủy ban nhân dân phường thông báo lịch tiếp công dân định kỳ vào thứ Năm hằng tuần.",
    "Chương trình có sự tham gia của các chi hội Cựu chiến binh, Hội Phụ nữ và Đoàn Thanh niên.",
    "Văn bản gốc: Quy\ufffd\ufffdt định số 12/QĐ-UBND (bản scan lỗi phông).",
    "Ban Chỉ huy Quân sự phường tổ chức giao nhận quân năm 2024 đảm bảo trang trọng, đúng luật.",
]

TITLE_STARTS = [
    "Chi bộ tổ dân phố số {n}, Đảng bộ phường {w} tổ chức sinh hoạt chính trị, tư tưởng",
    "PHƯỜNG {W} ra quân tổng vệ sinh môi trường đợt {n}",
    "Hội nghị đối thoại giữa Chủ tịch UBND phường với nhân dân năm 202{d}",
    "Thông báo lịch tiếp công dân của Uỷ ban nhân dân phường quý {q}",
    "Trao {n} suất quà cho gia đình chính sách nhân dịp Tết Nguyên đán",
    "Đại hội Chi bộ tổ đân phố số {n} nhiệm kỳ 2025 - 2030",
    "Tăng cường công tác phòng cháy, chữa cháy & cứu nạn cứu hộ khu dân cư số {n}",
    "Tuyên truyền Chỉ thị số 24-CT/TU của Ban Thường vụ Thành ủy đợt {n}",
    "Ngày hội Đại đoàn kết toàn dân tộc tại tổ dân phố số {n}",
    "Phường {w} hoà giải thành công {n} vụ việc ở cơ sở",
    'Kiểm tra công tác thu gom rác thải "xanh - sạch - đẹp" tại tổ {n}',
    "Tập huấn nghiệp vụ cải cách hành chính cho cán bộ một cửa lần {n}",
]

WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


def make_title(rng: random.Random, ward_name: str, i: int) -> str:
    t = TITLE_STARTS[i % len(TITLE_STARTS)]
    return t.format(n=i + 2, w=ward_name, W=ward_name.upper(), d=i % 6, q=i % 4 + 1)


def make_paras(rng: random.Random, n: int | None = None) -> list[str]:
    n = n or rng.randint(3, 6)
    paras = []
    for _ in range(n):
        k = rng.randint(1, 3)
        paras.append(" ".join(rng.sample(SENTENCES, k)))
    # the typical ending of a ward article
    paras[-1] = paras[-1].rstrip(".") + "./."
    return paras


@dataclass
class Version:
    title: str
    paras: tuple
    views: int | None

    @property
    def body(self) -> str:
        return expected_body(self.paras)


@dataclass
class Quirks:
    nfd_title: bool = False
    nfd_body: bool = False
    double_spaces: bool = True
    nbsp: bool = True
    spacers: bool = True
    inline: bool = True
    numeric_entity: bool = False


# ----------------------------------------------------------------------------- html text


def html_text(s: str, nfd: bool = False, double_spaces: bool = False, numeric_entity=False) -> str:
    if nfd:
        s = unicodedata.normalize("NFD", s)
    if double_spaces:
        # turn the first ", " into ",  " (two spaces, as typed by editors)
        s = s.replace(", ", ",  ", 1)
    out = escape(s, quote=False).replace('"', "&quot;")
    if numeric_entity and not nfd:
        out = out.replace("ư", "&#432;", 1)
    return out


def html_paras(paras, q: Quirks, rng: random.Random | None = None) -> str:
    out = []
    for i, p in enumerate(paras):
        h = html_text(
            p,
            nfd=q.nfd_body,
            double_spaces=q.double_spaces and i == 0,
            numeric_entity=q.numeric_entity,
        )
        if q.inline and i == 1:
            first, _, rest = h.partition(" ")
            h = f"<strong>{first}</strong> <em>{rest}</em>" if rest else h
        if q.nbsp and i == 2:
            h = h.replace(" ", " &nbsp;", 1)
        style = ' style="text-align:justify"' if i % 2 else ""
        out.append(f"<p{style}>{h}</p>")
        if q.spacers and i == 0:
            out.append("<p>&nbsp;</p>")
            out.append(
                '<p style="text-align:center"><img src="/image/journal/article?img_id=123&amp;t=1694775720000" alt=""/></p>'
            )
        if q.spacers and i == 1:
            out.append("<p> </p>")
    return "\n     ".join(out)


def vn_time(dt: datetime) -> str:
    return dt.strftime("%d/%m/%Y | %H:%M")


def views_text(v: int) -> str:
    """Vietnamese thousands with dots."""
    return f"{v:,}".replace(",", ".")


def _doc(title: str, body: str, meta_charset_only: bool = False) -> str:
    cs = (
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>'
        if meta_charset_only
        else '<meta charset="utf-8"/>'
    )
    return (
        f'<!DOCTYPE html>\n<html lang="vi"><head>{cs}<title>{escape(title)}</title>'
        f'<link rel="stylesheet" href="/html/css/main.css"/></head>\n<body>\n{body}\n'
        '<footer id="footer"><p>Bản quyền thuộc UBND phường. Địa chỉ: số 1, tổ dân phố 2.</p></footer>\n'
        "</body></html>\n"
    )


# ----------------------------------------------------------------------------- family 1: liferay-asset-publisher

LAP_BASE_Q = (
    "p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&p_p_col_id=column-1&p_p_col_count=1"
)


def lap_article_url(
    base: str,
    cat: str,
    url_title: str,
    asset_id: int,
    variant: int = 0,
    redirect: str | None = None,
) -> str:
    """One of the many URLs of a Liferay asset-publisher article (parameter order/presence vary)."""
    sa = "_101_struts_action=%2Fasset_publisher%2Fview_content"
    v = variant % 4
    if v == 0:
        q = f"{LAP_BASE_Q}&{sa}&_101_assetEntryId={asset_id}&_101_type=content&_101_urlTitle={url_title}"
    elif v == 1:
        q = f"{LAP_BASE_Q}&{sa}&_101_type=content&_101_viewMode=view&_101_urlTitle={url_title}"
    elif v == 2:
        q = (
            f"p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&{sa}&_101_type=content"
            f"&_101_urlTitle={url_title}&p_p_col_id=column-1&p_p_col_count=1"
        )
    else:
        q = f"{LAP_BASE_Q}&{sa}&_101_assetEntryId={asset_id}&_101_type=content&_101_viewMode=view&_101_urlTitle={url_title}"
    if redirect:
        q += "&_101_redirect=" + quote(redirect, safe="")
    return f"{base}/{cat}?{q}"


def lap_listing_url(base: str, cat: str, page: int) -> str:
    if page <= 1:
        return f"{base}/{cat}"
    return (
        f"{base}/{cat}?{LAP_BASE_Q}&_101_delta=10&_101_keywords=&_101_advancedSearch=false"
        f"&_101_andOperator=true&p_r_p_564233524_resetCur=false&_101_cur={page}"
    )


def _nav(base: str, cats) -> str:
    lis = "".join(
        f'<li><a href="{base}/{slug}"><span>{escape(name)}</span></a></li>' for slug, name in cats
    )
    return f'<nav id="navigation"><ul><li><a href="{base}/">Trang chủ</a></li>{lis}</ul></nav>'


def lap_article(
    base, cat, cat_name, ver: Version, posted: datetime, theme: str, q: Quirks, related=(), cats=()
) -> str:
    title_h = html_text(ver.title, nfd=q.nfd_title, double_spaces=False)
    body_h = html_paras(ver.paras, q)
    rel = "".join(f'<li><a href="{escape(u)}">{escape(t)}</a></li>' for u, t in related)
    if theme == "stock":
        inner = f"""
  <div class="asset-full-content default-asset-publisher show-asset-title">
   <div class="taglib-header"><h3 class="header-title"><span>{title_h}</span></h3></div>
   <div class="asset-metadata">Ngày đăng {posted:%d/%m/%Y} | {posted:%H:%M}&nbsp; | Lượt xem: {views_text(ver.views)}</div>
   <div class="asset-content"><div class="journal-content-article">
     {body_h}
   </div></div>
   <div class="social-share">Chia sẻ: <a href="https://www.facebook.com/sharer/sharer.php?u=x">Facebook</a> <a href="#">Twitter</a></div>
  </div>
  <div class="tinlienquan"><h5>Các tin khác</h5><ul>{rel}</ul></div>"""
    elif theme == "moh":
        inner = f"""
  <div class="contentDetail">
   <h3 class="text-change-size">{title_h}</h3>
   <p class="time-post">Ngày đăng {posted:%d/%m/%Y} | {posted:%H:%M} | Lượt xem: {views_text(ver.views)}</p>
   <div class="toolbar"><a href="javascript:window.print()">In bài viết</a> <a href="#">Gửi email</a></div>
   <div class="contentDetail mt15">
     {body_h}
   </div>
  </div>
  <div class="newsDifferent"><h4>Tin liên quan</h4><ul class="tinlienquan">{rel}</ul></div>"""
    elif theme == "hook":
        wd = WEEKDAYS[posted.weekday()]
        if wd == "Thứ Bảy":
            wd = "Thứ Bẩy"
        inner = f"""
  <div class="asset_publisher_view_full_content">
   <div class="asset_title"><span>{title_h}</span></div>
   <div class="asset-publish-date"><span>{wd}, ngày {posted:%d/%m/%Y %H:%M}</span></div>
   <div class="asset-body">
     <div class="journal-content-article">
     {body_h}
     </div>
   </div>
   <div class="asset-footer"><span class="view-count">Lượt xem: {views_text(ver.views)}</span> <span class="print"><a href="#">In trang</a></span></div>
  </div>
  <div class="tinlienquan"><h5>Các tin khác</h5><ul>{rel}</ul></div>"""
    else:  # pragma: no cover
        raise ValueError(theme)
    portlet = f"""<section class="portlet" id="portlet_101">
 <header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">{escape(cat_name)}</span></h1></header>
 <div class="portlet-content"><div class="portlet-body">{inner}
 </div></div>
</section>"""
    return _doc(
        norm(ver.title),
        _nav(base, cats) + '\n<div id="content">' + portlet + "</div>",
        meta_charset_only=(theme == "moh"),
    )


def lap_listing(base, cat, cat_name, items, page, last_page, theme, cats=()) -> str:
    """items: list of (url, more_url, title, summary, posted)."""
    rows = []
    for url, more_url, title, summary, posted in items:
        if theme == "moh":
            wd = WEEKDAYS[posted.weekday()]
            rows.append(f"""  <div class="itemm">
   <a class="thumb" href="{escape(url)}"><img src="/image/journal/article?img_id=9&amp;t=1"/></a>
   <h3 class="asset-title"><a href="{escape(url)}">{escape(title)}</a></h3>
   <span class="time">{wd}, ngày {posted:%d/%m/%Y %H:%M}</span>
   <div class="summary">{escape(summary)}</div>
  </div>""")
        else:
            rows.append(f"""  <div class="asset-abstract">
   <h3 class="asset-title"><a href="{escape(url)}">{escape(title)}</a></h3>
   <div class="asset-summary">{escape(summary)}</div>
   <div class="asset-more"><a href="{escape(more_url)}">Xem tiếp »</a></div>
  </div>""")

    def li(label, target, cls):
        if target is None:
            return f'<li class="disabled {cls}"><a href="javascript:;">{label}</a></li>'
        return f'<li class="{cls}"><a href="{escape(lap_listing_url(base, cat, target))}">{label}</a></li>'

    pager = f"""  <div class="taglib-page-iterator"><div class="clearfix lfr-pagination">
   <div class="lfr-pagination-config"><div class="lfr-pagination-page-selector">Trang {page} / {last_page}</div></div>
   <ul class="pager lfr-pagination-buttons">
    {li("&larr; Đầu", 1 if page > 1 else None, "first")}
    {li("Trước", page - 1 if page > 1 else None, "")}
    {li("Tiếp", page + 1 if page < last_page else None, "")}
    {li("Cuối &rarr;", last_page if page < last_page else None, "last")}
   </ul></div></div>"""
    portlet = f"""<section class="portlet" id="portlet_101">
 <header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">{escape(cat_name)}</span></h1></header>
 <div class="portlet-content"><div class="portlet-body">
{chr(10).join(rows)}
{pager}
 </div></div>
</section>"""
    return _doc(cat_name, _nav(base, cats) + '\n<div id="content">' + portlet + "</div>")


def lap_not_found(base, cat, cat_name, cats=()) -> str:
    """Liferay's 'no content' page (served with 200 by the portal: a soft 404)."""
    portlet = f"""<section class="portlet" id="portlet_101">
 <header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">{escape(cat_name)}</span></h1></header>
 <div class="portlet-content"><div class="portlet-body">
  <div class="portlet-msg-error">Không tìm thấy nội dung yêu cầu. Nội dung có thể đã bị xoá hoặc chuyển đi.</div>
 </div></div>
</section>"""
    return _doc(cat_name, _nav(base, cats) + portlet)


# ----------------------------------------------------------------------------- family 2: hanoi-portal


def hp_article_url(base, cat, slug, ident, extra: str = "") -> str:
    return f"{base}/{cat}/{slug}-{ident}.htm{extra}"


def hp_listing_url(base, cat, page) -> str:
    return f"{base}/{cat}" if page <= 1 else f"{base}/{cat}?page={page}"


def hp_article(
    base, cat, cat_name, ver: Version, posted: datetime, q: Quirks, related=(), cats=()
) -> str:
    title_h = html_text(ver.title, nfd=q.nfd_title)
    rel = "".join(
        f'<div class="box-stream-item"><a class="box-stream-link-title" href="{escape(u)}">{escape(t)}</a></div>'
        for u, t in related
    )
    body = f"""<div class="header">{_nav(base, cats)}</div>
<div class="main detail-page">
 <div class="detail-cate"><a href="{base}/{cat}" title="{escape(cat_name)}">{escape(cat_name)}</a></div>
 <h1 class="detail-title" data-role="title">{title_h}</h1>
 <div class="detail-time"><div data-role="publishdate">{posted:%H:%M %d/%m/%Y}</div></div>
 <div class="detail-sapo" data-role="sapo"></div>
 <div class="detail-content afcbc-body" data-role="content">
     {html_paras(ver.paras, q)}
 </div>
 <div class="detail-share"><a href="https://www.facebook.com/sharer/sharer.php">Chia sẻ</a></div>
 <div class="detail-related"><h3>Tin liên quan</h3>{rel}</div>
</div>"""
    return _doc(norm(ver.title), body)


def hp_listing(base, cat, cat_name, items, page, has_more, cats=()) -> str:
    rows = []
    for url, _more, title, summary, posted in items:
        rows.append(f"""  <div class="box-stream-item">
   <a class="box-stream-link-with-avatar" href="{escape(url)}" title="{escape(title)}"><img src="/images/thumb.jpg"/></a>
   <div class="box-stream-content"><h3><a class="box-stream-link-title" href="{escape(url)}">{escape(title)}</a></h3>
   <span class="box-stream-time">{posted:%H:%M %d/%m/%Y}</span><p class="box-stream-sapo">{escape(summary)}</p></div>
  </div>""")
    more = (
        f'<a class="view-more" href="{escape(hp_listing_url(base, cat, page + 1))}">Xem thêm</a>'
        if has_more
        else ""
    )
    body = f"""<div class="header">{_nav(base, cats)}</div>
<div class="main list-page"><h1 class="cate-title">{escape(cat_name)}</h1>
 <div class="box-stream">
{chr(10).join(rows)}
 </div>
 {more}
</div>"""
    return _doc(cat_name, body)


def hp_not_found(base, cats=()) -> str:
    return _doc(
        "Không tìm thấy trang",
        f'<div class="header">{_nav(base, cats)}</div><div class="main page-404">'
        "<h1>404</h1><p>Trang bạn tìm không tồn tại hoặc đã bị xoá.</p></div>",
    )


# ----------------------------------------------------------------------------- family 3: liferay-view-content


def vc_article_url(base, cat, ident, slug, extra: str = "") -> str:
    return f"{base}/{cat}/-/view_content/{ident}-{slug}.html{extra}"


def vc_listing_url(base, cat, page) -> str:
    return f"{base}/{cat}" if page <= 1 else f"{base}/{cat}?cur={page}"


def vc_article(
    base, cat, cat_name, ver: Version, posted: datetime, q: Quirks, related=(), cats=()
) -> str:
    title_h = html_text(ver.title, nfd=q.nfd_title)
    rel = "".join(f'<li><a href="{escape(u)}">{escape(t)}</a></li>' for u, t in related)
    body = f"""{_nav(base, cats)}
<div class="container">
 <ul class="breadcrumb"><li><a href="{base}/">Trang chủ</a></li><li><a href="{base}/{cat}">{escape(cat_name)}</a></li></ul>
 <div class="view-content-detail">
  <h2 class="title">{title_h}</h2>
  <div class="date-view">Ngày đăng {posted:%d/%m/%Y} | {posted:%H:%M} | Lượt xem: {views_text(ver.views)}</div>
  <div class="content">
     {html_paras(ver.paras, q)}
  </div>
 </div>
 <div class="other-news"><h3>Tin khác</h3><ul>{rel}</ul></div>
</div>"""
    return _doc(norm(ver.title), body)


def vc_listing(base, cat, cat_name, items, page, last_page, cats=()) -> str:
    rows = []
    for url, _more, title, _summary, posted in items:
        rows.append(
            f'  <li class="news-item"><a class="news-title" href="{escape(url)}">{escape(title)}</a>'
            f' <span class="news-date">{posted:%d/%m/%Y}</span></li>'
        )
    pages = "".join(
        f'<li class="{"active" if n == page else ""}"><a href="{escape(vc_listing_url(base, cat, n))}">{n}</a></li>'
        for n in range(1, last_page + 1)
    )
    nxt = (
        f'<li><a href="{escape(vc_listing_url(base, cat, page + 1))}">Sau »</a></li>'
        if page < last_page
        else ""
    )
    body = f"""{_nav(base, cats)}
<div class="container">
 <ul class="breadcrumb"><li><a href="{base}/">Trang chủ</a></li><li><a href="{base}/{cat}">{escape(cat_name)}</a></li></ul>
 <h2 class="category-title">{escape(cat_name)}</h2>
 <ul class="list-news">
{chr(10).join(rows)}
 </ul>
 <ul class="pagination">{pages}{nxt}</ul>
</div>"""
    return _doc(cat_name, body)


def home_page(base, cats, family) -> str:
    return _doc(
        "Cổng thông tin điện tử phường", _nav(base, cats) + '<div class="banner">Chào mừng</div>'
    )


# ----------------------------------------------------------------------------- identity helpers (ours)

ID_PATTERNS = {
    FAMILY_LAP: re.compile(r"[?&]_101_urlTitle=([^&#]+)"),
    FAMILY_HP: re.compile(r"-(\d{10,})\.htm"),
    FAMILY_VC: re.compile(r"/-/view_content/(\d+)-"),
}


def ident_of(family: str, url: str | None, article_key: str | None = None) -> str | None:
    """Our own reading of a stored row's identity (from its url, else from article_key)."""
    for s in (url, article_key):
        if not s:
            continue
        m = ID_PATTERNS[family].search(s)
        if m:
            return m.group(1)
    if article_key:
        # article_key could be the bare identity, or host + identity
        k = article_key.rstrip("/")
        tail = re.split(r"[/:|#\s]", k)[-1]
        return tail or None
    return None


def sha1_b32(data: bytes) -> str:
    import base64

    return base64.b32encode(hashlib.sha1(data).digest()).decode()


@dataclass
class Art:
    """One logical article of a portal."""

    ward: str
    family: str
    ident: str  # urlTitle / numeric ID
    slug: str
    asset_id: int
    cat: str  # topic category slug
    cat_name: str
    posted: datetime  # Vietnam local, naive
    version: Version
    quirks: Quirks = field(default_factory=Quirks)

    @property
    def posted_aware(self) -> datetime:
        return self.posted.replace(tzinfo=VN)
