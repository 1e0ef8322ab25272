"""End to end: a hostile portal's faults are recorded with plain reasons; nothing foreign fetched.

One crawl of the fault portal (tests/e2e/fault_portal.py) with a 1 MB size limit and a 1 s timeout,
then a second crawl after the good article started redirecting off the site.
"""

from __future__ import annotations

import pytest

from tests.e2e.fault_portal import ENDLESS, FAULTS, SIZE_LIMIT, TITLE, FaultPortal, article_path
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
    stored = query(crawled["db"], "select article_key, title from articles order by article_key")
    good = sorted(FAULTS[f] for f in ("ok", "ok2", "ok3"))
    assert stored == [{"article_key": key, "title": TITLE} for key in good]
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
    sql = "select title, gone_status, gone_location from articles where article_key = ?"
    (row,) = query(crawled["db"], sql, (FAULTS["ok"],))
    assert row["title"] == TITLE  # the stored text stays what the portal published
    assert row["gone_status"] == 301
    assert row["gone_location"] == f"{crawled['portal'].foreign}/moved"
    assert crawled["portal"].foreign_log.paths == []


def test_one_request_at_a_time_to_the_portal_even_without_delay(crawled):
    # Left out: pages the crawler gives up on (too slow, too large), whose handlers learn of it
    # only a moment after the crawler has moved on.
    assert crawled["portal"].log.most_in_flight("bai-slow", "bai-large") == 1


@pytest.mark.parametrize(("asked", "cap", "expected"), [(1.0, 60, 1.0), (1000.0, 1, 1.0)])
def test_robots_crawl_delay_is_honoured_up_to_the_cap(tmp_path, asked, cap, expected):
    faults = ("ok", "ok2", "ok3")
    with FaultPortal(faults, robots=f"Crawl-delay: {asked:g}\n") as portal:
        registry = tmp_path / "wards.toml"
        registry.write_text(portal.registry(), encoding="utf-8")
        result = run_cli("crawl", "--wards", str(registry), "--db", str(tmp_path / "d.db"), *FAST,
                         "-s", f"WARDCRAWLER_MAX_CRAWL_DELAY={cap}")  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        times = portal.log.times[1:]  # after robots.txt: the listing and the three articles
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= expected - 0.05, gaps
    assert max(gaps) < expected + 1.0, gaps  # the cap held (not a 1000 s wait)


def test_a_runaway_pager_is_stopped_recorded_and_not_followed_as_far_again(tmp_path):
    with FaultPortal(("ok",), endless=True) as portal:
        registry, db = tmp_path / "wards.toml", tmp_path / "d.db"
        registry.write_text(portal.registry(), encoding="utf-8")
        guards = ["-s", "WARDCRAWLER_MAX_LISTING_PAGES=4"]
        guards += ["-s", "WARDCRAWLER_CATCHUP_LISTING_PAGES=2"]
        args = ("crawl", "--wards", str(registry), "--db", str(db), *FAST, *guards)
        first = run_cli(*args)
        pages_first = [p for p in portal.log.paths if p.startswith(f"/{ENDLESS}?")]
        portal.log.paths.clear()
        portal.night = 1  # every page of the pager now shows new articles
        second = run_cli(*args)
        pages_second = [p for p in portal.log.paths if p.startswith(f"/{ENDLESS}?")]
    assert first.returncode in (0, 3) and second.returncode in (0, 3), first.stderr[-2000:]
    assert len(pages_first) == 3  # with the category page, 4 listing pages: the guard's limit
    assert len(pages_second) == 1  # the next run reads only the 2 newest pages
    assert portal.log.most_in_flight() == 1  # many articles queued at once, one at a time
    errors = query(db, "select run_id, reason from fetch_errors where reason like 'pager stopped%'")
    assert {e["run_id"] for e in errors} == {1, 2}, errors
    (category,) = query(db, "select listed_through_at from categories where url like '%vo-tan'")
    assert category["listed_through_at"]
