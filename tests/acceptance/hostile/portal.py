"""The adversarial ward portals of the hostile-web suite, with their ground truth.

Written from FAMILIES.md and README.md only. Four portals, each a stdlib ThreadingHTTPServer:

- ``hostile`` (127.0.0.1): a ``liferay-asset-publisher`` ward whose ``tin-moi-nhat`` listing holds
  the fault cases (``CASES``) beside well-formed control articles;
- ``pager`` (127.0.0.1): a ``hanoi-portal`` ward with an endless pager (every page links a next
  page with new articles; a safety valve stops at ``PAGER_CAP`` pages so that a crawler whose guard
  does not hold cannot hang the suite) and a short normal category;
- ``robots`` (127.0.0.1): a ``hanoi-portal`` ward whose robots.txt disallows some articles and
  declares ``Crawl-delay``;
- ``tls`` (127.0.0.1, optional): a ``hanoi-portal`` ward on HTTPS with legacy settings (TLS 1.0/1.1
  only, a self-signed 1024-bit RSA certificate signed with SHA-1);

and a ``foreign`` host on 127.0.0.2 that the hostile ward redirects to. Whatever the foreign host
serves carries ``FOREIGN_TOKEN``: the token must never reach the archive.

The ground truth lives in the data model below (titles, dates, views, paragraphs, the fault of
each page); nothing is learnt by parsing the HTML served. Every request is logged (site, path,
phase, start, end, whether the client went away) so that tests can count requests in flight.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import html
import select
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import unicodedata
import warnings
import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

VN = timezone(timedelta(hours=7))
FOREIGN_HOST = "127.0.0.2"
OWN_HOST = "127.0.0.1"
FOREIGN_TOKEN = "NGOAILAI7Q2X"

# Slugs of the registry.
HOSTILE_WARD = "hostile-ward"
PAGER_WARD = "hostile-pager"
ROBOTS_WARD = "hostile-robots"
TLS_WARD = "hostile-tls"
QUIRKS_WARD = "hostile-quirks"
ALIAS_WARD = "hostile-alias"
ALIAS_HOST = "localhost"  # /etc/hosts: 127.0.0.1, no DNS

# What a test expects of a case.
STORED = "stored"  # archived exactly as the truth says
FAILED = "failed"  # not archived; a fetch_errors row whose reason matches ``reason``
STORED_OR_FAILED = "stored-or-failed"  # either of the two
SPECIAL = "special"  # checked by a test of its own

# Reasons a person understands (regular expressions, case-insensitive).
R_OFFSITE = r"redirect|foreign|off.?site|outside|other host|another host|other site"
R_LOOP = r"loop|redirect"
R_SIZE = r"size|large|big|limit|exceed|too long|max|bytes|\bmb\b"
R_BOMB = R_SIZE + r"|decompress|bomb|gzip|inflat"
R_DEEP = r"deep|depth|nest|recursion"
R_UNCLOSED = R_DEEP + r"|unclosed|malformed|broken markup"
R_TIMEOUT = r"time.?out|timed out|took (too )?long"
R_RESET = r"reset|connection (was )?(lost|closed|aborted|dropped)|abort"
R_ROBOTS = r"robots"
R_FFFD = r"u\+?fffd|replacement|encod|decod|mojibake|charset|unreadable char"
R_TRUNCATED = r"truncat|incomplete|data loss|closed|reset|lost|short|content-length"
R_SCHEME = R_OFFSITE + r"|scheme|file:|not http"
R_REFRESH = R_OFFSITE + r"|refresh|no title|no article"
R_NUL = r"nul|null|control|binary|u\+0000|\\x00"
R_DECODE = r"decod|decompress|gzip|encoding|corrupt|invalid|not a valid"
R_IMPOSSIBLE_DATE = r"impossible|invalid|not a (real|valid)|does not exist|nonexistent|31/02"
R_FUTURE_DATE = r"future|later than|after the (fetch|crawl)|ahead|not yet|implausible|suspicious"

PAGER_CAP = 40  # the endless pager's safety valve (pages)
PAGER_PER_PAGE = 3
LISTING_DELTA = 12  # articles per page of the Liferay listing (4 pages: under the guard of 5)
NORMAL_DELAY = 0.03  # seconds each ordinary page takes: requests in flight overlap visibly
SLOW_SECONDS = 15.0  # far beyond the DOWNLOAD_TIMEOUT=3 the suite sets
OVERSIZE_BYTES = 60_000_000
HUGE_MARKUP_BYTES = 30_000_000
BOMB_MIB = 4000  # 4 MB on the wire, about 4 GB decompressed
DEEP_LEVELS = 10_000
UNCLOSED_LEVELS = 5_000
HUGE_DOCUMENT_BYTES = 25_000_000  # the README's documents limit is 20,000,000 bytes
CRAWL_DELAY = 1

DOC_LINKS = (  # (href or None for the foreign one, link text), in the order of the body
    (None, "Tải về: Kế hoạch 82-KH"),
    (None, "Tải về: Tài liệu kèm theo"),
    (None, "Tải về: Bản đồ quy hoạch"),
    (None, "Tải về: Phụ lục"),
    (None, "Văn bản của quận"),
)
SEED_PARAGRAPHS = (
    "Thực hiện Kế hoạch số 82-KH/ĐU, ngày 13/9/2023, Chi bộ tổ dân phố số 2 tổ chức sinh hoạt "
    "chính trị, tư tưởng về thực hiện Chỉ thị số 24 - CT/TU ngày 07/8/2023 của Ban Thường vụ "
    "Thành uỷ Hà Nội.",
    "Tại buổi sinh hoạt, đồng chí Bí thư chi bộ đã quán triệt mục đích yêu cầu của buổi sinh hoạt "
    "chính trị tư tưởng; đánh giá tình hình thực tế việc triển khai nhiệm vụ của chi bộ.",
    "Phát biểu chỉ đạo, đồng chí Nguyễn Thị Loan - Ủy viên Ban thường vụ, Chủ tịch Ủy ban MTTQ "
    "phường đã nhấn mạnh một số nội dung của Chỉ thị 24 cần quan tâm./.",
)


# --------------------------------------------------------------------------------------------
# Ground truth of the hostile (Liferay) ward
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One article listed by the hostile ward, and what is wrong with its page."""

    slug: str  # the _101_urlTitle (the article's identity on the portal)
    fault: str  # "control" when nothing is wrong
    expect: str  # STORED, FAILED, STORED_OR_FAILED or SPECIAL
    title: str  # the title as a reader sees it (what must be stored)
    posted: datetime | None  # Vietnam time; None when the page's date is not a real one
    date_text: str  # the date and time as the page shows them, "DD/MM/YYYY | HH:MM"
    views: int | None
    views_text: str
    paragraphs: tuple[str, ...]  # the body as it must be stored, paragraph by paragraph
    reason: str | None = None  # regex of an acceptable fetch_errors reason
    served_title: str | None = None  # the title in the page when it differs (control chars)
    served_paragraphs: tuple[str, ...] | None = None

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def page_title(self) -> str:
        return self.served_title if self.served_title is not None else self.title

    @property
    def page_paragraphs(self) -> tuple[str, ...]:
        return self.served_paragraphs if self.served_paragraphs is not None else self.paragraphs


def _with_documents(case: Case) -> Case:
    """The documents' links are paragraphs of the body: their texts belong to the body."""
    return replace(
        case,
        served_paragraphs=case.paragraphs,
        paragraphs=case.paragraphs + tuple(text for _, text in DOC_LINKS),
    )


def _date_text(d: datetime) -> str:
    return f"{d:%d/%m/%Y} | {d:%H:%M}"


def _case(
    n: int,
    slug: str,
    fault: str,
    expect: str,
    title: str,
    posted: datetime | None,
    *,
    reason: str | None = None,
    date_text: str | None = None,
    views: int | None = None,
    views_text: str | None = None,
    **kw,
) -> Case:
    views = 10 + 7 * n if views is None else views
    paragraphs = (
        f"Bài số {n} của phường: {title.rstrip('.')}.",
        SEED_PARAGRAPHS[n % 3],
        SEED_PARAGRAPHS[(n + 1) % 3],
    )
    return Case(
        slug=slug,
        fault=fault,
        expect=expect,
        title=title,
        posted=posted,
        date_text=date_text if date_text is not None else _date_text(posted),
        views=views,
        views_text=views_text if views_text is not None else str(views),
        paragraphs=paragraphs,
        reason=reason,
        **kw,
    )


