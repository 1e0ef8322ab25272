"""Fixtures of the shards suite: the replica portals crawled by one process, as three shards
merged in every order, and with ``--processes 2``, over three nights.

Assumed command lines (from the issue; README does not describe them yet):

- ``wardcrawler crawl --shard K/N --wards FILE --db SHARD.db`` crawls shard K of N (1-based)
  into SHARD.db, with its WARC files in ``warc/`` beside it, as every crawl does.
- ``wardcrawler merge --into ARCHIVE.db SHARD.db [SHARD.db...]`` folds shard archives into
  ARCHIVE.db (created when it does not exist yet, in an existing folder), copying or moving
  their WARC files into ``warc/`` beside ARCHIVE.db; exit code 0.
- ``wardcrawler crawl --processes N`` runs N shards at once and leaves one archive;
  ``--processes 1`` is the archive one process builds (the default is the number of cores, so
  the single-process reference always says ``--processes 1``).
- A shard knows what the archive holds through its own archive: a portal is always in the same
  shard, so shard K's SHARD.db, kept from night to night, holds what the archive holds of its
  wards. The next night ``crawl --shard K/N --db SHARD.db`` runs again on that same file, and
  merging it again adds only what is new (what was merged already is merged again without
  change: merging is idempotent). The suite checks the end state against a single process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import permutations
from pathlib import Path

import pytest

from tests.helpers import FAST, query, run_cli
from wardcrawler.replica import ReplicaServer

from .archive_content import TABLES, Rounds, read_archive

N_SHARDS = 3
SHARDS = tuple(range(1, N_SHARDS + 1))
# Every order of the three shards. The first three orders are merged by one command naming the
# three shards; the last three by one command per shard, one after the other.
ORDERS = tuple(permutations(SHARDS))
ONE_CALL = ORDERS[:3]
# The archives merged in these two orders also take in the second and third nights.
HISTORY_ORDERS = (ORDERS[4], ORDERS[5])


def start_cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    """`wardcrawler ARGS` started in a child process of its own process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "wardcrawler", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )


def finish(process: subprocess.Popen, timeout: float = 300) -> subprocess.CompletedProcess:
    """Wait for a child started by `start_cli`; kill its process group if it overstays."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return stop_group(process, grace=5)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def stop_group(process: subprocess.Popen, grace: float = 20) -> subprocess.CompletedProcess:
    """End a child started by `start_cli` and whatever it started in its process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    stdout, stderr = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def describe(result: subprocess.CompletedProcess | None, what: str = "") -> str:
    """A command's exit code and the end of its output, for an assertion message."""
    if result is None:
        return f"{what}: not run"
    args = " ".join(str(a) for a in result.args[3:])
    return (
        f"{what} `wardcrawler {args}` exited {result.returncode}\n"
        f"  stdout: {result.stdout[-1200:]!r}\n  stderr: {result.stderr[-2500:]!r}"
    )


def fresh_faults(replica: ReplicaServer) -> None:
    """Let the replica's "503 once" article answer 503 to the next first request again.

    The replica answers 503 to the first request of one article in the life of the server (and
    its captures keep that 503). Every crawl of the portals compared here must meet the same
    portals, so before each one (one process, the three shards together, N processes) the fault
    is armed again.
    """
    replica._failed_once.clear()


def requests_of(replica: ReplicaServer) -> list[tuple[str, str, str]]:
    """The requests the replica received since its log was reset: (ward, method, path)."""
    return sorted((slug, method, path) for slug, method, path, _status in replica.requests)


def shard_db(root: Path, k: int) -> Path:
    return root / "shards" / f"shard{k}" / "shard.db"


def moved_shard_db(root: Path, k: int) -> Path:
    """Where shard k's archive is once the fixture has moved the shards' folders away."""
    return root / "shards-moved-away" / f"shard{k}" / "shard.db"


def same_requests(expected: list, got: list, who: str) -> None:
    """Assert that two crawls asked the portals exactly the same requests, as many times."""
    want, have = Counter(expected), Counter(got)
    missing, extra = want - have, have - want
    assert not missing and not extra, (
        f"{who} asked {sum(have.values())} requests, one process {sum(want.values())}\n"
        f"  not asked: {sorted(missing.elements())[:10]}\n"
        f"  asked beyond one process's (or twice): {sorted(extra.elements())[:10]}"
    )


def merged_db(root: Path, order: tuple[int, ...]) -> Path:
    return root / "merged" / ("order-" + "".join(map(str, order))) / "archive.db"


