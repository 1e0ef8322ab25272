"""Driving the national simulator (`replica.national`) from a bench or a test: `Simulator` runs
it as a child process and talks to its control server; `politeness` reads its request log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Record = tuple[str, str, str, int, float, float | None]  # ward, method, path, status, times


@dataclass
class Politeness:
    """What a request log says of politeness, portal by portal."""

    requests: int
    max_in_flight: int  # the most requests one portal had in flight at once
    min_spacing: float  # the shortest time between two arrivals at one portal
    min_gap: float  # the shortest time from an answer's end to the portal's next arrival
    closest: tuple[str, str, str]  # the portal and the two paths of the shortest spacing


def politeness(records: list[Record]) -> Politeness:
    """Read a request log (any order; an entry without completion is still in flight)."""
    by_ward: dict[str, list[Record]] = {}
    for record in records:
        by_ward.setdefault(record[0], []).append(record)
    most, spacing, gap, closest = 0, float("inf"), float("inf"), ("", "", "")
    for ward, served in by_ward.items():
        served.sort(key=lambda r: r[4])
        ends = [r[5] if r[5] is not None else float("inf") for r in served]
        level = 0  # at a tie, an answer ends before the next request arrives
        for _when, change in sorted([(r[4], 1) for r in served] + [(e, -1) for e in ends]):
            level += change
            most = max(most, level)
        for i in range(1, len(served)):
            if served[i][4] - served[i - 1][4] < spacing:
                spacing = served[i][4] - served[i - 1][4]
                closest = (ward, served[i - 1][2], served[i][2])
            gap = min(gap, served[i][4] - ends[i - 1])
    return Politeness(len(records), most, spacing, gap, closest)


class Simulator:
    """The simulator as a child process, driven through its control server."""

    def __init__(self, out: Path, **options: Any) -> None:
        self.out, self.options = Path(out), options
        self.process: subprocess.Popen | None = None
        self.control = ""
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @property
    def registry(self) -> Path:
        """The registry of the portals (`crawl --wards`)."""
        return self.out / "wards.toml"

    @property
    def hosts(self) -> Path:
        """Their host map (`crawl --resolve-file`)."""
        return self.out / "hosts.txt"

    def __enter__(self) -> Simulator:
        flags = [f"--{k}={v}" for k, v in self.options.items()]
        command = [sys.executable, "-m", "wardcrawler.replica.national", "--out", str(self.out)]
        self.process = subprocess.Popen([*command, *flags], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("ready "):
            self.__exit__()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.control = line.split()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()

    def _call(self, path: str, post: bool = False) -> Any:
        request = urllib.request.Request(self.control + path, data=b"" if post else None)
        with self._opener.open(request, timeout=600) as response:
            return json.load(response)

    def advance(self) -> list[dict[str, str]]:
        """One night on every portal; the new articles (ward, key, url)."""
        return self._call("/advance", post=True)

    def articles(self) -> set[tuple[str, str]]:
        """Every article served now, as (ward, key)."""
        return {(ward, key) for ward, key in self._call("/articles")}

    def requests(self, since: int = 0) -> list[Record]:
        """The request log from entry `since` on."""
        return [tuple(r) for r in self._call(f"/requests?since={since}")]

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the simulator has used so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
