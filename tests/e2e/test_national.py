"""End to end: the national simulator at small size, a first crawl, one night, the nightly crawl.

Forty portals of real commune-level units, each on its own 127.1.x.y address answering after
0.2 s, crawled twice by `wardcrawler crawl` as cron runs it (with DOWNLOAD_DELAY at 0.5 s to
keep the test short), checked against the simulator's own truth: the articles it serves, the
ones it posted in the night, and its log of every request it received.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers import query, run_cli
from wardcrawler.replica.simulator import Simulator, politeness

PORTALS, LATENCY, DELAY = 40, 0.2, 0.5


def crawl(sim: Simulator, db, since: int) -> dict:
    """One `wardcrawler crawl` of the simulator: its result, wall time and the requests served."""
    started = time.monotonic()
    result = run_cli("crawl", "--db", str(db), "--wards", str(sim.registry), "--resolve-file",
                     str(sim.hosts), "-s", f"DOWNLOAD_DELAY={DELAY}", timeout=120)  # fmt: skip
    wall = time.monotonic() - started
    (run,) = query(db, "select * from crawl_runs order by id desc limit 1")
    return {"result": result, "wall": wall, "log": sim.requests(since), "run": run}


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national")
    db = folder / "wards.db"
    with Simulator(folder / "sim", portals=PORTALS, latency=LATENCY, articles=3) as sim:
        served = sim.articles()
        first = crawl(sim, db, 0)
        archived_first = {
            (r["ward"], r["article_key"]) for r in query(db, "select * from articles")
        }
        new = sim.advance()
        night = crawl(sim, db, len(first["log"]))
    archived = {(r["ward"], r["article_key"]) for r in query(db, "select * from articles")}
    return {"db": db, "served": served, "first": first, "archived_first": archived_first,
            "new": new, "night": night, "archived": archived}  # fmt: skip


@pytest.mark.parametrize("run", ["first", "night"])
def test_the_crawl_exits_zero(nights, run):
    result = nights[run]["result"]
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("run", ["first", "night"])
def test_no_page_fails_on_portals_without_faults(nights, run):
    errors = query(nights["db"], "select url, reason from fetch_errors where run_id = ?",
                   (nights[run]["run"]["id"],))  # fmt: skip
    assert nights[run]["run"]["failed"] == 0, errors[:3]


def test_the_first_crawl_archives_every_article_served(nights):
    assert len(nights["served"]) == PORTALS * 2 * 3
    assert nights["served"] <= nights["archived_first"]


def test_every_article_of_the_night_is_archived_by_the_nightly_crawl(nights):
    new = {(n["ward"], n["key"]) for n in nights["new"]}
    assert len(new) == PORTALS
    assert not new & nights["archived_first"]
    assert new - nights["archived"] == set()


@pytest.mark.parametrize("run", ["first", "night"])
def test_every_portal_is_asked_and_none_ever_has_two_requests_in_flight(nights, run):
    log = nights[run]["log"]
    assert len({r[0] for r in log}) == PORTALS
    assert politeness(log).max_in_flight == 1


@pytest.mark.parametrize("run", ["first", "night"])
def test_no_two_requests_reach_a_portal_closer_than_the_download_delay(nights, run):
    seen = politeness(nights[run]["log"])
    assert seen.min_spacing >= DELAY, f"{seen.min_spacing:.3f} s between {seen.closest}"


def test_the_nightly_crawl_is_far_below_the_sequential_bound(nights):
    requests = len(nights["night"]["log"])
    assert requests > PORTALS * 3  # robots.txt, two listings, the new article: at least
    assert nights["night"]["wall"] < requests * DELAY / 4
