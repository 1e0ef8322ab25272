"""The site and `reparse` under hostile input: a gzip bomb among the captures, control
characters in old titles, empty and odd feeds, FTS5 syntax, unknown wards: bounded memory, no 500.

The archive is rebuilt by `wardcrawler reparse` from a WARC file written here: a real article
page (a saved portal page, gzipped as served) and a gzip bomb (1 GiB of zeros in 1 MB), then
given rows that an archive crawled before the fixes may hold.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.helpers import datasette_get, free_port, query, wait_for_json
from tests.unit.test_capture_reader_bounds import gzip_bomb, write_warc
from wardcrawler.normalize import content_hash
from wardcrawler.site.plugin import CAPTURE_MAX_BYTES
from wardcrawler.store.archive import Archive, ArticleRecord

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
MIB = 1 << 20
BOMB_MIB = 1024  # what the bomb decompresses to; the old reader held all of it in memory
WARD = {
    "slug": "hostile-phucloi",
    "name": "Phường Phúc Lợi",
    "province": "Hà Nội",
    "url": "https://phucloi.hanoi.gov.vn/",
    "family_key": "hanoi-portal",
    "district": None,
    "categories": None,
    "aliases": [],
    "family": "hanoi-portal",
}
BOMB_URL = "https://phucloi.hanoi.gov.vn/tin-tuc-su-kien/bom-2702250702239999999.htm"
TITLE_WITH_CONTROLS = "Thông báo\x01 khẩn\x0b cấp\x1f về phòng cháy"
TITLE_AS_FEED = "Thông báo khẩn cấp về phòng cháy"
HOSTILE_ARCHIVE_URL = "http://web.archive.example/web/2020id_/http://x/ả\r\nX: y"
HOSTILE_SEARCHES = [
    '"unbalanced',
    "AND OR",
    "*",
    "NEAR(",
    '"',
    '""""',
    "x\x00y",
    "(",
    ":",
    "^",
    "title:",
    "dang OR",
    "NOT",
    "a\nb",
    "\u0301",
    "'; drop table articles",
]


def article_response(spec_name: str, url: str, key: str, body: bytes) -> tuple:
    """An article response as the crawl stores it: gzipped as served, with its metadata."""
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]
    meta = {
        "run": 1,
        "ward": WARD,
        "kind": "article",
        "article_key": key,
        "request_url": url,
        "redirect_reasons": [],
        "spec": spec_name,
    }
    return (url, headers, body, meta)


def reparse_measured(warc: Path, db: Path) -> tuple[int, str, int]:
    """`wardcrawler reparse` as a child process: exit code, output, peak memory (bytes)."""
    command = [
        sys.executable,
        "-m",
        "wardcrawler",
        "reparse",
        "--warc-dir",
        str(warc),
        "--db",
        str(db),
    ]
    with tempfile.TemporaryFile("w+") as output:
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        peak = 0
        # VmHWM of the child's own memory: ru_maxrss would include the RSS of this (forked)
        # test process, which Linux carries across exec.
        while child.poll() is None:
            peak = max(peak, high_water_mark(child.pid))
            time.sleep(0.01)
        output.seek(0)
        return child.returncode, output.read(), peak


