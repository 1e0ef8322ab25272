"""Archives that cannot be used: one or two lines naming the file and what to do, exit code 4
(75 when another program holds the database), no traceback, nothing written half-way.

File modes are the ground truth here. Run as root, the commands run without the capabilities
that let root ignore file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as any other user
would; full disks are small tmpfs mounts (root only; skipped otherwise).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from tests.helpers import FAST, query
from wardcrawler.store.archive import Archive

COMMANDS = ("crawl", "backfill", "serve", "export")
# Runs `wardcrawler ARGS` without the capabilities that let root ignore file modes.
UNPRIVILEGED = textwrap.dedent("""
    import ctypes, os, sys
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            sys.exit(99)
    os.execv(sys.executable, [sys.executable, "-m", "wardcrawler", *sys.argv[1:]])
""")


def run(*args: str, privileged: bool = False, env: dict | None = None):
    """`wardcrawler ARGS` in a child process, bound by file modes unless `privileged`."""
    base = [sys.executable, "-m", "wardcrawler"]
    if os.geteuid() == 0 and not privileged:
        base = [sys.executable, "-c", UNPRIVILEGED]
    environment = {**os.environ, **(env or {})}
    result = subprocess.run([*base, *args], capture_output=True, text=True, timeout=300,
                            env=environment)  # fmt: skip
    if result.returncode == 99:
        pytest.skip("cannot drop root's capabilities here")
    return result


def assert_refused(result, path, *words: str, code: int = 4) -> None:
    """Exit `code`, one or two stderr lines naming `path` and saying `words`, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert 1 <= len(lines) <= 2 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("wardcrawler: ") and str(path) in lines[0], lines
    for word in words:
        assert word in lines[0], lines
    assert result.stdout == ""


def files(folder: Path) -> dict[str, str]:
    """Every file under `folder` with the SHA-256 of its content."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def archive(path: Path, rows: int = 0) -> Path:
    """A real, empty archive database (with `rows` fetch_errors rows to give it pages)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    store = Archive(path)
    text = "Trang không tải được. " * 40
    store.db["fetch_errors"].insert_all(
        {"url": f"http://x/{i}", "reason": text} for i in range(rows)
    )
    store.close()
    return path


def command_args(command: str, db: Path) -> list[str]:
    """A command line of `command` on `db` (registry wards of the shipped registry)."""
    if command in ("crawl", "backfill"):
        return [command, "--ward", "hanoi-phucloi", "--db", str(db)]
    return [command, "--db", str(db)]


# --- corrupt databases ------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_of_random_bytes_is_refused_and_left_as_it_was(tmp_path, command):
    db = tmp_path / "wards.db"
    db.write_bytes(random.Random(10).randbytes(100_000))
    before = files(tmp_path)
    result = run(*command_args(command, db))
    assert_refused(result, db, "is not an SQLite database", "wardcrawler reparse")
    after = files(tmp_path)
    after.pop("wards.db.lock", None)  # the crawl lock (an empty file), nothing else
    assert after == before


