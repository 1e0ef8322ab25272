"""Reading stored captures back with bounded memory: bombs, every coding, damaged files."""

from __future__ import annotations

import gzip
import json
import random
import struct
import tracemalloc
import zlib
from io import BytesIO
from pathlib import Path

import brotli
import pytest
from backports import zstd
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from wardcrawler.warc.reader import (
    METADATA_TYPE,
    body_chunks,
    iter_captures,
    measure_capture,
    read_capture,
)

MIB = 1 << 20
PAGE = ("<html><body>" + "<p>Phường Phúc Lợi tổ chức hội nghị.</p>" * 3000).encode()
NOISE = random.Random(10).randbytes(300_000)  # incompressible: every byte of its gzip counts


def gzip_bomb(mib: int) -> bytes:
    """A valid gzip stream of `mib` MiB of zeros, built in a blink (about 1 KB per MiB).

    After a full flush the deflate state is reset, so every further MiB of zeros compresses to
    the same bytes: they are repeated instead of compressed again.
    """
    zeros = bytes(MIB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    trailer = deflate.flush() + struct.pack("<II", crc, (mib * MIB) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + block * (mib - 1) + trailer


def write_warc(path: Path, responses: list[tuple]) -> list[int]:
    """Write (url, headers, body, meta) responses as wardcrawler does; their record offsets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    offsets = []
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, headers, body, meta in responses:
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=BytesIO(body), length=len(body), http_headers=http
            )
            offsets.append(handle.tell())
            writer.write_record(record)
            data = json.dumps(meta).encode()
            writer.write_record(
                writer.create_warc_record(
                    url, "metadata", payload=BytesIO(data), length=len(data),
                    warc_content_type=METADATA_TYPE,
                )
            )  # fmt: skip
    return offsets


def response(name: str, body: bytes, coding: str = "", **headers: str) -> tuple:
    """One response of a test WARC file, its metadata naming it."""
    pairs = [("Content-Type", "text/html; charset=utf-8")] + list(headers.items())
    if coding:
        pairs.append(("Content-Encoding", coding))
    return (f"http://ward.example/{name}", pairs, body, {"ward": {"slug": "w"}, "kind": name})


def peak_bytes(function) -> tuple[object, int]:
    """What `function()` returns, and the peak of Python memory allocated while it ran."""
    tracemalloc.start()
    try:
        return function(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(256)  # 256 MiB once decompressed, 0.3 MB stored


BOMBS = {
    "gzip": lambda: gzip_bomb(256),
    "br": lambda: brotli.compress(bytes(256 * MIB), quality=1),
    "zstd": lambda: zstd.compress(bytes(256 * MIB)),
    "deflate": lambda: zlib.compress(bytes(64 * MIB), 1),
}


@pytest.mark.parametrize("coding", sorted(BOMBS))
def test_a_bomb_is_read_up_to_the_limit_in_bounded_memory(tmp_path, coding):
    body = BOMBS[coding]()
    (offset,) = write_warc(tmp_path / "b.warc.gz", [response("bomb", body, coding)])

    capture, peak = peak_bytes(lambda: read_capture(tmp_path / "b.warc.gz", offset, limit=MIB))

    assert capture.body == bytes(MIB)
    assert capture.over_limit and str(MIB) in capture.problem
    assert peak < 12 * MIB, f"{peak / MIB:.0f} MiB allocated to read 1 MiB of a {coding} bomb"


def test_iterating_past_a_bomb_stays_bounded_and_reads_what_follows(tmp_path, bomb):
    responses = [response("bomb", bomb, "gzip"), response("page", gzip.compress(PAGE), "gzip")]
    write_warc(tmp_path / "warc" / "a.warc.gz", responses)

    captures, peak = peak_bytes(lambda: list(iter_captures(tmp_path / "warc", limit=2 * MIB)))

    assert [c.meta["kind"] for c in captures] == ["bomb", "page"]
    assert captures[0].over_limit and len(captures[0].body) == 2 * MIB
    assert captures[1].body == PAGE and not captures[1].over_limit and not captures[1].problem
    assert peak < 16 * MIB, f"{peak / MIB:.0f} MiB allocated"


def test_measuring_and_streaming_a_bomb_hold_one_chunk_at_a_time(tmp_path, bomb):
    (offset,) = write_warc(tmp_path / "b.warc.gz", [response("bomb", bomb, "gzip")])
    path = tmp_path / "b.warc.gz"

    (capture, body), peak = peak_bytes(lambda: measure_capture(path, offset, 20 * MIB))
    sizes, stream_peak = peak_bytes(lambda: [len(c) for c in body_chunks(path, offset, 20 * MIB)])

    assert capture.status == 200 and capture.url == "http://ward.example/bomb"
    assert (body.size, body.over_limit) == (20 * MIB, True)
    assert sum(sizes) == 20 * MIB and max(sizes) <= 64 * 1024
    assert max(peak, stream_peak) < 8 * MIB


def raw_deflate(data: bytes) -> bytes:
    """Deflate without the zlib wrapper, as some servers send `Content-Encoding: deflate`."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush()


CODINGS = {
    "gzip": gzip.compress(PAGE),
    "x-gzip": gzip.compress(PAGE),
    "deflate": zlib.compress(PAGE),
    "raw-deflate": raw_deflate(PAGE),
    "br": brotli.compress(PAGE),
    "zstd": zstd.compress(PAGE),
    "gzip, br": brotli.compress(gzip.compress(PAGE)),
    "identity": PAGE,
    "": PAGE,
}


@pytest.mark.parametrize("name", sorted(CODINGS))
def test_every_coding_a_crawl_accepts_decodes_to_the_page(tmp_path, name):
    coding = "deflate" if name == "raw-deflate" else name
    (offset,) = write_warc(tmp_path / "c.warc.gz", [response("page", CODINGS[name], coding)])

    capture = read_capture(tmp_path / "c.warc.gz", offset)

    assert capture.body == PAGE and not capture.problem and not capture.over_limit


def test_several_gzip_members_and_zstd_frames_are_read_whole(tmp_path):
    half = len(PAGE) // 2
    members = gzip.compress(PAGE[:half]) + gzip.compress(PAGE[half:])
    frames = zstd.compress(PAGE[:half]) + zstd.compress(PAGE[half:])
    offsets = write_warc(
        tmp_path / "m.warc.gz", [response("a", members, "gzip"), response("b", frames, "zstd")]
    )
    for offset in offsets:
        assert read_capture(tmp_path / "m.warc.gz", offset).body == PAGE


def test_an_unknown_coding_is_left_as_stored(tmp_path):
    stored = gzip.compress(b"opaque")
    (offset,) = write_warc(tmp_path / "u.warc.gz", [response("u", stored, "gzip, compress")])

    assert read_capture(tmp_path / "u.warc.gz", offset).body == stored  # Scrapy left it so too


def test_chunked_transfer_coding_is_undone(tmp_path):
    stored = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"
    (offset,) = write_warc(
        tmp_path / "t.warc.gz", [response("t", stored, **{"Transfer-Encoding": "chunked"})]
    )
    assert read_capture(tmp_path / "t.warc.gz", offset).body == b"hello, world"


def test_a_body_exactly_at_the_limit_is_whole(tmp_path):
    (offset,) = write_warc(tmp_path / "e.warc.gz", [response("e", gzip.compress(PAGE), "gzip")])
    path = tmp_path / "e.warc.gz"

    whole = read_capture(path, offset, limit=len(PAGE))
    cut = read_capture(path, offset, limit=len(PAGE) - 1)

    assert (whole.body, whole.over_limit, whole.problem) == (PAGE, False, "")
    assert (cut.body, cut.over_limit) == (PAGE[:-1], True)


def test_a_gzip_corrupt_half_way_gives_what_decoded_and_says_why(tmp_path):
    stored = bytearray(gzip.compress(NOISE))
    stored[len(stored) // 2 : len(stored) // 2 + 64] = bytes(64)
    (offset,) = write_warc(tmp_path / "k.warc.gz", [response("k", bytes(stored), "gzip")])

    capture = read_capture(tmp_path / "k.warc.gz", offset)

    assert 0 < len(capture.body) < len(NOISE) and NOISE.startswith(capture.body[:1000])
    assert "not valid compressed data" in capture.problem and not capture.over_limit


def test_a_body_wrongly_labelled_gzip_can_be_had_as_stored(tmp_path):
    (offset,) = write_warc(tmp_path / "w.warc.gz", [response("w", PAGE, "gzip")])
    path = tmp_path / "w.warc.gz"

    capture = read_capture(path, offset)

    assert capture.body == b"" and "not valid compressed data" in capture.problem
    assert b"".join(body_chunks(path, offset, 10 * MIB, as_stored=True)) == PAGE


def test_a_warc_file_cut_by_a_crash_gives_the_captures_before_the_cut(tmp_path):
    folder = tmp_path / "warc"
    pages = [response(f"p{n}", gzip.compress(PAGE + bytes([n])), "gzip") for n in range(3)]
    write_warc(folder / "a.warc.gz", pages[:2])
    two = (folder / "a.warc.gz").stat().st_size  # where the third capture begins
    write_warc(folder / "a.warc.gz", pages)
    write_warc(folder / "b.warc.gz", [response("later", PAGE)])
    data = (folder / "a.warc.gz").read_bytes()
    (folder / "a.warc.gz").write_bytes(data[: (two + len(data)) // 2])  # the last one cut short
    damaged: list[str] = []

    kinds = [c.meta["kind"] for c in iter_captures(folder, damaged=damaged)]

    assert kinds[:2] == ["p0", "p1"] and kinds[-1] == "later" and "p2" not in kinds
    assert len(damaged) == 1 and damaged[0].startswith("a.warc.gz")


def test_metadata_that_is_not_json_skips_that_capture_only(tmp_path):
    folder = tmp_path / "warc"
    write_warc(folder / "a.warc.gz", [response("good", PAGE)])
    with (folder / "a.warc.gz").open("ab") as handle:
        writer = WARCWriter(handle, gzip=True)
        http = StatusAndHeaders("200 OK", [], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            "http://ward.example/x", "response", payload=BytesIO(b"x"), length=1, http_headers=http
        )
        writer.write_record(record)
        writer.write_record(writer.create_warc_record(
            "http://ward.example/x", "metadata", payload=BytesIO(b"{not json"), length=9,
            warc_content_type=METADATA_TYPE))  # fmt: skip
    write_warc(folder / "b.warc.gz", [response("after", PAGE)])
    damaged: list[str] = []

    kinds = [c.meta["kind"] for c in iter_captures(folder, damaged=damaged)]

    assert kinds == ["good", "after"]
    assert len(damaged) == 1 and "http://ward.example/x" in damaged[0]
