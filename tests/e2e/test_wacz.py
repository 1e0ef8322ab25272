"""`wardcrawler wacz`: the crawl's captures as a WACZ file that passes `wacz validate`, its page
list naming every archived article with its title (checked against the replica's ground truth)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.helpers import FAST, query, run_cli
from wardcrawler.warc.wacz import page_list

WACZ = str(Path(sys.executable).parent / "wacz")  # py-wacz's own command, installed with us


@pytest.fixture(scope="module")
def recrawled(crawl, tmp_path_factory) -> Path:
    """A copy of the session's archive crawled again with --full: two captures per article."""
    assert crawl.result.returncode == 0, crawl.result.stderr[-2000:]
    folder = tmp_path_factory.mktemp("recrawled")
    shutil.copytree(crawl.db.parent, folder, dirs_exist_ok=True)
    db = folder / crawl.db.name
    result = run_cli("crawl", "--full", "--wards", str(crawl.registry), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    return db


@pytest.fixture(scope="module")
def packaged(recrawled, tmp_path_factory):
    output = tmp_path_factory.mktemp("wacz") / "wards.wacz"
    result = run_cli("wacz", "--db", str(recrawled), "--output", str(output))
    assert result.returncode == 0, result.stderr[-2000:]
    return output, result


def article_captures(db: Path) -> dict[str, tuple[str, str]]:
    """Captured URL -> (ward, article key), for the article pages the crawl captured."""
    with sqlite3.connect(db) as connection:
        sql = "select url, ward, article_key from captures where kind = 'article' and status = 200"
        return {url: (ward, key) for url, ward, key in connection.execute(sql)}


def test_the_wacz_passes_wacz_validate(packaged):
    output, _ = packaged
    result = subprocess.run([WACZ, "validate", "-f", str(output)], capture_output=True,
                            text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    with zipfile.ZipFile(output) as archive:
        names = set(archive.namelist())
    assert {"datapackage.json", "pages/pages.jsonl"} <= names
    assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
    assert any(n.startswith("indexes/") for n in names)


def test_every_archived_article_is_a_page_once_with_its_title(packaged, recrawled, crawl):
    output, result = packaged
    pages = list(page_list(output))
    captured = article_captures(recrawled)
    titles = {(a["ward"], a["key"]): a["title"] for a in crawl.truth["articles"]}
    assert {captured[p["url"]] for p in pages} == set(titles)  # every article, nothing else
    assert len(pages) == len(titles)
    assert all(p["title"] == titles[captured[p["url"]]] for p in pages)
    assert f"{len(pages)} article pages" in result.stdout
    newest = query(recrawled, "select url, max(fetched_at) at from captures where kind = 'article'"
                   " and status = 200 and article_id is not null group by article_id")  # fmt: skip
    assert len(newest) == len(pages) and len(captured) >= len(pages)  # older captures: in the WARC


def test_the_warc_inside_holds_every_capture(packaged, recrawled):
    output, _ = packaged
    (stored,) = query(recrawled, "select count(*) n from captures where warc_file is not null")
    with zipfile.ZipFile(output) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".warc.gz")]
        with archive.open(name) as stream:
            responses = sum(r.rec_type == "response" for r in ArchiveIterator(stream))
    assert responses == stored["n"] and stored["n"] > len(list(page_list(output)))


def test_one_wards_wacz_holds_only_its_pages(crawl, tmp_path):
    ward = crawl.truth["wards"][0]["slug"]
    output = tmp_path / "one.wacz"
    result = run_cli("wacz", "--db", str(crawl.db), "-o", str(output), "--ward", ward)
    assert result.returncode == 0, result.stderr[-2000:]
    expected = {(ward, a["key"]) for a in crawl.truth["articles"] if a["ward"] == ward}
    captured = article_captures(crawl.db)
    assert {captured[p["url"]] for p in page_list(output)} == expected


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [(["-o", "x.zip"], 2, "must be a .wacz file"),
     (["-o", "later.wacz", "--since", "2999-01-01"], 1, "no captures to package")],
)  # fmt: skip
def test_what_cannot_be_packaged_is_a_clear_error(crawl, tmp_path, args, code, words):
    args = [a if not a.endswith((".zip", ".wacz")) else str(tmp_path / a) for a in args]
    result = run_cli("wacz", "--db", str(crawl.db), *args)
    assert result.returncode == code and words in result.stderr, result.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []  # nothing half-written
