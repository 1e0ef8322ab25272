"""End to end: a hostile portal's faults are recorded with plain reasons; nothing foreign fetched.

One crawl of the fault portal (tests/e2e/fault_portal.py) with a 1 MB size limit and a 1 s timeout,
then a second crawl after the good article started redirecting off the site.
"""

from __future__ import annotations

import pytest

from tests.e2e.fault_portal import FAULTS, SIZE_LIMIT, TITLE, FaultPortal, article_path
from tests.helpers import FAST, query, run_cli

LIMITS = ["-s", f"DOWNLOAD_MAXSIZE={SIZE_LIMIT}", "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0"]
# fault -> words one of which the recorded reason must hold
REASONS = {
    "foreign": ["off the ward's site", "301 to http://127.0.0.2"],
    "loop": ["redirect"],
    "large": ["too large"],
    "large_chunked": ["too large"],
    "bomb": ["too large"],
    "slow": ["timeout"],
    "reset": ["reset", "closed", "truncated"],
    "robots": ["robots.txt"],
}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    with FaultPortal() as portal:
        registry, db = folder / "wards.toml", folder / "faults.db"
        registry.write_text(portal.registry(), encoding="utf-8")
        args = ("crawl", "--wards", str(registry), "--db", str(db), *FAST, *LIMITS)
        first = run_cli(*args)
        errors = query(db, "select url, status, reason from fetch_errors")
        portal.moved.add("ok")
        second = run_cli(*args, "--full")
        yield {"portal": portal, "db": db, "first": first, "second": second, "errors": errors}


def test_the_good_article_is_stored_and_each_fault_recorded_with_its_reason(crawled):
    assert crawled["first"].returncode in (0, 3), crawled["first"].stderr[-2000:]
    stored = query(crawled["db"], "select article_key, title from articles")
    assert stored == [{"article_key": FAULTS["ok"], "title": TITLE}]
    for fault, words in REASONS.items():
        path = article_path(fault)
        rows = [e for e in crawled["errors"] if e["url"].endswith(path)]
        assert rows, f"{fault}: no fetch_errors row for {path}; rows: {crawled['errors']}"
        reason = rows[0]["reason"]
        assert any(w in reason for w in words), f"{fault}: reason {reason!r}, expected {words}"
        if fault != "robots":
            assert "robots" not in reason, f"{fault}: {reason!r} blames robots.txt"


def test_nothing_is_asked_of_the_foreign_host(crawled):
    assert crawled["portal"].foreign_log.paths == []


def test_an_article_that_now_redirects_off_the_site_is_a_tombstone(crawled):
    assert crawled["second"].returncode in (0, 3), crawled["second"].stderr[-2000:]
    (row,) = query(crawled["db"], "select title, gone_status, gone_location from articles")
    assert row["title"] == TITLE  # the stored text stays what the portal published
    assert row["gone_status"] == 301
    assert row["gone_location"] == f"{crawled['portal'].foreign}/moved"
    assert crawled["portal"].foreign_log.paths == []


def test_one_request_at_a_time_to_the_portal_even_without_delay(crawled):
    assert crawled["portal"].log.most_in_flight == 1
