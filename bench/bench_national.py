"""A national night: every commune-level portal crawled once, then again after one night.

Starts the national simulator (`wardcrawler.replica.national`: `--portals` portals, 3,321 by
default, each on its own 127.1.x.y address, answering after `--latency` seconds), crawls them all
with `wardcrawler crawl --wards REG --resolve-file MAP` and the project's default settings (one
request in flight per portal, DOWNLOAD_DELAY from the end of each answer, CONCURRENT_REQUESTS
grown with the portals; `--set NAME=VALUE` adds `-s` settings; `--processes N` crawls in N
shards at once, the CPU then summed over them; without it, crawl's default), advances one
night (one new article per portal, view counters rise) and runs the nightly crawl, the same
command. For each run it prints wall time, requests, pages/s, CPU seconds and ms per page and
peak RSS of the crawler's largest process and of all its processes together (sampled), the
simulator's CPU, and from the portals' own log the most
requests one portal had in flight, the shortest spacing between two arrivals at one portal, the
shortest pause from an answer's end to the next arrival, and the longest time one portal was
busy. Then
a pass/fail line per goal and what more portals or cores would take at the measured cost.
Run: .venv/bin/python bench/bench_national.py [--portals 3321] [--latency 0.5] [--articles 6]
     [--categories 2] [--processes N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from wardcrawler.crawler import settings as defaults
from wardcrawler.replica.simulator import Politeness, Record, Simulator, politeness

NIGHT_SECONDS, MEMORY_MB = 300.0, 300.0


@dataclass
class Run:
    """One crawl: the crawler's own figures and what the portals saw of it."""

    name: str
    wall: float
    cpu: float
    rss_mb: float  # the largest process's peak
    tree_mb: float  # the peak of all the run's processes together
    sim_cpu: float
    exit_code: int
    failed: int  # what the run's ledger counts as failed
    summary: str
    log: list[Record]
    seen: Politeness

    @property
    def requests(self) -> int:
        """Requests the portals received."""
        return len(self.log)

    @property
    def busiest(self) -> float:
        """Longest time one portal was busy: its first arrival to its last answer."""
        spans: dict[str, tuple[float, float]] = {}
        for ward, _method, _path, _status, arrival, completion in self.log:
            first, last = spans.get(ward, (arrival, completion or arrival))
            spans[ward] = (min(first, arrival), max(last, completion or arrival))
        return max((last - first for first, last in spans.values()), default=0.0)

    def line(self) -> str:
        """The run as a table row."""
        rate, per_page = self.requests / self.wall, 1000 * self.cpu / max(1, self.requests)
        return (f"{self.name:<8} {self.wall:7.1f} {self.requests:8d} {rate:7.1f} {self.cpu:7.1f}"
                f" {per_page:7.2f} {self.rss_mb:7.0f} {self.tree_mb:7.0f} {self.sim_cpu:7.1f}"
                f" {self.seen.max_in_flight:6d} {self.seen.min_spacing:7.3f}"
                f" {self.seen.min_gap:7.3f} {self.busiest:7.1f}")  # fmt: skip


HEADER = (f"{'run':<8} {'wall s':>7} {'requests':>8} {'pages/s':>7} {'CPU s':>7} {'ms/page':>7}"
          f" {'RSS MB':>7} {'tree MB':>7} {'sim CPU':>7} {'flight':>6} {'spacing':>7} {'gap':>7}"
          f" {'busiest':>7}")  # fmt: skip


