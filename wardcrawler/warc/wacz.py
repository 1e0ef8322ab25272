"""A replayable archive: the WARC captures of chosen wards packaged as a WACZ file.

The response records of the chosen captures are copied byte for byte (each is its own gzip
member) into one WARC file, in bounded chunks; the page list names each article's capture with
the article's title; the `wacz` package (Webrecorder's py-wacz) indexes them and writes the zip
(CDXJ index, `datapackage.json` with hashes), so that ReplayWeb.page and pywb open it.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import closing, redirect_stdout
from dataclasses import dataclass
from io import StringIO
from itertools import groupby
from pathlib import Path

from wardcrawler.warc.reader import opened_record

CHUNK = 1 << 20
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Bài viết · Articles"}


class WaczError(RuntimeError):
    """The WACZ file could not be written (the message says why)."""


@dataclass(frozen=True)
class Chosen:
    """One capture to package: where it is, and the article it shows (if any)."""

    warc_file: str
    offset: int
    length: int
    article_id: int | None
    title: str | None


def chosen_captures(db: Path, slugs: Iterable[str] = (), since: str | None = None) -> list[Chosen]:
    """The captures stored in WARC files, of the chosen wards, fetched on or after `since`."""
    slugs = list(slugs)
    sql = ("select c.warc_file, c.warc_offset, c.warc_length, a.id, a.title from captures c"
           " left join articles a on a.id = c.article_id and c.kind = 'article'"
           " and c.status between 200 and 299"
           " where c.warc_file is not null and c.warc_length > 0")  # fmt: skip
    params: list = []
    if slugs:
        sql += f" and c.ward in ({', '.join('?' * len(slugs))})"
        params += slugs
    if since:
        sql += " and c.fetched_at >= ?"
        params.append(since)
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        rows = connection.execute(sql + " order by c.warc_file, c.warc_offset", params)
        return [Chosen(*row) for row in rows]


def copy_records(captures: list[Chosen], warc_dir: Path, target: Path) -> list[dict]:
    """Copy the response records into `target`; the page list: each article once, at its newest
    capture (the older ones are in the WARC too, replayable at their own dates)."""
    pages: dict[int, dict] = {}
    with target.open("wb") as out:
        for name, group in groupby(captures, key=lambda c: c.warc_file):
            source = warc_dir / name
            if not source.is_file():
                raise WaczError(f"{source}: WARC file missing (captures name it)")
            with source.open("rb") as stream:
                for capture in group:
                    page = _page(source, capture)
                    _copy(stream, capture.offset, capture.length, out)
                    if page and page["ts"] >= pages.get(capture.article_id, page)["ts"]:
                        pages[capture.article_id] = page
    return list(pages.values())


def _page(source: Path, capture: Chosen) -> dict | None:
    """The page-list entry of an article's capture (URL and date as the record says)."""
    if capture.title is None:
        return None
    with opened_record(source, capture.offset) as record:
        headers = record.rec_headers
        url, date = headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date")
    return {"url": url, "ts": date, "title": capture.title}


def _copy(stream, offset: int, length: int, out) -> None:
    """Copy `length` bytes of `stream` from `offset`, a chunk at a time."""
    stream.seek(offset)
    left = length
    while left > 0 and (chunk := stream.read(min(CHUNK, left))):
        out.write(chunk)
        left -= len(chunk)


def write_wacz(
    db: Path, warc_dir: Path, output: Path, slugs: Iterable[str] = (), since: str | None = None
) -> int:
    """Package the chosen captures as `output` (a .wacz file); the number of article pages."""
    from wacz.main import main as wacz_main

    captures = chosen_captures(db, slugs, since)
    if not captures:
        raise WaczError("no captures to package (none stored, or none of these wards/dates)")
    with tempfile.TemporaryDirectory(prefix="wardcrawler-wacz-") as folder:
        warc, pages_file = Path(folder) / "data.warc.gz", Path(folder) / "pages.jsonl"
        pages = copy_records(captures, warc_dir, warc)
        pages_file.write_text(_jsonl([PAGES_HEADER, *pages]), encoding="utf-8")
        log = StringIO()
        with redirect_stdout(log):  # py-wacz prints its progress
            code = wacz_main(["create", "-o", str(output), "-p", str(pages_file), str(warc)])
        if code:
            raise WaczError(f"wacz create failed: {log.getvalue().strip()[-500:]}")
    return len(pages)


def _jsonl(rows: Iterable[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def page_list(path: Path) -> Iterator[dict]:
    """The pages listed in a WACZ file."""
    import zipfile

    with zipfile.ZipFile(path) as archive, archive.open("pages/pages.jsonl") as stream:
        for line in stream:
            row = json.loads(line)
            if "url" in row:
                yield row
