"""Item 3 of the issue: `wardcrawler crawl --processes N` runs N shards at once on one machine
and leaves one archive, with the lock, the summary line and the exit codes of a single run.

The archive of `--processes 2` is compared with `--processes 1`'s (the archive one process
builds) as the merged archives are (`archive_content`), over a first crawl and the incremental
crawl after a night of changes. The lock and the exit codes are tried on a small replica of
their own (two wards, and a third whose portal is down).
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.helpers import FAST, free_port, query
from wardcrawler.portals.registry import load_wards
from wardcrawler.portals.shards import shard_index
from wardcrawler.replica import ReplicaServer

from .archive_content import differences, unreadable_captures
from .conftest import describe, finish, same_requests, start_cli, stop_group

pytestmark = pytest.mark.timeout(900)

SUMMARY = re.compile(r"^wardcrawler: run \d+ \((incremental|full)\) finished in [\d.]+ s: (.+)$")


def _figures(line: str) -> str | None:
    """What a summary line counts (wards, pages, new, ...), without the run number and time."""
    match = SUMMARY.match(line.strip())
    return f"({match.group(1)}) {match.group(2)}" if match else None


@pytest.mark.parametrize("night", [1, 2], ids=["first-crawl", "incremental"])
def test_processes_print_the_one_summary_line_of_a_single_run(scenario, night):
    single = scenario.results[("single", night)]
    many = scenario.results[("processes", night)]
    assert single.returncode == 0, describe(single, "--processes 1")
    assert many.returncode == 0, describe(many, "--processes 2")
    lines = many.stdout.splitlines()
    assert len(lines) == 1 and _figures(lines[0]), (
        f"--processes 2 printed {len(lines)} lines on stdout, expected the one summary line: "
        f"{many.stdout[-1500:]!r}"
    )
    assert not many.stderr.strip(), f"a healthy run is quiet on stderr: {many.stderr[-1500:]!r}"
    # the summary counts the whole run: all the wards, all the pages, once
    assert _figures(lines[0]) == _figures(single.stdout.splitlines()[-1]), (
        lines[0],
        single.stdout,
    )


@pytest.mark.parametrize("night", [1, 2], ids=["first-crawl", "incremental"])
def test_processes_leave_the_archive_one_process_builds(scenario, night):
    single = scenario.content[("single", night)]
    many = scenario.content[("processes", night)]
    assert single is not None and single["articles"], describe(
        scenario.results[("single", night)], "--processes 1"
    )
    assert many is not None, describe(scenario.results[("processes", night)], "--processes 2")
    problems = differences(single, many)
    assert not problems, f"--processes 2, night {night}:\n" + "\n".join(problems)


@pytest.mark.parametrize("night", [1, 2], ids=["first-crawl", "incremental"])
def test_processes_ask_what_one_process_asks(scenario, night):
    """Each portal crawled once, by one process; the incremental night re-fetches nothing that
    one process would not."""
    single = scenario.requests[("single", night)]
    assert single, describe(scenario.results[("single", night)], "--processes 1")
    same_requests(single, scenario.requests[("processes", night)], f"--processes 2, night {night}")


def test_processes_leave_one_archive(scenario):
    """One database and its WARC folder: nothing else a user must merge or clean up."""
    folder = scenario.processes.parent
    databases = sorted(p.name for p in folder.rglob("*.db"))
    assert databases == ["archive.db"], databases
    count, problems = unreadable_captures(scenario.processes)
    assert count == len(scenario.content[("single", 2)]["captures"]), count
    assert not problems, "\n".join(problems[:12])


# ---------------------------------------------------------------- lock and exit codes


def _registry_of(replica: ReplicaServer, slugs: list[str], down: str | None = None) -> str:
    """The replica's registry cut down to `slugs`, with a ward whose portal is down."""
    chunks = ["[[ward]]" + c for c in replica.registry_toml().split("[[ward]]")[1:]]
    kept = [c for c in chunks if any(f'slug = "{s}"' in c for s in slugs)]
    assert len(kept) == len(slugs), slugs
    if down:
        kept.append(
            f'[[ward]]\nslug = "{down}"\nname = "Phường Vắng"\nprovince = "Hà Nội"\n'
            f'url = "http://127.0.0.1:{free_port()}/"\nfamily = "hanoi-portal"\n'
            'categories = ["tin-tuc-su-kien"]\n'
        )
    return "\n".join(c.rstrip() + "\n" for c in kept)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    with ReplicaServer(seed=9, slow_seconds=0.1) as replica:
        slugs = [replica.wards[0].slug, replica.wards[4].slug]
        healthy = folder / "healthy.toml"
        healthy.write_text(_registry_of(replica, slugs), encoding="utf-8")
        broken = folder / "broken.toml"
        broken.write_text(_registry_of(replica, slugs, down="hanoi-vang"), encoding="utf-8")
        yield {"folder": folder, "replica": replica, "healthy": healthy, "broken": broken}


