"""Search at a million articles: Datasette's `_search` against a LIKE scan, side by side.

Builds an archive of N synthetic Vietnamese articles (default 50,000; `--articles 1000000` for
the full size): realistic lengths (about 2.5 KB), words drawn by frequency from ward-news
vocabulary, and stock sentences at set rates, so that some searches are broad ("Đảng" in a third
of the articles; "dang", "thanh uy", "Thành uỷ" (two words, anywhere) in most), some narrow
("hòa giải", the phrase "cộng đồng dân cư": 2 to 4 %) and one rare ("Phúc Lợi": 0.2 %), with
old and new tone placements. The rows go in with prepared SQL, the search index is built by the
schema's own migration (`migrate`: the store's bulk path), and a sample goes through
`Archive.save_article` (the crawl's path); each rate is printed. Then it starts the real site
(`wardcrawler serve`, on 127.0.0.1) and times over HTTP the articles page's search as JSON
(`/DB/articles.json?_search=...`: the newest 50 rows and the exact count; a JSON search computes
no facet unless asked), the same asking for one (`&_facet=ward`: Datasette then computes the
table's six facets too, as the HTML page does), the HTML page itself (`/DB/articles?_search=`)
and the canned relevance search (`/DB/search.json?q=...`), each query typed with and without
diacritics, beside the index alone (`count(*)` of its MATCH) and the same words as a
`LIKE '%...%'` scan of title and body (`count(*)`), both in sqlite3 directly (through Datasette
the scan would hit the time limit). Prints p50 and p95, the LIKE/JSON ratio, the search index's
size (dbstat) beside the size of the text it indexes, and one PASS/FAIL line per goal of issue
14: JSON p50 <= 100 ms typed with marks, the same typed without, LIKE/JSON >= 50x.
`--keep DIR` builds the archive in DIR, or reuses `DIR/bench.db` when it is there (whatever
`--articles` says then).
Run: .venv/bin/python bench/bench_search.py [--articles 1000000] [--runs 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from wardcrawler.normalize import content_hash
from wardcrawler.site.search import PHRASE_RE, fts_query
from wardcrawler.site.serve import build_metadata
from wardcrawler.store.archive import Archive, ArticleRecord

GOAL_P50_MS, GOAL_RATIO = 100.0, 50.0
# Syllables of ward news, roughly most frequent first (drawn by Zipf's law in that order).
VOCABULARY = """
và của các là có được trong cho với những đã người này một tại về khi từ đến theo để không cũng
như cộng nhân dân phường xã thành phố công tác thực hiện triển khai kế hoạch năm tháng ngày
số quy định nhà nước cán bộ viên chi hội nghị tổ chức lãnh đạo chỉ kiểm tra giám sát đánh giá
kết quả nhiệm vụ giải pháp phát triển kinh tế văn hóa giáo dục y an ninh trật tự quốc phòng môi
trường đất đai xây dựng giao thông đô thị nông thôn mới gia đình hộ nghèo chính sách bảo hiểm
lao động việc làm thanh niên phụ nữ cựu chiến binh mặt trận đoàn thể khu cư thôn xóm đường vệ
sinh rác thải sạch điện chiếu sáng học trạm tiêm chủng chống dịch bệnh thiên tai bão lũ cứu nạn
đang ký hồ sơ thủ tục giấy tờ cấp phép chứng nhận quyền sử dụng phận tiếp trả cửa liên trực
tuyến điện tử chuyển đổi ứng phần mềm tin tuyên truyền phổ biến pháp luật kỷ niệm chào mừng đại
nhiệm kỳ bầu cử biểu đồng thường phó chủ tịch bí thư trưởng ông bà anh chị em cháu sinh thầy cô
bác sĩ quân sự tự đội hoạt sản xuất kinh doanh thương mại chợ hàng hóa thuế phí ngân sách tài
chính đầu tư dự án công trình hạ tầng cấp thoát quản lý hành trung tâm văn phòng ủy uỷ cơ sở
lĩnh vực trọng điểm hiệu yêu cầu đề nghị báo cáo tổng hợp ý kiến góp đóng lắng nghe phản ánh
kiến nghị giải quyết khiếu nại tố cáo tiếp công dân giải mâu thuẫn tranh chấp đoàn kết
thống nhất vững mạnh toàn diện tiêu chí chuẩn gương điển hình tiên tiến khen thưởng thi đua yêu
nước trao tặng giấy khen bằng huân chương danh hiệu gia tăng giảm
"""
# (sentence, share of articles that contain it): where the searched words come from.
STOCK = [
    ("Đảng bộ phường tổ chức hội nghị quán triệt nghị quyết của Đảng.", 0.30),
    ("Tổ dân phố đang triển khai công tác phòng cháy chữa cháy.", 0.20),
    ("Thông báo đăng ký hồ sơ tại bộ phận một cửa.", 0.15),
    ("Các dạng biểu mẫu được niêm yết công khai.", 0.03),
    ("Ban Thường vụ Thành uỷ chỉ đạo thực hiện Chỉ thị số 24.", 0.02),
    ("Đoàn kiểm tra của Thành ủy làm việc với Đảng ủy phường.", 0.02),
    ("Cộng đồng dân cư tham gia lấy ý kiến quy hoạch.", 0.03),
    ("Dân cư trong cộng đồng góp ý dự thảo.", 0.02),
    ("Tổ hoà giải ở cơ sở giải quyết mâu thuẫn trong khu dân cư.", 0.02),
    ("Công tác hòa giải được nâng cao chất lượng.", 0.02),
    ("Uỷ ban nhân dân phường họp bàn về thủy lợi nội đồng.", 0.40),
    ("Đoàn công tác thăm hỏi các gia đình chính sách tại phường Phúc Lợi.", 0.002),
]
QUERIES = [
    ("Đảng", "dang"),
    ("Thành uỷ", "thanh uy"),
    ('"cộng đồng dân cư"', '"cong dong dan cu"'),
    ("hòa giải", "hoa giai"),
    ("Phúc Lợi", "phuc loi"),
]
PROVINCES = ["Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế", "Quảng Ninh",
             "Nghệ An", "Thanh Hóa", "Đắk Lắk", "Lâm Đồng", "Khánh Hòa"]  # fmt: skip
CATEGORIES = ["Tin tức", "Thông báo", "Hoạt động Đảng", "Văn bản", "Cải cách hành chính",
              "An ninh trật tự", "Văn hóa xã hội"]  # fmt: skip
WARDS = 240
SEEN = "2026-01-01T00:00:00Z"  # when every synthetic article was fetched
ARTICLE_SQL = (
    "INSERT INTO articles (id, ward, province, article_key, url, title, posted_at, posted_raw,"
    " posted_date, posted_month, posted_year, views, body, category_names, content_hash,"
    " first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


# --- the corpus -------------------------------------------------------------------------------


class Corpus:
    """Synthetic articles, the same for a seed: a pool of sentences of Zipf-drawn words, and
    stock sentences at their shares."""

    def __init__(self, seed: int = 11, pool: int = 20_000) -> None:
        self.pick = random.Random(seed)
        words = [unicodedata.normalize("NFC", w) for w in VOCABULARY.split()]
        weights = [1 / (rank + 3) for rank in range(len(words))]
        self.pool = [self.sentence(words, weights) for _ in range(pool)]

    def sentence(self, words: list[str], weights: list[float]) -> str:
        """One sentence of 8 to 20 words, with a number now and then (the index's long tail)."""
        chosen = self.pick.choices(words, weights, k=self.pick.randint(8, 20))
        if self.pick.random() < 0.3:
            chosen.insert(self.pick.randrange(len(chosen)), str(self.pick.randint(1, 99_999)))
        return " ".join(chosen).capitalize() + "."

    def text(self) -> tuple[str, str]:
        """A title and a body (paragraphs of sentences, stock sentences at their shares)."""
        sentences = self.pick.choices(self.pool, k=self.pick.randint(16, 44))
        for stock, share in STOCK:
            if self.pick.random() < share:
                sentences.insert(self.pick.randrange(len(sentences)), stock)
        paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
        return self.pick.choice(self.pool)[:-1], "\n\n".join(paragraphs)

    def row(self, article_id: int) -> tuple:
        """The `articles` row of one synthetic article (ARTICLE_SQL's columns)."""
        title, body = self.text()
        ward = article_id % WARDS
        day = 16_436 + self.pick.randrange(4_000)  # 2015-01-01 + up to eleven years
        date = time.strftime("%Y-%m-%d", time.gmtime(day * 86_400))
        categories = self.pick.sample(CATEGORIES, self.pick.randint(1, 2))
        return (article_id, f"ward-{ward}", PROVINCES[ward % len(PROVINCES)], str(article_id),
                f"http://ward-{ward}.example/tin/{article_id}.htm", title,
                f"{date}T08:00:00+07:00", date, date, date[:7], int(date[:4]),
                self.pick.randint(0, 5_000), body, json.dumps(categories, ensure_ascii=False),
                content_hash(title, body), SEEN, SEEN)  # fmt: skip


# --- building ---------------------------------------------------------------------------------


@dataclass
class Build:
    """How long each part of building the archive took."""

    articles: int
    rows_s: float
    index_s: float
    store_articles: int
    store_s: float


def save_wards(archive: Archive) -> None:
    """The synthetic archive's wards."""
    for ward in range(WARDS):
        archive.save_ward({"slug": f"ward-{ward}", "name": f"Phường {ward}",
                           "province": PROVINCES[ward % len(PROVINCES)], "district": None,
                           "url": f"http://ward-{ward}.example/",
                           "family": "hanoi-portal"})  # fmt: skip


def through_store(archive: Archive, corpus: Corpus, count: int) -> float:
    """Seconds to store `count` new articles as a crawl does (`Archive.save_article`)."""
    started = time.perf_counter()
    archive.batch()
    for i in range(1, count + 1):
        row = corpus.row(i)
        archive.save_article(ArticleRecord(
            ward=row[1], article_key=row[3], url=row[4], title=row[5], posted_at=row[6],
            posted_raw=row[7], views=row[11], body=row[12], content_hash=row[14]),
            seen=row[15])  # fmt: skip
    archive.commit()
    return time.perf_counter() - started


def build(path: Path, count: int, store_count: int) -> Build:
    """An archive of `count` articles: the first `store_count` stored as a crawl stores them,
    the others inserted in bulk, then the whole search index built by the migration."""
    corpus = Corpus()
    archive = Archive(path)
    save_wards(archive)
    store_count = min(store_count, count)
    store_s = through_store(archive, corpus, store_count)
    started = time.perf_counter()
    rows = (corpus.row(i) for i in range(store_count + 1, count + 1))
    with archive.db.conn:
        archive.db.conn.executemany(ARTICLE_SQL, rows)
    rows_s = time.perf_counter() - started
    archive.db.execute("DROP TABLE articles_fts")
    archive.close()
    started = time.perf_counter()
    Archive(path).close()  # the migration builds the index
    return Build(count, rows_s, time.perf_counter() - started, store_count, store_s)


# --- sizes ------------------------------------------------------------------------------------


def sizes(path: Path) -> dict[str, int]:
    """Bytes of each table and index (dbstat), and `text`: the UTF-8 of titles and bodies."""
    connection = sqlite3.connect(path)
    found = dict(connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
    found["text"] = connection.execute(
        "SELECT sum(length(CAST(title AS BLOB)) + length(CAST(body AS BLOB))) FROM articles"
    ).fetchone()[0]
    connection.close()
    return found


def size_report(found: dict[str, int]) -> str:
    """The search index's size beside the text's, table by table."""
    index = {k: v for k, v in found.items() if k.startswith("articles_fts")}
    total = sum(index.values())
    parts = ", ".join(f"{k.removeprefix('articles_fts_')} {mib(v)}" for k, v in index.items())
    file = sum(v for k, v in found.items() if k != "text")
    return (f"text (titles and bodies, UTF-8) {mib(found['text'])}; articles table "
            f"{mib(found['articles'])}; search index {mib(total)} = "
            f"{total / found['text']:.2f} x the text ({parts}); database {mib(file)}")  # fmt: skip


def mib(size: float) -> str:
    """A size in MiB."""
    return f"{size / 2**20:,.0f} MiB"


# --- timing -----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(path: Path, port: int) -> subprocess.Popen:
    """`wardcrawler serve` on the archive, once it answers."""
    command = [sys.executable, "-m", "wardcrawler", "serve", "--db", str(path), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"wardcrawler serve failed: {server.stderr.read().decode()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if get(connection, "/-/versions.json")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("wardcrawler serve did not answer in 120 s")


def get(connection: http.client.HTTPConnection, path: str) -> tuple[int, dict]:
    """GET a JSON document: the status and the document."""
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    return response.status, json.loads(body) if body.startswith(b"{") else {}


@dataclass
class Series:
    """Seconds of repeated runs of one request or query, and how many failed."""

    times: list[float]
    failed: int = 0

    def p(self, share: float) -> float:
        """A percentile in milliseconds (nearest rank)."""
        ordered = sorted(self.times)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def cell(self, share: float = 0.5) -> str:
        """The percentile, marked `!` when some runs failed (Datasette's time limit)."""
        return f"{self.p(share):,.1f}" + ("!" if self.failed else "")


def over_http(port: int, path: str, runs: int) -> tuple[Series, dict]:
    """`runs` timed requests (after one to warm up) on one kept-alive connection of their own
    (the server closes idle ones after 5 s), and the last answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    _, answer = get(connection, path)
    series = Series([])
    for _ in range(runs):
        started = time.perf_counter()
        status, answer = get(connection, path)
        series.times.append(time.perf_counter() - started)
        series.failed += status != 200
    connection.close()
    return series, answer


def in_sqlite(
    connection: sqlite3.Connection, sql: str, params: list, runs: int
) -> tuple[Series, int]:
    """`runs` timed runs of a `count(*)` query (after one to warm up), and the count."""
    count = connection.execute(sql, params).fetchone()[0]
    series = Series([])
    for _ in range(runs):
        started = time.perf_counter()
        connection.execute(sql, params).fetchone()
        series.times.append(time.perf_counter() - started)
    return series, count


def like_sql(query: str) -> tuple[str, list[str]]:
    """The query's words and phrases as a LIKE scan of title and body (each must appear)."""
    pieces = [quoted or bare for quoted, bare in PHRASE_RE.findall(query)]
    where = " AND ".join("(title LIKE ? OR body LIKE ?)" for _ in pieces)
    params = [f"%{piece}%" for piece in pieces for _ in (0, 1)]
    return f"SELECT count(*) FROM articles WHERE {where}", params


FTS_COUNT = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?"


@dataclass
class Timing:
    """One query's figures."""

    query: str
    hits: int  # the index's count
    counted: bool  # whether the page counted them (not over Datasette's time limit)
    facets: str  # the page's facets answered, of those the table shows
    page: Series  # the articles page's search as JSON: rows and count
    faceted: Series  # the same asking for a facet (computing the table's six and it)
    html: Series  # the HTML page: rows, count and the six facets
    relevance: Series  # the canned `search` query (order by rank, with snippets)
    fts: Series  # the index alone: count(*) of the MATCH, in sqlite3
    like_hits: int
    like: Series

    def ratio(self) -> float:
        """How many times faster the search page is than the LIKE scan."""
        return self.like.p(0.5) / self.page.p(0.5)

    def passes(self) -> tuple[bool, bool]:
        """Whether the p50 goal and the ratio goal are met."""
        return self.page.p(0.5) <= GOAL_P50_MS and not self.page.failed, self.ratio() >= GOAL_RATIO

    def marked(self) -> bool:
        """Whether the query was typed with diacritics."""
        return any(marks(word) for word in self.query.split())

    def line(self) -> str:
        """The query's row of the table."""
        hits = f"{self.hits:,}" + ("" if self.counted else "?")
        fast, ratio = self.passes()
        return (f"{self.query:>20} {hits:>9} {self.page.cell():>9} {self.page.cell(0.95):>9}"
                f" {self.faceted.cell():>9} {self.facets:>6} {self.html.cell():>9}"
                f" {self.relevance.cell():>9} {self.fts.cell():>8}"
                f" {self.like_hits:>9,} {self.like.cell():>9} {self.ratio():>8.1f}x"
                f" {'ok' if fast else 'SLOW':>4} {'ok' if ratio else 'LOW':>4}")  # fmt: skip


HEADER = (f"{'query':>20} {'hits':>9} {'JSON p50':>9} {'JSON p95':>9} {'+facets':>9}"
          f" {'facets':>6} {'HTML p50':>9} {'rank p50':>9} {'FTS p50':>8} {'LIKE hits':>9}"
          f" {'LIKE p50':>9} {'LIKE/JSON':>9} {'p50':>4} {'50x':>4}")  # fmt: skip
# A facet asked for: Datasette then computes the table's six (metadata.yml) and the asked one.
FACET_ASKED = "&_facet=ward"


def marks(word: str) -> bool:
    """Whether a word carries a Vietnamese mark (a tone, a modifier, or đ)."""
    return unicodedata.normalize("NFD", word) != word or "đ" in word.lower()


def measure_query(
    port: int, scan: sqlite3.Connection, stem: str, query: str, runs: int, slow_runs: int,
    like_runs: int,
) -> Timing:  # fmt: skip
    """One query, every way, one after the other (`slow_runs` of those computing facets)."""
    quoted = urllib.parse.quote(query)
    page, answer = over_http(port, f"/{stem}/articles.json?_search={quoted}", runs)
    faceted, with_facets = over_http(
        port, f"/{stem}/articles.json?_search={quoted}{FACET_ASKED}", slow_runs
    )
    html, _ = over_http(port, f"/{stem}/articles?_search={quoted}", slow_runs)
    relevance, _ = over_http(port, f"/{stem}/search.json?q={quoted}&ward=&since=&until=", runs)
    fts, hits = in_sqlite(scan, FTS_COUNT, [fts_query(query)], runs)
    like, like_hits = in_sqlite(scan, *like_sql(query), like_runs)
    counted = answer.get("filtered_table_rows_count") is not None
    facets = f"{len(with_facets.get('facet_results', {}))}/{len(shown_facets(scan, stem))}"
    return Timing(query, hits, counted, facets, page, faceted, html, relevance, fts, like_hits,
                  like)  # fmt: skip


def shown_facets(scan: sqlite3.Connection, stem: str) -> list:
    """The facets a search asking for one computes: the table's (served metadata), and it."""
    path = scan.execute("PRAGMA database_list").fetchone()[2]
    return [*build_metadata(path)["databases"][stem]["tables"]["articles"]["facets"], "ward"]


def measure(path: Path, runs: int, slow_runs: int, like_runs: int) -> list[Timing]:
    """Every query over HTTP (as the site answers it) and in sqlite3 (the index, and LIKE)."""
    port = free_port()
    server = serve(path, port)
    scan = sqlite3.connect(path)
    timings = []
    try:
        for query in (q for pair in QUERIES for q in pair):
            timing = measure_query(port, scan, path.stem, query, runs, slow_runs, like_runs)
            print(timing.line(), flush=True)
            timings.append(timing)
    finally:
        scan.close()
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()
    return timings


# --- the run ----------------------------------------------------------------------------------


def report_build(built: Build) -> None:
    """Print the build rates."""
    bulk = built.articles - built.store_articles
    print(f"{built.articles:,} articles: {built.store_articles:,} through Archive.save_article in "
          f"{built.store_s:.1f} s ({built.store_articles / built.store_s:,.0f} articles/s, "
          f"indexed as stored); {bulk:,} rows in bulk in {built.rows_s:.1f} s "
          f"({bulk / built.rows_s:,.0f}/s, with generating them); the index of all by the "
          f"migration in {built.index_s:.1f} s ({built.articles / built.index_s:,.0f} articles/s)",
          flush=True)  # fmt: skip


def report_goals(timings: list[Timing], index_line: str) -> None:
    """Print the figures of each goal, and whether it is met (PASS/FAIL)."""
    for typed, group in (("with", [t for t in timings if t.marked()]),
                         ("without", [t for t in timings if not t.marked()])):  # fmt: skip
        pages = Series([x for t in group for x in t.page.times], sum(t.page.failed for t in group))
        fast = [t for t in group if t.passes()[0]]
        slow = ", ".join(f"{t.query} {t.page.cell()}" for t in group if not t.passes()[0])
        verdict = "PASS" if len(fast) == len(group) else "FAIL"
        over = f" (over: {slow} ms)" if slow else ""
        print(f"{verdict}  JSON search typed {typed} diacritics: p50 {pages.cell()} ms, p95 "
              f"{pages.cell(0.95)} ms over its {len(group)} queries; p50 <= {GOAL_P50_MS:.0f} "
              f"ms for {len(fast)}/{len(group)}{over}")  # fmt: skip
    ratios = sorted(t.ratio() for t in timings)
    low = sum(r < GOAL_RATIO for r in ratios)
    print(f"{'FAIL' if low else 'PASS'}  LIKE scan / JSON search p50 >= {GOAL_RATIO:.0f}x: "
          f"{len(ratios) - low}/{len(ratios)} queries (lowest {ratios[0]:.1f}x, median "
          f"{ratios[len(ratios) // 2]:.1f}x)")  # fmt: skip
    faceted = Series([x for t in timings for x in t.faceted.times])
    html = Series([x for t in timings for x in t.html.times])
    print(f"cost of facets (not a goal): the JSON search asking for a facet p50 "
          f"{faceted.cell()} ms, the HTML page (rows, count, six facets) p50 {html.cell()} ms; "
          "each facet reads every match's row, within facet_time_limit_ms")  # fmt: skip
    print(f"index size: {index_line}")


def run(
    folder: Path, count: int, runs: int, slow_runs: int, like_runs: int, store_count: int
) -> None:
    """Build, size and time one archive in `folder`."""
    path = folder / "bench.db"
    if path.exists():
        print(f"reusing {path}", flush=True)
    else:
        report_build(build(path, count, store_count))
    index_line = size_report(sizes(path))
    print(index_line, flush=True)
    print(LEGEND.format(stem=path.stem, runs=runs, slow_runs=slow_runs, like_runs=like_runs),
          flush=True)  # fmt: skip
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores here)", flush=True)
    print(HEADER, flush=True)
    timings = measure(path, runs, slow_runs, like_runs)
    print(f"load average after: {os.getloadavg()[0]:.1f}", flush=True)
    report_goals(timings, index_line)


LEGEND = """milliseconds; over HTTP from `wardcrawler serve`:
  JSON = /{stem}/articles.json?_search=Q, the articles page's search as JSON: the newest 50 rows
  and the exact count ({runs} runs); +facets = the same asking for a facet (&_facet=ward: the
  table's six are computed too; {slow_runs} runs), facets = how many answered of the seven (the
  others hit facet_time_limit_ms); HTML = /{stem}/articles?_search=Q, the page a browser gets
  (rows, count, the six facets; {slow_runs} runs); rank = /{stem}/search.json?q=Q (the canned
  relevance search, snippets; {runs} runs); in sqlite3: FTS = count(*) of the index's MATCH
  alone ({runs} runs), LIKE = count(*) of title/body LIKE '%word%' for each word or phrase
  ({like_runs} runs: substrings as typed, so unmarked words miss marked text); ! = some runs
  over Datasette's time limit; hits = the index's count, ? = the JSON answer's count gave up"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20, help="HTTP requests per query")
    parser.add_argument("--slow-runs", type=int, default=5, help="requests computing facets")
    parser.add_argument("--like-runs", type=int, default=3, help="LIKE scans per query")
    parser.add_argument("--store", type=int, default=2_000, help="articles via save_article")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the archive in this folder")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.keep, args.articles, args.runs, args.slow_runs, args.like_runs, args.store)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(Path(folder), args.articles, args.runs, args.slow_runs, args.like_runs, args.store)


if __name__ == "__main__":
    main()