def _build_cases(now: datetime) -> tuple[Case, ...]:
    old = datetime(2023, 9, 15, 18, 2, tzinfo=VN)
    recent = now.replace(second=0, microsecond=0)

    def day(i: int) -> datetime:
        return old - timedelta(days=i, hours=i)

    control_titles = [
        "Chi bộ tổ dân phố số 2 tổ chức sinh hoạt chính trị, tư tưởng",
        "Phường ra quân tổng vệ sinh môi trường, khơi thông cống rãnh",
        "Hội nghị tổng kết công tác phòng cháy chữa cháy năm 2023",
        "Đảng bộ phường quán triệt Chỉ thị số 24 - CT/TU của Thành uỷ",
        "Ra mắt mô hình tổ dân phố văn minh, sạch đẹp",
        "Tuyên truyền phòng chống ma tuý trong thanh thiếu niên",
        "Kiểm tra công tác hoà giải ở cơ sở năm 2023",
        "Tập huấn nghiệp vụ cho cán bộ tổ dân phố",
    ]
    ctl_title = "\x01 ".join(["Thông báo", "lịch tiếp công dân tháng 10\x1b", "\x08năm 2023"])
    ctl_clean = "Thông báo lịch tiếp công dân tháng 10 năm 2023"
    ctl_body = (
        "Ủy ban nhân dân phường\x02 thông báo lịch tiếp công dân \x1fđịnh kỳ.",
        SEED_PARAGRAPHS[0],
    )
    ctl_body_clean = ("Ủy ban nhân dân phường thông báo lịch tiếp công dân định kỳ.", ctl_body[1])
    cases = [
        # Newest first, as a listing shows them.
        _case(
            1,
            "hx-gone-offsite-later",
            "stored by the first crawl, then 301 to the foreign host",
            SPECIAL,
            "Phường tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
            recent - timedelta(days=3),
        ),
        Case(
            slug="hx-control-chars",
            fault="C0 control characters in the title and body",
            expect=SPECIAL,
            title=ctl_clean,
            posted=recent - timedelta(days=1),
            date_text=_date_text(recent - timedelta(days=1)),
            views=41,
            views_text="41",
            paragraphs=ctl_body_clean,
            served_title=ctl_title,
            served_paragraphs=ctl_body,
        ),
        _case(
            3,
            "hx-future-date",
            "posted date years after the fetch",
            SPECIAL,
            "Kế hoạch tổ chức Đại hội Đảng bộ phường nhiệm kỳ 2030 - 2035",
            None,
            date_text="15/09/2031 | 08:00",
        ),
        _case(4, "hx-ctl-a", "control", STORED, control_titles[0], day(0)),
        _case(
            5,
            "hx-offsite-redirect",
            "302 to an article page on the foreign host",
            FAILED,
            "Bài được chuyển hướng sang một máy chủ khác",
            day(1),
            reason=R_OFFSITE,
        ),
        _case(
            6,
            "hx-internal-redirect",
            "301 to the same article under another category page of the same host",
            STORED,
            "Thông báo về việc điều chỉnh giờ làm việc mùa đông",
            day(2),
        ),
        _case(
            7,
            "hx-redirect-loop",
            "redirect loop between two URLs of the article",
            FAILED,
            "Bài viết có vòng lặp chuyển hướng",
            day(3),
            reason=R_LOOP,
        ),
        _case(
            8,
            "hx-redirect-chain",
            "endless chain of redirects, every hop a new URL",
            FAILED,
            "Bài viết có chuỗi chuyển hướng vô tận",
            day(4),
            reason=R_LOOP,
        ),
        _case(
            9,
            "hx-ctl-b",
            "control",
            STORED,
            control_titles[1],
            day(5),
            views=1234,
            views_text="1.234",
        ),
        _case(
            10,
            "hx-oversize-length",
            f"{OVERSIZE_BYTES // 1_000_000} MB page with Content-Length",
            STORED_OR_FAILED,
            "Danh mục thủ tục hành chính cấp phường (bản đầy đủ)",
            day(6),
            reason=R_SIZE,
        ),
        _case(
            11,
            "hx-oversize-streamed",
            f"{OVERSIZE_BYTES // 1_000_000} MB page, no Content-Length, close-delimited",
            STORED_OR_FAILED,
            "Danh mục văn bản quy phạm pháp luật (bản đầy đủ)",
            day(7),
            reason=R_SIZE,
        ),
        _case(
            12,
            "hx-gzip-bomb",
            f"gzip bomb: {BOMB_MIB // 1000} MB on the wire, {BOMB_MIB // 1000} GB decompressed",
            FAILED,
            "Báo cáo kết quả thu ngân sách quý III",
            day(8),
            reason=R_BOMB,
        ),
        _case(13, "hx-ctl-c", "control", STORED, control_titles[2], day(9)),
        _case(
            14,
            "hx-deep-nesting",
            f"the article inside {DEEP_LEVELS:,} nested <div>",
            STORED_OR_FAILED,
            "Hội nghị sơ kết công tác xây dựng Đảng 6 tháng đầu năm",
            day(10),
            reason=R_DEEP,
        ),
        _case(
            15,
            "hx-unclosed-tags",
            f"the article after {UNCLOSED_LEVELS:,} unclosed <div><span><font>",
            STORED_OR_FAILED,
            "Phường triển khai đợt cao điểm phòng chống dịch sốt xuất huyết",
            day(11),
            reason=R_UNCLOSED,
        ),
        _case(
            16,
            "hx-huge-markup",
            f"{HUGE_MARKUP_BYTES // 1_000_000} MB of sidebar markup before the article",
            STORED_OR_FAILED,
            "Công khai danh sách hộ nghèo, hộ cận nghèo năm 2023",
            day(12),
            reason=R_SIZE,
        ),
        _case(17, "hx-ctl-d", "control", STORED, control_titles[3], day(13)),
        _case(
            18,
            "hx-cp1258-header-utf8",
            "windows-1258 body served with charset=utf-8",
            STORED,
            "Hướng dẫn đăng ký tạm trú, tạm vắng cho người lao động ở trọ",
            day(14),
            views=2468,
            views_text="2.468",
        ),
        _case(
            19,
            "hx-cp1258-undeclared",
            "windows-1258 body, no charset in the header nor a <meta>",
            STORED,
            "Lễ kỷ niệm ngày thành lập Mặt trận Tổ quốc Việt Nam",
            day(15),
            views=1357,
            views_text="1.357",
        ),
        _case(
            20,
            "hx-cp1258-meta",
            'windows-1258 body declared in <meta charset="windows-1258"> only',
            STORED,
            "Phường tuyên dương gia đình văn hoá tiêu biểu",
            day(16),
            views=864,
        ),
        _case(
            21,
            "hx-utf8-bom",
            "UTF-8 with a BOM, served with charset=iso-8859-1",
            STORED,
            "Thông báo tuyển dụng công chức phường năm 2023",
            day(17),
            views=975,
        ),
        _case(22, "hx-ctl-e", "control", STORED, control_titles[4], day(18)),
        _case(
            23,
            "hx-impossible-date",
            "impossible posted date 31/02/2023",
            SPECIAL,
            "Kế hoạch kiểm tra an toàn thực phẩm dịp Tết",
            None,
            date_text="31/02/2023 | 10:00",
        ),
        _case(
            24,
            "hx-slow",
            f"answers after {SLOW_SECONDS:.0f} s (the crawl sets DOWNLOAD_TIMEOUT=3)",
            FAILED,
            "Bài viết phản hồi rất chậm",
            day(19),
            reason=R_TIMEOUT,
        ),
        _case(
            25,
            "hx-conn-reset",
            "connection reset (RST) after the request is read",
            FAILED,
            "Bài viết bị ngắt kết nối",
            day(20),
            reason=R_RESET,
        ),
        _case(
            26,
            "hx-fffd-in-source",
            "U+FFFD mojibake in the published text (valid UTF-8)",
            SPECIAL,
            "Thông báo về việc \ufffd\ufffdiều chỉnh lịch thu gom rác",
            day(21),
            reason=R_FFFD,
        ),
        _with_documents(
            _case(
                27,
                "hx-tai-lieu",
                "control with documents: own, redirected off-site, too large, gzip bomb, foreign",
                STORED,
                "Công bố quy hoạch sử dụng đất phường giai đoạn 2021 - 2030",
                day(22),
            )
        ),
        _case(
            31,
            "hx-offsite-schemeless",
            "302 to a scheme-relative //127.0.0.2 Location",
            FAILED,
            "Bài chuyển hướng không ghi giao thức",
            day(26),
            reason=R_OFFSITE,
        ),
        _case(
            32,
            "hx-offsite-userinfo",
            "302 to http://127.0.0.1:PORT@127.0.0.2:PORT/ (the ward's address as userinfo)",
            FAILED,
            "Bài chuyển hướng đánh lừa tên máy",
            day(27),
            reason=R_OFFSITE,
        ),
        _case(
            33,
            "hx-offsite-two-hops",
            "302 to another URL of the ward, which 302s to the foreign host",
            FAILED,
            "Bài chuyển hướng qua hai bước",
            day(28),
            reason=R_OFFSITE,
        ),
        _case(
            34,
            "hx-redirect-file",
            "302 to file:///etc/passwd",
            FAILED,
            "Bài chuyển hướng tới tệp nội bộ",
            day(29),
            reason=R_SCHEME,
        ),
        _case(
            35,
            "hx-meta-refresh-offsite",
            "no article, only a <meta http-equiv=refresh> to the foreign host",
            FAILED,
            "Trang chuyển tiếp bằng thẻ meta",
            day(30),
            reason=R_REFRESH,
        ),
        _case(
            36,
            "hx-canonical-foreign",
            "a good article whose <link rel=canonical> and og:url name the foreign host",
            STORED,
            "Thông báo kết quả bình xét thi đua năm 2023",
            day(31),
        ),
        _case(
            37,
            "hx-deflate-bomb",
            f"deflate bomb (Content-Encoding: deflate, {BOMB_MIB // 1000} GB decompressed)",
            FAILED,
            "Báo cáo tình hình kinh tế xã hội tháng 9",
            day(32),
            reason=R_BOMB,
        ),
        _case(
            38,
            "hx-brotli-bomb",
            f"brotli bomb (Content-Encoding: br, {BOMB_MIB // 1000} GB decompressed)",
            FAILED,
            "Báo cáo công tác cải cách hành chính quý III",
            day(33),
            reason=R_BOMB,
        ),
        _case(
            39,
            "hx-trickle",
            "headers at once, then 20 bytes every 0.25 s (a slowloris body)",
            FAILED,
            "Bài viết tải từng chút một",
            day(34),
            reason=R_TIMEOUT,
        ),
        _case(
            40,
            "hx-truncated",
            "Content-Length 6000, 1500 bytes sent, then the connection closed",
            STORED_OR_FAILED,
            "Bài viết bị cắt cụt khi truyền",
            day(35),
            reason=R_TRUNCATED,
        ),
        Case(
            slug="hx-nul-byte",
            fault="NUL bytes in the title and body",
            expect=STORED_OR_FAILED,
            title="Thông báo nghỉ lễ Quốc khánh 2/9",
            posted=day(36),
            date_text=_date_text(day(36)),
            views=77,
            views_text="77",
            paragraphs=("Ủy ban nhân dân phường thông báo lịch nghỉ lễ.", SEED_PARAGRAPHS[1]),
            reason=R_NUL,
            served_title="Thông báo\x00 nghỉ lễ Quốc khánh 2/9",
            served_paragraphs=(
                "Ủy ban nhân dân phường thông báo\x00 lịch nghỉ lễ.",
                SEED_PARAGRAPHS[1],
            ),
        ),
        _case(
            43,
            "hx-refresh-header-offsite",
            "no article, only a Refresh: 0; url=<foreign> HTTP header",
            FAILED,
            "Trang chuyển tiếp bằng tiêu đề Refresh",
            day(38),
            reason=R_REFRESH,
        ),
        _case(
            44,
            "hx-double-gzip-bomb",
            "Content-Encoding: gzip, gzip: a gzip bomb gzipped again",
            FAILED,
            "Báo cáo tổng hợp ý kiến cử tri",
            day(39),
            reason=R_BOMB,
        ),
        _case(
            45,
            "hx-fake-gzip",
            "Content-Encoding: gzip on a plain HTML body",
            STORED_OR_FAILED,
            "Thông báo mời họp tổ dân phố số 5",
            day(40),
            reason=R_DECODE,
        ),
        _case(
            46,
            "hx-views-overflow",
            "a view counter of 23 digits (beyond SQLite's 64-bit integers)",
            SPECIAL,
            "Phường phát động phong trào thi đua yêu nước",
            day(41),
            views=10**23 - 1,
            views_text="99.999.999.999.999.999.999.999",
        ),
        _case(
            47,
            "hx-markup-in-title",
            "a title holding <, &, quotes and ]]> (as text, through entities)",
            STORED,
            'Thông báo <khẩn> & "quan trọng" ]]> về lịch họp',
            recent - timedelta(days=4),
        ),
        _case(
            42,
            "hx-bogus-charset",
            "UTF-8 body served with charset=utf-99 (an unknown encoding name)",
            STORED,
            "Thông báo thu phí vệ sinh môi trường năm 2024",
            day(37),
        ),
        Case(
            slug="hx-noncharacter",
            fault="U+FFFF and U+FFFE (not allowed in XML) in the title",
            expect=SPECIAL,
            title="Lịch trực ban lãnh đạo phường tuần 48",
            posted=recent - timedelta(days=2),
            date_text=_date_text(recent - timedelta(days=2)),
            views=12,
            views_text="12",
            paragraphs=("Lịch trực ban lãnh đạo phường trong tuần.", SEED_PARAGRAPHS[2]),
            served_title="Lịch trực \uffff ban lãnh đạo \ufffe phường tuần 48",
        ),
        _case(28, "hx-ctl-f", "control", STORED, control_titles[5], day(23)),
        _case(29, "hx-ctl-g", "control", STORED, control_titles[6], day(24)),
        _case(30, "hx-ctl-h", "control", STORED, control_titles[7], day(25)),
    ]
    slugs = [c.slug for c in cases] + [LISTED_OFFSITE_SLUG]
    for a in slugs:
        for b in slugs:
            assert a == b or a not in b, f"slug {a} is inside slug {b}: matching would be ambiguous"
    return tuple(cases)


