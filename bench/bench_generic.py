"""The generic family against the declared ones, field by field, on the same replica in one run.

Serves the replica portals, crawls them twice with `wardcrawler crawl` (once as registered, once
with every ward's family set to `generic`), scores both archives against the replica's ground
truth (recall; exact titles, posting times, views, bodies; rows that are no article; duplicate
rows) overall and per declared family, and prints the table with the pages each crawl fetched
and its wall time.
Run: .venv/bin/python bench/bench_generic.py [--seed N]
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wardcrawler.quality import HEADER, score
from wardcrawler.replica import ReplicaServer

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def as_generic(registry: str) -> str:
    """The registry with every ward's family set to `generic`."""
    return re.sub(r'^family = ".*"$', 'family = "generic"', registry, flags=re.MULTILINE)


def crawl(registry: Path, db: Path) -> tuple[float, int]:
    """Crawl a registry into a database; wall seconds and pages fetched."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "wardcrawler", "crawl", "--wards", str(registry), "--db", str(db),
         "--warc-dir", "off", *FAST],
        capture_output=True, check=False, timeout=1800,
    )  # fmt: skip
    with sqlite3.connect(db) as connection:
        pages = connection.execute("select coalesce(sum(pages), 0) from crawl_run_wards").fetchone()
    return time.monotonic() - started, pages[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the registries, truth and archives here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ReplicaServer(seed=args.seed) as replica:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        registry = replica.registry_toml()
        (out / "declared.toml").write_text(registry, encoding="utf-8")
        (out / "generic.toml").write_text(as_generic(registry), encoding="utf-8")
        truth = replica.ground_truth()
        (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
        families: dict[str, set[str]] = {}
        for ward in truth["wards"]:
            families.setdefault(ward["family"], set()).add(ward["slug"])
        print(HEADER)
        for run in ("declared", "generic"):
            replica.reset_requests()
            seconds, pages = crawl(out / f"{run}.toml", out / f"{run}.db")
            print(score(out / f"{run}.db", truth["articles"]).line(f"{run}: all"))
            for family, wards in sorted(families.items()):
                print(score(out / f"{run}.db", truth["articles"], wards).line(f"  {family}"))
            print(f"  {run}: {pages} pages in {seconds:.1f} s, {len(replica.requests)} requests")


if __name__ == "__main__":
    main()
