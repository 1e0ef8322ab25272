"""Progress on a terminal: live figures on standard error when it is one, nothing when it is not.

Crawls and `reparse` run as child processes whose standard error is a pseudo-terminal (their
standard output a pipe, where the summary line goes); what the terminal showed is read back
with escape sequences removed. Then the progress extension's counting, in process.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from tests.helpers import FAST, run_cli
from wardcrawler.crawler import progress
from wardcrawler.crawler.progress import CrawlProgress, watch_outcomes
from wardcrawler.crawler.spiders.wards import WardsSpider
from wardcrawler.items import ArticleGone, PageFailure
from wardcrawler.portals.registry import Ward
from wardcrawler.progress import FileBar, read_bars
from wardcrawler.replica import ReplicaServer

ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-B])")
PORTALS = re.compile(r"(\d+)/(\d+) portals")
SUMMARY = re.compile(
    r"wardcrawler: run \d+ \(incremental\) finished in \d+ s: (\d+) wards, (\d+) pages, .*\n"
)
FIGURES = re.compile(r"^  (\d+) pages · [\d.]+ pages/s · \d+ failed$", re.M)
TIMEOUT = 120


@dataclass
class Shown:
    """A command run with standard error on a terminal."""

    code: int
    terminal: str  # what the terminal showed, without escape sequences, \r as line ends
    stdout: str

    def lines(self) -> list[str]:
        return [line for line in self.terminal.splitlines() if line.strip()]


def on_terminal(*args: str, columns: int = 100) -> Shown:
    """Run `wardcrawler ARGS` with standard error on a pseudo-terminal `columns` wide."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    unset = ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(TERM="xterm-256color", PYTHONIOENCODING="utf-8")
    command = [sys.executable, "-m", "wardcrawler", *args]
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    shown = bytearray()
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 1.0)[0]:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
        stdout, _ = process.communicate(timeout=TIMEOUT)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    text = ESCAPES.sub("", shown.decode("utf-8")).replace("\r\n", "\n").replace("\r", "\n")
    return Shown(process.returncode, text, stdout.decode("utf-8"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A replica of its own (its faults and request log are not the session's)."""
    folder = tmp_path_factory.mktemp("progress")
    with ReplicaServer(slow_seconds=0.5) as replica:
        replica.write(folder)
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        yield folder, [w["slug"] for w in truth["wards"]]


def crawl_args(folder: Path, db: str, *more: str) -> list[str]:
    """`crawl` of the replica's registry into `folder/db` (its folder made), fast."""
    (folder / db).parent.mkdir(exist_ok=True)
    return ["crawl", "--wards", str(folder / "wards.toml"), "--db", str(folder / db), *FAST, *more]


@pytest.fixture(scope="module")
def one_ward(site) -> Shown:
    """A `--verbose` crawl of one ward on a terminal (its WARC file is reparsed below)."""
    folder, slugs = site
    return on_terminal(*crawl_args(folder, "one/wards.db", "--ward", slugs[0], "-v"))


# --- crawl -----------------------------------------------------------------------------------


def test_a_crawl_on_a_terminal_shows_portals_pages_and_time_then_its_summary(site):
    folder, slugs = site
    shown = on_terminal(*crawl_args(folder, "all/wards.db"))
    assert shown.code == 0, shown.terminal[-3000:]
    counts = [(int(done), int(total)) for done, total in PORTALS.findall(shown.terminal)]
    assert counts, shown.terminal[-3000:]
    assert all(total == len(slugs) and done <= total for done, total in counts)
    assert counts[-1] == (len(slugs), len(slugs))  # every portal done at the end
    assert counts[0][0] < len(slugs)  # drawn while the crawl ran, not only at its end
    assert "elapsed" in shown.lines()[-2] and shown.lines()[-2].endswith("0:00:00 left")
    pages = [int(n) for n in FIGURES.findall(shown.terminal.replace(",", ""))]
    summary = SUMMARY.fullmatch(shown.stdout)  # the summary line, alone, on standard output
    assert summary, shown.stdout
    assert int(summary[1]) == len(slugs)
    # responses counted as they come: HTTP error pages too, so at least the pages read
    assert pages[-1] >= int(summary[2]) > 0
    assert pages == sorted(pages) and pages[0] < pages[-1]
    assert "Traceback" not in shown.terminal


def test_a_crawl_in_two_processes_shows_one_display_of_both_shards(site):
    folder, slugs = site
    shown = on_terminal(*crawl_args(folder, "two/wards.db", "--processes", "2"))
    assert shown.code == 0, shown.terminal[-3000:]
    counts = [(int(done), int(total)) for done, total in PORTALS.findall(shown.terminal)]
    assert counts, shown.terminal[-3000:]
    assert all(done <= total <= len(slugs) for done, total in counts)
    assert counts[-1] == (len(slugs), len(slugs))  # both shards' portals, all done
    assert counts[0][0] < len(slugs)
    assert shown.terminal.count("elapsed") >= 1 and shown.lines()[-2].startswith("crawl ")
    pages = [int(n) for n in FIGURES.findall(shown.terminal.replace(",", ""))]
    summary = SUMMARY.fullmatch(shown.stdout)  # one summary line, as a single run prints
    assert summary, shown.stdout
    assert int(summary[1]) == len(slugs)
    assert pages[-1] >= int(summary[2]) > 0 and pages == sorted(pages)
    assert "Traceback" not in shown.terminal


def test_with_standard_error_not_a_terminal_a_crawl_prints_only_its_summary_line(crawl):
    assert crawl.result.returncode == 0, crawl.result.stderr[-3000:]
    assert crawl.result.stderr == ""  # cron mails nothing
    assert SUMMARY.fullmatch(crawl.result.stdout)


def test_the_setting_turns_the_display_off_on_a_terminal(site):
    folder, slugs = site
    off = ("--ward", slugs[-1], "-s", "WARDCRAWLER_PROGRESS=False")
    shown = on_terminal(*crawl_args(folder, "off/wards.db", *off))
    assert shown.code == 0, shown.terminal[-3000:]
    assert shown.terminal == ""
    assert SUMMARY.fullmatch(shown.stdout)


def test_verbose_log_lines_are_printed_whole_above_the_display(one_ward):
    assert one_ward.code == 0, one_ward.terminal[-3000:]
    logged = [line for line in one_ward.lines() if " [scrapy." in line or " [wards]" in line]
    assert any("[scrapy.core.engine] INFO: Spider closed (finished)" in line for line in logged)
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[")
    assert [line for line in logged if not stamp.match(line)] == []  # nothing glued before
    assert PORTALS.findall(one_ward.terminal)[-1] == ("1", "1")
    assert SUMMARY.fullmatch(one_ward.stdout)


# --- reparse ---------------------------------------------------------------------------------


def test_reparse_on_a_terminal_shows_bytes_files_and_captures(site, one_ward, tmp_path):
    folder, _ = site
    warc = folder / "one" / "warc"
    shown = on_terminal("reparse", "--warc-dir", str(warc), "--db", str(tmp_path / "a.db"))
    assert shown.code == 0, shown.terminal[-3000:]
    captures = re.search(r", (\d+) captures\n", shown.stdout)
    assert shown.stdout.startswith("wardcrawler: rebuilt ") and captures, shown.stdout
    last_bar, last_figures = shown.lines()[-2:]
    size = re.search(r"^reparse \S+ ([\d.]+)/([\d.]+) (kB|MB) · ", last_bar)
    assert size and size[1] == size[2], last_bar  # every byte of the WARC file read
    figures = rf"  1/1 files · {captures[1]} captures · [\d.]+ captures/s · \d+ failed"
    assert re.fullmatch(figures, last_figures), last_figures
    command = ["reparse", "--warc-dir", str(warc), "--db", str(tmp_path / "b.db")]
    piped = run_cli(*command, timeout=TIMEOUT)
    assert (piped.returncode, piped.stderr) == (0, "")
    assert piped.stdout == shown.stdout.replace(str(tmp_path / "a.db"), str(tmp_path / "b.db"))


# --- the extension, in process ---------------------------------------------------------------

W1 = Ward("w1", "Phường Một", "Hà Nội", "http://w1.example/", "hanoi-portal")
W2 = Ward("w2", "Phường Hai", "Hà Nội", "http://w2.example/", "hanoi-portal")


class Drawn:
    """A bar that keeps what it is given."""

    def __init__(self, *args, **kwargs) -> None:
        self.made, self.updates, self.closed = (args, kwargs), [], False

    def update(self, completed, total=None, **figures) -> None:
        self.updates.append((completed, total, figures))

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def extension() -> CrawlProgress:
    crawler = get_crawler(WardsSpider, {"ITEM_PIPELINES": {"x.Pipeline": 1}})
    crawler.spider = crawler._create_spider()
    crawler.spider.wards = [W1, W2]
    return CrawlProgress(crawler, make_bar=Drawn)


def page(ward: Ward, path: str = "") -> Request:
    return Request(f"{ward.url}{path}", cb_kwargs={"ward": ward})


def send(extension: CrawlProgress, signal, **kwargs) -> None:
    extension.crawler.signals.send_catch_log(signal, spider=extension.crawler.spider, **kwargs)


def test_a_portal_is_done_once_its_requests_and_what_they_yielded_are_done(extension):
    home1, home2 = page(W1), page(W2)
    for request in (home1, home2):
        send(extension, signals.request_scheduled, request=request)
    assert (extension.portals.done, extension.total()) == (0, 2)
    listing = page(W1, "tin-tuc")
    send(extension, signals.request_scheduled, request=listing)  # yielded by home1's callback
    extension.released(home1, failed=False)
    assert extension.portals.done == 0  # w1 still has its listing
    extension.released(listing, failed=False)
    assert extension.portals.done == 1
    again = listing.replace(url=f"{W2.url}moved")  # a redirect's copy, scheduled anew
    send(extension, signals.request_scheduled, request=again)
    extension.released(home2, failed=False)
    assert extension.portals.done == 1
    send(extension, signals.request_dropped, request=again)  # the scheduler refused it
    assert extension.portals.done == 2
    extension.released(Request(f"{W1.url}robots.txt"), failed=True)  # never scheduled
    extension.released(home1, failed=False)  # released twice: counted once
    assert extension.portals.done == 2
    send(extension, signals.request_scheduled, request=page(W2, "more"))
    assert extension.portals.done == 1  # w2 has work again


def test_pages_and_failures_are_counted_from_signals(extension):
    request, robots = page(W1), Request(f"{W1.url}robots.txt")
    send(extension, signals.request_scheduled, request=request)
    for r in (request, robots):
        send(extension, signals.response_received, request=r, response=None)
    failure = PageFailure("w1", W1.url, 503, "HTTP 503")
    gone = ArticleGone("w1", "k", W1.url, 404, None, "2026-01-01T00:00:00+07:00")
    for item in (failure, gone):
        send(extension, signals.item_scraped, item=item, response=None)
    send(extension, signals.item_dropped, item=gone, response=None, exception=ValueError())
    extension.bar = Drawn()
    extension.draw()
    assert extension.bar.updates == [(0, 2, {"pages": 1, "failed": 2})]


def test_discover_counts_requests_that_got_no_response_as_failures():
    crawler = get_crawler(WardsSpider, {"ITEM_PIPELINES": {}})
    crawler.spider = crawler._create_spider()
    crawler.spider.wards = [W1]
    extension = CrawlProgress(crawler, make_bar=Drawn)
    request = page(W1)
    send(extension, signals.request_scheduled, request=request)
    extension.released(request, failed=True)
    assert (extension.failed_so_far(), extension.portals.done) == (1, 1)


def test_the_engine_is_done_with_a_request_only_once_its_callback_output_is():
    class Engine:
        def __init__(self) -> None:
            self.pending = Deferred()

        def _handle_downloader_output(self, result, request):
            return self.pending  # fires once the callback's output is processed

    engine, released = Engine(), []
    watch_outcomes(engine, lambda request, failed: released.append((request, failed)))
    request = page(W1)
    outcome = engine._handle_downloader_output(Failure(ValueError("DNS")), request)
    assert released == []
    engine.pending.callback(None)
    assert released == [(request, True)]
    assert outcome is engine.pending


@pytest.mark.parametrize(("setting", "terminal"), [(True, False), (False, True)])
def test_off_a_terminal_or_when_turned_off_the_extension_is_not_configured(
    monkeypatch, setting: bool, terminal: bool
):
    monkeypatch.setattr(progress, "on_terminal", lambda: terminal)
    crawler = get_crawler(WardsSpider, {"WARDCRAWLER_PROGRESS": setting})
    with pytest.raises(NotConfigured):
        CrawlProgress.from_crawler(crawler)
    monkeypatch.setattr(progress, "on_terminal", lambda: True)
    assert isinstance(CrawlProgress.from_crawler(get_crawler(WardsSpider)), CrawlProgress)


def test_a_shard_writes_its_figures_to_the_file_its_parent_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "on_terminal", lambda: False)  # a shard's output: a file
    path = tmp_path / "1-of-2.json"
    crawler = get_crawler(WardsSpider, {"WARDCRAWLER_PROGRESS_FILE": str(path)})
    crawler.spider = crawler._create_spider()
    crawler.spider.wards = [W1, W2]
    extension = CrawlProgress.from_crawler(crawler)
    extension.bar = extension.make_bar("crawl", "portals", extension.total(), rate_of="pages")
    send(extension, signals.request_scheduled, request=page(W1))
    extension.draw()
    extension.bar.close()
    other = tmp_path / "2-of-2.json"
    other.write_text('{"completed": 3, "total": 5, "figures": {"pages": 40, "failed": 1}}')
    never = tmp_path / "3-of-3.json"  # a shard that has not started yet
    assert read_bars([path, other, never]) == (3, 7, {"pages": 40, "failed": 1})
    assert read_bars([never]) == (0, None, {})


def test_a_file_bar_is_replaced_whole_and_written_at_most_every_refresh(tmp_path, monkeypatch):
    clock = iter([100.0, 100.1])  # the second update within MIN_REFRESH (0.2 s) of the first
    monkeypatch.setattr("wardcrawler.progress.time.monotonic", lambda: next(clock, 100.1))
    path = tmp_path / "bar.json"
    bar = FileBar(path, "crawl", "portals", 4, rate_of="pages")
    bar.update(1, pages=2)
    bar.update(2, pages=9)  # kept, not written
    assert json.loads(path.read_text()) == {"completed": 1, "total": 4, "figures": {"pages": 2}}
    bar.close()
    assert json.loads(path.read_text()) == {"completed": 2, "total": 4, "figures": {"pages": 9}}
    assert [p.name for p in tmp_path.iterdir()] == ["bar.json"]
