"""Storing a backfill: web-archive captures, as they come, with their source recorded.

Captures arrive in whatever order the archive answers; the store files each by its capture time
(a capture older than the stored version only adds to the history), so each row shows its latest
capture and changed text becomes revisions dated by capture. Items are stored as they come: a
backfill killed at any moment keeps what it did. Every capture handled gets a
`wayback_processed` row (so no later backfill fetches it again) and, when it was fetched, a
`captures` row with its source, capture timestamp and archive URL.
"""

from __future__ import annotations

from wardcrawler.clock import now
from wardcrawler.crawler.pipelines import ArchivePipeline
from wardcrawler.items import CaptureDone, ListedThrough, PageFailure


class BackfillPipeline(ArchivePipeline):
    """Stores a backfill's items; old listings never mark a live category read to its end."""

    def open_spider(self) -> None:
        super().open_spider()
        self.recorder.every_snapshot = True  # each capture is a dated reading of the counter

    def process_item(self, item):
        if isinstance(item, CaptureDone):
            self.record_done(item)
        elif not isinstance(item, ListedThrough):
            super().process_item(item)
        return item

    def record_done(self, item: CaptureDone) -> None:
        """Remember the capture; keep its source; a failure is recorded as one."""
        archive, run_id = self.archive, self.recorder.run_id
        archive.db["wayback_processed"].insert(
            {"ward": item.ward, "original": item.original, "timestamp": item.timestamp,
             "statuscode": item.statuscode, "mimetype": item.mimetype, "digest": item.digest,
             "outcome": item.outcome, "reason": item.reason, "run_id": run_id,
             "processed_at": now()},
            replace=True,
        )  # fmt: skip
        if item.archive_url:
            archive.record_capture(
                {"run_id": run_id, "ward": item.ward, "kind": item.kind, "url": item.original,
                 "article_key": item.article_key, "fetched_at": item.captured_at,
                 "status": item.status, "source": "web-archive",
                 "capture_timestamp": item.timestamp, "archive_url": item.archive_url,
                 "payload_digest": item.digest}
            )  # fmt: skip
        if item.outcome == "failure":
            url = item.archive_url or item.original
            reason = f"web-archive capture {item.timestamp}: {item.reason}"
            self.recorder.record(PageFailure(item.ward, url, item.status, reason))
