"""Re-extraction from WARC files alone: rebuild an archive database without the network.

Captures are read in the order they were made and go through the same reading functions and
the same Recorder as a live crawl, so the rows (history included) are those the crawl wrote.
An improved extractor is rolled out over old captures this way.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from wardcrawler.portals.registry import Ward
from wardcrawler.reading import Fetched, article_items, attachment_items, listing_items
from wardcrawler.store.archive import Archive
from wardcrawler.store.ledger import RunLedger
from wardcrawler.store.recorder import Recorder
from wardcrawler.warc.reader import Capture, iter_captures


def ward_from(meta: dict) -> Ward:
    """The ward a capture's metadata describes (its registry entry, as captured)."""
    entry = dict(meta["ward"])
    entry.pop("family", None)
    for key in ("categories", "aliases"):
        if entry.get(key) is not None:
            entry[key] = tuple(entry[key])
    return Ward(**entry)


def items_of(capture: Capture, ward: Ward) -> list:
    """The items the crawl got from this response (none for robots.txt, home pages, retries)."""
    meta, status = capture.meta, capture.status
    page = Fetched(
        url=capture.url,
        status=status,
        body=capture.body,
        content_type=dict((k.lower(), v) for k, v in capture.headers).get("content-type", ""),
        fetched_at=capture.fetched_at,
        request_url=meta.get("request_url") or capture.url,
        redirect_reasons=meta.get("redirect_reasons") or [],
    )
    kind, key = meta.get("kind"), meta.get("article_key")
    if kind == "listing" and status == 200:
        discovering, rank = meta.get("discovering", False), meta.get("rank", 0)
        return listing_items(page, ward, meta["category"], discovering, rank)[1]
    if kind == "article" and (status == 200 or status in (404, 410)):
        return article_items(page, ward, key)
    if kind == "attachment" and status == 200:
        return attachment_items(page, ward, key, meta.get("request_url") or capture.url)
    return []


def reparse(warc_dir: Path | str, db: Path | str) -> dict:
    """Rebuild `db` from the WARC files in `warc_dir`; returns counts of what was read."""
    archive = Archive(db)
    ledger = RunLedger(archive.db)
    run_id = ledger.start([], "reparse")
    recorder = Recorder(archive, ledger, run_id)
    wards: dict[str, Ward] = {}
    read: Counter = Counter()
    for capture in iter_captures(warc_dir):
        ward = wards.get(capture.meta["ward"]["slug"])
        if ward is None:
            ward = wards[capture.meta["ward"]["slug"]] = ward_from(capture.meta)
            archive.save_ward(ward.row())
        read["captures"] += 1
        archive.record_capture(capture_row(capture, ward, run_id))
        for item in items_of(capture, ward):
            read[type(item).__name__] += recorder.record(item)
    per_ward = {slug: {"pages": 0, **recorder.figures(slug)} for slug in wards}
    archive.db["crawl_runs"].update(run_id, {"wards": json.dumps(sorted(wards))})
    ledger.finish(run_id, per_ward, {"finish_reason": "finished"})
    archive.close()
    return dict(read)


def capture_row(capture: Capture, ward: Ward, run_id: int) -> dict:
    """The `captures` row of a capture read back from its WARC file."""
    return {
        "run_id": run_id,
        "ward": ward.slug,
        "kind": capture.meta.get("kind"),
        "url": capture.url,
        "article_key": capture.meta.get("article_key"),
        "fetched_at": capture.fetched_at,
        "status": capture.status,
        "content_type": dict((k.lower(), v) for k, v in capture.headers).get("content-type"),
        "warc_file": capture.warc_file,
        "warc_offset": capture.offset,
        "warc_length": capture.length,
        "payload_digest": capture.digest,
        "source": "live",
    }
