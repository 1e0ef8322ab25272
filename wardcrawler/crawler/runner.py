"""Running a crawl from the command line: checks, lock, settings, quiet logging, summary, exit code.

Made for cron: one summary line on success; on failure everything that was logged, on stderr,
with one line per broken ward. An archive that cannot be used (corrupt, read-only, a folder that
cannot be written, a full disk) is found before Scrapy starts, or stops the crawl cleanly when it
happens during the run (`ArchiveGuard`): one line naming the file and what to do, exit code 4.
Exit codes are documented in the README.
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
from contextlib import closing, contextmanager, suppress
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from wardcrawler.crawler.progress import enable as enable_progress
from wardcrawler.crawler.shared import (
    ARCHIVE_STAT,
    BROKEN_STAT,
    PAGER_STOPPED_STAT,
    RUN_STAT,
    stop_for_archive,
)
from wardcrawler.crawler.spiders.wards import WardsSpider
from wardcrawler.paths import warc_dir_for
from wardcrawler.store.preflight import (
    EXIT_CODE,
    MIN_FREE_BYTES,
    ArchiveProblem,
    check_folder_exists,
    check_free_space,
    check_warc_folder,
    check_writable_archive,
    check_writable_folder,
    problem_of,
)

EXIT_OK = 0
EXIT_CRAWL_FAILED = 1
EXIT_BROKEN_WARDS = 3
EXIT_ARCHIVE = EXIT_CODE  # 4: the archive cannot be used (corrupt, read-only, disk full...)
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the archive; try again later
logger = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
KEPT_LOG_LINES = 20_000


class Locked(RuntimeError):
    """Another crawl is writing to the same archive."""


@contextmanager
def archive_lock(db: Path) -> Iterator[None]:
    """Hold `DB.lock` for the whole run; raise Locked at once if another process holds it."""
    path = db.with_name(db.name + ".lock")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise problem_of(exc, path) or ArchiveProblem(path, str(exc), "check the folder") from exc
    with handle:
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
    extensions = {**settings.getdict("EXTENSIONS"), f"{__name__}.ArchiveGuard": 0}
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    enable_progress(settings)  # on a terminal only (WARDCRAWLER_PROGRESS: off)
    settings.setdict(overrides, priority="cmdline")
    return settings


class _Kept(logging.Handler):
    """Keeps the last log records, to print them all if the run fails."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: deque[str] = deque(maxlen=KEPT_LOG_LINES)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class _ToStderr(logging.StreamHandler):
    """Writes to `sys.stderr` as it is at each record: above the progress display while one is
    shown (it takes `sys.stderr` over), and unchanged otherwise."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


@contextmanager
def captured_logs(level: str, verbose: bool) -> Iterator[_Kept]:
    """Route log records to memory (and to stderr when verbose)."""
    root = logging.getLogger()
    kept = _Kept()
    handlers: list[logging.Handler] = [kept]
    if verbose:
        handlers.append(_ToStderr(sys.stderr))
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


class ArchiveGuard:
    """Stops the crawl cleanly when the archive can no longer be written: an error the store
    raises (database or disk full, read-only, corrupt), or a disk whose free space fell below
    `WARDCRAWLER_MIN_FREE_BYTES` (checked at each response: one `statvfs` per folder)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db = Path(crawler.settings.get("WARDCRAWLER_DB"))
        self.warc_dir = warc_dir_for(self.db, crawler.settings.get("WARDCRAWLER_WARC_DIR"))
        self.min_free = crawler.settings.getint("WARDCRAWLER_MIN_FREE_BYTES", MIN_FREE_BYTES)
        crawler.signals.connect(self.failed, signal=signals.item_error)
        crawler.signals.connect(self.failed, signal=signals.spider_error)
        crawler.signals.connect(self.received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveGuard:
        return cls(crawler)

    def failed(self, failure, **_) -> None:
        """An item or a callback failed: stop if the archive is why."""
        problem = problem_of(failure.value, self.db, self.warc_dir)
        if problem is not None:
            stop_for_archive(self.crawler, problem)

    def received(self, **_) -> None:
        """A response came: stop if a disk of the archive is (nearly) full."""
        try:
            for path in (self.db, self.warc_dir):
                if path is not None:
                    check_free_space(path, self.min_free)
        except ArchiveProblem as problem:
            stop_for_archive(self.crawler, problem)


def preflight(settings: Settings, create_folder: bool) -> None:
    """Check, before the lock is taken, that the archive's folder exists (or, for the default
    archive, can be created) and can be written."""
    db = Path(settings.get("WARDCRAWLER_DB"))
    if not create_folder:
        check_folder_exists(db.parent, f"create it (mkdir -p {db.parent}) or fix --db")
    min_free = settings.getint("WARDCRAWLER_MIN_FREE_BYTES", MIN_FREE_BYTES)
    check_writable_folder(db.parent, "the database and its lock, WAL and journal", min_free)


def preflight_locked(settings: Settings) -> None:
    """Check, under the lock, the database itself and the WARC folder."""
    db = Path(settings.get("WARDCRAWLER_DB"))
    check_writable_archive(db)
    warc_dir = warc_dir_for(db, settings.get("WARDCRAWLER_WARC_DIR"))
    if warc_dir is not None:
        check_warc_folder(warc_dir, settings.getint("WARDCRAWLER_MIN_FREE_BYTES", MIN_FREE_BYTES))


def run_crawl(
    settings: Settings, verbose: bool = False, spider=WardsSpider, create_folder: bool = False
) -> int:
    """Crawl with these settings under the archive lock; return the process exit code.

    `create_folder`: the database's folder may be created (the default archive's); an explicit
    `--db` in a folder that does not exist is refused (a typo must not start a new archive).
    """
    db = Path(settings.get("WARDCRAWLER_DB"))
    with refused() as refusal:
        preflight(settings, create_folder)
        with archive_lock(db), captured_logs(settings.get("LOG_LEVEL"), verbose) as kept:
            preflight_locked(settings)
            process = CrawlerProcess(settings)
            crawler = process.create_crawler(spider)
            process.crawl(crawler)
            process.start()
            stats = crawler.stats.get_stats() if crawler.stats else {}
    if refusal.code is not None:
        return refusal.code
    return report(db, stats, kept, verbose)


class Refusal:
    """Why a run did not go ahead: its exit code (None: it went ahead)."""

    code: int | None = None


@contextmanager
def refused() -> Iterator[Refusal]:
    """A held lock (exit code 75) or an unusable archive (4) stops the block: one stderr line,
    and the code in the Refusal."""
    refusal = Refusal()
    try:
        yield refusal
    except Locked as exc:
        print(f"wardcrawler: {exc}; exiting", file=sys.stderr)
        refusal.code = EXIT_LOCKED
    except ArchiveProblem as exc:
        print(f"wardcrawler: {exc}", file=sys.stderr)
        refusal.code = exc.exit_code


def archive_problem(db: Path, stats: dict) -> str | None:
    """Why the archive stopped the run, or kept it from starting (None when it did not)."""
    if stats.get(ARCHIVE_STAT):
        return stats[ARCHIVE_STAT]
    if stats.get(RUN_STAT) is None:  # the crawl did not start: was it the archive?
        try:
            check_writable_archive(db)
        except ArchiveProblem as problem:
            return str(problem)
    return None


def report(db: Path, stats: dict, kept: _Kept, verbose: bool) -> int:
    """Print the run's summary line (or its whole log and broken wards); return the exit code."""
    problem = archive_problem(db, stats)
    if problem:
        print(f"wardcrawler: {problem}", file=sys.stderr)
        summary = _summary_or_none(db, stats)
        if summary:
            print(summary, file=sys.stderr)
        record_exit_code(db, stats.get(RUN_STAT), EXIT_ARCHIVE)
        return EXIT_ARCHIVE
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
    line = _figures(f"run {run_id} ({run['mode']}) {run['status']}", run["duration_seconds"],
                    wards, dict(run))  # fmt: skip
    stopped = stats.get(PAGER_STOPPED_STAT)
    return line + (f", {stopped} pagers stopped by a guard" if stopped else "")


def summary_of_runs(db: Path, runs: list[int], seconds: float) -> str:
    """One line saying what several runs (a crawl's shards) did together, as a single run's line
    says it (named after the first of them: scripts reading the line need not know)."""
    if not runs:
        return "wardcrawler: crawl did not start (no shard recorded a run)"
    with closing(sqlite3.connect(db)) as connection:
        connection.row_factory = sqlite3.Row
        marks = ",".join("?" * len(runs))
        found = connection.execute(f"select * from crawl_runs where id in ({marks})", runs)
        rows = [dict(r) for r in found]
    # a run still `running` among them was interrupted, and its shard run again
    statuses = sorted({r["status"] for r in rows if r["status"] != "running"} or {"running"})
    wards = len({w for r in rows for w in json.loads(r["wards"] or "[]")})
    totals = {k: sum(r[k] or 0 for r in rows) for k in SUMMED}
    return _figures(f"run {min(runs)} ({rows[0]['mode']}) {'/'.join(statuses)}", seconds, wards,
                    totals)  # fmt: skip


SUMMED = ["pages", "articles_new", "articles_updated", "articles_unchanged", "articles_gone",
          "failed", "parse_failures"]  # fmt: skip


def _figures(what: str, seconds: float | None, wards: int, run: dict) -> str:
    return (
        f"wardcrawler: {what} in {seconds or 0:.0f} s: {wards} wards, {run['pages']} pages, "
        f"{run['articles_new']} new, {run['articles_updated']} updated, "
        f"{run['articles_unchanged']} unchanged, {run['articles_gone']} gone, "
        f"{run['failed']} failed, {run['parse_failures']} unreadable"
    )


def record_exit_code(db: Path, run_id: int | None, code: int) -> None:
    """Keep the exit code with the run in the ledger (unless the archive cannot be written)."""
    if run_id is not None:
        with suppress(sqlite3.Error), closing(sqlite3.connect(db)) as connection, connection:
            connection.execute("update crawl_runs set exit_code = ? where id = ?", [code, run_id])


def _summary_or_none(db: Path, stats: dict) -> str | None:
    """The summary line of a run stopped by the archive, if its figures could be recorded."""
    run_id = stats.get(RUN_STAT)
    try:
        with closing(sqlite3.connect(db)) as connection:
            found = connection.execute("select finished_at from crawl_runs where id = ?", [run_id])
            recorded = run_id is not None and (found.fetchone() or [None])[0] is not None
        return summary_line(db, run_id, stats) if recorded else None
    except sqlite3.Error:
        return None