def raw_dump(db: Path) -> dict:
    """Every row, ids included, of the tables users read and of the ledger's crawl runs, and
    the names and sizes of the WARC files beside the archive.

    Left out: SQLite's and FTS5's internal tables (a search index may store the same entries
    in other pages; searches are checked apart), and ledger rows of other modes than a crawl's
    (a merge that records its own run in the ledger is not a change of what was merged).
    """
    if not db.is_file():
        return {"missing": str(db)}
    tables = {r["name"] for r in query(db, "select name from sqlite_master where type = 'table'")}
    crawl_runs = query(db, "select * from crawl_runs where mode in ('incremental', 'full')")
    runs = {r["id"] for r in crawl_runs}
    dump = {"crawl_runs": sorted(repr(sorted(r.items())) for r in crawl_runs)}
    for name in TABLES:
        if name not in tables:
            continue
        rows = query(db, f'select * from "{name}"')  # noqa: S608 - names of README's schema
        if name == "crawl_run_wards":
            rows = [r for r in rows if r["run_id"] in runs]
        dump[name] = sorted(repr(sorted(r.items())) for r in rows)
    warc = db.parent / "warc"
    files = [p for p in warc.iterdir() if p.is_file()] if warc.is_dir() else []
    dump["WARC files"] = sorted((p.name, p.stat().st_size) for p in files)
    return dump


@dataclass
class Scenario:
    """Everything the crawls and merges left, for the tests to read."""

    root: Path
    registry: Path
    replica: ReplicaServer
    single: Path = None
    processes: Path = None
    rounds: dict = field(default_factory=dict)  # lineage -> Rounds
    results: dict = field(default_factory=dict)  # step -> CompletedProcess
    requests: dict = field(default_factory=dict)  # step -> [(ward, method, path)]
    content: dict = field(default_factory=dict)  # (archive, night) -> read_archive(...)
    dumps: dict = field(default_factory=dict)  # (order, "once" | "twice") -> raw_dump(...)
    shard_runs: dict = field(default_factory=dict)  # (k, night) -> crawl_runs rows of shard k
    shard_wards: dict = field(default_factory=dict)  # (k, night) -> wards of the shard's run
    all_wards: list = field(default_factory=list)
    rebuilt: dict = field(default_factory=dict)  # "single" | "merged" -> (db, Rounds)

    def lineage(self, name: str) -> Rounds:
        return self.rounds.setdefault(name, Rounds())

    def read(self, db: Path, lineage: str, rounds: Rounds | None = None) -> dict | None:
        return read_archive(db, rounds or self.lineage(lineage)) if db.is_file() else None


def _crawl_args(registry: Path, db: Path, *extra: str) -> list[str]:
    return ["crawl", "--wards", str(registry), "--db", str(db), *FAST, *extra]


def _shard_run_wards(db: Path) -> dict[int, set]:
    """run id -> the wards of that run's per-ward figures, in a shard's archive."""
    out: dict[int, set] = {}
    if db.is_file():
        for r in query(db, "select run_id, ward from crawl_run_wards"):
            out.setdefault(r["run_id"], set()).add(r["ward"])
    return out


def _night(sc: Scenario, night: int, mode: tuple[str, ...]) -> None:
    """One night: the single process, then the three shards, then (nights 1-2) N processes."""
    replica, root = sc.replica, sc.root
    # one process
    fresh_faults(replica)
    replica.reset_requests()
    start = time.time()
    sc.results[("single", night)] = run_cli(
        *_crawl_args(sc.registry, sc.single, "--processes", "1", *mode)
    )
    sc.lineage("single").add(start, time.time())
    sc.requests[("single", night)] = requests_of(replica)

    # the three shards: the first night one after the other (to see which portals each one
    # asks), later nights all at once; a different PYTHONHASHSEED each night, so that a shard
    # drawn with Python's salted hash() would move
    fresh_faults(replica)
    replica.reset_requests()
    env = {"PYTHONHASHSEED": str(night)}
    start = time.time()
    for k in SHARDS:
        shard_db(root, k).parent.mkdir(parents=True, exist_ok=True)
    if night == 1:
        union = []
        for k in SHARDS:
            before = len(replica.requests)
            args = _crawl_args(sc.registry, shard_db(root, k), "--shard", f"{k}/{N_SHARDS}")
            sc.results[(f"shard{k}", night)] = finish(start_cli(*args, *mode, env=env))
            asked = replica.requests[before:]
            sc.requests[(f"shard{k}", night)] = sorted((s, m, p) for s, m, p, _ in asked)
            union += sc.requests[(f"shard{k}", night)]
        sc.requests[("shards", night)] = sorted(union)
    else:
        running = {
            k: start_cli(
                *_crawl_args(sc.registry, shard_db(root, k), "--shard", f"{k}/{N_SHARDS}"),
                *mode,
                env=env,
            )
            for k in SHARDS
        }
        for k, process in running.items():
            sc.results[(f"shard{k}", night)] = finish(process)
        sc.requests[("shards", night)] = requests_of(replica)
    sc.lineage("merged").add(start, time.time())
    for k in SHARDS:
        db = shard_db(root, k)
        runs = query(db, "select * from crawl_runs order by id") if db.is_file() else []
        sc.shard_runs[(k, night)] = runs
        by_run = _shard_run_wards(db)
        sc.shard_wards[(k, night)] = by_run.get(runs[-1]["id"], set()) if runs else set()

    # N processes at once (nights 1 and 2)
    if night <= 2:
        fresh_faults(replica)
        replica.reset_requests()
        start = time.time()
        sc.results[("processes", night)] = run_cli(
            *_crawl_args(sc.registry, sc.processes, "--processes", "2", *mode)
        )
        sc.lineage("processes").add(start, time.time())
        sc.requests[("processes", night)] = requests_of(replica)
        sc.content[("processes", night)] = sc.read(sc.processes, "processes")
    sc.content[("single", night)] = sc.read(sc.single, "single")


