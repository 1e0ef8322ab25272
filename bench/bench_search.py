"""Search: the index of search terms (schema 9) against a LIKE scan, side by side, in one run.

Builds an archive of N synthetic articles (default 50,000; `--articles 1000000` for the full
size) from Vietnamese sentences where the folded and exact answers differ, indexes it through
the schema's own rebuild (`migrate`), then times the same questions three ways: the FTS5 query
the site sends (`fts_query`), and a LIKE scan over title and body (which can only answer the
exact-substring question, and is no word search). Prints the rebuild rate, the index size
beside the table size, and for each query the FTS time, the LIKE time and their ratio.
Run: .venv/bin/python bench/bench_search.py [--articles N]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from wardcrawler.normalize import content_hash
from wardcrawler.site.search import fts_query
from wardcrawler.store.archive import Archive

SENTENCES = [
    "Đảng bộ phường tổ chức hội nghị triển khai nghị quyết.",
    "Tổ dân phố đang triển khai công tác phòng cháy chữa cháy.",
    "Thông báo đăng ký hồ sơ tại bộ phận một cửa.",
    "Các dạng biểu mẫu được niêm yết công khai.",
    "Ban Thường vụ Thành uỷ chỉ đạo thực hiện Chỉ thị số 24.",
    "Ban Thường vụ Thành ủy kiểm tra công tác hoà giải ở cơ sở.",
    "Cộng đồng dân cư tham gia lấy ý kiến quy hoạch.",
    "Uỷ ban nhân dân phường họp bàn về thủy lợi nội đồng.",
]
QUERIES = ["Đảng", "dang", "Thành uỷ", "thanh uy", '"cộng đồng dân cư"', "hòa giải"]


def build(path: Path, count: int) -> float:
    """An archive of `count` articles, its search index built by the migration; seconds taken
    by the index rebuild."""
    archive = Archive(path)
    archive.save_ward({"slug": "w", "name": "Phường", "province": "Hà Nội", "district": None,
                       "url": "http://w.example/", "family": "hanoi-portal"})  # fmt: skip
    pick = random.Random(11)
    rows = []
    for i in range(count):
        title = pick.choice(SENTENCES)
        body = " ".join(pick.choices(SENTENCES, k=12))
        rows.append({"ward": "w", "article_key": str(i), "url": f"http://w.example/a/x-{i}.htm",
                     "title": title, "body": body, "content_hash": content_hash(title, body),
                     "category_names": "[]"})  # fmt: skip
    archive.db["articles"].insert_all(rows, batch_size=5000)
    archive.db.execute("DROP TABLE articles_fts")
    archive.close()
    started = time.perf_counter()
    Archive(path).close()  # the migration rebuilds the index
    return time.perf_counter() - started


def timed(connection: sqlite3.Connection, sql: str, params: list) -> tuple[float, int]:
    """Best of three: seconds, rows counted."""
    best, count = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        count = connection.execute(sql, params).fetchone()[0]
        best = min(best, time.perf_counter() - started)
    return best, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    count = parser.parse_args().articles
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        rebuild = build(db, count)
        connection = sqlite3.connect(db)
        pages = dict(connection.execute("select name, sum(pgsize) from dbstat group by name"))
        fts = sum(v for k, v in pages.items() if k.startswith("articles_fts"))
        print(f"{count:,} articles; index rebuilt in {rebuild:.1f} s "
              f"({count / rebuild:,.0f} articles/s); index {fts / 2**20:.0f} MiB beside "
              f"articles {pages['articles'] / 2**20:.0f} MiB")  # fmt: skip
        fts_sql = "select count(*) from articles_fts where articles_fts match ?"
        like_sql = "select count(*) from articles where title || ' ' || body like ?"
        for query in QUERIES:
            fts_s, hits = timed(connection, fts_sql, [fts_query(query)])
            like_s, like_hits = timed(connection, like_sql, [f"%{query.strip(chr(34))}%"])
            ratio = like_s / fts_s
            print(f"{query!r:>24}: FTS {fts_s * 1000:8.1f} ms ({hits:,} hits)   LIKE "
                  f"{like_s * 1000:8.1f} ms ({like_hits:,})   LIKE/FTS {ratio:6.1f}×")  # fmt: skip


if __name__ == "__main__":
    main()
