"""Storing a backfill: web-archive captures in date order, with their source recorded.

Captures arrive in whatever order the archive answers (retries after 429 reorder them), so the
pipeline holds the run's items and stores them at the end sorted by capture time: text that
changed between captures becomes revisions in date order and each row shows its latest capture.
Every capture handled gets a `wayback_processed` row (so no later backfill fetches it again) and,
when it was fetched, a `captures` row with its source, capture timestamp and archive URL.
"""

from __future__ import annotations

from wardcrawler.items import CaptureDone, PageFailure
from wardcrawler.pipelines import ArchivePipeline
from wardcrawler.store import now


class BackfillPipeline(ArchivePipeline):
    """Buffers a backfill's items and stores them in capture order when the run ends."""

    def open_spider(self) -> None:
        super().open_spider()
        self.recorder.every_snapshot = True  # each capture is a dated reading of the counter
        self.held: list = []

    def process_item(self, item):
        self.held.append(item)
        return item

    def close_spider(self) -> None:
        ordered = sorted(self.held, key=lambda i: (getattr(i, "seen_at", None) or "", 0))
        for item in ordered:
            if isinstance(item, CaptureDone):
                self.record_done(item)
            else:
                self.recorder.record(item)
        super().close_spider()

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