LISTED_OFFSITE_SLUG = "hx-listed-offsite"  # a listing item whose link is on the foreign host
CASES = _build_cases(datetime.now(VN))
CASE_BY_SLUG = {c.slug: c for c in CASES}
CONTROL_LINK_SLUG = "hx-ctl-a"  # the related article every page links to


@dataclass(frozen=True)
class Document:
    name: str
    path: str  # on the hostile ward's host
    fault: str
    body: bytes | None  # None: never served by the ward itself

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None


def _pdf(label: str, size: int | None = None) -> bytes:
    head = f"%PDF-1.4\n% {label}\n1 0 obj << /Type /Catalog >> endobj\n".encode()
    tail = b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    if size is None:
        return head + b"% " + b"tai lieu phuong " * 64 + tail
    return head + b"%" + b"0" * (size - len(head) - len(tail) - 1) + tail


DOC_OWN = Document(
    "ke-hoach-82-kh.pdf",
    "/documents/20182/0/ke-hoach-82-kh.pdf/4a1f0c2e-1b2d-4c1e-9a7b-000000000001?t=1694775720000",
    "control document",
    _pdf("ke hoach 82"),
)
DOC_OFFSITE = Document(
    "tai-lieu-chuyen-di.pdf",
    "/documents/20182/0/tai-lieu-chuyen-di.pdf/4a1f0c2e-1b2d-4c1e-9a7b-000000000002?t=1694775720000",
    "302 to the foreign host",
    None,
)
DOC_BOMB_NAME = "phu-luc-nen.pdf"
DOC_BOMB_PATH = (
    "/documents/20182/0/phu-luc-nen.pdf/4a1f0c2e-1b2d-4c1e-9a7b-000000000004?t=1694775720000"
)
DOC_HUGE_NAME = "ban-do-qua-lon.pdf"
DOC_HUGE_PATH = (
    "/documents/20182/0/ban-do-qua-lon.pdf/4a1f0c2e-1b2d-4c1e-9a7b-000000000003?t=1694775720000"
)
FOREIGN_DOC_NAME = "van-ban-ngoai.pdf"  # linked directly on the foreign host
FOREIGN_PDF = _pdf(f"foreign {FOREIGN_TOKEN}")
FOREIGN_ROBOTS = f"# {FOREIGN_TOKEN}\nUser-agent: *\nDisallow: /dang-doan-the/\n".encode()


