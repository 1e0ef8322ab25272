"""Exports: one record per article with its categories and attachments, streamed.

Used by `wardcrawler export` and by the Datasette site's download links, so both give the same
files. Rows are read with one cursor and written one at a time: memory stays flat whatever the
archive's size. Text is UTF-8, never `\\uXXXX`-escaped.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

FORMATS = ("jsonl", "json", "csv")
MEDIA_TYPES = {
    "jsonl": "application/x-ndjson; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
COLUMNS = (
    "id", "ward", "ward_name", "province", "article_key", "url", "title", "posted_at",
    "posted_raw", "views", "body", "categories", "attachments", "content_hash",
    "first_seen_at", "last_seen_at",
)  # fmt: skip
LIST_COLUMNS = ("categories", "attachments")

SQL = """
select a.id, a.ward, w.name as ward_name, w.province, a.article_key, a.url, a.title, a.posted_at,
  a.posted_raw, a.views, a.body,
  (select json_group_array(name) from (
     select c.name from article_categories ac join categories c on c.id = ac.category_id
     where ac.article_id = a.id order by c.name)) as categories,
  (select json_group_array(json_object('url', t.url, 'kind', t.kind, 'name', t.name))
     from attachments t where t.article_id = a.id) as attachments,
  a.content_hash, a.first_seen_at, a.last_seen_at
from articles a left join wards w on w.slug = a.ward
where (:ward is null or a.ward = :ward) and (:since is null or a.posted_date >= :since)
order by a.posted_at desc, a.id
"""


def records(db_path: Path | str, ward: str | None = None, since: str | None = None):
    """Yield one dict per article, newest first; lists are JSON text (see `decode`)."""
    uri = f"{Path(db_path).resolve().as_uri()}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    try:
        yield from (dict(row) for row in connection.execute(SQL, {"ward": ward, "since": since}))
    finally:
        connection.close()


def known_ward(db_path: Path | str, ward: str) -> bool:
    """Whether the archive has this ward."""
    uri = f"{Path(db_path).resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        return (
            connection.execute("select 1 from wards where slug = ?", [ward]).fetchone() is not None
        )


def valid_since(value: str | None) -> bool:
    """Whether a `since` date is empty or YYYY-MM-DD."""
    if not value:
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def decode(record: dict) -> dict:
    """The record with its categories and attachments as lists."""
    return {**record, **{c: json.loads(record[c] or "[]") for c in LIST_COLUMNS}}


def lines(rows, fmt: str) -> Iterator[str]:
    """The export file, piece by piece, in `fmt` (jsonl, json or csv)."""
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(decode(row), ensure_ascii=False) + "\n"
    elif fmt == "json":
        separator = "[\n"
        for row in rows:
            yield separator + json.dumps(decode(row), ensure_ascii=False)
            separator = ",\n"
        yield "[]\n" if separator == "[\n" else "\n]\n"
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
    else:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