def high_water_mark(pid: int) -> int:
    """Peak resident memory of a live process, in bytes (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) * 1024


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    db, warc = folder / "hostile.db", folder / "warc"
    spec = json.loads((FIXTURES / "hanoi-portal-article.json").read_text(encoding="utf-8"))
    page = (FIXTURES / "hanoi-portal-article.html").read_bytes()
    key = spec["expected"]["article_key"]
    write_warc(
        warc / "wardcrawler-20260101T000000-run00001-00001.warc.gz",
        [
            article_response("page", spec["url"], key, gzip.compress(page)),
            article_response("bomb", BOMB_URL, "2702250702239999999", gzip_bomb(BOMB_MIB)),
        ],
    )
    code, output, peak = reparse_measured(warc, db)
    ids = add_old_rows(db)
    return {
        "db": db,
        "warc": warc,
        "page": page,
        "spec": spec,
        "reparse": (code, output, peak),
        **ids,
    }


def add_old_rows(db: Path) -> dict:
    """Rows an archive written before the fixes may hold, and captures pointing nowhere useful."""
    archive = Archive(db)
    archive.save_ward(
        {
            "slug": "hostile-empty",
            "name": "Xã Trống",
            "province": "Hà Nội",
            "url": "https://xatrong.example/",
            "family": "hanoi-portal",
        }
    )
    record = ArticleRecord(
        ward=WARD["slug"],
        article_key="2702250702230400001",
        url="https://phucloi.hanoi.gov.vn/thong-bao/khan-cap-2702250702230400001.htm",
        title="placeholder",
        posted_at="2025-07-03T08:00:00+07:00",
        posted_raw="08:00 03/07/2025",
        views=None,
        body="Ban chỉ huy phòng cháy\x02 chữa cháy thông báo lịch diễn tập.",
        content_hash=content_hash("placeholder", ""),
    )
    archive.save_article(record, "2025-07-03T02:00:00+00:00")
    archive.close()
    connection = sqlite3.connect(db)
    with connection:  # as stored before control characters were stripped at crawl time
        connection.execute(
            "update articles set title = ? where article_key = ?",
            (TITLE_WITH_CONTROLS, record.article_key),
        )
        row = {
            "run_id": 1,
            "ward": WARD["slug"],
            "kind": "article",
            "url": record.url,
            "fetched_at": "2025-07-03T02:00:00+00:00",
            "status": 200,
            "source": "live",
        }
        odd = {
            "missing_file": {"warc_file": "gone.warc.gz", "warc_offset": 0},
            "absolute_path": {"warc_file": "/etc/passwd", "warc_offset": 0},
            "no_offset": {"warc_file": "wardcrawler-20260101T000000-run00001-00001.warc.gz"},
            "mid_record": {
                "warc_file": "wardcrawler-20260101T000000-run00001-00001.warc.gz",
                "warc_offset": 7,
            },
            "web_archive": {"source": "web-archive", "archive_url": HOSTILE_ARCHIVE_URL},
        }
        ids = {}
        for name, values in odd.items():
            columns = {**row, **values}
            marks = ", ".join("?" * len(columns))
            sql = f"insert into captures ({', '.join(columns)}) values ({marks})"
            ids[name] = connection.execute(sql, list(columns.values())).lastrowid
    connection.close()
    return {"odd_captures": ids}


def get(hostile, *paths: str) -> list:
    return datasette_get(hostile["db"], *paths, public=True)


def capture_id(hostile, url: str) -> int:
    (row,) = query(hostile["db"], "select id from captures where url = ?", (url,))
    return row["id"]


def entries(response) -> list:
    """The entries of an Atom feed answer (which must be valid XML with a feed title)."""
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.find("a:title", ATOM).text and feed.find("a:updated", ATOM).text
    return feed.findall("a:entry", ATOM)


# --- reparse --------------------------------------------------------------------------------


def test_reparse_of_a_warc_holding_a_bomb_exits_cleanly_in_bounded_memory(hostile):
    code, output, peak = hostile["reparse"]
    assert code == 0, output[-2000:]
    assert "1 ArticlePage" in output and "1 PageFailure" in output
    assert peak < 256 * MIB, f"reparse peaked at {peak / MIB:.0f} MiB for a {BOMB_MIB} MiB bomb"


def test_reparse_records_the_bomb_as_a_failure_and_keeps_the_article(hostile):
    expected = hostile["spec"]["expected"]
    (failure,) = query(hostile["db"], "select * from fetch_errors where url = ?", (BOMB_URL,))
    assert failure["reason"].startswith("too large after decompression")
    articles = query(
        hostile["db"],
        "select title, body from articles where article_key = ?",
        (expected["article_key"],),
    )
    assert articles == [{"title": expected["title"], "body": expected["body"]}]
    assert not query(hostile["db"], "select 1 from articles where url = ?", (BOMB_URL,))
    for url in (BOMB_URL, hostile["spec"]["url"]):  # both responses have their capture row
        (row,) = query(hostile["db"], "select * from captures where url = ?", (url,))
        assert row["warc_file"] and row["warc_offset"] is not None and row["status"] == 200


def test_reparse_reads_around_damaged_warc_files(hostile, tmp_path):
    folder = tmp_path / "warc"
    folder.mkdir()
    (good,) = hostile["warc"].glob("*.warc.gz")
    data = good.read_bytes()
    (folder / "wardcrawler-20260101T000000-run00001-00001.warc.gz").write_bytes(data)
    (folder / "wardcrawler-20260102T000000-run00002-00001.warc.gz").write_bytes(data[:-500])
    junk = folder / "wardcrawler-20260103T000000-run00003-00001.warc.gz"
    junk.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 400)

    code, output, _ = reparse_measured(folder, tmp_path / "rebuilt.db")

    assert code == 0 and "Traceback" not in output, output[-2000:]
    assert f"unreadable records in {junk.name}" in output
    (run,) = query(tmp_path / "rebuilt.db", "select stats from crawl_runs")
    damaged = json.loads(run["stats"])["damaged"]
    assert any(entry.startswith(junk.name) for entry in damaged)
    titles = query(tmp_path / "rebuilt.db", "select title from articles")
    assert titles == [{"title": hostile["spec"]["expected"]["title"]}]


# --- /-/capture -----------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_the_capture_of_a_bomb_costs_bounded_memory_on_a_served_instance(hostile):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "wardcrawler",
        "serve",
        "--public",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        str(hostile["db"]),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_json(f"{base}/-/versions.json", server, 30)
        before = high_water_mark(server.pid)
        started = time.monotonic()
        with urllib.request.urlopen(f"{base}/-/capture/{capture_id(hostile, BOMB_URL)}") as bomb:
            headers, body = bomb.headers, bomb.read()
        elapsed = time.monotonic() - started
        growth = high_water_mark(server.pid) - before
        page_url = f"{base}/-/capture/{capture_id(hostile, hostile['spec']['url'])}"
        with urllib.request.urlopen(page_url) as page:
            page_headers, page_body = page.headers, page.read()
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()
    assert growth < 64 * MIB, f"Datasette grew by {growth / MIB:.0f} MiB for one bomb capture"
    assert elapsed < 20
    assert body == bytes(CAPTURE_MAX_BYTES) and headers["Content-Length"] == str(len(body))
    assert "larger than" in headers["X-Wardcrawler-Truncated"]
    for answer in (headers, page_headers):
        assert answer["Content-Security-Policy"] == "sandbox"
        assert answer["X-Content-Type-Options"] == "nosniff"
    assert page_body == hostile["page"] and "X-Wardcrawler-Truncated" not in page_headers
    assert page_headers["Content-Type"] == "text/html; charset=utf-8"


def test_captures_that_cannot_be_served_are_404_not_500(hostile):
    odd = hostile["odd_captures"]
    names = ["missing_file", "absolute_path", "no_offset", "mid_record"]
    paths = [f"/-/capture/{odd[n]}" for n in names] + [
        "/-/capture/999999",
        "/-/capture/99999999999999999999999",
    ]
    for path, response in zip(paths, get(hostile, *paths), strict=True):
        assert response.status_code == 404, (path, response.status_code, response.text[:200])
        assert "root:" not in response.text


def test_a_web_archive_capture_redirects_to_a_safe_location(hostile):
    (response,) = get(hostile, f"/-/capture/{hostile['odd_captures']['web_archive']}")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.isascii() and "\r" not in location and "\n" not in location
    assert urllib.parse.unquote(location) == HOSTILE_ARCHIVE_URL


# --- feeds ----------------------------------------------------------------------------------


def test_a_ward_feed_drops_control_characters_of_old_titles(hostile):
    (response,) = get(hostile, f"/hostile/ward_feed.atom?ward={WARD['slug']}")
    assert response.status_code == 200
    titles = [e.find("a:title", ATOM).text for e in entries(response)]
    assert TITLE_AS_FEED in titles and hostile["spec"]["expected"]["title"] in titles


@pytest.mark.parametrize(
    "path",
    [
        "/hostile/ward_feed.atom?ward=hostile-empty",  # a ward with no article yet
        "/hostile/ward_feed.atom",  # no parameter
        "/hostile/ward_feed.atom?ward=",
        "/hostile/search_feed.atom?q=zzzqqqxxx",  # no match
        "/hostile/search_feed.atom",
        "/hostile/search_feed.atom?q=%22",
        "/hostile/search_feed.atom?q=AND+OR+NEAR(",
    ],
)
def test_empty_feeds_are_valid_atom(hostile, path):
    (response,) = get(hostile, path)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/xml")
    assert entries(response) == []


def test_a_search_feed_finds_an_article_whose_text_holds_control_characters(hostile):
    (response,) = get(hostile, "/hostile/search_feed.atom?q=dien+tap")
    assert response.status_code == 200
    assert [e.find("a:title", ATOM).text for e in entries(response)] == [TITLE_AS_FEED]


@pytest.mark.parametrize(
    "path",
    [
        "/hostile/ward_feed.atom?ward=nowhere",
        "/hostile/ward_feed?ward=nowhere",
        "/hostile/ward_feed.json?ward=nowhere",
        "/hostile/search?q=phuc&ward=nowhere",
        "/-/download/articles.jsonl?ward=nowhere",
    ],
)
def test_an_unknown_ward_is_a_404_page(hostile, path):
    (response,) = get(hostile, path)
    assert response.status_code == 404
    assert "nowhere" in response.text


# --- search ---------------------------------------------------------------------------------


def test_fts_syntax_in_search_is_searched_as_text(hostile):
    paths = [f"/hostile/articles.json?_search={urllib.parse.quote(q)}" for q in HOSTILE_SEARCHES]
    paths += [f"/hostile/articles?_search={urllib.parse.quote(q)}" for q in HOSTILE_SEARCHES]
    paths += [f"/hostile/search.json?q={urllib.parse.quote(q)}" for q in HOSTILE_SEARCHES]
    paths += [f"/hostile/search?q={urllib.parse.quote(q)}" for q in HOSTILE_SEARCHES]
    for path, response in zip(paths, get(hostile, *paths), strict=True):
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    assert query(hostile["db"], "select count(*) n from articles")[0]["n"] == 2


def test_raw_fts_syntax_errors_are_a_readable_400(hostile):
    bad = ['"unbalanced', "AND OR", "NEAR(", "nosuchcolumn: x"]
    paths = [f"/hostile/articles.json?_searchmode=raw&_search={urllib.parse.quote(q)}" for q in bad]
    paths.append("/hostile/articles?_searchmode=raw&_search=AND+OR")
    responses = get(hostile, *paths)
    for search, response in zip(bad, responses, strict=False):
        assert response.status_code == 400
        error = response.json()
        assert error["title"] == "Search syntax error" and repr(search) in error["error"]
    assert responses[-1].status_code == 400 and "Search syntax error" in responses[-1].text
    assert "sqlite.org/fts5.html" in responses[-1].text


def test_search_still_finds_every_spelling(hostile):
    paths = [
        f"/hostile/articles.json?_shape=array&_search={urllib.parse.quote(q)}"
        for q in ("Phúc Lợi", "phuc loi", '"phuc loi"')
    ]
    found = [{r["article_key"] for r in response.json()} for response in get(hostile, *paths)]
    assert found[0] == found[1] == found[2] == {hostile["spec"]["expected"]["article_key"]}


# --- other odd input ------------------------------------------------------------------------


@pytest.mark.parametrize("since", ["2025-13-45", "yesterday", "%00", "2025-07-01T00:00", "9" * 40])
def test_odd_since_is_a_400(hostile, since):
    (response,) = get(hostile, f"/-/download/articles.jsonl?since={since}")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.text


def test_odd_pages_never_answer_500(hostile):
    paths = [
        "/hostile/articles/999999",
        "/hostile/articles/-1",
        "/hostile/articles/abc",
        "/hostile/articles.atom",
        "/hostile/nosuchtable",
        "/hostile/search?q=x&since=bogus&until=%00",
        "/hostile/search?q=x&ward=",
        "/hostile/articles?_sort=nosuchcolumn",
        "/hostile/ward_feed.atom?ward=%00",
        "/hostile/ward_feed.atom?ward=hostile-phucloi&_feed_title=%01",
        "/hostile.atom?sql=select+1+as+atom_id,+'x'+as+atom_title,+'not+a+date'+as+atom_updated",
        "/-/download/articles.csv?ward=%00",
        "/-/download/articles.json?since=&ward=",
    ]
    for path, response in zip(paths, get(hostile, *paths), strict=True):
        assert response.status_code < 500, (path, response.status_code, response.text[:300])


@pytest.mark.parametrize(
    "path",
    [
        "/hostile/articles?_sort=nosuchcolumn",
        "/hostile/articles.json?_sort_desc=nosuchcolumn",
        "/hostile/articles.json?_sort=title&_sort_desc=id",
        "/hostile/articles.json?_through=garbage",
        '/hostile/articles.json?_through={"table":"x","column":"y","value":"z"}',
        "/hostile/articles.json?id__in=[1,",
        "/hostile/articles.json?_timelimit=abc",
        "/hostile/captures.csv?_timelimit=-5",
    ],
)
def test_parameters_datasette_fails_on_are_a_400_with_the_reason(hostile, path):
    (response,) = get(hostile, path)
    assert response.status_code == 400, response.text[:300]
    if ".json" in path:
        assert response.json()["error"]
