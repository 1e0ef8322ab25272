"""Small helpers of the hostile-web suite: the CLI as a subprocess, memory, HTTP, the archive."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

MAIN = Path(__file__).resolve().parents[3]
README = MAIN / "README.md"


def clean_env(home: Path) -> dict[str, str]:
    """The environment of every subprocess: no proxies, the archive in the test's folder."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = "*"
    env["WARDCRAWLER_ARCHIVE"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    return env


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return out


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo.extend(_children(p))
    return seen


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def peak_rss_kb(pid: int) -> int:
    """The largest peak resident set (VmHWM) among ``pid`` and its descendants, in KiB."""
    return max((_status_kb(p, "VmHWM") for p in tree(pid)), default=0)


class PeakWatcher:
    """Polls the peak RSS of a process tree every 50 ms in a thread."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, peak_rss_kb(self.pid))
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    started: float  # time.monotonic()
    ended: float
    peak_rss_kb: int
    timed_out: bool = False

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self, lines: int = 40) -> str:
        tail = "\n".join(self.stderr.splitlines()[-lines:])
        return (
            f"$ wardcrawler {' '.join(self.args)}\n-> exit {self.returncode} after "
            f"{self.seconds:.1f} s{' (TIMED OUT, killed)' if self.timed_out else ''}\n"
            f"stdout: {self.stdout[-2000:]!r}\nstderr (last {lines} lines):\n{tail}"
        )


_LIMITED = (
    "import resource, runpy, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "n = int(sys.argv.pop(1))\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))\n"
    "sys.argv[0] = 'wardcrawler'\n"
    "runpy.run_module('wardcrawler', run_name='__main__', alter_sys=True)\n"
)


def run_cli_disk_full(args: list[str], cwd: Path, max_file_bytes: int, timeout: float) -> Run:
    """``python -m wardcrawler ARGS`` where no file can grow past ``max_file_bytes``: writes
    beyond fail with EFBIG, as on a full disk. Output goes through pipes (not limited)."""
    cwd.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _LIMITED, str(max_file_bytes), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=clean_env(cwd),
        start_new_session=True,
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    ended = time.monotonic()
    return Run(
        args=list(args),
        returncode=proc.returncode,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        seconds=ended - started,
        started=started,
        ended=ended,
        peak_rss_kb=0,
        timed_out=timed_out,
    )


def run_cli(args: list[str], cwd: Path, timeout: float, env: dict | None = None) -> Run:
    """Run ``python -m wardcrawler ARGS`` to completion, measuring its peak memory."""
    cwd.mkdir(parents=True, exist_ok=True)
    n = len(list(cwd.glob("cli-*.out")))
    out_path, err_path = cwd / f"cli-{n}.out", cwd / f"cli-{n}.err"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    timed_out = False
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "wardcrawler", *args],
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env if env is not None else clean_env(cwd),
            start_new_session=True,
        )
        with PeakWatcher(proc.pid) as watcher:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
        ended = time.monotonic()
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak = watcher.peak_kb
    if after > before:  # this child set a new record: that record is its own peak
        peak = max(peak, after)
    return Run(
        args=list(args),
        returncode=proc.returncode,
        stdout=out_path.read_text("utf-8", "replace"),
        stderr=err_path.read_text("utf-8", "replace"),
        seconds=ended - started,
        started=started,
        ended=ended,
        peak_rss_kb=peak,
        timed_out=timed_out,
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Served(contextlib.AbstractContextManager):
    """``wardcrawler serve`` as a subprocess, until the context ends."""

    def __init__(self, args: list[str], cwd: Path, port: int):
        self.args, self.cwd, self.port = args, cwd, port
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.log = cwd / f"serve-{port}.log"

    def __enter__(self):
        self.cwd.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "wardcrawler", *self.args],
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=clean_env(self.cwd),
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited {self.proc.returncode}: {self.read_log()}")
            with contextlib.suppress(OSError):
                status, _, _ = http_get(self.base + "/-/versions.json", timeout=2)
                if status == 200:
                    return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"serve did not answer within 60 s: {self.read_log()}")

    def read_log(self) -> str:
        return self.log.read_text("utf-8", "replace")[-3000:]

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
        return None


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


def http_get(url: str, timeout: float = 30, limit: int = 50_000_000, headers=None):
    """GET ``url``: (status, headers as a lowercase dict, at most ``limit`` bytes of body)."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = u.path + ("?" + u.query if u.query else "")
        conn.request("GET", path or "/", headers=headers or {})
        resp = conn.getresponse()
        chunks, got = [], 0
        while got <= limit:
            chunk = resp.read(min(1 << 20, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, b"".join(chunks)
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# The archive
# --------------------------------------------------------------------------------------------


def query(db: Path, sql: str, params=()) -> list[dict]:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def tables(db: Path) -> dict[str, list[str]]:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: [r[1] for r in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}


def find_text(db: Path, needle: str) -> list[str]:
    """Every table.column of ``db`` whose text holds ``needle``."""
    hits = []
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        for table, columns in tables(db).items():
            for col in columns:
                try:
                    (n,) = conn.execute(
                        f'SELECT count(*) FROM "{table}" WHERE instr(CAST("{col}" AS TEXT), ?) > 0',
                        (needle,),
                    ).fetchone()
                except sqlite3.Error:
                    continue
                if n:
                    hits.append(f"{table}.{col} ({n} rows)")
    return hits


C0 = re.compile(r"[\x00-\x08\x0b-\x1f]")


# --------------------------------------------------------------------------------------------
# Unwritable files and folders, even for root
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def unwritable(path: Path):
    """Make ``path`` (a file or a folder) unwritable: chmod, and ``chattr +i`` when root."""
    mode = path.stat().st_mode
    immutable = False
    path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
            immutable = done.returncode == 0
            if not immutable:
                pytest.skip(f"running as root and chattr +i failed: {done.stderr!r}")
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        path.chmod(mode)


# --------------------------------------------------------------------------------------------
# The README
# --------------------------------------------------------------------------------------------


def documented_exit_codes() -> set[int]:
    text = README.read_text("utf-8")
    return {int(m) for m in re.findall(r"^\| (\d+) \|", text, flags=re.M)}
