"""Reading WARC files back: every response with its wardcrawler metadata, or one by offset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

METADATA_TYPE = "application/vnd.wardcrawler.capture+json"


@dataclass
class Capture:
    """A response read back from a WARC file, with its wardcrawler metadata."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: str
    meta: dict
    warc_file: str = ""
    offset: int = 0
    length: int = 0
    digest: str = ""


def iso_from_warc_date(value: str) -> str:
    """The archive's timestamp form (`2026-11-27T23:50:51+00:00`) of a WARC-Date."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(microsecond=0).isoformat()


def warc_paths(folder: Path | str) -> list[Path]:
    """The WARC files of a folder, oldest run first."""
    return sorted(Path(folder).glob("*.warc.gz"))


def iter_captures(folder: Path | str) -> Iterator[Capture]:
    """Every response of the folder's WARC files, in capture order, with its metadata."""
    for path in warc_paths(folder):
        with path.open("rb") as stream:
            pending: Capture | None = None
            records = ArchiveIterator(stream)
            for record in records:
                if record.rec_type == "response":
                    pending = _capture(record, path.name, 0)  # reads the payload first
                    pending.offset = records.get_record_offset()
                    pending.length = records.get_record_length()
                elif record.rec_type == "metadata" and pending is not None:
                    if record.rec_headers.get_header("Content-Type") == METADATA_TYPE:
                        pending.meta = json.loads(record.content_stream().read())
                        yield pending
                    pending = None


def _capture(record, name: str, offset: int) -> Capture:
    """A response record as a Capture (its payload read whole)."""
    http = record.http_headers
    return Capture(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode()),
        headers=list(http.headers),
        body=record.content_stream().read(),
        fetched_at=iso_from_warc_date(record.rec_headers.get_header("WARC-Date")),
        meta={},
        warc_file=name,
        offset=offset,
        digest=record.rec_headers.get_header("WARC-Payload-Digest") or "",
    )


def read_capture(path: Path | str, offset: int) -> Capture:
    """The response record at `offset` of a WARC file."""
    with Path(path).open("rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        return _capture(record, Path(path).name, offset)
