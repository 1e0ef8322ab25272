"""`wardcrawler dispatch --node URL...`: one shard per Scrapyd node, watched, merged.

Under the archive's lock: the installed wardcrawler is deployed to every node as an egg (the
package as Scrapyd runs projects: a zip with its `scrapy` entry point, so an installed
wardcrawler can deploy itself, no source tree needed), then shard K of N (N = the nodes) is
scheduled on node K through Scrapyd's JSON API (`schedule.json`, the crawl's settings as
`setting=NAME=VALUE`), each into its own archive under `archive/shards/` (seeded from the
archive, as `crawl --processes` does: the nodes must see the archive's folder at the same path,
an NFS mount say). Jobs are watched with `status.json`; a job that ended without its run
recorded as finished (killed, crashed), or whose node stopped answering, is scheduled again on
the next node that answers, up to `TRIES` times: the shard's archive goes on from what it holds,
so nothing fetched is lost or fetched twice. Then the shards are merged into the archive
(`store.merge`) and removed, one summary line is printed, and the exit code is a single run's.
"""

from __future__ import annotations

import io
import sqlite3
import sys
import time
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import requests
from scrapyd_client import ScrapydClient

import wardcrawler
from wardcrawler.crawler.processes import merge_all, shard_db, worst
from wardcrawler.crawler.runner import (
    EXIT_BROKEN_WARDS,
    EXIT_CRAWL_FAILED,
    EXIT_OK,
    archive_lock,
    refused,
    summary_of_runs,
)
from wardcrawler.portals.shards import Shard, all_shards
from wardcrawler.store.archive import Archive
from wardcrawler.store.seed import SEED_RUNS_KEY

PROJECT, SPIDER = "wardcrawler", "wards"
POLL_SECONDS = 2.0
TRIES = 3  # schedulings of one shard before it counts as failed
NODE_ERRORS = (requests.RequestException, ValueError, KeyError)


class DispatchError(RuntimeError):
    """No node could take the crawl."""


def build_egg(version: str) -> bytes:
    """The installed wardcrawler package as a Scrapyd egg."""
    root = Path(wardcrawler.__file__).parent
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                egg.write(path, f"wardcrawler/{path.relative_to(root).as_posix()}")
        egg.writestr("EGG-INFO/PKG-INFO", f"Metadata-Version: 1.1\nName: {PROJECT}\n"
                                          f"Version: {version}\n")  # fmt: skip
        egg.writestr("EGG-INFO/entry_points.txt",
                     "[scrapy]\nsettings = wardcrawler.crawler.settings\n")  # fmt: skip
    return buffer.getvalue()


def deploy(node: str, version: str, egg: bytes) -> None:
    """Add this version of the project to a node (Scrapyd's `addversion.json`)."""
    answer = requests.post(f"{node.rstrip('/')}/addversion.json", timeout=60,
                           data={"project": PROJECT, "version": version},
                           files={"egg": (f"{PROJECT}.egg", egg)})  # fmt: skip
    answer.raise_for_status()
    if answer.json().get("status") != "ok":
        raise ValueError(f"{node}: {answer.json().get('message', answer.text)}")


@dataclass
class Job:
    """A shard's current job: where it runs and how many times it was scheduled."""

    shard: Shard
    node: str
    job_id: str = ""
    tries: int = 0
    done: bool = False
    code: int = EXIT_OK


