"""Per-page cost: `wardcrawler crawl` against bare Scrapy and wget2 on the same URLs, in one run.

Serves the replica portals (`--replicas N` copies, seeds 0..N-1: 8 by default, 80 portals),
crawls them with `wardcrawler crawl` (WARC capture on, politeness
per portal kept: one request in flight per portal, no delay), then fetches exactly the URLs that
crawl asked for with a bare Scrapy spider (the project's concurrency, no parsing, no storage)
and with wget2 when it is installed. Prints pages/s and CPU ms per page (user + system of the
client's process) for each, and the project's ratios to bare Scrapy against the goals (pages/s
at least 0.67 x bare Scrapy's, at most 4.5 CPU ms per page). `--rounds N` repeats the three
side by side; `--profile FILE` also writes a cProfile of one project crawl.
Run: .venv/bin/python bench/bench_throughput.py [--rounds 2] [--profile crawl.prof]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from wardcrawler.replica import ReplicaServer

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
GOAL_RATIO, GOAL_CPU_MS = 0.67, 4.5

BARE_SPIDER = """
import sys
import scrapy
from scrapy.crawler import CrawlerProcess

URLS = open(sys.argv[1], encoding="utf-8").read().split()


class Bare(scrapy.Spider):
    name = "bare"

    async def start(self):
        for url in URLS:
            yield scrapy.Request(url, dont_filter=True, callback=self.parse, errback=self.failed)

    def parse(self, response):
        return None

    def failed(self, failure):
        return None


process = CrawlerProcess({
    "CONCURRENT_REQUESTS": int(sys.argv[2]), "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "DOWNLOAD_DELAY": 0, "ROBOTSTXT_OBEY": False, "RETRY_ENABLED": False,
    "REDIRECT_ENABLED": False, "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
    "HTTPERROR_ALLOW_ALL": True, "LOG_LEVEL": "ERROR",
})
process.crawl(Bare)
process.start()
"""


@dataclass
class Run:
    """One client's run over the URLs."""

    name: str
    pages: int
    wall: float
    cpu: float

    @property
    def rate(self) -> float:
        """Pages per second of wall time."""
        return self.pages / self.wall

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds per page."""
        return 1000 * self.cpu / self.pages

    def line(self, bare: Run | None = None) -> str:
        """The run as a table row (with its ratio to bare Scrapy's pages/s)."""
        ratio = f"{self.rate / bare.rate:6.2f}" if bare else "      "
        return f"{self.name:<34} {self.pages:6d} {self.rate:9.1f} {self.cpu_ms:8.2f} {ratio}"


def timed(name: str, command: list[str], pages: int, **kwargs) -> Run:
    """Run a client to completion; its wall time and the CPU its processes used."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, timeout=3600, **kwargs)
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return Run(name, pages, wall, cpu)


def project(registry: Path, db: Path, extra: list[str], profile: Path | None = None) -> Run:
    """`wardcrawler crawl` of the registry (WARC files beside the database)."""
    python = [sys.executable] + (["-m", "cProfile", "-o", str(profile)] if profile else [])
    command = [*python, "-m", "wardcrawler", "crawl", "--wards", str(registry), "--db", str(db),
               *FAST, *extra]  # fmt: skip
    run = timed("wardcrawler crawl " + " ".join(extra), command, 0)
    with sqlite3.connect(db) as connection:
        run.pages = connection.execute("select sum(pages) from crawl_run_wards").fetchone()[0]
    return run


def registry(replicas: list[ReplicaServer]) -> str:
    """The registry of every replica's wards, each copy's slugs prefixed with its seed."""
    return "\n".join(
        re.sub(r'^slug = "', f'slug = "s{r.seed}-', r.registry_toml(), flags=re.MULTILINE)
        for r in replicas
    )


def fetched_urls(replicas: list[ReplicaServer]) -> list[str]:
    """Every URL the replicas served since their logs were last cleared."""
    urls = []
    for replica in replicas:
        base = {site.slug: site.url.rstrip("/") for site in replica.wards}
        urls += [base[slug] + path for slug, method, path, _ in replica.requests if method == "GET"]
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--replicas", type=int, default=8)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one project crawl")
    args = parser.parse_args()
    replicas = [ReplicaServer(seed=seed).start() for seed in range(args.replicas)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            measure(args, replicas, Path(tmp))
    finally:
        for replica in replicas:
            replica.stop()


def measure(args: argparse.Namespace, replicas: list[ReplicaServer], out: Path) -> None:
    """The rounds side by side, the profile, the verdict."""
    wget2 = shutil.which("wget2")
    wards = out / "wards.toml"
    wards.write_text(registry(replicas), encoding="utf-8")
    concurrency = sum(len(r.wards) for r in replicas)
    print(f"{concurrency} replica portals, one request in flight each")
    print(f"{'client, same URLs':<34} {'pages':>6} {'pages/s':>9} {'CPU ms':>8} {'ratio':>6}")
    results: dict[str, list[Run]] = {}
    for round_ in range(args.rounds):
        rows = side_by_side(replicas, out / str(round_), wards, concurrency, wget2)
        for run in rows:
            results.setdefault(run.name, []).append(run)
        bare = rows[0]
        for run in rows:
            print(run.line(bare))
    if args.profile:
        project(wards, out / "profiled.db", [], args.profile)
        print(f"profile of one crawl: {args.profile}")
    verdict(results)


def side_by_side(
    replicas: list[ReplicaServer], out: Path, wards: Path, concurrency: int, wget2: str | None
) -> list[Run]:
    """One round: the project (WARC on, then off), bare Scrapy and wget2 on its URLs."""
    out.mkdir()
    for replica in replicas:
        replica.reset_requests()
    full = project(wards, out / "warc.db", [])
    urls = fetched_urls(replicas)
    off = project(wards, out / "off.db", ["--warc-dir", "off"])
    (out / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
    (out / "bare.py").write_text(BARE_SPIDER, encoding="utf-8")
    bare_command = [sys.executable, str(out / "bare.py"), str(out / "urls.txt"), str(concurrency)]
    bare = timed("bare Scrapy (fetch only)", bare_command, len(urls))
    rows = [bare, full, off]
    if wget2:
        command = [wget2, "-q", "-i", str(out / "urls.txt"), "-P", str(out / "wget2"),
                   f"--max-threads={concurrency}", "--no-robots", "--tries=1"]  # fmt: skip
        rows.append(timed("wget2 (fetch only)", command, len(urls)))
    return rows


def verdict(results: dict[str, list[Run]]) -> None:
    """The project's best round against bare Scrapy's, and the goals."""
    bare = max(results["bare Scrapy (fetch only)"], key=lambda r: r.rate)
    full = max(results["wardcrawler crawl "], key=lambda r: r.rate)
    ratio = full.rate / bare.rate
    print(f"project / bare Scrapy pages/s: {ratio:.2f} (goal >= {GOAL_RATIO}):"
          f" {'PASS' if ratio >= GOAL_RATIO else 'FAIL'}")  # fmt: skip
    print(f"project CPU per page: {full.cpu_ms:.2f} ms (goal <= {GOAL_CPU_MS}):"
          f" {'PASS' if full.cpu_ms <= GOAL_CPU_MS else 'FAIL'}")  # fmt: skip
    per_core = 1000 / full.cpu_ms
    print(f"per core: {per_core:.0f} pages per CPU-second; the national first crawl at one request"
          f" a second per portal (3,321 pages/s) needs {3321 / per_core:.1f} cores")  # fmt: skip


if __name__ == "__main__":
    main()