def _one_ward_a_shard(replica: ReplicaServer, registry: Path) -> tuple[Path, list[str]]:
    """A registry at `registry` of two of the replica's wards, one in each of two shards."""
    slugs = [next(w.slug for w in replica.wards if shard_index(w.slug, 2) == k) for k in (1, 2)]
    registry.write_text(_registry_of(replica, slugs), encoding="utf-8")
    return registry, slugs


def _group_pids(leader: int) -> set[int]:
    """The processes of a process group (Linux /proc), the leader included."""
    pids = {leader}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader:
            pids.add(int(stat.parent.name))
    return pids


def test_a_second_crawl_exits_75_while_processes_crawl(small):
    replica, folder = small["replica"], small["folder"]
    db = folder / "locked" / "archive.db"
    db.parent.mkdir()
    slow = ["-s", "DOWNLOAD_DELAY=1", "-s", "AUTOTHROTTLE_ENABLED=False"]
    replica.reset_requests()
    first = start_cli(
        "crawl", "--wards", str(small["healthy"]), "--db", str(db), "--processes", "2", *slow
    )
    try:
        deadline = time.monotonic() + 60
        while len(replica.requests) < 3 and first.poll() is None:
            assert time.monotonic() < deadline, "the first crawl asked nothing in 60 s"
            time.sleep(0.2)
        assert first.poll() is None, "the first crawl ended before the check"
        holders = _group_pids(first.pid)
        for args in (["--processes", "2"], ["--processes", "1"]):
            started = time.monotonic()
            second = finish(
                start_cli("crawl", "--wards", str(small["healthy"]), "--db", str(db), *FAST, *args),
                timeout=60,
            )
            took = time.monotonic() - started
            assert second.returncode == 75, describe(second, "a second crawl of the archive")
            assert took < 20, f"the second crawl took {took:.1f} s to give up"
            named = {int(n) for n in re.findall(r"\d+", second.stderr)}
            assert named & holders, (
                f"stderr should name the process holding the lock (one of {sorted(holders)}): "
                f"{second.stderr[-800:]!r}"
            )
            assert first.poll() is None, "the running crawl was disturbed"
    finally:
        stop_group(first)


def test_ctrl_c_on_a_terminal_stops_every_shard_as_a_single_crawl_and_merges_them(small):
    """Ctrl-C reaches the terminal's foreground process group: the shards stop as a single
    crawl stops on SIGINT (gracefully: their runs closed as `shutdown`; a second SIGINT would
    make Scrapy stop uncleanly), and what they fetched is merged."""
    replica, folder = small["replica"], small["folder"]
    db = folder / "interrupted" / "archive.db"
    db.parent.mkdir()
    registry, slugs = _one_ward_a_shard(replica, folder / "one-a-shard.toml")
    slow = ["-s", "DOWNLOAD_DELAY=1", "-s", "AUTOTHROTTLE_ENABLED=False"]
    replica.reset_requests()
    crawl = start_cli("crawl", "--wards", str(registry), "--db", str(db), "--processes", "2", *slow)
    try:
        deadline = time.monotonic() + 60
        while len(replica.requests) < 12 and crawl.poll() is None:  # listings of both wards
            assert time.monotonic() < deadline, "the shards asked too little in 60 s"
            time.sleep(0.2)
        assert crawl.poll() is None, "the crawl ended before Ctrl-C"
        os.killpg(crawl.pid, signal.SIGINT)  # what a terminal does: the foreground group
        result = finish(crawl, timeout=120)
    finally:
        stop_group(crawl)
    runs = query(db, "SELECT shard, status FROM crawl_runs ORDER BY shard")
    stopped = [(r["shard"], r["status"]) for r in runs]
    assert stopped == [("1/2", "shutdown"), ("2/2", "shutdown")], describe(result, "Ctrl-C")
    assert result.returncode == 1, describe(result, "Ctrl-C: not finished, as a single crawl")
    listed = query(db, "SELECT count(*) AS n FROM listing_entries")[0]["n"]
    assert listed > 0, "the listings the shards read are merged into the archive"
    assert not list((db.parent / "shards").glob("*/archive.db")), "every shard merged"
    lines = (result.stdout + result.stderr).splitlines()
    assert len([line for line in lines if line.startswith("wardcrawler: run ")]) == 1, lines