@functools.cache
def huge_document() -> Document:
    return Document(
        DOC_HUGE_NAME,
        DOC_HUGE_PATH,
        "larger than 20,000,000 bytes",
        _pdf("qua lon", HUGE_DOCUMENT_BYTES),
    )


# --------------------------------------------------------------------------------------------
# Ground truth of the hanoi-portal wards
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HanoiArticle:
    id: str  # the portal's identity: site prefix + yyMMddHHmmss + milliseconds
    category: str
    category_name: str
    slug: str
    title: str
    posted: datetime
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/{self.category}/{self.slug}-{self.id}.htm"

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def _hanoi(prefix: str, cat: str, cat_name: str, slug: str, title: str, posted: datetime, n: int):
    ident = f"{prefix}{posted:%y%m%d%H%M%S}{n % 1000:03d}"
    paragraphs = (f"{title}.", SEED_PARAGRAPHS[n % 3])
    return HanoiArticle(ident, cat, cat_name, slug, title, posted, paragraphs)


PAGER_CATEGORY = "tin-tuc-su-kien"
PAGER_CATEGORY_NAME = "Tin tức sự kiện"


@functools.cache
def pager_page(page: int) -> tuple[HanoiArticle, ...]:
    """The articles of page ``page`` (1-based) of the endless pager: always new ones."""
    base = datetime(2024, 6, 1, 9, 0, tzinfo=VN)
    out = []
    for k in range(PAGER_PER_PAGE):
        posted = base - timedelta(days=page, hours=k)
        title = f"Tin hoạt động số {page * 10 + k} của phường"
        out.append(
            _hanoi(
                "2702",
                PAGER_CATEGORY,
                PAGER_CATEGORY_NAME,
                f"tin-hoat-dong-so-{page * 10 + k}",
                title,
                posted,
                page * 10 + k,
            )
        )
    return tuple(out)


PAGER_QUIET = tuple(
    _hanoi(
        "2702",
        "dang-doan-the",
        "Đảng - Đoàn thể",
        slug,
        title,
        datetime(2024, 5, d, 15, 30, tzinfo=VN),
        d,
    )
    for d, slug, title in [
        (20, "hoi-nghi-ban-chap-hanh-dang-bo", "Hội nghị Ban Chấp hành Đảng bộ phường lần thứ 12"),
        (18, "doan-thanh-nien-ra-quan-tinh-nguyen", "Đoàn thanh niên ra quân tình nguyện hè"),
    ]
)

ROBOTS_CATEGORY = "thong-tin-tuyen-truyen"
ROBOTS_DISALLOW = f"/{ROBOTS_CATEGORY}/cam-"
ROBOTS_ALLOWED = tuple(
    _hanoi(
        "2806",
        ROBOTS_CATEGORY,
        "Thông tin tuyên truyền",
        slug,
        title,
        datetime(2024, 4, d, 8, 15, tzinfo=VN),
        d,
    )
    for d, slug, title in [
        (25, "tuyen-truyen-luat-dat-dai", "Tuyên truyền Luật Đất đai năm 2024"),
        (22, "tuyen-truyen-an-toan-giao-thong", "Tuyên truyền an toàn giao thông cho học sinh"),
        (19, "pho-bien-phap-luat-tai-co-so", "Phổ biến pháp luật tại cơ sở"),
        (16, "huong-dan-dich-vu-cong-truc-tuyen", "Hướng dẫn sử dụng dịch vụ công trực tuyến"),
    ]
)
ROBOTS_DISALLOWED = tuple(
    _hanoi(
        "2806",
        ROBOTS_CATEGORY,
        "Thông tin tuyên truyền",
        slug,
        title,
        datetime(2024, 4, d, 8, 15, tzinfo=VN),
        d,
    )
    for d, slug, title in [
        (24, "cam-thu-nghiem-noi-bo", "Tài liệu nội bộ không công bố"),
        (20, "cam-ban-nhap", "Bản nháp chưa duyệt"),
    ]
)
ROBOTS_TXT = (f"User-agent: *\nDisallow: {ROBOTS_DISALLOW}\nCrawl-delay: {CRAWL_DELAY}\n").encode()

TLS_ARTICLES = tuple(
    _hanoi(
        "2703",
        "tin-tuc-su-kien",
        "Tin tức sự kiện",
        slug,
        title,
        datetime(2025, 7, d, 23, 4, tzinfo=VN),
        d,
    )
    for d, slug, title in [
        (3, "phuong-moi-di-vao-hoat-dong", "Phường mới chính thức đi vào hoạt động"),
        (2, "cong-bo-quyet-dinh-thanh-lap-phuong", "Công bố quyết định thành lập phường"),
    ]
)

QUIRKS_WARD_CATEGORY = "tin-tuc-su-kien"
QUIRKS_ARTICLES = tuple(
    _hanoi(
        "2705",
        QUIRKS_WARD_CATEGORY,
        "Tin tức sự kiện",
        slug,
        title,
        datetime(2025, 9, d, 10, 30, tzinfo=VN),
        d,
    )
    for d, slug, title in [
        (12, "phuong-don-doan-kiem-tra", "Phường đón đoàn kiểm tra công tác chuyển đổi số"),
        (10, "ra-mat-to-cong-nghe-so", "Ra mắt tổ công nghệ số cộng đồng"),
    ]
)
QUIRKS_RELATIVE = (
    _hanoi(
        "2705",
        QUIRKS_WARD_CATEGORY,
        "Tin tức sự kiện",
        "lien-ket-tuong-doi",
        "Tin có liên kết tương đối dưới thẻ base",
        datetime(2025, 9, 8, 10, 30, tzinfo=VN),
        8,
    ),
)

ALIAS_CATEGORY = "tin-tuc-su-kien"
ALIAS_ARTICLES = tuple(
    _hanoi(
        "2706",
        ALIAS_CATEGORY,
        "Tin tức sự kiện",
        slug,
        title,
        datetime(2025, 10, d, 14, 0, tzinfo=VN),
        d,
    )
    for d, slug, title in [
        (9, "lien-ket-ten-bi-danh", "Tin được liệt kê bằng tên máy bí danh"),
        (7, "chuyen-sang-ten-bi-danh", "Tin chuyển hướng sang tên máy bí danh"),
        (5, "tin-binh-thuong-bi-danh", "Tin bình thường của phường bí danh"),
    ]
)
ALIAS_LISTED, ALIAS_REDIRECTED = ALIAS_ARTICLES[0], ALIAS_ARTICLES[1]
ALIAS_CRAWL_DELAY = 86400  # capped by -s WARDCRAWLER_MAX_CRAWL_DELAY

CLI_ARTICLES = tuple(
    _hanoi(
        "2704",
        "tin-tuc-su-kien",
        "Tin tức sự kiện",
        slug,
        title,
        datetime(2025, 8, d, 9, 0, tzinfo=VN),
        d,
    )
    for d, slug, title in [
        (5, "tin-kiem-tra-mot", "Tin kiểm tra một"),
        (4, "tin-kiem-tra-hai", "Tin kiểm tra hai"),
    ]
)


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Encode ``text`` in windows-1258 as Vietnamese legacy software did: tone marks combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        out.append(base.encode("cp1258") + tones.encode("cp1258"))
    data = b"".join(out)
    assert unicodedata.normalize("NFC", data.decode("cp1258")) == unicodedata.normalize("NFC", text)
    return data


