"""The run ledger and the verdict on broken wards."""

import json

from wardcrawler.store.archive import Archive
from wardcrawler.store.ledger import RunLedger, broken_reason

HEALTHY = {"pages": 40, "listed": 60, "parse_failures": 0}


def test_healthy_ward():
    assert broken_reason(HEALTHY, [HEALTHY, HEALTHY]) is None


def test_ward_that_yields_nothing():
    assert "yielded nothing" in broken_reason({**HEALTHY, "listed": 0}, [HEALTHY])
    assert "yielded nothing" in broken_reason({"pages": 0, "listed": 0}, [])


def test_parse_failures_jump():
    history = [{**HEALTHY, "parse_failures": 1}] * 3
    assert "parse failures jumped" in broken_reason({**HEALTHY, "parse_failures": 30}, history)
    assert broken_reason({**HEALTHY, "parse_failures": 2}, history) is None


def test_counts_fall_far_below_recent_runs():
    assert "recent runs 60" in broken_reason({**HEALTHY, "listed": 20}, [HEALTHY] * 3)
    assert broken_reason({**HEALTHY, "listed": 20}, [HEALTHY]) is None  # too little history


def test_ledger_records_runs_and_broken_wards(tmp_path):
    archive = Archive(tmp_path / "a.db")
    archive.save_ward({"slug": "w1", "name": "W", "province": "P", "district": None,
                       "url": "http://w1/", "family": "hanoi-portal"})  # fmt: skip
    ledger = RunLedger(archive.db)
    for _ in range(3):
        run = ledger.start(["w1"], "incremental")
        assert ledger.finish(run, {"w1": dict(HEALTHY)}, {"finish_reason": "finished"}) == {}
    run = ledger.start(["w1"], "incremental")
    ledger.record_error(run, "w1", "http://w1/x", 503, "HTTP 503")
    broken = ledger.finish(run, {"w1": {**HEALTHY, "listed": 3}}, {"finish_reason": "finished"})
    assert list(broken) == ["w1"]
    row = archive.db["crawl_runs"].get(run)
    assert json.loads(row["broken_wards"]) == broken and row["mode"] == "incremental"
    assert archive.db["crawl_run_wards"].get((run, "w1"))["broken"] == broken["w1"]
    assert archive.db["fetch_errors"].count == 1