@pytest.mark.parametrize("damage", ["truncated", "scribbled"])
def test_a_damaged_archive_is_refused_before_a_crawl_writes_to_it(tmp_path, damage):
    db = archive(tmp_path / "wards.db", rows=400)
    data = bytearray(db.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        page = 4096 * (len(data) // 4096 // 2)
        data[page : page + 3 * 4096] = random.Random(3).randbytes(3 * 4096)
    db.write_bytes(bytes(data))
    result = run(*command_args("crawl", db))
    assert_refused(result, db, "is corrupt", "malformed")
    assert db.read_bytes() == bytes(data)
    assert_refused(run(*command_args("export", db)), db, "is corrupt")


def test_a_database_of_another_program_is_not_turned_into_an_archive(tmp_path):
    db = tmp_path / "notes.db"
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("create table notes (id integer primary key, text)")
        connection.execute("create table articles (isbn text primary key)")  # a name like ours
    before = files(tmp_path)
    assert_refused(
        run(*command_args("crawl", db)), db, "of another program (tables articles, notes)"
    )
    assert_refused(run(*command_args("export", db)), db, "of another program")
    assert {k: v for k, v in files(tmp_path).items() if not k.endswith(".lock")} == before


# --- read-only files and folders --------------------------------------------------------------


@pytest.mark.parametrize("privileged", [False, True], ids=["user", "root"])
def test_a_read_only_database_is_refused_by_the_crawl_and_still_read(tmp_path, privileged):
    if privileged and os.geteuid() != 0:
        pytest.skip("root only")
    db = archive(tmp_path / "wards.db")
    db.chmod(0o444)
    before = db.read_bytes()
    for command in ("crawl", "backfill"):
        result = run(*command_args(command, db), privileged=privileged)
        assert_refused(result, db, "is read-only", "chmod u+w")
    assert db.read_bytes() == before
    assert query(db, "select count(*) n from crawl_runs") == [{"n": 0}]
    exported = run("export", "--db", str(db))  # reading a read-only archive is fine
    assert (exported.returncode, exported.stdout) == (0, "")


def test_a_read_only_folder_is_refused_and_nothing_is_created_in_it(tmp_path):
    folder = tmp_path / "archive"
    db = archive(folder / "wards.db")
    folder.chmod(0o555)
    try:
        before = files(folder)
        for command in ("crawl", "backfill"):
            assert_refused(run(*command_args(command, db)), folder, "cannot be written")
        # readers of a WAL database create DB-shm beside it: serve and export say so
        for command in ("serve", "export"):
            assert_refused(run(*command_args(command, db)), db, "DB-shm", "read-only")
        assert files(folder) == before
    finally:
        folder.chmod(0o755)


def test_a_folder_that_does_not_exist_or_cannot_be_created_is_refused(tmp_path):
    blocker = tmp_path / "wards.db"  # a file where a folder should be
    blocker.write_text("not a folder", encoding="utf-8")
    for command in ("crawl", "backfill"):
        result = run(*command_args(command, blocker / "archive" / "wards.db"))
        assert_refused(result, blocker, "is a file, not a folder")
    typo = tmp_path / "archvie" / "wards.db"  # an explicit --db never starts a new folder
    for command in ("crawl", "backfill", "serve", "export"):
        result = run(*command_args(command, typo))
        assert_refused(result, typo.parent, "does not exist")
    assert not typo.parent.exists()
    locked_up = tmp_path / "locked"
    locked_up.mkdir(mode=0o555)
    try:
        home = {"WARDCRAWLER_ARCHIVE": str(locked_up / "archive")}  # the default archive
        result = run("crawl", "--ward", "hanoi-phucloi", env=home)
        assert_refused(result, locked_up / "archive", "to be created in", "cannot be written")
        warc = tmp_path / "warc"
        warc.mkdir()
        result = run("reparse", "--warc-dir", str(warc), "--db", str(locked_up / "rebuilt.db"))
        assert_refused(result, locked_up, "the new database", "cannot be written")
        assert list(locked_up.iterdir()) == []
    finally:
        locked_up.chmod(0o755)


def test_an_unwritable_warc_folder_stops_the_crawl_before_it_starts(tmp_path):
    db = archive(tmp_path / "wards.db")
    warc = tmp_path / "warc"
    warc.mkdir(mode=0o555)
    try:
        result = run(*command_args("crawl", db))
        assert_refused(result, warc, "WARC files", "cannot be written")
        assert list(warc.iterdir()) == []
    finally:
        warc.chmod(0o755)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where the WARC folder should go", encoding="utf-8")
    result = run(*command_args("crawl", db), "--warc-dir", str(blocker / "warc"))
    assert_refused(result, blocker, "is a file, not a folder")
    assert query(db, "select count(*) n from crawl_runs") == [{"n": 0}]


def test_a_database_locked_by_another_program_is_left_alone(tmp_path):
    db = archive(tmp_path / "wards.db")
    with closing(sqlite3.connect(db)) as holder:
        holder.execute("begin immediate")  # e.g. `sqlite3 wards.db` in a write transaction
        result = run(*command_args("crawl", db))
        holder.execute("rollback")
    assert_refused(result, db, "locked by another program", "try again", code=75)
    assert query(db, "select count(*) n from crawl_runs") == [{"n": 0}]


# --- full disks (root: small tmpfs mounts) ----------------------------------------------------


@contextmanager
def small_disk(folder: Path, size: str):
    """A tmpfs of `size` mounted on `folder` for the test (skips when mounting is not allowed)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(disk: Path) -> None:
    """Fill a disk to its last byte."""
    with (disk / "filler").open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass


def test_a_full_disk_is_refused_before_anything_is_written(tmp_path):
    with small_disk(tmp_path / "disk", "1m") as disk:
        fill(disk)
        db = disk / "wards.db"
        for command in ("crawl", "backfill"):
            assert_refused(run(*command_args(command, db), privileged=True), disk, "disk is full")
        warc = tmp_path / "warc"
        warc.mkdir()
        rebuilt = disk / "rebuilt.db"
        result = run("reparse", "--warc-dir", str(warc), "--db", str(rebuilt), privileged=True)
        assert_refused(result, disk, "disk is full")
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]


def test_a_disk_filling_during_a_crawl_stops_it_cleanly(tmp_path, replica):
    replica.write(tmp_path)
    # by key: an article stored before its first category was read keeps the URL it came by
    truth = {(a["ward"], a["key"]): a for a in replica.ground_truth()["articles"]}
    with small_disk(tmp_path / "disk", "3m") as disk:
        db = disk / "wards.db"
        result = run("crawl", "--wards", str(tmp_path / "wards.toml"), "--db", str(db), *FAST,
                     "-s", "WARDCRAWLER_MIN_FREE_BYTES=1500000", privileged=True)  # fmt: skip
        assert_refused(result, db, "the disk is full", "free space")
        assert "archive_unusable" in result.stderr.splitlines()[1]  # the run's summary line
        assert query(db, "pragma integrity_check") == [{"integrity_check": "ok"}]
        (run_row,) = query(db, "select status, exit_code from crawl_runs")
        assert run_row == {"status": "archive_unusable", "exit_code": 4}
        stored = query(db, "select ward, article_key, title, body from articles")
    for row in stored:  # what was stored before the stop is whole
        expected = truth[(row["ward"], row["article_key"])]
        assert (row["title"], row["body"]) == (expected["title"], expected["body"])


def test_a_database_that_fills_its_disk_stops_the_crawl_with_the_reason(tmp_path, replica):
    replica.write(tmp_path)
    with small_disk(tmp_path / "disk", "2m") as disk:
        db = disk / "wards.db"
        result = run("crawl", "--wards", str(tmp_path / "wards.toml"), "--db", str(db), *FAST,
                     "--warc-dir", "off", "-s", "WARDCRAWLER_MIN_FREE_BYTES=0",
                     privileged=True)  # fmt: skip
        assert_refused(result, db, "the disk is full", "database or disk is full")
        assert query(db, "pragma integrity_check") == [{"integrity_check": "ok"}]


def test_a_warc_folder_that_fills_its_disk_stops_the_crawl_with_the_reason(tmp_path, replica):
    replica.write(tmp_path)
    with small_disk(tmp_path / "disk", "300k") as disk:
        db = tmp_path / "wards.db"
        result = run("crawl", "--wards", str(tmp_path / "wards.toml"), "--db", str(db), *FAST,
                     "--warc-dir", str(disk), "-s", "WARDCRAWLER_MIN_FREE_BYTES=0",
                     privileged=True)  # fmt: skip
    assert_refused(result, disk, "the disk is full")


def test_an_export_to_a_full_disk_leaves_the_previous_file_whole(tmp_path):
    db = archive(tmp_path / "wards.db")
    store = Archive(db)
    store.save_ward({"slug": "hanoi-phucloi", "name": "Phường Phúc Lợi", "province": "Hà Nội",
                     "district": None, "url": "https://x/", "family": "hanoi-portal"})  # fmt: skip
    body = "Nội dung bài viết. " * 2000
    store.db["articles"].insert_all(
        {"ward": "hanoi-phucloi", "article_key": str(i), "url": f"https://x/{i}.htm",
         "title": f"Bài {i}", "body": body} for i in range(60)
    )  # fmt: skip
    store.close()
    with small_disk(tmp_path / "disk", "1m") as disk:
        output = disk / "articles.jsonl"
        output.write_text('{"old": "export"}\n', encoding="utf-8")
        result = run("export", "--db", str(db), "--output", str(output), privileged=True)
        assert_refused(result, output, "the disk is full")
        assert output.read_text(encoding="utf-8") == '{"old": "export"}\n'
        assert sorted(p.name for p in disk.iterdir()) == ["articles.jsonl"]
    exported = run("export", "--db", str(db), "--output", str(tmp_path / "articles.jsonl"))
    assert exported.returncode == 0, exported.stderr
    lines = (tmp_path / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["title"] for line in lines) == sorted(
        f"Bài {i}" for i in range(60)
    )
    assert [p.name for p in tmp_path.iterdir() if ".partial" in p.name] == []


def test_a_rebuild_that_fails_half_way_leaves_no_database(tmp_path):
    from wardcrawler.cli.archive import built

    db = tmp_path / "rebuilt.db"

    def fill_then_fail(partial: Path) -> dict:
        archive(partial, rows=50)
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(sqlite3.OperationalError):
        built(db, fill_then_fail)
    assert list(tmp_path.iterdir()) == []
    assert built(db, lambda partial: {"rows": archive(partial, rows=5) and 5}) == {"rows": 5}
    assert [p.name for p in tmp_path.iterdir()] == ["rebuilt.db"]
    assert query(db, "select count(*) n from fetch_errors") == [{"n": 5}]
