"""Small helpers shared by the independent archive tests (no wardcrawler code)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

MAIN = Path(__file__).resolve().parents[2]


def run_wc(args, timeout=120, env=None, **kw) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.pop("WARDCRAWLER_ARCHIVE", None)
    if env:
        e.update(env)
    return subprocess.run(
        [sys.executable, "-m", "wardcrawler", *args],
        cwd=MAIN,
        env=e,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


def popen_wc(args, env=None) -> subprocess.Popen:
    e = dict(os.environ)
    e.pop("WARDCRAWLER_ARCHIVE", None)
    if env:
        e.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "wardcrawler", *args],
        cwd=MAIN,
        env=e,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def rows(db, sql, params=()) -> list[dict]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def table_names(db) -> set:
    return {
        r["name"] for r in rows(db, "select name from sqlite_master where type in ('table','view')")
    }


def parse_time(s) -> datetime | None:
    """ISO 8601 (naive = UTC), or epoch seconds."""
    if s is None:
        return None
    if isinstance(s, (int, float)):
        return datetime.fromtimestamp(s, UTC)
    s = str(s).strip().replace("Z", "+00:00")
    if " " in s and "T" not in s:
        s = s.replace(" ", "T", 1)
    try:
        d = datetime.fromisoformat(s)
    except ValueError:
        try:
            d = datetime.strptime(s[:14], "%Y%m%d%H%M%S")
        except ValueError:
            return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def cats_of(row) -> list:
    v = row.get("category_names")
    if not v:
        return []
    try:
        return list(json.loads(v))
    except (ValueError, TypeError):
        return [v]


def tail(s: str, n=2500) -> str:
    return s[-n:] if s else ""


def short(s, n=160) -> str:
    s = "" if s is None else str(s)
    return s if len(s) <= n else s[:n] + "…"


def first_diff(a: str, b: str) -> str:
    a, b = a or "", b or ""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"first difference at char {i}: expected …{a[max(0, i - 40) : i + 40]!r}… got …{b[max(0, i - 40) : i + 40]!r}…"
    return f"lengths differ: expected {len(a)} chars, got {len(b)} (tail expected {a[-60:]!r}, got {b[-60:]!r})"


def report(title: str, problems: list, total: int, limit=12) -> str:
    head = f"{title}: {len(problems)} of {total} wrong"
    return (
        head
        + "\n"
        + "\n".join(f"  - {p}" for p in problems[:limit])
        + (f"\n  … and {len(problems) - limit} more" if len(problems) > limit else "")
    )
