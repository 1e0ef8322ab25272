"""Helpers shared by the tests: database queries, the CLI as a child process, served sites."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from wardcrawler.replica import ReplicaServer

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def query(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    """Rows of a query on an archive database, as dicts."""
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in connection.execute(sql, params)]
    finally:
        connection.close()


def datasette_get(db: Path, *paths: str, public: bool = False) -> list:
    """GET paths from one Datasette configured as `wardcrawler serve` configures it."""
    from wardcrawler.site.serve import datasette_app

    async def run():
        ds = datasette_app(db, public=public)
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(run())


def free_port() -> int:
    """A TCP port free on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_json(url: str, process: subprocess.Popen, seconds: float) -> dict:
    """The JSON at `url` once the server `process` started answers (fails if it dies first)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            assert process.poll() is None, "the server process ended"
            assert time.monotonic() < deadline, f"no answer from {url} in {seconds} s"
            time.sleep(0.3)


def run_cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `wardcrawler ARGS` in a child process (a Twisted reactor cannot restart in pytest)."""
    return subprocess.run(
        [sys.executable, "-m", "wardcrawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class Crawl:
    """A finished crawl of the replica: its database, ground truth and the server's log."""

    db: Path
    registry: Path
    truth: dict
    replica: ReplicaServer
    result: subprocess.CompletedProcess
