"""A true archive: WARC captures of every response, linked rows, and re-extraction offline."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers import FAST, datasette_get, query, run_cli
from wardcrawler.replica import ReplicaServer
from wardcrawler.warc.reader import iter_captures, warc_paths

BIN = Path(sys.executable).parent

# What a rebuilt archive must hold exactly as the crawl wrote it (row ids aside).
TABLES = {
    "articles": "select * from articles",
    "categories": "select ward, name, url, listed_through_at from categories",
    "links": "select a.ward, a.article_key, c.url from article_categories ac"
    " join articles a on a.id = ac.article_id join categories c on c.id = ac.category_id",
    "attachments": "select a.ward, a.article_key, t.url, t.kind, t.name, t.sha256, t.size,"
    " t.content_type, t.fetched_at from attachments t join articles a on a.id = t.article_id",
    "views": "select a.ward, a.article_key, s.seen_at, s.views from views_snapshots s"
    " join articles a on a.id = s.article_id",
    "revisions": "select a.ward, a.article_key, r.seen_at, r.replaced_at, r.title, r.body"
    " from article_revisions r join articles a on a.id = r.article_id",
    "listings": "select c.url, e.article_key, e.first_seen_at from listing_entries e"
    " join categories c on c.id = e.category_id",
    "captures": "select ward, kind, url, article_key, fetched_at, status, warc_file,"
    " warc_offset, warc_length, payload_digest from captures",
}


def table(db, sql):
    return sorted(
        tuple(v for k, v in row.items() if k != "id") for row in query(db, sql)
    )  # fmt: skip


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """Two nights of crawling (a first crawl, changes, a full crawl), then the portals go away."""
    folder = tmp_path_factory.mktemp("warc")
    db, warc = folder / "wards.db", folder / "warc"
    with ReplicaServer(seed=11, slow_seconds=0.1) as replica:
        replica.write(folder)
        for args in ([], ["--full"]):
            result = run_cli("crawl", "--wards", str(folder / "wards.toml"), "--db", str(db),
                             *FAST, *args)  # fmt: skip
            assert result.returncode == 0, result.stderr[-2000:]
            if not args:
                replica.advance()
        served = list(replica.requests)
    rebuilt = folder / "rebuilt.db"
    result = run_cli("reparse", "--warc-dir", str(warc), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr[-2000:]
    return {"db": db, "warc": warc, "rebuilt": rebuilt, "served": served}


def test_warc_files_are_gzipped_and_pass_warcio_check(archived):
    paths = warc_paths(archived["warc"])
    assert paths and all(p.name.endswith(".warc.gz") for p in paths)
    result = subprocess.run([BIN / "warcio", "check", *map(str, paths)], capture_output=True,
                            text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_response_record_per_request_served(archived):
    captures = list(iter_captures(archived["warc"]))
    got = Counter((urlsplit(c.url).path, c.status) for c in captures)
    served = Counter((urlsplit(r[2]).path, r[3]) for r in archived["served"])
    assert got == served, {"captured only": got - served, "served only": served - got}
    kinds = {c.meta["kind"] for c in captures}
    assert {"robots", "listing", "article", "attachment"} <= kinds


def test_warcinfo_names_the_run_and_metadata_suffices(archived):
    capture = next(c for c in iter_captures(archived["warc"]) if c.meta["kind"] == "article")
    assert capture.meta["run"] and capture.meta["ward"]["family"]
    assert capture.meta["article_key"] and capture.meta["ward"]["url"]


def test_pywb_indexer_reads_them_and_offsets_match_captures(archived):
    paths = [str(p) for p in warc_paths(archived["warc"])]
    result = subprocess.run([BIN / "cdxj-indexer", *paths], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    index = [json.loads(line.split(" ", 2)[2]) for line in result.stdout.splitlines()]
    responses = {(e["filename"], int(e["offset"]), int(e["length"])) for e in index
                 if "status" in e}  # fmt: skip
    rows = query(archived["db"], "select warc_file, warc_offset, warc_length from captures")
    assert {(r["warc_file"], r["warc_offset"], r["warc_length"]) for r in rows} == responses


def test_every_article_is_linked_to_its_captures(archived):
    unlinked = query(
        archived["db"],
        "select a.id from articles a where not exists"
        " (select 1 from captures c where c.article_id = a.id and c.kind = 'article')",
    )
    assert unlinked == []


def test_documents_are_downloaded_with_their_digest(archived):
    documents = query(archived["db"], "select * from attachments where kind = 'document'")
    assert documents and all(d["sha256"] and d["size"] for d in documents)
    captured = {c.url: hashlib.sha256(c.body).hexdigest() for c in iter_captures(archived["warc"])
                if c.meta["kind"] == "attachment"}  # fmt: skip
    for document in documents:
        assert captured[document["url"]] == document["sha256"]


@pytest.mark.parametrize("name", list(TABLES))
def test_reparse_rebuilds_the_same_rows(archived, name):
    crawled = table(archived["db"], TABLES[name])
    assert crawled or name == "revisions"
    assert table(archived["rebuilt"], TABLES[name]) == crawled


def test_reparse_history_is_there(archived):
    assert table(archived["rebuilt"], TABLES["revisions"])
    gone = query(archived["rebuilt"], "select count(*) n from articles where gone_at is not null")
    assert gone[0]["n"] > 0


def test_raw_page_of_a_capture_from_datasette(archived):
    (row,) = query(
        archived["db"],
        "select c.id, a.title from captures c join articles a on a.id = c.article_id"
        " where c.kind = 'article' and c.status = 200 order by c.id limit 1",
    )

    (response,) = datasette_get(archived["db"], f"/-/capture/{row['id']}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == "sandbox"
    assert row["title"].split()[0] in response.text
