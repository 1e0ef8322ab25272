"""End to end: a crawl of a hanoi-portal ward whose pages come in hostile encodings and dates.

The ward is served here, on 127.0.0.1, with the reference markup of FAMILIES.md §2: windows-1258
bodies (declared UTF-8, undeclared, correctly declared; the listing page too), control characters
in a title, stray bytes in UTF-8, text pasted from a TCVN3 font, an impossible date and a date
years after the fetch. The ground truth is the Unicode text each page was made from.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import FAST, query, run_cli
from tests.unit.test_encodings import LEGACY, PARAGRAPHS, article_html, to_cp1258

VN = timezone(timedelta(hours=7))
CATEGORY = "tin-tuc"
CATEGORY_NAME = "Tin tức - Sự kiện"
FUTURE_YEAR = datetime.now(VN).year + 5


@dataclass(frozen=True)
class Page:
    """One article of the ward: what it must be stored as, and how it is served."""

    key: str
    title: str  # as stored
    fault: str
    served_title: str | None = None
    posted: str = "18:02 15/09/2023"
    paragraphs: tuple[str, ...] = tuple(PARAGRAPHS[:2])
    served_paragraphs: tuple[str, ...] | None = None
    views: int = 2468

    @property
    def path(self) -> str:
        return f"/{CATEGORY}/bai-viet-{self.key}.htm"

    def html(self) -> str:
        served = self.served_paragraphs or self.paragraphs
        title = self.served_title or self.title
        return article_html(title, list(served), posted=self.posted, views=self.views)


PAGES = [
    Page("2702230915180200011", "Hướng dẫn đăng ký tạm trú, tạm vắng cho người lao động",
         "cp1258 declared utf-8"),
    Page("2702230915180200012", "Lễ kỷ niệm ngày thành lập Mặt trận Tổ quốc Việt Nam",
         "cp1258 undeclared", views=1357),
    Page("2702230915180200013", "Phường tuyên dương gia đình văn hoá tiêu biểu",
         "cp1258 declared", views=864),
    Page("2702230915180200014", "Thông báo lịch tiếp công dân tháng 10 năm 2023", "controls",
         served_title="Thông báo\x00 lịch tiếp\x08 công dân\x1b tháng 10\x7f năm 2023"),
    Page("2702230915180200015", "Kế hoạch kiểm tra an toàn thực phẩm dịp Tết", "stray bytes",
         paragraphs=("Tại buổi sinh hoạt, đồng chí Bí thư chi b\ufffd đã quán triệt.",),
         served_paragraphs=("Tại buổi sinh hoạt, đồng chí Bí thư chi bộ đã quán triệt.",)),
    Page("2702230915180200016", "Kế hoạch tổ chức hội nghị tổng kết", "impossible date",
         posted="10:00 31/02/2023"),
    Page("2702230915180200017", "Kế hoạch tổ chức Đại hội Đảng bộ phường nhiệm kỳ mới",
         "future date", posted=f"08:00 15/09/{FUTURE_YEAR}"),
    Page("2702230915180200018", "Quyết định công nhận tổ dân phố văn hoá", "tcvn3 paragraph",
         paragraphs=(LEGACY[0][1], LEGACY[1][1], PARAGRAPHS[0]),
         served_paragraphs=(LEGACY[0][0], LEGACY[1][0], PARAGRAPHS[0])),
]  # fmt: skip
BY_PATH = {p.path: p for p in PAGES}


def listing_html() -> str:
    """The category page, listing every article (FAMILIES.md §2 reference markup)."""
    entries = "\n".join(
        f'<div class="box-stream-item"><h3><a class="box-stream-link-title" href="{p.path}">'
        f'{html.escape(p.title)}</a></h3><span class="box-stream-time">{p.posted}</span></div>'
        for p in PAGES
    )
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><title>Tin tức</title></head><body>\n'
        f'<div class="box-category"><h1 class="box-category-title"><a href="/{CATEGORY}">'
        f'{CATEGORY_NAME}</a></h1>\n<div class="box-stream">\n{entries}\n</div></div>'
        "</body></html>\n"
    )


def served(path: str) -> tuple[bytes, str] | None:
    """The body and Content-Type the ward answers a path with."""
    if path == f"/{CATEGORY}":
        return to_cp1258(listing_html()), "text/html"  # the listing too: undeclared
    page = BY_PATH.get(path)
    if page is None:
        return None
    text = page.html()
    if page.fault == "cp1258 declared utf-8":
        return to_cp1258(text), "text/html; charset=utf-8"
    if page.fault == "cp1258 undeclared":
        return to_cp1258(text), "text/html"
    if page.fault == "cp1258 declared":
        return to_cp1258(text), "text/html; charset=windows-1258"
    body = text.encode("utf-8")
    if page.fault == "stray bytes":  # "bộ" cut to "b" and a lone continuation byte
        body = body.replace("chi bộ đã".encode(), b"chi b" + b"\xbb" + " đã".encode())
    return body, "text/html; charset=utf-8"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        path = self.path.split("?")[0]
        answer = (b"User-agent: *\nDisallow:\n", "text/plain") if path == "/robots.txt" else None
        answer = answer or served(path)
        if answer is None:
            self.send_error(404)
            return
        body, content_type = answer
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def ward() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def crawled(ward: str, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("encodings")
    registry = folder / "wards.toml"
    registry.write_text(
        f'[[ward]]\nslug = "enc-ward"\nname = "Phường Thử"\nprovince = "Hà Nội"\n'
        f'url = "{ward}"\nfamily = "hanoi-portal"\ncategories = ["{CATEGORY}"]\n',
        encoding="utf-8",
    )
    db = folder / "wards.db"
    result = run_cli("crawl", "--wards", str(registry), "--db", str(db), *FAST)
    articles = {r["article_key"]: r for r in query(db, "select * from articles")}
    errors = query(db, "select url, status, reason from fetch_errors")
    return {"result": result, "db": db, "folder": folder, "articles": articles, "errors": errors}


def errors_of(crawled: dict, page: Page) -> list[str]:
    return [e["reason"] for e in crawled["errors"] if e["url"].endswith(page.path)]


def test_crawl_finishes(crawled):
    assert crawled["result"].returncode == 0, crawled["result"].stderr[-3000:]


STORED = [p for p in PAGES if p.fault != "impossible date"]


@pytest.mark.parametrize("page", STORED, ids=lambda p: p.fault)
def test_title_body_and_views_equal_the_truth(crawled, page: Page):
    row = crawled["articles"].get(page.key)
    assert row is not None, (page.fault, crawled["errors"])
    assert row["title"] == page.title
    assert row["body"] == "\n\n".join(page.paragraphs)
    assert row["views"] == page.views


def test_listing_in_windows_1258_names_its_category(crawled):
    names = [r["name"] for r in query(crawled["db"], "select name from categories")]
    assert names == [CATEGORY_NAME]


@pytest.mark.parametrize(
    ("fault", "flag"),
    [
        ("cp1258 declared utf-8", "encoding detected: windows-1258"),
        ("cp1258 undeclared", "encoding detected: windows-1258"),
        ("cp1258 declared", None),
        ("controls", None),
        ("stray bytes", "replacement characters (U+FFFD)"),
        ("tcvn3 paragraph", "legacy font text converted (TCVN3)"),
    ],
)
def test_how_the_text_was_read_is_flagged(crawled, fault, flag):
    (page,) = [p for p in PAGES if p.fault == fault]
    assert crawled["articles"][page.key]["text_flag"] == flag


def test_u_fffd_left_in_the_text_is_a_recorded_problem(crawled):
    (page,) = [p for p in PAGES if p.fault == "stray bytes"]
    (reason,) = errors_of(crawled, page)
    assert "U+FFFD" in reason and "body" in reason


def test_no_control_character_stored(crawled):
    for row in crawled["articles"].values():
        for column in ("title", "body", "posted_raw", "category_names"):
            text = row[column] or ""
            assert not [c for c in text if c < " " and c not in "\n\t" or "\x7f" <= c < "\xa0"]


def test_impossible_date_reported_as_such(crawled):
    (page,) = [p for p in PAGES if p.fault == "impossible date"]
    assert errors_of(crawled, page) == ["impossible date 31/02/2023"]
    assert page.key not in crawled["articles"]


def test_future_date_kept_raw_flagged_and_out_of_facets(crawled):
    (page,) = [p for p in PAGES if p.fault == "future date"]
    row = crawled["articles"][page.key]
    assert (row["posted_raw"], row["posted_flag"]) == (page.posted, "future")
    assert [row[c] for c in ("posted_at", "posted_date", "posted_month", "posted_year")] == [
        None, None, None, None,
    ]  # fmt: skip
    (reason,) = errors_of(crawled, page)
    assert "future" in reason and page.posted in reason


def test_valid_dates_unchanged(crawled):
    for page in STORED:
        if page.fault != "future date":
            row = crawled["articles"][page.key]
            assert (row["posted_at"], row["posted_flag"]) == ("2023-09-15T18:02:00+07:00", None)


def test_reparse_from_the_warc_files_reads_the_same(crawled):
    rebuilt = Path(crawled["folder"]) / "rebuilt.db"
    result = run_cli("reparse", "--warc-dir", str(crawled["folder"] / "warc"), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr[-3000:]
    columns = "article_key, title, body, views, posted_at, posted_flag, text_flag"
    sql = f"select {columns} from articles order by article_key"
    assert query(rebuilt, sql) == query(crawled["db"], sql)
