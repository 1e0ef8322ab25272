"""Undoing a stored body's codings in bounded chunks: chunked transfer, gzip, deflate, br, zstd.

A body is never decoded whole: every decoder takes chunks and gives at most `CHUNK` decoded bytes
at a time, so that a few megabytes of a hostile portal's gzip (which may decompress to gigabytes)
are only ever held a chunk at a time; the caller stops reading where it wants (`reader.Body`).
Codings are undone from the last applied, and an unknown one is left as stored, as Scrapy does.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import chain

try:
    import brotli
except ImportError:  # PyPy
    import brotlicffi as brotli
if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

CHUNK = 64 * 1024  # bytes decoded at a time


class UndecodableBody(ValueError):
    """A body that does not decode as its Content-Encoding says."""


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
    """`br`: brotli data decompressed CHUNK at a time."""
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
    """`zstd`: Zstandard data (one frame or several) decompressed CHUNK at a time."""
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
