"""Whether an archive can be used, checked before a command writes anything, and plain words for
the errors that make it unusable while a command runs.

A corrupt, read-only or locked database, a folder that does not exist or cannot be written, a
WARC folder that cannot be written, a full disk: each is an `ArchiveProblem`, one line naming
the file, what is wrong and what to do. The commands print it and exit with code 4 (75 when
another program holds the database locked). The checks write nothing: a probe file is created
and removed in a folder that must be writable, and a write transaction is opened and rolled back
on an existing database.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import tempfile
from contextlib import closing
from pathlib import Path

from wardcrawler.store.schema import SCHEMA_VERSION

EXIT_CODE = 4  # commands exit with it on an ArchiveProblem (EX_TEMPFAIL, 75, when locked)
SQLITE_HEADER = b"SQLite format 3\x00"
QUICK_CHECK_MAX_BYTES = 512 * 1024 * 1024  # larger databases: schema only (quick_check ~ 1 s/GB)
MIN_FREE_BYTES = 16 * 1024 * 1024  # a disk with less free space is full for the archive
PROBE_BYTES = 4096
LOCK_WAIT_SECONDS = 2.0
CORRUPT = "restore it from a backup, or rebuild it from its WARC files with `wardcrawler reparse`"
FULL = "free space on that disk, then run again"
WRITABLE = "make it writable for this user, or choose another path"


class ArchiveProblem(Exception):
    """An archive (or a file beside it) that a command cannot use; the message says what to do."""

    def __init__(self, path: Path | str, problem: str, advice: str, locked: bool = False) -> None:
        super().__init__(f"{path}: {problem}; {advice}")
        self.path, self.locked = str(path), locked

    @property
    def exit_code(self) -> int:
        """The exit code of a command stopped by this problem."""
        return 75 if self.locked else EXIT_CODE


# --- before a command -------------------------------------------------------------------------


def check_writable_folder(folder: Path, what: str, min_free: int = MIN_FREE_BYTES) -> None:
    """`folder` exists and can be written, or can be created; its disk is not full."""
    folder = Path(os.path.abspath(folder))
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise ArchiveProblem(
            existing,
            f"is a file, not a folder (the folder for {what} would be under it)",
            "choose another path",
        )
    problem = _write_probe(existing)
    if problem:
        where = folder if existing == folder else f"{folder} (to be created in {existing})"
        raise ArchiveProblem(
            where, f"the folder for {what} cannot be written ({problem})", WRITABLE
        )
    check_free_space(existing, min_free)


def check_folder_exists(folder: Path, advice: str) -> None:
    """`folder` exists (a missing folder, or a file in its path, is an ArchiveProblem)."""
    folder = Path(os.path.abspath(folder))
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise ArchiveProblem(existing, "is a file, not a folder", "choose another path")
    if existing != folder:
        raise ArchiveProblem(folder, "this folder does not exist", advice)


def check_free_space(path: Path, min_free: int = MIN_FREE_BYTES) -> None:
    """The disk holding `path` has at least `min_free` bytes free."""
    free = free_bytes(path)
    if free is not None and free < min_free:
        raise ArchiveProblem(
            path, f"the disk is full ({_mb(free)} free, at least {_mb(min_free)} needed)", FULL
        )


def free_bytes(path: Path) -> int | None:
    """Bytes available to this user on the disk holding `path` (None when unknown)."""
    try:
        found = os.statvfs(_nearest_existing(path))
    except OSError:
        return None
    return found.f_bavail * found.f_frsize


def check_writable_archive(db: Path) -> None:
    """Before a crawl: the database, if it exists, is an archive in good order (or an empty
    file) that can be written (its folder is checked by `check_writable_folder`)."""
    if not db.exists():
        return
    tables, version = check_readable_database(db)
    if tables and not version:
        raise _foreign(db, tables)
    if version > SCHEMA_VERSION:
        raise ArchiveProblem(
            db,
            f"was written by a newer wardcrawler (schema {version}, this "
            f"one knows up to {SCHEMA_VERSION})",
            "upgrade wardcrawler",
        )
    if not _may_write(db):
        raise ArchiveProblem(
            db, "is read-only", "make it writable (chmod u+w) or choose another --db"
        )
    try:
        with closing(sqlite3.connect(db, timeout=LOCK_WAIT_SECONDS)) as connection:
            connection.execute("begin immediate")
            connection.execute("rollback")
    except sqlite3.Error as exc:
        raise problem_of(exc, db) or _unreadable(db, exc) from exc


def check_readable_archive(db: Path) -> None:
    """The database is a wardcrawler archive that can be read (export)."""
    tables, version = check_readable_database(db)
    if tables and not version:
        raise _foreign(db, tables)
    if "articles" not in tables:
        raise ArchiveProblem(
            db,
            "is not a wardcrawler archive yet (no articles table)",
            "run `wardcrawler crawl` first, or give the right --db",
        )


def check_readable_database(db: Path) -> tuple[set[str], int]:
    """The database exists and is an SQLite database in good order that can be read; returns
    its tables and schema version (`PRAGMA user_version`, 0 for another program's)."""
    if not db.exists():
        where = "" if db.parent.is_dir() else f" (the folder {db.parent} does not exist)"
        raise ArchiveProblem(
            db, f"no archive here{where}", "run `wardcrawler crawl` first, or give the right --db"
        )
    if db.is_dir():
        raise ArchiveProblem(db, "is a folder, not a database file", "give the database's path")
    try:
        with db.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise ArchiveProblem(
            db, f"cannot be read ({exc.strerror})", "make it readable for this user"
        ) from exc
    if header and header != SQLITE_HEADER:
        raise ArchiveProblem(db, "is not an SQLite database (a corrupt or foreign file)", CORRUPT)
    try:
        return _tables_checked(db)
    except sqlite3.Error as exc:
        if "readonly" in str(exc):  # WAL mode: readers too need DB-shm, created beside DB
            raise ArchiveProblem(
                db,
                "cannot be read: SQLite must create its DB-shm file beside "
                "it (WAL mode) and the folder is read-only",
                "make the folder writable, or copy the archive to a writable folder",
            ) from exc
        raise problem_of(exc, db) or _unreadable(db, exc) from exc


def check_new_database(db: Path, min_free: int = MIN_FREE_BYTES) -> None:
    """A database about to be built (reparse): its folder can be written."""
    check_writable_folder(db.parent, "the new database", min_free)


def check_warc_folder(folder: Path, min_free: int = MIN_FREE_BYTES) -> None:
    """The WARC folder can be written (or created) and its disk is not full."""
    check_writable_folder(folder, "the WARC files (--warc-dir)", min_free)


# --- while a command runs ---------------------------------------------------------------------


def problem_of(error: BaseException, db: Path | str, other: Path | str | None = None):
    """The `ArchiveProblem` an error means (None for errors that are not about the archive).

    SQLite errors are about the database `db`; an OSError names its file, else `other` (the
    WARC folder, an output file), else `db`.
    """
    if isinstance(error, ArchiveProblem):
        return error
    if isinstance(error, sqlite3.Error):
        return _sqlite_problem(str(error), db)
    if isinstance(error, OSError):
        path = error.filename or other or db
        reason = error.strerror or str(error)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return ArchiveProblem(path, f"the disk is full ({reason})", FULL)
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return ArchiveProblem(path, f"cannot be written ({reason})", WRITABLE)
        if error.errno == errno.EIO:
            return ArchiveProblem(path, f"input/output error ({reason})", "check the disk")
    return None


def _sqlite_problem(message: str, db: Path | str) -> ArchiveProblem | None:
    """An SQLite error message in plain words."""
    text = message.lower()
    if "full" in text:
        return ArchiveProblem(db, f"the disk is full (SQLite: {message})", FULL)
    if "readonly" in text or "read-only" in text:
        advice = "make the file and its folder (SQLite writes DB-wal and DB-shm there) writable"
        return ArchiveProblem(db, f"cannot be written (SQLite: {message})", advice)
    if "locked" in text or "busy" in text:
        return ArchiveProblem(
            db,
            "is locked by another program (not a wardcrawler crawl)",
            "try again when it is done",
            locked=True,
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return ArchiveProblem(db, f"is corrupt (SQLite: {message})", CORRUPT)
    if "unable to open" in text:
        return ArchiveProblem(
            db,
            f"cannot be opened (SQLite: {message})",
            "check that its folder exists and can be written",
        )
    if "disk i/o" in text:
        return ArchiveProblem(db, f"input/output error (SQLite: {message})", "check the disk")
    return None


# --- helpers ----------------------------------------------------------------------------------


def _tables_checked(db: Path) -> tuple[set[str], int]:
    """The tables and schema version of a database opened read-only, after an integrity check
    when it is small."""
    with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        found = connection.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
        )
        tables = {row[0] for row in found}
        version = connection.execute("pragma user_version").fetchone()[0]
        if db.stat().st_size <= QUICK_CHECK_MAX_BYTES:
            verdict = connection.execute("pragma quick_check(1)").fetchone()[0]
            if verdict != "ok":
                found = " ".join(verdict.replace("*** in database main ***", "").split())
                raise sqlite3.DatabaseError(f"database disk image is malformed ({found})")
    return tables, version


def _foreign(db: Path, tables: set[str]) -> ArchiveProblem:
    """A database that some other program made."""
    shown = ", ".join(sorted(tables)[:3])
    return ArchiveProblem(
        db, f"is an SQLite database of another program (tables {shown})", "choose another --db"
    )


def _unreadable(db: Path, exc: sqlite3.Error) -> ArchiveProblem:
    """An SQLite error without a plainer meaning."""
    return ArchiveProblem(db, f"cannot be used (SQLite: {exc})", CORRUPT)


def _nearest_existing(path: Path) -> Path:
    """`path`, or its nearest ancestor that exists."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _may_write(path: Path) -> bool:
    """Whether this user may write `path`; a file or folder with no write bit at all counts as
    read-only even for root (as `rm` treats a write-protected file)."""
    if not os.access(path, os.W_OK):
        return False
    mode = path.stat().st_mode
    return bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _write_probe(folder: Path) -> str | None:
    """Why a small file cannot be written in `folder` (None when it can: it is removed); a full
    disk raises its ArchiveProblem."""
    if not _may_write(folder):
        return "read-only"
    try:
        handle, name = tempfile.mkstemp(prefix=".wardcrawler-probe-", dir=folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        with os.fdopen(handle, "wb") as probe:
            probe.write(b"\0" * PROBE_BYTES)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ArchiveProblem(folder, f"the disk is full ({exc.strerror})", FULL) from exc
        return exc.strerror or str(exc)
    finally:
        os.unlink(name)
    return None


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
