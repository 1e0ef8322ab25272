"""Re-extraction from WARC files alone: rebuild an archive database without the network.

Captures are read in the order they were made and go through the same reading functions and
the same Recorder as a live crawl, so the rows (history included) are those the crawl wrote.
An improved extractor is rolled out over old captures this way.

Memory stays bounded whatever the files hold: a body is decoded up to `MAX_BODY_BYTES` (see
`warc/reader.py`), and one that decodes to more (a gzip bomb), or not at all, is recorded as a
failure in `fetch_errors`, as the crawl that met it recorded it. A WARC file damaged part-way
(a crawl killed while writing) gives the captures before the damage, and is counted.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from wardcrawler.items import PageFailure
from wardcrawler.portals.registry import Ward
from wardcrawler.progress import Bar, NoBar
from wardcrawler.reading import Fetched, article_items, attachment_items, listing_items
from wardcrawler.store.archive import Archive
from wardcrawler.store.ledger import RunLedger
from wardcrawler.store.recorder import Recorder
from wardcrawler.warc.reader import MAX_BODY_BYTES, Capture, iter_captures, warc_paths

READ_KINDS = {"listing": (200,), "article": (200, 404, 410), "attachment": (200,)}


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
    kind, key = meta.get("kind"), meta.get("article_key")
    if status not in READ_KINDS.get(kind, ()):
        return []
    if unread := unreadable(capture):
        return [PageFailure(ward.slug, capture.url, None, unread, seen_at=capture.fetched_at)]
    page = Fetched(
        url=capture.url,
        status=status,
        body=capture.body,
        content_type=capture.header("content-type"),
        fetched_at=capture.fetched_at,
        request_url=meta.get("request_url") or capture.url,
        redirect_reasons=meta.get("redirect_reasons") or [],
    )
    if kind == "listing":
        discovering, rank = meta.get("discovering", False), meta.get("rank", 0)
        return listing_items(page, ward, meta["category"], discovering, rank)[1]
    if kind == "article":
        return article_items(page, ward, key)
    return attachment_items(page, ward, key, meta.get("request_url") or capture.url)


def unreadable(capture: Capture) -> str:
    """Why a capture's body cannot be read ("" when it can): too large, or not decodable."""
    if capture.over_limit:
        return f"too large after decompression: {capture.problem}"
    if capture.problem and not capture.body:
        return f"body not decodable as its Content-Encoding says: {capture.problem}"
    return ""


def reparse(
    warc_dir: Path | str, db: Path | str, limit: int = MAX_BODY_BYTES, bar: Bar | None = None
) -> dict:
    """Rebuild `db` from the WARC files in `warc_dir`; returns counts of what was read.

    Bodies are decoded up to `limit` bytes. What could not be read at all (damaged files or
    records) is counted per file (`unreadable records in FILE`) and listed in the run's `stats`
    (`damaged`). `bar` is told how far the reading got (`wardcrawler/progress.py`).
    """
    archive = Archive(db)
    ledger = RunLedger(archive.db)
    run_id = ledger.start([], "reparse")
    recorder = Recorder(archive, ledger, run_id)
    wards: dict[str, Ward] = {}
    read: Counter = Counter()
    damaged: list[str] = []
    shown = ReadSoFar(warc_dir, bar or NoBar())
    for capture in iter_captures(warc_dir, limit, damaged):
        shown.update(capture, read)
        try:
            ward = wards.get(capture.meta["ward"]["slug"])
            if ward is None:
                ward = wards[capture.meta["ward"]["slug"]] = ward_from(capture.meta)
                archive.save_ward(ward.row())
        except (KeyError, TypeError, ValueError) as exc:
            damaged.append(f"{capture.warc_file}: capture of {capture.url}: bad metadata: {exc}")
            continue
        read["captures"] += 1
        archive.record_capture(capture_row(capture, ward, run_id))
        for item in safe_items_of(capture, ward):
            read[type(item).__name__] += recorder.record(item)
    for name, count in Counter(entry.split(": ", 1)[0] for entry in damaged).items():
        read[f"unreadable records in {name}"] = count  # named in the summary line
    shown.update(None, read)
    per_ward = {slug: {"pages": 0, **recorder.figures(slug)} for slug in wards}
    archive.db["crawl_runs"].update(run_id, {"wards": json.dumps(sorted(wards))})
    ledger.finish(run_id, per_ward, {"finish_reason": "finished", "damaged": damaged})
    archive.close()
    return dict(read)


class ReadSoFar:
    """Tells a progress bar how far the reading of a folder's WARC files got: bytes read of
    all, files begun, captures read, failures recorded."""

    def __init__(self, warc_dir: Path | str, bar: Bar) -> None:
        self.bar, self.starts, self.total = bar, {}, 0
        for number, path in enumerate(warc_paths(warc_dir), 1):
            self.starts[path.name] = (number, self.total)  # bytes of the files before it
            self.total += path.stat().st_size

    def update(self, capture: Capture | None, read: Counter) -> None:
        """Where the reading is once `capture` is read (None: once every file is)."""
        if capture is None:
            number, done = len(self.starts), self.total
        else:
            number, before = self.starts.get(capture.warc_file, (0, 0))
            done = before + capture.offset + capture.length
        files = f"{number}/{len(self.starts)}"
        failed = read["PageFailure"]
        self.bar.update(done, self.total, files=files, captures=read["captures"], failed=failed)


def safe_items_of(capture: Capture, ward: Ward) -> list:
    """`items_of`, or a failure saying why the capture could not be read (never an exception)."""
    try:
        return items_of(capture, ward)
    except Exception as exc:  # one unreadable capture must not stop the rebuild of the rest
        reason = f"could not be read back: {type(exc).__name__}: {exc}"
        return [PageFailure(ward.slug, capture.url, None, reason, seen_at=capture.fetched_at)]


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
        "content_type": capture.header("content-type") or None,
        "warc_file": capture.warc_file,
        "warc_offset": capture.offset,
        "warc_length": capture.length,
        "payload_digest": capture.digest,
        "source": "live",
    }