@functools.cache
def compression_bomb(mib: int, encoding: str = "gzip") -> bytes:
    """``mib`` MiB of zeros after a short HTML prefix, compressed (gzip, deflate or br)."""
    prefix = b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>x</title></head><body><p>"
    zero = bytes(1 << 20)
    if encoding == "br":
        import brotli

        c = brotli.Compressor(quality=1)
        parts = [c.process(prefix)]
        parts.extend(c.process(zero * 16) for _ in range(mib // 16))
        parts.append(c.finish())
        return b"".join(parts)
    if encoding == "deflate":
        deflate = _raw_deflate_of_zeros(prefix, mib)
        adler = zlib.adler32(prefix)
        for _ in range(mib):
            adler = zlib.adler32(zero, adler)
        return b"\x78\xda" + deflate + struct.pack(">I", adler & 0xFFFFFFFF)
    deflate = _raw_deflate_of_zeros(prefix, mib)
    crc = zlib.crc32(prefix)
    for _ in range(mib):
        crc = zlib.crc32(zero, crc)
    size = len(prefix) + mib * (1 << 20)
    return b"".join(
        [
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
            deflate,
            struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF),
        ]
    )


def _raw_deflate_of_zeros(prefix: bytes, mib: int) -> bytes:
    """A raw deflate stream of ``prefix`` and ``mib`` MiB of zeros, built in a second."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    zero = bytes(1 << 20)
    first = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
    second = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
    third = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
    assert second == third, "the deflate blocks of zeros do not repeat"
    tail = c.flush(zlib.Z_FINISH)
    return b"".join([head, first, second * (mib - 1), tail])


# --------------------------------------------------------------------------------------------
# Markup
# --------------------------------------------------------------------------------------------

LIFERAY_VIEW = (
    "p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&p_p_col_id=column-1"
    "&p_p_col_count=1&_101_struts_action=%2Fasset_publisher%2Fview_content"
)
LIFERAY_PAGER = (
    "p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&p_p_col_id=column-1"
    "&p_p_col_count=1&_101_delta=10&_101_keywords=&_101_advancedSearch=false"
    "&_101_andOperator=true&p_r_p_564233524_resetCur=false"
)
LIFERAY_CATEGORY = "tin-moi-nhat"
LIFERAY_CATEGORY_NAME = "Tin mới nhất"


def liferay_article_path(slug: str, category: str = LIFERAY_CATEGORY, extra: str = "") -> str:
    return f"/{category}?{LIFERAY_VIEW}&_101_type=content&_101_urlTitle={slug}{extra}"


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _a(text: str) -> str:
    return html.escape(text, quote=True)


def _page(title: str, body: str, head: str = '<meta charset="utf-8">') -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="vi"><head>{head}<title>{_e(title)}</title></head>\n'
        f"<body>\n{body}\n</body></html>\n"
    )


def _liferay_nav() -> str:
    return (
        '<div id="navigation"><ul class="nav">'
        '<li><a href="/">Trang chủ</a></li>'
        f'<li><a href="/{LIFERAY_CATEGORY}">{LIFERAY_CATEGORY_NAME}</a></li>'
        "</ul></div>"
    )


def liferay_article_html(case: Case, foreign_base: str, *, before: str = "", wrap=("", "")) -> str:
    """The stock "full content" view of FAMILIES.md for ``case``."""
    paras = "\n".join(f"<p>{_e(p)}</p>" for p in case.page_paragraphs[:1])
    paras += "\n<p>&nbsp;</p>\n"
    paras += "\n".join(f"<p>{_e(p)}</p>" for p in case.page_paragraphs[1:])
    if case.slug == "hx-tai-lieu":
        hrefs = [
            DOC_OWN.path,
            DOC_OFFSITE.path,
            DOC_HUGE_PATH,
            DOC_BOMB_PATH,
            f"{foreign_base}/documents/7/0/{FOREIGN_DOC_NAME}",
        ]
        for href, (_, text) in zip(hrefs, DOC_LINKS, strict=True):
            paras += f'\n<p><a href="{_a(href)}">{_e(text)}</a></p>'
    head = '<meta charset="utf-8">'
    if case.slug == "hx-canonical-foreign":
        foreign_url = foreign_base + liferay_article_path(case.slug + "-ngoai")
        head += (
            f'<link rel="canonical" href="{_a(foreign_url)}">'
            f'<meta property="og:url" content="{_a(foreign_url)}">'
        )
    date, clock = case.date_text.split(" | ")
    related = CASE_BY_SLUG.get(CONTROL_LINK_SLUG)
    related_html = ""
    if related is not None and related.slug != case.slug:
        related_html = (
            '<div class="tinlienquan"><h5>Các tin khác</h5><ul>'
            f'<li><a href="{_a(liferay_article_path(related.slug))}">{_e(related.title)}</a></li>'
            "</ul></div>"
        )
    portlet = f"""<section class="portlet" id="portlet_101">
 <header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">{LIFERAY_CATEGORY_NAME}</span></h1></header>
 <div class="portlet-content"><div class="portlet-body">
  <div class="asset-full-content default-asset-publisher show-asset-title">
   <div class="taglib-header"><h3 class="header-title"><span>{_e(case.page_title)}</span></h3></div>
   <div class="asset-metadata">Ngày đăng {date} | {clock}&nbsp; | Lượt xem: {case.views_text}</div>
   <div class="asset-content"><div class="journal-content-article">
{paras}
   </div></div>
   <div class="social-share">Chia sẻ: <a href="{foreign_base}/sharer?u={quote(case.slug)}">Facebook</a></div>
  </div>
  {related_html}
 </div></div>
</section>"""
    body = f"{_liferay_nav()}\n{before}\n{wrap[0]}{portlet}{wrap[1]}"
    return _page(f"{case.page_title} - Phường Thử Thách", body, head=head)


def liferay_listing_html(base: str, foreign_base: str, cur: int) -> str:
    pages = max(1, -(-len(CASES) // LISTING_DELTA))
    cur = min(max(cur, 1), pages)  # past the last page, the last page again (as Liferay does)
    items = []
    if cur == 1:
        items.append(
            '<div class="asset-abstract"><h3 class="asset-title">'
            f'<a href="{_a(foreign_base + liferay_article_path(LISTED_OFFSITE_SLUG))}">'
            "Tin của một trang khác</a></h3>"
            '<div class="asset-summary">Liên kết sang máy chủ khác.</div></div>'
        )
    listing_url = f"{base}/{LIFERAY_CATEGORY}"
    for case in CASES[(cur - 1) * LISTING_DELTA : cur * LISTING_DELTA]:
        link = (
            base + liferay_article_path(case.slug) + "&_101_redirect=" + quote(listing_url, safe="")
        )
        more = (
            f"/{LIFERAY_CATEGORY}?{LIFERAY_VIEW}&_101_type=content&_101_viewMode=view"
            f"&_101_urlTitle={case.slug}"
        )
        items.append(
            '<div class="asset-abstract">'
            f'<h3 class="asset-title"><a href="{_a(link)}">{_e(case.page_title)}</a></h3>'
            f'<div class="asset-summary">{_e(case.page_paragraphs[0])}</div>'
            f'<div class="asset-more"><a href="{_a(more)}">Xem tiếp »</a></div>'
            "</div>"
        )

    def pager_link(n: int) -> str:
        return _a(f"/{LIFERAY_CATEGORY}?{LIFERAY_PAGER}&_101_cur={n}")

    first = "disabled first" if cur == 1 else "first"
    prev_ = (
        '<li class="disabled"><a href="javascript:;">Trước</a></li>'
        if cur == 1
        else f'<li class=""><a href="{pager_link(cur - 1)}">Trước</a></li>'
    )
    next_ = (
        '<li class="disabled"><a href="javascript:;">Tiếp</a></li>'
        if cur == pages
        else f'<li class=""><a href="{pager_link(cur + 1)}">Tiếp</a></li>'
    )
    portlet = f"""<section class="portlet" id="portlet_101">
 <header class="portlet-topper"><h1 class="portlet-title"><span class="portlet-title-text">{LIFERAY_CATEGORY_NAME}</span></h1></header>
 <div class="portlet-content"><div class="portlet-body">
  {"".join(items)}
  <div class="taglib-page-iterator"><div class="clearfix lfr-pagination">
   <ul class="pager lfr-pagination-buttons">
    <li class="{first}"><a href="{pager_link(1)}">&larr; Đầu</a></li>
    {prev_}
    {next_}
    <li class=" last"><a href="{pager_link(pages)}">Cuối &rarr;</a></li>
   </ul></div></div>
 </div></div>
</section>"""
    return _page(f"{LIFERAY_CATEGORY_NAME} - Phường Thử Thách", f"{_liferay_nav()}\n{portlet}")


def _sidebar(total: int) -> str:
    """Megabytes of ordinary markup: a menu of spans, no links."""
    item = '<li class="muc-luc"><span class="ten">Mục lục văn bản số {}</span> <em>đã ban hành</em></li>\n'
    one = len(item.format(100000).encode())
    n = total // one + 1
    return '<div class="sidebar"><ul>' + "".join(item.format(i) for i in range(n)) + "</ul></div>"


def hanoi_article_html(a: HanoiArticle) -> str:
    paras = "\n".join(f"<p>{_e(p)}</p>" for p in a.paragraphs)
    body = f"""<div class="header"><a href="/">Trang chủ</a> <a href="/{a.category}">{_e(a.category_name)}</a></div>
<div class="detail-container">
 <div class="detail-cate"><a href="/{a.category}">{_e(a.category_name)}</a></div>
 <h1 class="detail-title">{_e(a.title)}</h1>
 <div class="detail-time"><div data-role="publishdate">{a.posted:%H:%M %d/%m/%Y}</div></div>
 <div class="detail-content" data-role="content">
{paras}
 </div>
</div>"""
    return _page(a.title, body)


def hanoi_listing_html(
    category: str,
    name: str,
    articles,
    next_page: int | None,
    *,
    link_base: str = "",
    base_href: str | None = None,
    relative=(),
) -> str:
    items = []
    links = [(a, link_base + a.path) for a in articles] + [(a, a.path[1:]) for a in relative]
    for a, href in links:
        items.append(
            '<div class="box-stream-item">'
            f'<a class="box-stream-link-with-avatar" href="{href}" title="{_a(a.title)}"></a>'
            '<div class="box-stream-content">'
            f'<h3><a class="box-stream-link-title" href="{href}">{_e(a.title)}</a></h3>'
            f'<span class="box-stream-time">{a.posted:%H:%M %d/%m/%Y}</span>'
            "</div></div>"
        )
    more = (
        f'<a class="view-more" href="/{category}?page={next_page}">Xem thêm</a>'
        if next_page is not None
        else ""
    )
    body = (
        f'<div class="header"><a href="/">Trang chủ</a></div>\n'
        f'<div class="box-category"><h2 class="box-title"><a href="/{category}">{_e(name)}</a></h2>'
        f'<div class="box-stream">{"".join(items)}</div>{more}</div>'
    )
    head = '<meta charset="utf-8">'
    if base_href:
        head += f'<base href="{_a(base_href)}">'
    return _page(name, body, head=head)


def foreign_article_html(slug: str) -> str:
    case = Case(
        slug=slug,
        fault="foreign",
        expect=FAILED,
        title=f"NỘI DUNG NGOẠI LAI {FOREIGN_TOKEN}",
        posted=datetime(2023, 9, 1, 8, 0, tzinfo=VN),
        date_text="01/09/2023 | 08:00",
        views=999,
        views_text="999",
        paragraphs=(f"Trang này thuộc máy chủ khác {FOREIGN_TOKEN}.", SEED_PARAGRAPHS[0]),
    )
    return liferay_article_html(case, f"http://{FOREIGN_HOST}:9")


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


@dataclass
class Record:
    site: str
    path: str
    phase: int
    start: float
    end: float | None = None
    aborted: bool = False  # the client went away (timeout, abort, reset)
    status: int | None = None


@dataclass
class RequestLog:
    records: list[Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # bugs of the portal itself
    tls_failures: list[str] = field(default_factory=list)
    phase: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, site: str, path: str) -> Record:
        rec = Record(site, path, self.phase, time.monotonic())
        with self.lock:
            self.records.append(rec)
        return rec

    def finish(self, rec: Record) -> None:
        rec.end = time.monotonic()

    def snapshot(self, site: str | None = None, phase: int | None = None) -> list[Record]:
        with self.lock:
            return [
                r
                for r in self.records
                if (site is None or r.site == site) and (phase is None or r.phase == phase)
            ]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "WardPortal/6.2"
    timeout = 30

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def do_GET(self):
        site = self.server.site
        rec = site.log.start(site.name, self.path)
        self.record = rec
        try:
            site.respond(self, urlsplit(self.path))
        except (ConnectionError, TimeoutError, ssl.SSLError, BrokenPipeError):
            rec.aborted = True
            self.close_connection = True
        except Exception as exc:  # a bug of the portal: recorded, and the suite says so
            site.log.errors.append(f"{site.name} {self.path}: {exc!r}")
            self.close_connection = True
        finally:
            site.log.finish(rec)

    # -- answers -------------------------------------------------------------------------

    def answer(
        self,
        status: int,
        body: bytes,
        ctype: str | None = "text/html; charset=utf-8",
        headers: tuple[tuple[str, str], ...] = (),
        delay: float = NORMAL_DELAY,
        length: bool = True,
    ) -> None:
        if delay:
            time.sleep(delay)
        self.record.status = status
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        view = memoryview(body)
        for i in range(0, len(view), 1 << 20):
            self.wfile.write(view[i : i + (1 << 20)])

    def html(self, text: str, status: int = 200) -> None:
        self.answer(status, text.encode("utf-8"))

    def redirect(self, location: str, status: int = 302) -> None:
        body = f'<html><body><a href="{_a(location)}">Moved</a></body></html>'.encode()
        self.answer(status, body, headers=(("Location", location),))

    def not_found(self) -> None:
        self.html(_page("Không tìm thấy", "<h1>404 Không tìm thấy trang</h1>"), status=404)

    def client_gone_within(self, seconds: float) -> bool:
        """Wait ``seconds``; True as soon as the client closes the connection."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], left)
            if readable:
                try:
                    data = self.connection.recv(1, socket.MSG_PEEK)
                except OSError:
                    return True
                if not data:
                    return True
                time.sleep(min(left, 0.05))
        return False

    def reset(self) -> None:
        """Close the connection with a TCP RST, without a byte of answer."""
        self.record.aborted = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()
        self.connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, site, ssl_context=None):
        self.site = site
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, addr

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, ssl.SSLError | ConnectionError | TimeoutError | OSError):
            if self.ssl_context is not None:
                self.site.log.tls_failures.append(repr(exc))
            return
        self.site.log.errors.append(f"{self.site.name}: {exc!r}")