class Dispatcher:
    """Schedules the shards on the nodes and watches them to the end."""

    def __init__(self, db: Path, nodes: list[str], settings: dict[str, str]) -> None:
        self.db, self.nodes, self.settings = db, nodes, settings
        self.clients = {node: ScrapydClient(node) for node in nodes}

    def run(self) -> list[Job]:
        """Every shard run to its end (or `TRIES` schedulings); the jobs as they ended."""
        jobs = [Job(shard, node) for shard, node in zip(all_shards(len(self.nodes)), self.nodes,
                                                          strict=True)]  # fmt: skip
        for job in jobs:
            self.schedule(job, job.node)
        while not all(job.done for job in jobs):
            time.sleep(POLL_SECONDS)
            for job in (j for j in jobs if not j.done):
                self.watch(job)
        return jobs

    def schedule(self, job: Job, node: str) -> None:
        """Schedule the shard on `node`, else on the next node that takes it."""
        order = self.nodes[self.nodes.index(node) :] + self.nodes[: self.nodes.index(node)]
        for candidate in order:
            try:
                job.job_id = self.clients[candidate].schedule(PROJECT, SPIDER, self.args(job))
            except NODE_ERRORS:
                continue
            job.node, job.tries = candidate, job.tries + 1
            return
        raise DispatchError(f"no node took shard {job.shard}: {', '.join(self.nodes)}")

    def args(self, job: Job) -> list[tuple[str, str]]:
        """The job's settings: the crawl's, and the shard's own archive seeded from this one."""
        own = {**self.settings, "WARDCRAWLER_SHARD": str(job.shard),
               "WARDCRAWLER_DB": str(shard_db(self.db, job.shard)),
               "WARDCRAWLER_BASE_DB": str(self.db)}  # fmt: skip
        return [("setting", f"{name}={value}") for name, value in own.items()]

    def watch(self, job: Job) -> None:
        """Look at a job once: finished well, to run again, or still going."""
        try:
            state = self.clients[job.node].status(job.job_id, PROJECT)["currstate"]
        except NODE_ERRORS:
            state = "lost"  # the node stopped answering: its job is as good as dead
        if state in ("pending", "running"):
            return
        code = shard_outcome(shard_db(self.db, job.shard))
        if code is not None:
            job.done, job.code = True, code
        elif job.tries >= TRIES:
            job.done, job.code = True, EXIT_CRAWL_FAILED
        else:
            following = self.nodes[(self.nodes.index(job.node) + 1) % len(self.nodes)]
            self.schedule(job, following if state == "lost" else job.node)


def shard_outcome(path: Path) -> int | None:
    """The exit code of a shard's last run (0, or 3 with broken wards), None if it did not
    finish (killed, crashed, or never started)."""
    if not path.exists():
        return None
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        seeded = connection.execute(
            "SELECT value FROM archive_meta WHERE key = ?", [SEED_RUNS_KEY]).fetchone()  # fmt: skip
        row = connection.execute(
            "SELECT status, broken_wards FROM crawl_runs WHERE id > ? ORDER BY id DESC LIMIT 1",
            [int(seeded[0]) if seeded else 0],
        ).fetchone()
    if row is None or row[0] != "finished":
        return None
    return EXIT_BROKEN_WARDS if row[1] and row[1] != "{}" else EXIT_OK


def _deployed_and_run(db: Path, nodes: list[str], settings: dict[str, str]) -> list[Job]:
    """This wardcrawler deployed to every node, then the shards run on them."""
    version = str(int(time.time()))
    egg = build_egg(version)
    for node in nodes:
        deploy(node, version, egg)
    return Dispatcher(db, nodes, settings).run()


def dispatch(db: Path, nodes: list[str], settings: dict[str, str], warc_dir: Path | None) -> int:
    """Crawl the registry as one shard per node and merge it into `db`; the exit code."""
    with refused() as refusal, archive_lock(db):
        Archive(db).close()  # created or upgraded once, before the shards read it
        merge_all(db, warc_dir)  # what an interrupted dispatch left
        started = time.monotonic()
        try:
            jobs = _deployed_and_run(db, nodes, settings)
        except (DispatchError, *NODE_ERRORS) as exc:
            print(f"wardcrawler: dispatch failed: {exc}", file=sys.stderr)
            return EXIT_CRAWL_FAILED
        runs = merge_all(db, warc_dir)
    if refusal.code is not None:
        return refusal.code
    code = worst([job.code for job in jobs])
    for job in jobs:
        if job.code == EXIT_CRAWL_FAILED:
            print(f"wardcrawler: shard {job.shard} did not finish in {job.tries} tries "
                  f"(last on {job.node}, job {job.job_id})", file=sys.stderr)  # fmt: skip
    line = summary_of_runs(db, runs, time.monotonic() - started)
    print(line, file=sys.stdout if code == EXIT_OK else sys.stderr)
    return code
