"""Writing WARC files: each response as request, response and metadata records (warcio).

Files are gzipped record by record (at `GZIP_LEVEL`, not warcio's fixed 9) and rotated by size; each
begins with a `warcinfo` record naming the crawl run. Every response is followed by a `metadata`
record (JSON) that says what re-extraction needs: the ward (its registry entry, family included),
what the page was (listing, article, robots, attachment...), the category page, the article
identity, the redirects that led to it and the run. The files are therefore usable without the
registry.
"""

from __future__ import annotations

import json
import zlib
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import GzippingWrapper, WARCWriter

from wardcrawler import __version__
from wardcrawler.warc.reader import METADATA_TYPE, iso_from_warc_date

DROPPED_HEADERS = {"transfer-encoding"}  # the body is stored de-chunked
# zlib level of the records. On the replica's pages, level 6 writes files 0.3 % larger than 9 in
# 85 % of the time, level 1 files 27 % larger in 30 %: captures are kept for ever, disk counts.
GZIP_LEVEL = 6


class _Gzipping(GzippingWrapper):
    """warcio's per-record gzip member, at a chosen level."""

    def __init__(self, out, level: int) -> None:
        super().__init__(out)
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)


class _Writer(WARCWriter):
    """warcio's writer, each record one gzip member at `level`."""

    def __init__(self, handle, level: int = GZIP_LEVEL) -> None:
        super().__init__(handle, gzip=False)
        self.level = level

    def _write_warc_record(self, out, record) -> None:
        super()._write_warc_record(_Gzipping(out, self.level), record)


@dataclass(frozen=True)
class Written:
    """Where a response record went."""

    warc_file: str
    offset: int
    length: int
    digest: str
    fetched_at: str


def warc_date(moment: datetime | None = None) -> str:
    """WARC-Date form of a moment (UTC, seconds)."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


class WarcFiles:
    """Appends captures to gzipped WARC files in a folder, rotating them by size."""

    def __init__(self, folder: Path | str, prefix: str, max_size: int, info: dict) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.prefix, self.max_size, self.info = prefix, max_size, info
        self.serial = 0
        self.handle = None

    def _file(self):
        """The open file, rotated when it has grown past the size limit."""
        if self.handle is not None and self.handle.tell() >= self.max_size:
            self.close()
        if self.handle is None:
            self.serial += 1
            name = f"{self.prefix}-{self.serial:05d}.warc.gz"
            self.handle = (self.folder / name).open("ab")
            self.name = name
            writer = _Writer(self.handle)
            info = {"software": f"wardcrawler/{__version__}", "format": "WARC File Format 1.0"}
            writer.write_record(writer.create_warcinfo_record(name, {**info, **self.info}))
        return self.handle

    def write(self, url: str, request: tuple, response: tuple, meta: dict) -> Written:
        """Write request, response and metadata records; return where the response went.

        A write that fails (a full disk) leaves no half record: the file is cut back to where
        this capture began, and the error is raised.
        """
        handle = self._file()
        start = handle.tell()
        try:
            return self._records(handle, url, request, response, meta)
        except OSError:
            with suppress(OSError):
                handle.truncate(start)
                handle.seek(start)
            raise

    def _records(self, handle, url: str, request: tuple, response: tuple, meta: dict) -> Written:
        """The three records of a capture, appended to `handle`."""
        writer = _Writer(handle)
        date = warc_date()
        method, request_headers, request_body = request
        status, protocol, response_headers, body = response
        target = url.split("#")[0]
        response_record = writer.create_warc_record(
            target,
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=StatusAndHeaders(
                f"{status} {_reason(status)}", _headers(response_headers), protocol=protocol
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        request_record = writer.create_warc_record(
            target,
            "request",
            payload=BytesIO(request_body),
            length=len(request_body),
            http_headers=StatusAndHeaders(
                f"{method} {_path(target)} HTTP/1.1",
                _headers(request_headers),
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        response_id = response_record.rec_headers.get_header("WARC-Record-ID")
        request_record.rec_headers.add_header("WARC-Concurrent-To", response_id)
        offset = handle.tell()
        writer.write_record(response_record)
        length = handle.tell() - offset
        writer.write_record(request_record)
        meta_bytes = json.dumps(meta, ensure_ascii=False).encode()
        metadata = writer.create_warc_record(
            target,
            "metadata",
            payload=BytesIO(meta_bytes),
            length=len(meta_bytes),
            warc_content_type=METADATA_TYPE,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
        )
        writer.write_record(metadata)
        handle.flush()
        digest = response_record.rec_headers.get_header("WARC-Payload-Digest")
        return Written(self.name, offset, length, digest, iso_from_warc_date(date))

    def close(self) -> None:
        """Close the current file."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _path(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


def _headers(headers) -> list[tuple[str, str]]:
    """Scrapy headers (bytes, multi-valued) as (name, value) text pairs, framing headers fixed."""
    pairs = []
    for name, values in headers.items():
        text = name.decode("latin-1")
        if text.lower() in DROPPED_HEADERS:
            continue
        pairs += [(text, v.decode("latin-1")) for v in values]
    return pairs