class Site:
    name = "site"

    def __init__(self, log: RequestLog):
        self.log = log
        self.base = ""
        self.server: _Server | None = None
        self.thread: threading.Thread | None = None

    def start(self, host: str, ssl_context=None) -> None:
        self.server = _Server((host, 0), self, ssl_context)
        scheme = "https" if ssl_context is not None else "http"
        self.base = f"{scheme}://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, name=self.name, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(10)

    def respond(self, h: _Handler, url) -> None:
        raise NotImplementedError


class ForeignSite(Site):
    """127.0.0.2: another organisation's site. Everything it serves carries FOREIGN_TOKEN."""

    name = "foreign"

    def respond(self, h, url):
        if url.path == "/robots.txt":
            h.answer(200, FOREIGN_ROBOTS, ctype="text/plain")
            return
        if url.path.startswith("/documents/"):
            h.answer(200, FOREIGN_PDF, ctype="application/pdf")
            return
        slug = parse_qs(url.query).get("_101_urlTitle", ["foreign"])[0]
        h.html(foreign_article_html(slug))


class HostileSite(Site):
    """The liferay-asset-publisher ward whose listing holds the fault cases."""

    name = "hostile"

    def __init__(self, log: RequestLog, foreign: ForeignSite):
        super().__init__(log)
        self.foreign = foreign

    @functools.cached_property
    def bodies(self) -> dict[str, bytes]:
        fb = self.foreign.base
        c = CASE_BY_SLUG
        deep_open = '<div class="lop">' * DEEP_LEVELS
        deep_close = "</div>" * DEEP_LEVELS
        unclosed = "<div><span><font>" * UNCLOSED_LEVELS
        out = {
            "hx-oversize-length": liferay_article_html(
                c["hx-oversize-length"], fb, before=_sidebar(OVERSIZE_BYTES)
            ).encode(),
            "hx-huge-markup": liferay_article_html(
                c["hx-huge-markup"], fb, before=_sidebar(HUGE_MARKUP_BYTES)
            ).encode(),
            "hx-deep-nesting": liferay_article_html(
                c["hx-deep-nesting"], fb, wrap=(deep_open, deep_close)
            ).encode(),
            "hx-unclosed-tags": liferay_article_html(
                c["hx-unclosed-tags"], fb, before=unclosed
            ).encode(),
            "hx-gzip-bomb": compression_bomb(BOMB_MIB, "gzip"),
            "hx-deflate-bomb": compression_bomb(BOMB_MIB, "deflate"),
            "hx-brotli-bomb": compression_bomb(BOMB_MIB, "br"),
            "hx-double-gzip-bomb": gzip.compress(compression_bomb(BOMB_MIB, "gzip"), 1),
        }
        out["hx-oversize-streamed"] = liferay_article_html(
            c["hx-oversize-streamed"], fb, before=_sidebar(OVERSIZE_BYTES)
        ).encode()
        for slug in ("hx-cp1258-header-utf8", "hx-cp1258-undeclared"):
            page = liferay_article_html(c[slug], fb).replace('<meta charset="utf-8">', "")
            out[slug] = to_cp1258(page)
        page = liferay_article_html(c["hx-cp1258-meta"], fb).replace(
            '<meta charset="utf-8">', '<meta charset="windows-1258">'
        )
        out["hx-cp1258-meta"] = to_cp1258(page)
        page = liferay_article_html(c["hx-utf8-bom"], fb).replace('<meta charset="utf-8">', "")
        out["hx-utf8-bom"] = b"\xef\xbb\xbf" + page.encode("utf-8")
        return out

    def respond(self, h, url):
        q = parse_qs(url.query)
        if url.path == "/robots.txt":
            h.answer(200, b"User-agent: *\nDisallow:\n", ctype="text/plain")
        elif url.path.startswith("/documents/"):
            self.document(h, url)
        elif "_101_urlTitle" in q:
            self.article(h, url, q["_101_urlTitle"][0], q)
        elif url.path == f"/{LIFERAY_CATEGORY}":
            cur = int(q.get("_101_cur", ["1"])[0] or 1)
            h.html(liferay_listing_html(self.base, self.foreign.base, cur))
        elif url.path == "/":
            h.html(_page("Phường Thử Thách", _liferay_nav()))
        else:
            h.not_found()

    def document(self, h, url):
        full = url.path + ("?" + url.query if url.query else "")
        if full == DOC_OWN.path:
            h.answer(200, DOC_OWN.body, ctype="application/pdf")
        elif full == DOC_OFFSITE.path:
            h.redirect(f"{self.foreign.base}/documents/99/0/{DOC_OFFSITE.name}")
        elif full == DOC_HUGE_PATH:
            h.answer(200, huge_document().body, ctype="application/pdf", delay=0)
        elif full == DOC_BOMB_PATH:
            bomb = compression_bomb(BOMB_MIB, "gzip")
            h.answer(200, bomb, ctype="application/pdf", headers=(("Content-Encoding", "gzip"),))
        else:
            h.not_found()

    def article(self, h, url, slug, q):
        case = CASE_BY_SLUG.get(slug)
        fb = self.foreign.base
        if case is None:
            h.not_found()
            return
        bodies = self.bodies
        away = liferay_article_path(slug + "-ngoai")
        if slug == "hx-offsite-redirect":
            h.redirect(fb + away)
        elif slug == "hx-offsite-schemeless":
            h.redirect("//" + fb.split("://", 1)[1] + away)
        elif slug == "hx-offsite-userinfo":
            own = self.base.split("://", 1)[1]
            h.redirect(f"http://{own}@{fb.split('://', 1)[1]}{away}")
        elif slug == "hx-offsite-two-hops":
            if "hop" in q:
                h.redirect(fb + away)
            else:
                h.redirect(self.base + liferay_article_path(slug, extra="&hop=1"))
        elif slug == "hx-redirect-file":
            h.redirect("file:///etc/passwd")
        elif slug == "hx-meta-refresh-offsite":
            page = (
                '<!DOCTYPE html><html><head><meta charset="utf-8">'
                f'<meta http-equiv="refresh" content="0; url={_a(fb + away)}">'
                "<title>Đang chuyển trang</title></head><body>Đang chuyển trang…</body></html>"
            )
            h.html(page)
        elif slug in ("hx-deflate-bomb", "hx-brotli-bomb"):
            encoding = "deflate" if slug == "hx-deflate-bomb" else "br"
            h.answer(200, bodies[slug], headers=(("Content-Encoding", encoding),), delay=0)
        elif slug == "hx-trickle":
            page = liferay_article_html(case, fb).encode()
            h.record.status = 200
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(len(page)))
            h.end_headers()
            for i in range(0, len(page), 20):
                h.wfile.write(page[i : i + 20])
                if h.client_gone_within(0.25):
                    h.record.aborted = True
                    h.close_connection = True
                    return
        elif slug == "hx-truncated":
            page = liferay_article_html(case, fb).encode()
            h.record.status = 200
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Content-Length", str(max(6000, len(page))))
            h.end_headers()
            h.wfile.write(page[:1500])
            h.close_connection = True
        elif slug == "hx-refresh-header-offsite":
            page = _page("Đang chuyển trang", "<p>Đang chuyển trang…</p>").encode()
            h.answer(200, page, headers=(("Refresh", f"0; url={fb + away}"),))
        elif slug == "hx-double-gzip-bomb":
            h.answer(200, bodies[slug], headers=(("Content-Encoding", "gzip, gzip"),), delay=0)
        elif slug == "hx-fake-gzip":
            page = liferay_article_html(case, fb).encode()
            h.answer(200, page, headers=(("Content-Encoding", "gzip"),))
        elif slug == "hx-bogus-charset":
            page = liferay_article_html(case, fb).replace('<meta charset="utf-8">', "")
            h.answer(200, page.encode(), ctype="text/html; charset=utf-99")
        elif slug == "hx-gone-offsite-later" and self.log.phase >= 2:
            h.redirect(fb + liferay_article_path(slug + "-ngoai"), status=301)
        elif slug == "hx-internal-redirect" and url.path == f"/{LIFERAY_CATEGORY}":
            h.redirect(self.base + liferay_article_path(slug, category="thong-bao"), status=301)
        elif slug == "hx-redirect-loop":
            hop = q.get("hop", ["0"])[0]
            nxt = "2" if hop == "1" else "1"
            h.redirect(self.base + liferay_article_path(slug, extra=f"&hop={nxt}"))
        elif slug == "hx-redirect-chain":
            hop = int(q.get("hop", ["0"])[0])
            if hop >= 60:
                h.not_found()
            else:
                h.redirect(self.base + liferay_article_path(slug, extra=f"&hop={hop + 1}"))
        elif slug == "hx-oversize-streamed":
            h.answer(200, bodies[slug], delay=0, length=False)
        elif slug == "hx-gzip-bomb":
            h.answer(200, bodies[slug], headers=(("Content-Encoding", "gzip"),), delay=0)
        elif slug == "hx-cp1258-header-utf8":
            h.answer(200, bodies[slug], ctype="text/html; charset=utf-8")
        elif slug in ("hx-cp1258-undeclared", "hx-cp1258-meta"):
            h.answer(200, bodies[slug], ctype="text/html")
        elif slug == "hx-utf8-bom":
            h.answer(200, bodies[slug], ctype="text/html; charset=iso-8859-1")
        elif slug in bodies:
            h.answer(200, bodies[slug], delay=0)
        elif slug == "hx-slow":
            if h.client_gone_within(SLOW_SECONDS):
                h.record.aborted = True
                h.close_connection = True
                return
            h.html(liferay_article_html(case, fb), status=200)
        elif slug == "hx-conn-reset":
            h.reset()
        else:
            h.html(liferay_article_html(case, fb))


