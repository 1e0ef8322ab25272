"""What both halves of the suite share: the CLI in a subprocess, the archive read back."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# README: tests speed crawls up with these two settings (politeness is ~1 s a request otherwise).
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
CRAWL_TIMEOUT = 150


@dataclass(repr=False)
class Run:
    rc: int | None
    stdout: str
    stderr: str
    seconds: float

    def __repr__(self) -> str:
        return f"Run(exit {self.rc}, {self.seconds:.1f} s)"

    def tail(self, n: int = 2500) -> str:
        return f"exit {self.rc}\nstdout: {self.stdout[-600:]}\nstderr: {self.stderr[-n:]}"


def clean_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the subprocesses: no inherited proxies, the archive in `home`."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "*"
    env["WARDCRAWLER_ARCHIVE"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def crawl(registry: Path, db: Path, env: dict[str, str], *extra: str) -> Run:
    """`wardcrawler crawl --wards REGISTRY --db DB` with the fast test settings."""
    cmd = [sys.executable, "-m", "wardcrawler", "crawl", "--wards", str(registry)]
    cmd += ["--db", str(db), *FAST, *extra]
    t0 = time.monotonic()
    try:
        p = subprocess.run(
            cmd,
            cwd=db.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=CRAWL_TIMEOUT,
        )
        return Run(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return Run(None, out, err + f"\n[timed out after {CRAWL_TIMEOUT} s]", CRAWL_TIMEOUT)


def rows(db: Path, sql: str) -> list[dict]:
    """Rows of a query on the archive (empty when the database or the table does not exist)."""
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql)]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def paragraphs(body: str | None) -> list[str]:
    """A stored body's paragraphs (README: paragraphs separated by a blank line)."""
    return [p for p in (body or "").split("\n\n") if p.strip()]


def in_order(needles: list[str], hay: list[str]) -> bool:
    """Every item of `needles` is an item of `hay`, in the same order."""
    it = iter(hay)
    return all(any(n == h for h in it) for n in needles)


def pct(n: int, d: int) -> float:
    return 100.0 * n / d if d else 100.0