def test_verbose_processes_show_every_shards_log_and_one_summary(small, tmp_path):
    registry, slugs = _one_ward_a_shard(small["replica"], tmp_path / "one-a-shard.toml")
    args = ["crawl", "--wards", str(registry), "--db", str(tmp_path / "archive.db"), *FAST]
    result = finish(start_cli(*args, "--processes", "2", "-v"), timeout=240)
    assert result.returncode == 0, describe(result, "--processes 2 -v")
    closed = re.findall(r"\[scrapy\.core\.engine\] INFO: Spider closed", result.stderr)
    assert len(closed) == 2, f"a log per shard on stderr: {result.stderr[-1500:]!r}"
    assert all(slug in result.stderr for slug in slugs), "each shard's ward in the log"
    assert len([line for line in result.stdout.splitlines() if SUMMARY.match(line)]) == 1
    repeated = [line for line in result.stderr.splitlines() if SUMMARY.match(line)]
    assert not repeated, "the shards' own summaries are not repeated"
    quiet = finish(start_cli(*args, "--processes", "2"), timeout=240)
    assert (quiet.returncode, quiet.stderr) == (0, ""), describe(quiet, "without -v: nothing")


def test_a_broken_ward_exits_3_as_in_a_single_run(small):
    running = {}
    for n in ("1", "2"):  # both at once: two archives
        db = small["folder"] / f"broken-{n}" / "archive.db"
        db.parent.mkdir()
        args = ["crawl", "--wards", str(small["broken"]), "--db", str(db), "--processes", n]
        running[n] = start_cli(*args, *FAST)
    results = {n: finish(process, timeout=240) for n, process in running.items()}
    single, many = results["1"], results["2"]
    assert single.returncode == 3, describe(single, "--processes 1")
    assert many.returncode == 3, describe(many, "--processes 2")
    assert not many.stdout.strip(), f"a failed run prints on stderr only: {many.stdout!r}"

    def broken_lines(result):
        return sorted(
            line for line in result.stderr.splitlines() if line.startswith("wardcrawler: broken")
        )

    assert broken_lines(single) and broken_lines(many) == broken_lines(single), many.stderr
    assert all("hanoi-vang" in line for line in broken_lines(many)), broken_lines(many)
    summaries = [line for line in many.stderr.splitlines() if SUMMARY.match(line)]
    assert len(summaries) == 1, f"expected one summary line on stderr: {many.stderr[-2000:]!r}"
    assert _figures(summaries[0]) == next(
        _figures(line) for line in single.stderr.splitlines() if SUMMARY.match(line)
    )


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--processes", "0"], 2),
        (["--processes", "two"], 2),
        (["--processes", "2", "--ward", "no-such-ward"], 2),
        (["--processes", "2", "--db", "/nonexistent-folder/archive.db"], 4),
    ],
    ids=["zero", "not-a-number", "unknown-ward", "db-folder-missing"],
)
def test_processes_exit_codes_of_a_single_run(small, tmp_path, args, code):
    db = tmp_path / "archive.db"
    base = ["crawl", "--wards", str(small["healthy"]), *FAST]
    if "--db" not in args:
        base += ["--db", str(db)]
    small["replica"].reset_requests()
    result = finish(start_cli(*base, *args), timeout=120)
    assert result.returncode == code, describe(result, " ".join(args))
    assert not small["replica"].requests, "nothing may be asked before the command line is good"
    assert not db.exists(), "a refused command writes nothing"


@pytest.mark.parametrize(
    ("processes", "per_process"),
    [(None, None), (None, "1"), ("auto", "1"), ("1", "1")],
    ids=["default", "default-one-portal-a-process", "auto-one-portal-a-process", "one"],
)
def test_by_default_a_crawl_takes_a_core_per_share_of_portals(
    small, tmp_path, processes, per_process
):
    """No --processes (or `auto`): one process per core, each with
    WARDCRAWLER_PORTALS_PER_PROCESS portals at least (200 by default: the wards of `small` are
    one process's work). `--processes 1`: one process."""
    db = tmp_path / "archive.db"
    extra = ["--processes", processes] if processes else []
    extra += ["-s", f"WARDCRAWLER_PORTALS_PER_PROCESS={per_process}"] if per_process else []
    args = ["crawl", "--wards", str(small["healthy"]), "--db", str(db), *FAST, *extra]
    result = finish(start_cli(*args), timeout=240)
    assert result.returncode == 0, describe(result, " ".join(args))
    wards = len(load_wards(small["healthy"]))
    auto = per_process and processes != "1"
    expected = min(len(os.sched_getaffinity(0)), wards) if auto else 1
    shards = sorted(str(r["shard"]) for r in query(db, "SELECT shard FROM crawl_runs"))
    if expected == 1:
        assert shards == ["None"], f"one process, one run without a shard: {shards}"
    else:
        assert shards == [f"{k}/{expected}" for k in range(1, expected + 1)], shards
    assert len([line for line in result.stdout.splitlines() if SUMMARY.match(line)]) == 1
    assert query(db, "SELECT count(*) AS n FROM articles")[0]["n"] > 0
