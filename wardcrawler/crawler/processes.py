"""`wardcrawler crawl --processes N`: N shards crawled at once on one machine, one archive.

One Scrapy process uses one core. Under the archive's lock, this runs `crawl --shard K/N` for
K = 1..N as child processes, each into its own archive (`archive/shards/STEM-shard-K-of-N/`,
seeded from the archive: `store.seed`), then merges them into the archive (`store.merge`) and
removes them. The shards share the crawl's response budget (and a `CONCURRENT_REQUESTS`
given with `-s`), each taking its Nth. It prints one summary line and exits as a single run
would: 4 if the archive could not be used, else 1 if a shard's crawl failed, else 3 if wards
broke, else 0. SIGTERM and SIGINT are passed on to the shards. On a terminal, one display shows
the shards' progress summed (each writes its figures to a file: `WARDCRAWLER_PROGRESS_FILE`).
A shard left by an interrupted run (its folder still there, its lock free) is merged first:
nothing it fetched is lost.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from scrapy.settings import SETTINGS_PRIORITIES, Settings

from wardcrawler.crawler.runner import (
    EXIT_ARCHIVE,
    EXIT_BROKEN_WARDS,
    EXIT_CRAWL_FAILED,
    EXIT_OK,
    Locked,
    archive_lock,
    preflight,
    preflight_locked,
    refused,
    summary_of_runs,
)
from wardcrawler.portals.shards import Shard, all_shards
from wardcrawler.progress import on_terminal, progress_bar, read_bars
from wardcrawler.store.archive import Archive
from wardcrawler.store.merge import merge_shard

SUMMARY_RE = re.compile(r"wardcrawler: (run \d+ |crawl did not start)")  # a shard's own line
PROGRESS_INTERVAL = 0.5  # seconds between two readings of the shards' progress
SEVERITY = [EXIT_ARCHIVE, EXIT_CRAWL_FAILED, EXIT_BROKEN_WARDS, EXIT_OK]  # the worst first


def staging_folder(db: Path) -> Path:
    """Where the shards of the archive `db` keep their archives: `shards/` beside it."""
    return db.parent / "shards"


def shard_db(db: Path, shard: Shard) -> Path:
    """Where shard `shard` of the archive `db` keeps its own archive."""
    return staging_folder(db) / f"{db.stem}-{shard.label}" / db.name


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def processes_for(portals: int, settings: Settings) -> int:
    """`crawl --processes auto`'s processes: one per core, but no more than give
    each `WARDCRAWLER_PORTALS_PER_PROCESS` portals. A shard's fixed costs (its process, seed
    and merge) pay off only once one core cannot keep up with the portals' pace."""
    per_process = max(settings.getint("WARDCRAWLER_PORTALS_PER_PROCESS"), 1)
    return max(1, min(cores(), portals // per_process))


def shares(settings: Settings, count: int) -> list[str]:
    """The `-s` options that give each of `count` shards its share of what the settings give
    the whole crawl: the response budget, and a `CONCURRENT_REQUESTS` or its cap given on the
    command line. (Left to each, every shard would hold the whole budget: N times the memory.)"""
    totals = {
        "WARDCRAWLER_RESPONSE_BUDGET_BYTES": settings.getint("WARDCRAWLER_RESPONSE_BUDGET_BYTES")
    }
    for name in ("CONCURRENT_REQUESTS", "WARDCRAWLER_MAX_CONCURRENT_REQUESTS"):
        if (settings.getpriority(name) or 0) >= SETTINGS_PRIORITIES["cmdline"]:
            totals[name] = settings.getint(name)
    options: list[str] = []
    for name, total in totals.items():
        if total > 0:  # 0: no budget
            options += ["-s", f"{name}={max(1, total // count)}"]
    return options


def worst(codes: list[int]) -> int:
    """The exit code of several shards: the most serious of theirs."""
    known = [c if c in SEVERITY else EXIT_CRAWL_FAILED for c in codes]
    return min(known, key=SEVERITY.index) if known else EXIT_OK


def run_processes(
    settings: Settings,
    count: int,
    options: list[str],
    warc_dir: Path | None,
    create_folder: bool = False,
    verbose: bool = False,
) -> int:
    """Crawl in `count` shards at once (each `crawl --shard K/N` with `options`) and merge them
    into the settings' archive (WARC files into `warc_dir`, default beside it), with the checks
    and the lock of a single run; returns the exit code. The shards' logs are printed if the
    run failed or is `verbose`."""
    db = Path(settings.get("WARDCRAWLER_DB"))
    with refused() as refusal:
        preflight(settings, create_folder)
        with archive_lock(db):
            preflight_locked(settings)
            Archive(db).close()  # created or upgraded once, before the shards read it
            merge_all(db, warc_dir)  # what an interrupted run left
            shards = all_shards(count)
            started = time.monotonic()
            shown = settings.getbool("WARDCRAWLER_PROGRESS", True) and on_terminal()
            codes, logs = _crawl(db, shards, [*options, *shares(settings, count)], shown)
            runs = merge_all(db, warc_dir)
    if refusal.code is not None:
        return refusal.code
    code = worst(codes)
    if code != EXIT_OK or verbose:  # the shards' logs, as a single run shows its log
        for log in logs:  # (after they end; their summaries make one)
            kept = [line for line in log.splitlines() if not SUMMARY_RE.match(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)
    line = summary_of_runs(db, runs, time.monotonic() - started)
    print(line, file=sys.stdout if code == EXIT_OK else sys.stderr)
    return code


def _crawl(
    db: Path, shards: list[Shard], options: list[str], shown: bool
) -> tuple[list[int], list[str]]:
    """Run every shard's crawl at once, their progress `shown` as one display; their exit
    codes and what each printed."""
    with ExitStack() as stack:
        figures = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="progress-")))
        running, files = [], []
        for shard in shards:
            target = shard_db(db, shard)
            target.parent.mkdir(parents=True, exist_ok=True)
            out = stack.enter_context(tempfile.TemporaryFile("w+"))
            files.append(figures / f"{shard.label}.json")
            progress = ["-s", f"WARDCRAWLER_PROGRESS_FILE={files[-1]}"] if shown else []
            command = [sys.executable, "-m", "wardcrawler", "crawl", "--shard", str(shard),
                       "--db", str(target), "--base", str(db), *options, *progress]  # fmt: skip
            # output to a file (the log kept for a failure), progress figures to another; a
            # process group of its own: a terminal's Ctrl-C reaches the shard once, passed on
            # by `_passed_on` (a second SIGINT makes Scrapy stop uncleanly, its run unclosed)
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.STDOUT, process_group=0)  # fmt: skip
            running.append((process, out))
        with _passed_on([process for process, _ in running]):
            codes = _wait([process for process, _ in running], files if shown else [])
        logs = []
        for _, out in running:
            out.seek(0)
            logs.append(out.read())
    return codes, logs


