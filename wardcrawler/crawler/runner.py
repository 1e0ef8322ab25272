"""Running a crawl from the command line: lock, settings, quiet logging, summary, exit code.

Made for cron: one summary line on success; on failure everything that was logged, on stderr,
with one line per broken ward. Exit codes are documented in the README.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from wardcrawler.crawler.shared import BROKEN_STAT, RUN_STAT
from wardcrawler.crawler.spiders.wards import WardsSpider

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1
EXIT_BROKEN_WARDS = 3
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the archive; try again later
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
KEPT_LOG_LINES = 20_000


class Locked(RuntimeError):
    """Another crawl is writing to the same archive."""


@contextmanager
def archive_lock(db: Path) -> Iterator[None]:
    """Hold `DB.lock` for the whole run; raise Locked at once if another process holds it."""
    db.parent.mkdir(parents=True, exist_ok=True)
    path = db.with_name(db.name + ".lock")
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise Locked(f"another crawl (pid {holder}) is writing to {db}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def crawl_settings(
    db: Path, wards_file: Path | None, wards: list[str], overrides: dict
) -> Settings:
    """The project's settings, the command's choices, then `-s NAME=VALUE` overrides on top."""
    settings = Settings()
    settings.setmodule("wardcrawler.crawler.settings", priority="project")
    settings.set("WARDCRAWLER_DB", str(db), priority="cmdline")
    settings.set("WARDCRAWLER_WARDS_FILE", str(wards_file or ""), priority="cmdline")
    settings.set("WARDCRAWLER_WARDS", ",".join(wards), priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    return settings


class _Kept(logging.Handler):
    """Keeps the last log records, to print them all if the run fails."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: deque[str] = deque(maxlen=KEPT_LOG_LINES)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def captured_logs(level: str, verbose: bool) -> Iterator[_Kept]:
    """Route log records to memory (and to stderr when verbose)."""
    root = logging.getLogger()
    kept = _Kept()
    handlers: list[logging.Handler] = [kept]
    if verbose:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.setLevel(level)
        root.addHandler(handler)
    root.setLevel(level)
    try:
        yield kept
    finally:
        for handler in handlers:
            root.removeHandler(handler)


def run_crawl(settings: Settings, verbose: bool = False, spider=WardsSpider) -> int:
    """Crawl with these settings under the archive lock; return the process exit code."""
    db = Path(settings.get("WARDCRAWLER_DB"))
    try:
        with archive_lock(db), captured_logs(settings.get("LOG_LEVEL"), verbose) as kept:
            process = CrawlerProcess(settings)
            crawler = process.create_crawler(spider)
            process.crawl(crawler)
            process.start()
            stats = crawler.stats.get_stats() if crawler.stats else {}
    except Locked as exc:
        print(f"wardcrawler: {exc}; exiting", file=sys.stderr)
        return EXIT_LOCKED
    return report(db, stats, kept, verbose)


def report(db: Path, stats: dict, kept: _Kept, verbose: bool) -> int:
    """Print the run's summary line (or its whole log and broken wards); return the exit code."""
    finished = stats.get("finish_reason") == "finished"
    broken: dict[str, str] = stats.get(BROKEN_STAT) or {}
    code = EXIT_CRAWL_FAILED if not finished else EXIT_BROKEN_WARDS if broken else EXIT_OK
    summary = summary_line(db, stats.get(RUN_STAT), stats)
    if code != EXIT_OK and not verbose:
        print("\n".join(kept.lines), file=sys.stderr)
    for ward, reason in broken.items():
        print(f"wardcrawler: broken ward {ward}: {reason}", file=sys.stderr)
    print(summary, file=sys.stdout if code == EXIT_OK else sys.stderr)
    record_exit_code(db, stats.get(RUN_STAT), code)
    return code


def summary_line(db: Path, run_id: int | None, stats: dict) -> str:
    """One line saying what the run did."""
    if run_id is None:
        return f"wardcrawler: crawl did not start ({stats.get('finish_reason', 'error')})"
    with closing(sqlite3.connect(db)) as connection:
        connection.row_factory = sqlite3.Row
        run = connection.execute("select * from crawl_runs where id = ?", [run_id]).fetchone()
    wards = len(json.loads(run["wards"] or "[]"))
    return (
        f"wardcrawler: run {run_id} ({run['mode']}) {run['status']} in "
        f"{run['duration_seconds'] or 0:.0f} s: {wards} wards, {run['pages']} pages, "
        f"{run['articles_new']} new, {run['articles_updated']} updated, "
        f"{run['articles_unchanged']} unchanged, {run['articles_gone']} gone, "
        f"{run['failed']} failed, {run['parse_failures']} unreadable"
    )


def record_exit_code(db: Path, run_id: int | None, code: int) -> None:
    """Keep the exit code with the run in the ledger."""
    if run_id is not None:
        with closing(sqlite3.connect(db)) as connection, connection:
            connection.execute("update crawl_runs set exit_code = ? where id = ?", [code, run_id])