class HanoiSite(Site):
    """A hanoi-portal ward: ``categories`` maps a slug to (name, articles)."""

    def __init__(self, log, name, categories, robots=b"User-agent: *\nDisallow:\n", endless=None):
        super().__init__(log)
        self.name = name
        self.categories = categories
        self.robots = robots
        self.endless = endless  # the category whose pager never ends
        self.by_path = {a.path: a for _, arts in categories.values() for a in arts}
        self.robots_redirect: str | None = None  # robots.txt answers 302 to this URL
        self.robots_encoding: str | None = None  # robots.txt is a compression bomb
        self.base_href: str | None = None  # listings carry <base href=...>
        self.alias_links: tuple[HanoiArticle, ...] = ()  # listed on the alias host
        self.alias_redirects: tuple[HanoiArticle, ...] = ()  # 301 to the alias host
        self.relative: tuple[HanoiArticle, ...] = ()  # listed by path-relative links

    def respond(self, h, url):
        q = parse_qs(url.query)
        if url.path == "/robots.txt":
            if self.robots_redirect:
                h.redirect(self.robots_redirect)
            elif self.robots_encoding:
                bomb = compression_bomb(BOMB_MIB, self.robots_encoding)
                headers = (("Content-Encoding", self.robots_encoding),)
                h.answer(200, bomb, ctype="text/plain", headers=headers, delay=0)
            else:
                h.answer(200, self.robots, ctype="text/plain")
            return
        if url.path == "/":
            links = "".join(
                f'<li><a href="/{slug}">{_e(name)}</a></li>'
                for slug, (name, _) in self.categories.items()
            )
            h.html(_page("Cổng thông tin phường", f'<ul class="menu">{links}</ul>'))
            return
        cat = url.path.strip("/")
        if cat == self.endless:
            page = int(q.get("page", ["1"])[0] or 1)
            nxt = page + 1 if page < PAGER_CAP else None
            name = self.categories[cat][0]
            h.html(hanoi_listing_html(cat, name, pager_page(page), nxt))
            return
        if cat in self.categories:
            name, arts = self.categories[cat]
            if self.alias_links:
                alias = self.base.replace(OWN_HOST, ALIAS_HOST)
                absolute = tuple(a for a in arts if a in self.alias_links)
                page = hanoi_listing_html(
                    cat, name, [a for a in arts if a not in absolute], None
                ).replace(
                    '<div class="box-stream">',
                    '<div class="box-stream">'
                    + "".join(
                        f'<div class="box-stream-item"><h3><a class="box-stream-link-title" '
                        f'href="{alias}{a.path}">{_e(a.title)}</a></h3>'
                        f'<span class="box-stream-time">{a.posted:%H:%M %d/%m/%Y}</span></div>'
                        for a in absolute
                    ),
                )
            elif self.base_href:
                page = hanoi_listing_html(
                    cat,
                    name,
                    arts,
                    None,
                    link_base=self.base,
                    base_href=self.base_href,
                    relative=self.relative,
                )
            else:
                page = hanoi_listing_html(cat, name, arts, None)
            h.html(page)
            return
        article = self.by_path.get(url.path)
        host = (h.headers.get("Host") or "").split(":")[0]
        if article in self.alias_redirects and host != ALIAS_HOST:
            h.redirect(self.base.replace(OWN_HOST, ALIAS_HOST) + url.path, status=301)
            return
        if article is None:
            article = {a.path: a for a in self.relative}.get(url.path)
        if article is None and self.endless and url.path.startswith(f"/{self.endless}/"):
            article = self.pager_article(url.path)
        if article is None:
            h.not_found()
        else:
            h.html(hanoi_article_html(article))

    @staticmethod
    def pager_article(path: str) -> HanoiArticle | None:
        for page in range(1, PAGER_CAP + 1):
            for a in pager_page(page):
                if a.path == path:
                    return a
        return None


