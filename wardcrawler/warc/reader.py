"""Reading WARC files back, with bounded memory: every response with its metadata, or one by offset.

A stored body is kept as it came off the wire, still in its HTTP `Content-Encoding` (gzip,
x-gzip, deflate, br, zstd, stacked in any order): a few megabytes of a hostile portal's gzip can
decompress to gigabytes. So bodies are never decompressed whole: `Body` decodes them chunk by
chunk (the decoders are in `codings.py`) and stops at a limit, saying why the body it gives is
incomplete (over the limit, or undecodable past some point). The WARC records themselves are
gzipped too, and read in small blocks for the same reason. Unknown codings are left as stored,
as Scrapy leaves them.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from wardcrawler.warc.codings import UndecodableBody, decoded

METADATA_TYPE = "application/vnd.wardcrawler.capture+json"
MAX_BODY_BYTES = 64 * 2**20  # reparse: decompressed bytes of one body, above any crawl limit
READ_BLOCK = 4096  # bytes of a gzipped WARC file read at a time (at most ~4 MB once inflated)
METADATA_LIMIT = 2**20  # bytes of a metadata record
# What warcio raises on a damaged file (AttributeError: on a record cut inside its headers).
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError, AttributeError)


class UnreadableCapture(ValueError):
    """No response record where a capture is said to be."""


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
    problem: str = ""  # why `body` is not the whole decoded body ("" when it is)
    over_limit: bool = False  # the body decodes to more than the limit it was read with

    def header(self, name: str) -> str:
        """The first value of an HTTP header of the response ("" when absent)."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")


def iso_from_warc_date(value: str) -> str:
    """The archive's timestamp form (`2026-11-27T23:50:51+00:00`) of a WARC-Date."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(microsecond=0).isoformat()


def warc_paths(folder: Path | str) -> list[Path]:
    """The WARC files of a folder, oldest run first."""
    return sorted(Path(folder).glob("*.warc.gz"))


class Body:
    """The decoded body of a response record, read chunk by chunk up to `limit` bytes.

    Iterating gives the chunks; afterwards `size` says how many bytes were given, `over_limit`
    whether the body holds more than `limit`, and `problem` why it is incomplete ("" if whole).
    """

    def __init__(self, record, limit: int, as_stored: bool = False) -> None:
        self.record, self.limit, self.as_stored = record, limit, as_stored
        self.size = 0
        self.problem = ""
        self.over_limit = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in decoded(self.record, self.as_stored):
                room = self.limit - self.size
                if len(chunk) > room:
                    self.size += room
                    self.over_limit = True
                    self.problem = f"larger than {self.limit} bytes once decompressed"
                    if room:
                        yield chunk[:room]
                    return
                self.size += len(chunk)
                yield chunk
        except UndecodableBody as exc:
            self.problem = f"{exc} (after {self.size} decoded bytes)"
        except READ_ERRORS as exc:
            self.problem = f"the WARC record is damaged: {exc} (after {self.size} bytes)"

    def read(self) -> bytes:
        """The body (at most `limit` bytes), whole (held once: `b"".join` would hold it twice)."""
        content = BytesIO()
        for chunk in self:
            content.write(chunk)
        return content.getvalue()


# --- records ----------------------------------------------------------------------------------


def _head(record, name: str, offset: int) -> Capture:
    """A response record as a Capture, without its body."""
    http, warc = record.http_headers, record.rec_headers
    code = http.get_statuscode() or ""
    return Capture(
        url=warc.get_header("WARC-Target-URI") or "",
        status=int(code) if code.isdigit() else 0,
        headers=list(http.headers),
        body=b"",
        fetched_at=iso_from_warc_date(warc.get_header("WARC-Date")),
        meta={},
        warc_file=name,
        offset=offset,
        digest=warc.get_header("WARC-Payload-Digest") or "",
    )


def _capture(record, name: str, offset: int, limit: int) -> Capture:
    """A response record as a Capture, its body decoded up to `limit` bytes."""
    capture = _head(record, name, offset)
    body = Body(record, limit)
    capture.body = body.read()
    capture.problem, capture.over_limit = body.problem, body.over_limit
    return capture


def iter_captures(
    folder: Path | str, limit: int = MAX_BODY_BYTES, damaged: list[str] | None = None
) -> Iterator[Capture]:
    """Every response of the folder's WARC files, in capture order, with its metadata.

    Bodies are decoded up to `limit` bytes (see `Capture.over_limit`). Given a `damaged` list,
    a file that cannot be read to its end (cut by a crash, corrupt) gives the captures before
    the damage, what went wrong is appended to the list, and the next file is read.
    """
    for path in warc_paths(folder):
        try:
            yield from _file_captures(path, limit, damaged)
        except READ_ERRORS as exc:
            if damaged is None:
                raise
            damaged.append(f"{path.name}: unreadable after some records: {exc}")


def _file_captures(path: Path, limit: int, damaged: list[str] | None) -> Iterator[Capture]:
    """The captures of one WARC file (a response, then its metadata record)."""
    problems = damaged if damaged is not None else []
    with path.open("rb") as stream:
        pending: Capture | None = None
        records = ArchiveIterator(stream, block_size=READ_BLOCK)
        for record in records:
            if record.rec_type == "response" and record.http_headers:
                if pending is not None:
                    problems.append(f"{path.name}: no metadata record for {pending.url}")
                pending = _capture(record, path.name, 0, limit)  # reads the payload first
                pending.offset = records.get_record_offset()
                pending.length = records.get_record_length()
            elif record.rec_type == "metadata" and pending is not None:
                if record.rec_headers.get_header("Content-Type") == METADATA_TYPE:
                    pending.meta = _metadata(record)
                    if pending.meta:
                        yield pending
                    else:
                        problems.append(f"{path.name}: unreadable metadata of {pending.url}")
                pending = None
        if pending is not None:  # the file ends before the last capture's metadata: cut short
            problems.append(f"{path.name}: cut short in the capture of {pending.url}")


def _metadata(record) -> dict:
    """A wardcrawler metadata record's JSON object ({} when it is not one)."""
    try:
        meta = json.loads(Body(record, METADATA_LIMIT).read())
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) and isinstance(meta.get("ward"), dict) else {}


