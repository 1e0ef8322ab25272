"""The scheduler's queue for many portals: each portal's requests wait their turn on disk, and
every portal with work and room in the downloader gets its turn.

Scrapy's default queue hands out requests in priority order whatever their portal: at national
scale the downloader filled with the queued articles of a few hundred portals (each waiting its
second behind the others of its portal) while the rest of the country waited for room; and it
keeps every pending request in memory (a first crawl of 3,321 portals had 33,000 pending, some
150 MB; a real first crawl has millions). Scrapy's `DownloaderAwarePriorityQueue` prefers the
slots with the fewest requests in the downloader, but still hands one out when all are busy, and
looks at every slot on each pop.

`PortalQueue` keeps the pending requests in a SQLite table (serialized as Scrapy serializes them
for JOBDIR: `Request.to_dict`, pickled), and in memory only a count per download slot and a line
of the slots that have requests and room in the downloader (fewer than their concurrency, as
`PoliteDownloader` counts them). A pop takes the slot at the head of the line, so its cost does
not grow with the number of portals; a slot joins the line again when the downloader says it has
room. Within a slot, the order is Scrapy's: higher priority first, other requests before start
requests, the others last in first out, start requests in the order they came. Without JOBDIR
the table is SQLite's private temporary database (deleted when the crawl ends, however it ends);
with JOBDIR it is a file there, so a paused crawl resumes with its queue. A request that cannot
be serialized (a callback that is no spider method) waits in memory. Enabled by the
`SCHEDULER_PRIORITY_QUEUE` setting; needs the `PoliteDownloader`.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections import Counter, deque
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.request import request_from_dict

QUEUE_FILE = "portal-queue.sqlite"  # under JOBDIR's request queue folder
CACHE_KIB = 8 * 1024  # SQLite page cache of the queue (the rest stays on disk)
SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    id INTEGER PRIMARY KEY, slot TEXT NOT NULL, priority INTEGER NOT NULL,
    start INTEGER NOT NULL, request BLOB);
CREATE INDEX IF NOT EXISTS pending_next
    ON pending (slot, priority DESC, start, (CASE WHEN start THEN id ELSE -id END));
"""
NEXT_SQL = (
    "SELECT id, request FROM pending WHERE slot = ?"
    " ORDER BY priority DESC, start, CASE WHEN start THEN id ELSE -id END LIMIT 1"
)


class PortalQueue:
    """Pending requests by download slot; a pop serves the next slot with room."""

    def __init__(self, crawler: Crawler, key: str = "") -> None:
        self.crawler = crawler
        self.downloader = crawler.engine.downloader
        if not hasattr(self.downloader, "room_listeners"):
            raise ValueError(
                "SCHEDULER_PRIORITY_QUEUE = PortalQueue needs DOWNLOADER = "
                "wardcrawler.crawler.downloader.PoliteDownloader (it counts each slot's requests)"
            )
        self.db = _open(Path(key, QUEUE_FILE) if key else None)
        self.db.execute("DELETE FROM pending WHERE request IS NULL")  # held by a stopped crawl
        self.counts: Counter[str] = Counter(dict(self.db.execute(
            "SELECT slot, count(*) FROM pending GROUP BY slot")))  # fmt: skip
        self.pending = sum(self.counts.values())
        self.held: dict[int, Request] = {}  # requests that could not be serialized
        self.line: deque[str] = deque()  # slots with requests and room, in the order they came
        self.in_line: set[str] = set()
        self.downloader.room_listeners.append(self.wake)
        for slot in list(self.counts):
            self.wake(slot)

    @classmethod
    def from_crawler(
        cls,
        crawler: Crawler,
        downstream_queue_cls: Any = None,
        key: str = "",
        startprios: Any = None,
        *,
        start_queue_cls: Any = None,
    ) -> PortalQueue:
        """The scheduler's constructor (it names downstream queues; this one keeps its own)."""
        return cls(crawler, key)

    def push(self, request: Request) -> None:
        slot = self.downloader.get_slot_key(request)
        start = bool(request.meta.get("is_start_request"))
        blob = self._serialized(request)
        row = self.db.execute(
            "INSERT INTO pending (slot, priority, start, request) VALUES (?, ?, ?, ?)",
            [slot, request.priority, start, blob],
        ).lastrowid
        if blob is None:
            self.held[row] = request
        self.counts[slot] += 1
        self.pending += 1
        self.wake(slot)

    def _serialized(self, request: Request) -> bytes | None:
        try:
            return pickle.dumps(request.to_dict(spider=self.crawler.spider), protocol=5)
        except (ValueError, TypeError, AttributeError, pickle.PicklingError):
            return None

    def wake(self, slot: str) -> None:
        """Put `slot` in line if it has requests here and room in the downloader."""
        if slot not in self.in_line and self.counts[slot] and self.downloader.has_room(slot):
            self.line.append(slot)
            self.in_line.add(slot)

    def pop(self) -> Request | None:
        while self.line:
            slot = self.line.popleft()
            self.in_line.discard(slot)
            if self.counts[slot] and self.downloader.has_room(slot):
                request = self._take(slot)
                if self.counts[slot] and self.downloader.has_room(slot, entering=1):
                    self.line.append(slot)  # room for more than one: back of the line
                    self.in_line.add(slot)
                return request
        return None

    def _take(self, slot: str) -> Request:
        """The next request of `slot`, out of the table."""
        row, blob = self.db.execute(NEXT_SQL, [slot]).fetchone()
        self.db.execute("DELETE FROM pending WHERE id = ?", [row])
        self.counts[slot] -= 1
        self.pending -= 1
        if not self.counts[slot]:
            del self.counts[slot]
        if blob is None:
            return self.held.pop(row)
        return request_from_dict(pickle.loads(blob), spider=self.crawler.spider)  # noqa: S301

    def close(self) -> dict[str, str]:
        """Close the table (the temporary one is deleted); the state JOBDIR keeps."""
        self.db.close()
        self.line.clear()
        self.in_line.clear()
        return {"queue": QUEUE_FILE}

    def __len__(self) -> int:
        return self.pending


def _open(path: Path | None) -> sqlite3.Connection:
    """The queue's table: in `path`, else in SQLite's private temporary database."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path or "", isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = OFF" if path is None else "PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.executescript(SCHEMA)
    return db