def _wait(processes: list[subprocess.Popen], figures: list[Path]) -> list[int]:
    """Wait for every shard, showing the sum of the progress `figures` they write (if any)."""
    if figures:
        try:
            with progress_bar("crawl", "portals", rate_of="pages") as bar:
                running = True
                while running:  # the figures read after the last shard ended are its last
                    running = None in [process.poll() for process in processes]
                    done, total, shown = read_bars(figures)
                    bar.update(done, total, **shown)
                    time.sleep(PROGRESS_INTERVAL if running else 0)
        except OSError:  # the terminal went away: the shards are still waited for
            pass
    return [process.wait() for process in processes]


@contextmanager
def _passed_on(processes: list[subprocess.Popen]) -> Iterator[None]:
    """SIGTERM and SIGINT sent to this process go to the shards too (each stops as a single
    crawl does, recording its run), and their merge still follows."""

    def forward(signum, _frame) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signum)

    before = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def merge_all(db: Path, warc_dir: Path | None) -> list[int]:
    """Merge every shard archive under `archive/shards/` into `db` (a run's, or one an
    interrupted run left), removing each once merged; the archive's ids of their runs."""
    folder = staging_folder(db)
    paths = sorted(folder.glob(f"{db.stem}-shard-*/{db.name}")) if folder.is_dir() else []
    runs: list[int] = []
    if not paths:
        return runs
    archive = Archive(db)
    try:
        for path in paths:
            try:
                with archive_lock(path):  # not one a shard still writes (its parent killed)
                    runs += merge_shard(archive, path, warc_dir).runs
                    archive.commit()
            except Locked:
                continue
            shutil.rmtree(path.parent)
    finally:
        archive.close()
    return runs
