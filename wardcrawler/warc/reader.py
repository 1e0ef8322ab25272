"""Reading WARC files back, with bounded memory: every response with its metadata, or one by offset.

A stored body is kept as it came off the wire, still in its HTTP `Content-Encoding` (gzip,
x-gzip, deflate, br, zstd, stacked in any order): a few megabytes of a hostile portal's gzip can
decompress to gigabytes. So bodies are never decompressed whole: `Body` decodes in chunks of
`CHUNK` bytes and stops at a limit, saying why the body it gives is incomplete (over the limit,
or undecodable past some point). The WARC records themselves are gzipped too, and read in small
blocks for the same reason. Unknown codings are left as stored, as Scrapy leaves them.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from io import BytesIO
from itertools import chain
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

try:
    import brotli
except ImportError:  # PyPy
    import brotlicffi as brotli
if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

METADATA_TYPE = "application/vnd.wardcrawler.capture+json"
MAX_BODY_BYTES = 64 * 2**20  # reparse: decompressed bytes of one body, above any crawl limit
CHUNK = 64 * 1024  # bytes decoded at a time
READ_BLOCK = 4096  # bytes of a gzipped WARC file read at a time (at most ~4 MB once inflated)
METADATA_LIMIT = 2**20  # bytes of a metadata record
# What warcio raises on a damaged file (AttributeError: on a record cut inside its headers).
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError, AttributeError)


class UndecodableBody(ValueError):
    """A body that does not decode as its Content-Encoding says."""


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


# --- decoding, chunk by chunk ---------------------------------------------------------------


def _raw_chunks(stream) -> Iterator[bytes]:
    """A record's payload as stored, in chunks."""
    while data := stream.read(CHUNK):
        yield data


def _dechunked(stream) -> Iterator[bytes]:
    """A payload stored with HTTP chunked transfer coding, unchunked."""
    while True:
        line = stream.readline(1024).split(b";")[0].strip()
        try:
            size = int(line or b"0", 16)
        except ValueError as exc:
            raise UndecodableBody("not valid chunked transfer coding") from exc
        if size == 0:
            return
        while size > 0 and (data := stream.read(min(size, CHUNK))):
            size -= len(data)
            yield data
        stream.readline(1024)  # the CRLF after a chunk


def _inflated(chunks: Iterable[bytes], wbits: int) -> Iterator[bytes]:
    """zlib-family data (gzip with its members, zlib, raw deflate) inflated CHUNK at a time."""
    inflater = zlib.decompressobj(wbits)
    for data in chunks:
        while data:
            if inflater.eof:  # only another gzip member may follow; anything else is not data
                if wbits <= zlib.MAX_WBITS or data[:1] != b"\x1f":
                    return
                inflater = zlib.decompressobj(wbits)
            try:
                out = inflater.decompress(data, CHUNK)
            except zlib.error as exc:
                raise UndecodableBody(f"not valid compressed data: {exc}") from exc
            if out:
                yield out
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
    if tail := inflater.flush():
        yield tail


def _deflated(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """`deflate`: zlib-wrapped as the RFC says, or raw deflate as some servers send it."""
    chunks = iter(chunks)
    first = next(chunks, b"")
    zlib_header = len(first) > 1 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
    wbits = zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
    yield from _inflated(chain((first,), chunks), wbits)


def _unbrotlied(chunks: Iterable[bytes]) -> Iterator[bytes]:
    decoder = brotli.Decompressor()
    try:
        for data in chunks:
            out = decoder.process(data, output_buffer_limit=CHUNK)
            while out:  # drain what this input gives before feeding more
                yield out
                finished = decoder.is_finished()
                out = b"" if finished else decoder.process(b"", output_buffer_limit=CHUNK)
            if decoder.is_finished():
                return
    except brotli.error as exc:
        raise UndecodableBody(f"not valid brotli data: {exc}") from exc


def _unzstded(chunks: Iterable[bytes]) -> Iterator[bytes]:
    decoder = zstd.ZstdDecompressor()
    try:
        for data in chunks:
            while True:
                if decoder.eof:  # another frame may follow
                    data = decoder.unused_data + data
                    if not data:
                        break
                    decoder = zstd.ZstdDecompressor()
                if not data and decoder.needs_input:
                    break
                out, data = decoder.decompress(data, CHUNK), b""
                if out:
                    yield out
    except zstd.ZstdError as exc:
        raise UndecodableBody(f"not valid zstd data: {exc}") from exc


DECODERS: dict[str, Callable[[Iterable[bytes]], Iterator[bytes]]] = {
    "gzip": partial(_inflated, wbits=16 + zlib.MAX_WBITS),
    "x-gzip": partial(_inflated, wbits=16 + zlib.MAX_WBITS),
    "deflate": _deflated,
    "br": _unbrotlied,
    "zstd": _unzstded,
    "identity": iter,
}


def decoded(record, as_stored: bool = False) -> Iterator[bytes]:
    """A response record's body with its transfer and content codings undone, in chunks.

    Codings are undone from the last applied, and decoding stops (leaving the rest as stored)
    at the first one that is not known, as Scrapy does. `as_stored`: undo none of them.
    """
    http = record.http_headers
    if http is None or as_stored:  # a metadata record, or the bytes as stored
        return _raw_chunks(record.raw_stream)
    chunked = "chunked" in (http.get_header("transfer-encoding") or "").lower()
    chunks = (_dechunked if chunked else _raw_chunks)(record.raw_stream)
    codings = [c.strip().lower() for c in (http.get_header("content-encoding") or "").split(",")]
    for coding in reversed([c for c in codings if c]):
        if coding not in DECODERS:
            break
        chunks = DECODERS[coding](chunks)
    return chunks


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