def pager_pages_requested(records: list[Record]) -> list[int]:
    """The endless pager's page numbers, in the order they were requested."""
    pages = []
    for r in records:
        u = urlsplit(r.path)
        if u.path == f"/{PAGER_CATEGORY}":
            pages.append(int(parse_qs(u.query).get("page", ["1"])[0] or 1))
    return pages


# --------------------------------------------------------------------------------------------
# Legacy TLS
# --------------------------------------------------------------------------------------------


def make_legacy_certificate(folder: Path) -> tuple[Path, Path] | None:
    """A self-signed 1024-bit RSA certificate signed with SHA-1, or None without openssl."""
    cert, key = folder / "legacy-cert.pem", folder / "legacy-key.pem"
    try:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:1024",
                "-sha1",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=127.0.0.1/O=UBND phuong thu nghiem",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return cert, key


def legacy_tls_context(cert: Path, key: Path) -> ssl.SSLContext | None:
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, ValueError, OSError):
        return None
    return ctx


# --------------------------------------------------------------------------------------------
# All of it
# --------------------------------------------------------------------------------------------


def _toml(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "[" + ", ".join(_toml(v) for v in value) + "]"


def registry_toml(wards: list[dict]) -> str:
    out = []
    for w in wards:
        out.append("[[ward]]")
        out.extend(f"{k} = {_toml(v)}" for k, v in w.items())
        out.append("")
    return "\n".join(out)


class HostilePortals(contextlib.AbstractContextManager):
    def __init__(self, tls: ssl.SSLContext | None = None):
        self.log = RequestLog()
        self.foreign = ForeignSite(self.log)
        self.hostile = HostileSite(self.log, self.foreign)
        self.pager = HanoiSite(
            self.log,
            "pager",
            {
                PAGER_CATEGORY: (PAGER_CATEGORY_NAME, ()),
                "dang-doan-the": ("Đảng - Đoàn thể", PAGER_QUIET),
            },
            endless=PAGER_CATEGORY,
        )
        self.robots = HanoiSite(
            self.log,
            "robots",
            {
                ROBOTS_CATEGORY: (
                    "Thông tin tuyên truyền",
                    ROBOTS_ALLOWED[:2] + ROBOTS_DISALLOWED + ROBOTS_ALLOWED[2:],
                )
            },
            robots=ROBOTS_TXT,
        )
        self.quirks = HanoiSite(
            self.log, "quirks", {QUIRKS_WARD_CATEGORY: ("Tin tức sự kiện", QUIRKS_ARTICLES)}
        )
        self.quirks.robots_encoding = "gzip"
        self.quirks.relative = QUIRKS_RELATIVE
        self.alias = HanoiSite(
            self.log,
            "alias",
            {ALIAS_CATEGORY: ("Tin tức sự kiện", ALIAS_ARTICLES)},
            robots=f"User-agent: *\nCrawl-delay: {ALIAS_CRAWL_DELAY}\n".encode(),
        )
        self.alias.alias_links = (ALIAS_LISTED,)
        self.alias.alias_redirects = (ALIAS_REDIRECTED,)
        self.tls_context = tls
        self.tls = HanoiSite(
            self.log, "tls", {"tin-tuc-su-kien": ("Tin tức sự kiện", TLS_ARTICLES)}
        )
        self.sites: list[Site] = []

    def __enter__(self):
        _ = self.hostile.bodies  # build the big pages before any crawl starts
        huge_document()
        compression_bomb(BOMB_MIB, "gzip")
        self.foreign.start(FOREIGN_HOST)
        self.sites.append(self.foreign)
        self.pager.robots_redirect = self.foreign.base + "/robots.txt"
        self.quirks.base_href = self.foreign.base + "/"
        for site in (self.hostile, self.pager, self.robots, self.quirks, self.alias):
            site.start(OWN_HOST)
            self.sites.append(site)
        if self.tls_context is not None:
            self.tls.start(OWN_HOST, self.tls_context)
            self.sites.append(self.tls)
        return self

    def __exit__(self, *exc):
        for site in self.sites:
            site.stop()
        return None

    def wards(self) -> list[dict]:
        wards = [
            {
                "slug": HOSTILE_WARD,
                "name": "Phường Thử Thách",
                "province": "Hà Nội",
                "district": "Quận Thử Nghiệm",
                "url": self.hostile.base + "/",
                "family": "liferay-asset-publisher",
                "categories": [LIFERAY_CATEGORY],
            },
            {
                "slug": PAGER_WARD,
                "name": "Phường Trang Vô Tận",
                "province": "Hà Nội",
                "url": self.pager.base + "/",
                "family": "hanoi-portal",
                "categories": [PAGER_CATEGORY, "dang-doan-the"],
            },
            {
                "slug": ROBOTS_WARD,
                "name": "Phường Robots",
                "province": "Hà Nội",
                "url": self.robots.base + "/",
                "family": "hanoi-portal",
                "categories": [ROBOTS_CATEGORY],
            },
        ]
        wards.append(
            {
                "slug": ALIAS_WARD,
                "name": "Phường Bí Danh",
                "province": "Hà Nội",
                "url": self.alias.base + "/",
                "family": "hanoi-portal",
                "categories": [ALIAS_CATEGORY],
                "aliases": [ALIAS_HOST],
            }
        )
        wards.append(
            {
                "slug": QUIRKS_WARD,
                "name": "Phường Lắt Léo",
                "province": "Hà Nội",
                "url": self.quirks.base + "/",
                "family": "hanoi-portal",
                "categories": [QUIRKS_WARD_CATEGORY],
            }
        )
        if self.tls_context is not None:
            wards.append(
                {
                    "slug": TLS_WARD,
                    "name": "Phường Bảo Mật Cũ",
                    "province": "Hà Nội",
                    "url": self.tls.base + "/",
                    "family": "hanoi-portal",
                    "categories": ["tin-tuc-su-kien"],
                }
            )
        return wards


def cli_site(log: RequestLog) -> HanoiSite:
    """A tiny healthy portal for the command-line error cases."""
    return HanoiSite(log, "cli", {"tin-tuc-su-kien": ("Tin tức sự kiện", CLI_ARTICLES)})