class TreeMemory(threading.Thread):
    """Samples the resident memory of a process and all its descendants (Linux /proc), summed;
    `peak` is the largest sum seen."""

    def __init__(self, root: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.root, self.every, self.peak, self.done = root, every, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.peak = max(self.peak, sum(_resident(pid) for pid in self.tree()))

    def tree(self) -> set[int]:
        """The root and its descendants now running."""
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
        found, added = {self.root}, True
        while added:
            grown = found | {pid for pid, ppid in parents.items() if ppid in found}
            added, found = grown != found, grown
        return found

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self.done.set()
        self.join()
        return self.peak / 2**20


def _resident(pid: int) -> int:
    """A process's resident memory in bytes (0 once gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def crawl(name: str, sim: Simulator, db: Path, settings: list[str], since: int) -> Run:
    """One `wardcrawler crawl` of the simulator's portals, measured from outside."""
    command = [sys.executable, "-m", "wardcrawler", "crawl", "--db", str(db), "--wards",
               str(sim.registry), "--resolve-file", str(sim.hosts), *settings]  # fmt: skip
    out, err = db.with_name(f"{name}.out"), db.with_name(f"{name}.err")
    sim_before, started = sim.cpu_seconds(), time.monotonic()
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        memory = TreeMemory(process.pid)
        memory.start()
        # CPU of the child and the processes it waited for; the largest one's peak memory
        _pid, status, usage = os.wait4(process.pid, 0)
        tree_mb = memory.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    log = sim.requests(since)
    summary = (out.read_text().strip() or err.read_text().strip()[-2000:]).splitlines()
    with sqlite3.connect(db) as connection:
        failed = connection.execute(
            "select coalesce(max(failed), -1) from crawl_runs"
            " where id = (select max(id) from crawl_runs)"
        ).fetchone()[0]
    largest = usage.ru_maxrss / 1024
    return Run(name, wall, usage.ru_utime + usage.ru_stime, largest, max(tree_mb, largest),
               sim.cpu_seconds() - sim_before, process.returncode, failed,
               summary[-1] if summary else "", log, politeness(log))  # fmt: skip


def archived(db: Path) -> set[tuple[str, str]]:
    """(ward, key) of every article in the archive."""
    with sqlite3.connect(db) as connection:
        return set(connection.execute("select ward, article_key from articles"))


def delay_of(settings: list[str]) -> float:
    """The DOWNLOAD_DELAY the crawls run with (the project's, or the last `-s` given)."""
    given = [s.partition("=")[2] for s in settings if s.startswith("DOWNLOAD_DELAY=")]
    return float(given[-1]) if given else defaults.DOWNLOAD_DELAY


def verdict(runs: list[Run], found: int, new: int, delay: float) -> list[str]:
    """One pass/fail line per goal."""
    night = runs[-1]
    spacing = min(runs, key=lambda r: r.seen.min_spacing).seen
    goals = [
        (night.wall <= NIGHT_SECONDS, f"nightly wall {night.wall:.1f} s <= {NIGHT_SECONDS:.0f} s"),
        (found == new, f"every new article found: {found} of {new} in the archive"),
        (all(r.seen.max_in_flight == 1 for r in runs),
         "max in flight per portal = 1: " + ", ".join(f"{r.name} {r.seen.max_in_flight}"
                                                      for r in runs)),
        (spacing.min_spacing >= delay, f"min spacing {spacing.min_spacing:.3f} s >= {delay} s"
         f" (closest: {spacing.closest[0]} {spacing.closest[1]} -> {spacing.closest[2]})"),
        (max(r.tree_mb for r in runs) <= MEMORY_MB,
         f"peak memory, all the crawl's processes {max(r.tree_mb for r in runs):.0f} MB "
         f"<= {MEMORY_MB:.0f} MB (the largest one {max(r.rss_mb for r in runs):.0f} MB)"),
        (all(r.exit_code == 0 and r.failed == 0 for r in runs),
         "crawls exit 0, no page failed: " + ", ".join(f"{r.name} exit {r.exit_code}, "
                                                        f"{r.failed} failed" for r in runs)),
    ]  # fmt: skip
    return [f"{'PASS' if ok else 'FAIL'}  {text}" for ok, text in goals]


def projection(runs: list[Run], portals: int) -> list[str]:
    """What more cores or portals would take at the measured CPU cost per page and portal."""
    first, night = runs
    lines = [f"per core: {first.requests / first.cpu:.0f} pages per CPU-second (first crawl), "
             f"{night.requests / night.cpu:.0f} (nightly); nightly cost "
             f"{1000 * night.cpu / portals:.1f} CPU ms per portal, busiest portal "
             f"{night.busiest:.1f} s (a night's floor, whatever the cores)",
             "one Scrapy process uses one core: N cores take `crawl --processes N` (N shards "
             "merged into the one archive), N machines `dispatch --node ...` (Scrapyd)",
             f"{'cores':>5} {'pages/s':>9} {'portals in a 5-minute night':>28}"]  # fmt: skip
    for cores in (1, 2, 4, 8, 16):
        rate = cores * night.requests / night.cpu
        fits = cores * NIGHT_SECONDS / (night.cpu / portals)
        lines.append(f"{cores:5d} {rate:9.0f} {fits:28,.0f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=3321)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--articles", type=int, default=6, help="per category, first crawl")
    parser.add_argument("--categories", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for both crawls (repeatable)")  # fmt: skip
    parser.add_argument("--processes", type=int, default=None,
                        help="crawl --processes N (CPU summed) [crawl's default]")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="keep the archive, logs and registry here")
    args = parser.parse_args()
    settings = [arg for pair in args.set for arg in ("-s", pair)]
    settings += ["--processes", str(args.processes)] if args.processes else []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        options = dict(portals=args.portals, latency=args.latency, articles=args.articles,
                       categories=args.categories)  # fmt: skip
        started = time.monotonic()
        with Simulator(out / "simulator", **options) as sim:
            print(f"{args.portals} portals up in {time.monotonic() - started:.1f} s "
                  f"(latency {args.latency} s)", flush=True)  # fmt: skip
            served = sim.articles()
            first = crawl("first", sim, out / "wards.db", settings, 0)
            print(f"first crawl: {first.summary}", flush=True)
            new = {(n["ward"], n["key"]) for n in sim.advance()}
            night = crawl("nightly", sim, out / "wards.db", settings, first.requests)
            print(f"nightly crawl: {night.summary}", flush=True)
        stored = archived(out / "wards.db")
        print(HEADER)
        for run in (first, night):
            print(run.line())
        print(f"first crawl: {len(served & stored)} of {len(served)} articles served archived")
        for run in (first, night):
            pages = politeness([r for r in run.log if r[2] != "/robots.txt"])
            print(
                f"{run.name} without robots.txt: min spacing {pages.min_spacing:.3f} s, "
                f"min gap {pages.min_gap:.3f} s"
            )
        for line in verdict([first, night], len(new & stored), len(new), delay_of(args.set)):
            print(line)
        for line in projection([first, night], args.portals):
            print(line)


if __name__ == "__main__":
    main()
