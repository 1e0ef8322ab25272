"""`scrapy crawl wards` in the checkout (scrapy.cfg) crawls a ward into the archive like the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import FAST, query

CHECKOUT = Path(__file__).resolve().parents[2]


def test_scrapy_crawl_wards_archives_the_wards_articles(replica, tmp_path):
    replica.write(tmp_path)
    slug = replica.wards[-1].slug
    db = tmp_path / "scrapy.db"
    command = [sys.executable, "-m", "scrapy", "crawl", "wards",
               "-a", f"wards_file={tmp_path / 'wards.toml'}", "-a", f"wards={slug}",
               "-s", f"WARDCRAWLER_DB={db}", "-s", "WARDCRAWLER_WARC_DIR=off", *FAST]  # fmt: skip
    result = subprocess.run(command, cwd=CHECKOUT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    truth = {(a["ward"], a["key"]) for a in replica.ground_truth()["articles"] if a["ward"] == slug}
    stored = {(r["ward"], r["article_key"]) for r in query(db, "select * from articles")}
    assert truth and stored == truth