def _merge(sc: Scenario, order: tuple[int, ...], step: str, one_call: bool) -> None:
    into = merged_db(sc.root, order)
    into.parent.mkdir(parents=True, exist_ok=True)
    shards = [str(shard_db(sc.root, k)) for k in order]
    if one_call:
        sc.results[(step, order)] = run_cli("merge", "--into", str(into), *shards)
        return
    for k, shard in zip(order, shards, strict=True):
        sc.results[(step, order, k)] = run_cli("merge", "--into", str(into), shard)


@pytest.fixture(scope="session")
def scenario(tmp_path_factory) -> Scenario:
    """Three nights of the replica (first crawl; a night of changes and the incremental crawl;
    another night and a ``--full`` crawl), each crawled by one process, by three shards merged
    into archives in all six orders (twice), and (nights 1-2) by ``--processes 2``.
    Afterwards the shards' folders are moved away, and both archives are rebuilt from their
    WARC files with ``reparse``."""
    root = tmp_path_factory.mktemp("shards")
    with ReplicaServer(seed=5, slow_seconds=0.2) as replica:
        replica.write(root / "replica")
        registry = root / "replica" / "wards.toml"
        sc = Scenario(root=root, registry=registry, replica=replica)
        sc.all_wards = [site.slug for site in replica.wards]
        sc.single = root / "single" / "archive.db"
        sc.processes = root / "processes" / "archive.db"
        sc.single.parent.mkdir()
        sc.processes.parent.mkdir()

        # night 1: first crawls, then every order of merging, each merged twice
        _night(sc, 1, ())
        for order in ORDERS:
            _merge(sc, order, "merge", one_call=order in ONE_CALL)
            sc.dumps[(order, "once")] = raw_dump(merged_db(root, order))
            sc.content[(order, 1)] = sc.read(merged_db(root, order), "merged")
        for order in ORDERS:
            _merge(sc, order, "merge again", one_call=True)
            sc.dumps[(order, "twice")] = raw_dump(merged_db(root, order))

        # night 2: changes, incremental crawls; the shards merged again into two archives
        replica.advance()
        _night(sc, 2, ())
        first, second = HISTORY_ORDERS
        _merge(sc, first, "merge night 2", one_call=True)
        _merge(sc, second, "merge night 2", one_call=False)
        for order in HISTORY_ORDERS:
            sc.content[(order, 2)] = sc.read(merged_db(root, order), "merged")

        # night 3: changes, --full crawls (revisions, tombstones), merged again (twice for one)
        replica.advance()
        _night(sc, 3, ("--full",))
        _merge(sc, first, "merge night 3", one_call=True)
        _merge(sc, second, "merge night 3", one_call=False)
        sc.dumps[(second, "night 3 once")] = raw_dump(merged_db(root, second))
        _merge(sc, second, "merge night 3 again", one_call=True)
        sc.dumps[(second, "night 3 twice")] = raw_dump(merged_db(root, second))
        for order in HISTORY_ORDERS:
            sc.content[(order, 3)] = sc.read(merged_db(root, order), "merged")

    # the shards' folders go away: what the merged archives need must be beside them now
    if (root / "shards").is_dir():
        (root / "shards").rename(moved_shard_db(root, 1).parent.parent)

    # rebuilt from the WARC files alone
    for name, db, lineage in (
        ("single", sc.single, "single"),
        ("merged", merged_db(root, first), "merged"),
    ):
        rebuilt = root / f"rebuilt-{name}.db"
        start = time.time()
        sc.results[("reparse", name)] = run_cli(
            "reparse", "--warc-dir", str(db.parent / "warc"), "--db", str(rebuilt)
        )
        rounds = Rounds(list(sc.lineage(lineage).windows))
        rounds.add(start, time.time())  # the rebuild's own run is a round of its own
        sc.rebuilt[name] = (rebuilt, rounds)
    return sc