@contextmanager
def opened_record(path: Path | str, offset: int) -> Iterator:
    """The response record at `offset` of a WARC file, open for reading."""
    name = Path(path).name
    with Path(path).open("rb") as stream:
        try:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream, block_size=READ_BLOCK)), None)
        except READ_ERRORS as exc:
            raise UnreadableCapture(f"{name}: no WARC record at offset {offset}") from exc
        if record is None or record.rec_type != "response" or not record.http_headers:
            raise UnreadableCapture(f"{name}: no response record at offset {offset}")
        yield record


def read_capture(path: Path | str, offset: int, limit: int = MAX_BODY_BYTES) -> Capture:
    """The response at `offset` of a WARC file, its body decoded up to `limit` bytes."""
    with opened_record(path, offset) as record:
        return _capture(record, Path(path).name, offset, limit)


def measure_capture(
    path: Path | str, offset: int, limit: int, as_stored: bool = False
) -> tuple[Capture, Body]:
    """The response at `offset` without its body, and its body read through (not kept)."""
    with opened_record(path, offset) as record:
        capture, body = _head(record, Path(path).name, offset), Body(record, limit, as_stored)
        for _ in body:
            pass
        return capture, body


def body_chunks(
    path: Path | str, offset: int, limit: int, as_stored: bool = False
) -> Iterator[bytes]:
    """The body of the response at `offset`, chunk by chunk, at most `limit` bytes: decoded, or
    `as_stored` (when it does not decode at all, like a body wrongly labelled gzip)."""
    with opened_record(path, offset) as record:
        yield from Body(record, limit, as_stored)
