"""Live progress of long commands on a terminal: a bar, a few figures, a rate and the time left.

Drawn on standard error, and only when it is a terminal (not TERM=dumb): under cron, or with
standard error redirected, nothing is drawn, rich is not even imported, and a command prints
exactly what it prints without it (its one summary line). While the display is up, what is
written to `sys.stderr` (the log of `--verbose`, warnings) is printed above it, not through it.

Drawn with rich.progress rather than tqdm: its Live display takes over `sys.stderr` so that log
lines land above the bar, and its columns (done of total, bytes, elapsed, time left) are the
ones these commands need. No thread: the display is redrawn from the caller's own loop or
timer, at most every `MIN_REFRESH` seconds, so that a caller may report at every step.

A command run as several processes (`crawl --processes N`) shows one display: each process
writes its figures to a file (`FileBar`), the parent sums them (`read_bars`) into its own bar.

One call for any long loop (crawl and backfill use it through `crawler/progress.py`):

    with progress_bar("merge", unit="files", total=len(files), rate_of="articles") as bar:
        for done, path in enumerate(files, 1):
            ...
            bar.update(done, articles=articles, failed=failed)
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

MIN_REFRESH = 0.2  # seconds between two drawings of the display
RATE_WINDOW = 10.0  # seconds over which the rate is measured
SEPARATOR = " · "
INDENT = "  "  # the figures line, under the bar

Figure = int | float | str


class Bar(Protocol):
    """What a long command tells how far it got."""

    def update(self, completed: float, total: float | None = None, **figures: Figure) -> None:
        """`completed` units of `total` (None: unchanged), and the figures to show beside."""

    def close(self) -> None:
        """Draw the last figures and give the terminal back."""


class NoBar:
    """The bar of a command whose standard error is no terminal: it draws nothing."""

    def update(self, completed: float, total: float | None = None, **figures: Figure) -> None:
        """Nothing to draw."""

    def close(self) -> None:
        """Nothing to give back."""


class FileBar:
    """The bar of one of several processes whose parent shows their progress: each update
    replaces the JSON file `path` (done, total, figures), at most every `MIN_REFRESH` seconds."""

    def __init__(
        self,
        path: Path,
        description: str = "",
        unit: str = "",
        total: float | None = None,
        rate_of: str | None = None,
    ) -> None:
        self.path, self.total, self.written = path, total, float("-inf")
        self.last: dict[str, Any] | None = None

    def update(self, completed: float, total: float | None = None, **figures: Figure) -> None:
        """Write the figures if the last writing is `MIN_REFRESH` seconds old."""
        self.total = self.total if total is None else total
        self.last = {"completed": completed, "total": self.total, "figures": figures}
        now = time.monotonic()
        if now - self.written >= MIN_REFRESH:
            self._write(now)

    def close(self) -> None:
        """Write the last figures."""
        if self.last is not None:
            self._write(time.monotonic())

    def _write(self, now: float) -> None:
        """Replace the file whole (its reader never sees half of it)."""
        part = self.path.with_name(self.path.name + ".part")
        part.write_text(json.dumps(self.last), encoding="utf-8")
        os.replace(part, self.path)
        self.written = now


def read_bars(paths: list[Path]) -> tuple[float, float | None, dict[str, Figure]]:
    """What the `FileBar`s at `paths` last wrote, summed: done, total (None before any is
    known) and each numeric figure; a file not written yet counts for nothing."""
    completed: float = 0
    total: float | None = None
    figures: dict[str, Figure] = {}
    for path in paths:
        try:
            shown = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        completed += shown["completed"]
        if shown["total"] is not None:
            total = (total or 0) + shown["total"]
        for name, value in shown["figures"].items():
            if isinstance(value, int | float):
                figures[name] = figures.get(name, 0) + value
    return completed, total, figures


def on_terminal() -> bool:
    """Whether standard error is a terminal that a live display can be drawn on (rich agrees:
    not TERM=dumb, not TTY_COMPATIBLE=0)."""
    try:
        if not sys.stderr.isatty():
            return False
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False
    from rich.console import Console

    console = Console(stderr=True)
    return console.is_terminal and not console.is_dumb_terminal


class LiveBar:
    """A live display on standard error: a bar over `total` `unit`s (`bytes`: shown as sizes),
    elapsed time and time left; under it the figures given to `update`, with the rate of the
    figure named `rate_of`. Two short lines, so that an 80-column terminal shows them whole."""

    def __init__(
        self, description: str, unit: str, total: float | None = None, rate_of: str | None = None
    ) -> None:
        from rich.console import Console, Group
        from rich.live import Live
        from rich.progress import Progress
        from rich.text import Text

        self.rate_of = rate_of
        console = Console(stderr=True, soft_wrap=True)  # log lines: wrapped by the terminal
        self.progress = Progress(*_columns(unit), console=console, auto_refresh=False)
        self.task = self.progress.add_task(description, total=total)
        self.line = Text(no_wrap=True, overflow="ellipsis")
        self.live = Live(
            Group(self.progress, self.line),
            console=console,
            auto_refresh=False,
            redirect_stdout=False,  # standard output may be a file: it keeps what it is given
        )
        self.samples: deque[tuple[float, float]] = deque()
        self.last: tuple[float, float | None, dict[str, Figure]] = (0, None, {})
        self.drawn = float("-inf")
        self.closed = False
        self.live.start()
        atexit.register(self.close)  # a crawl killed by a second Ctrl-C: the cursor comes back

    def update(self, completed: float, total: float | None = None, **figures: Figure) -> None:
        """Keep the figures; redraw if the last drawing is `MIN_REFRESH` seconds old."""
        self.last = (completed, total, figures)
        now = time.monotonic()
        if now - self.drawn >= MIN_REFRESH:
            self._draw(now)

    def close(self) -> None:
        """Draw the last figures (left on the screen) and stop (once)."""
        if self.closed:
            return
        self.closed = True
        atexit.unregister(self.close)
        self._draw(time.monotonic())
        self.live.stop()

    def _draw(self, now: float) -> None:
        """Give rich the last figures and redraw."""
        completed, total, figures = self.last
        fields: dict[str, Any] = {"completed": completed}
        if total is not None:
            fields["total"] = total
        self.progress.update(self.task, **fields)
        self.line.plain = INDENT + figures_text(figures, self.rate_of, self._rate(now, figures))
        self.live.refresh()
        self.drawn = now

    def _rate(self, now: float, figures: dict[str, Figure]) -> float:
        """Units of the figure `rate_of` a second, over the last `RATE_WINDOW` seconds."""
        value = figures.get(self.rate_of or "")
        if not isinstance(value, int | float):
            return 0.0
        self.samples.append((now, value))
        while len(self.samples) > 2 and self.samples[1][0] <= now - RATE_WINDOW:
            self.samples.popleft()
        then, before = self.samples[0]
        return (value - before) / (now - then) if now > then else 0.0


def figures_text(figures: dict[str, Figure], rate_of: str | None, rate: float) -> str:
    """`338 pages · 41.5 pages/s · 4 failed`: each figure and its name, the rate after its own."""
    parts: list[str] = []
    for name, value in figures.items():
        parts.append(f"{value:,} {name}" if isinstance(value, int) else f"{value} {name}")
        if name == rate_of:
            parts.append(f"{rate:,.1f} {name}/s")
    return SEPARATOR.join(parts)


def _columns(unit: str) -> list:
    """rich's columns of the first line: what, bar, done of total, elapsed, time left."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    dot = SEPARATOR.strip()
    done = [DownloadColumn()] if unit == "bytes" else [MofNCompleteColumn(), TextColumn(unit)]
    return [
        TextColumn("{task.description}"),
        BarColumn(bar_width=16),
        *done,
        TextColumn(dot),
        TimeElapsedColumn(),
        TextColumn(f"elapsed {dot}"),
        TimeRemainingColumn(),
        TextColumn("left"),
    ]


def live_bar(
    description: str, unit: str, total: float | None = None, rate_of: str | None = None
) -> Bar:
    """A live bar when standard error is a terminal, else one that draws nothing."""
    return LiveBar(description, unit, total, rate_of) if on_terminal() else NoBar()


@contextmanager
def progress_bar(
    description: str, unit: str, total: float | None = None, rate_of: str | None = None
) -> Iterator[Bar]:
    """`live_bar` for the time of a `with` block, closed however the block ends."""
    bar = live_bar(description, unit, total, rate_of)
    try:
        yield bar
    finally:
        bar.close()
