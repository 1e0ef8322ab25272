"""An archive read as its users read it, with what legitimately differs between two archives of
the same portals taken out, so that a merged archive can be compared with a single crawl's.

What legitimately differs (and nothing else is normalised):

- **Surrogate keys.** ``id`` columns are autoincrement numbers: a merge appends rows in its own
  order, so the same article may be row 17 in one archive and row 140 in another. Columns that
  point at them (``article_id``, ``category_id``, ``run_id``) are replaced by what they point
  at: an article by ``(ward, article_key)`` (one row per portal and identity, README: Schema),
  a category by ``(ward, url)``, a run by the crawl round it belongs to.
- **Times of the runs.** ``first_seen_at``, ``seen_at``, ``fetched_at``, ``listed_through_at``,
  ``gone_at``... are the wall clock of the crawl that wrote them: two crawls of the same portals
  a minute apart differ there. They are not dropped: each is replaced by the *round* (first
  crawl, second crawl after a night of changes, ...) whose time window holds it, so an archive
  whose merge rewrote history times (a views point of the first night dated at the merge, a
  first crawl's article marked first seen in the second) still differs. ``posted_at`` (the
  portal's date) and ``capture_timestamp`` (a web archive's) are content, compared as they are.
- **Durations and Scrapy's stats** of a run (``duration_seconds``, ``stats``): timing and
  memory of a process.
- **Where a capture's bytes are** (``captures.warc_file``, ``warc_offset``, ``warc_length``):
  file names carry the time and the run number, and offsets depend on the order in which
  responses reached the writer. They are checked apart: every capture must be readable where it
  points, beside the archive.
- **The ledger's runs** (``crawl_runs``): N shards are N runs where one process makes one; the
  runs of a round are compared by their sums (pages, new, updated, ... articles) and the wards
  they cover, not row for row. The per-ward figures of each run (``crawl_run_wards``) are
  compared row for row (a ward is crawled by exactly one shard).
"""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

# The tables and views of README's Schema that users read (Datasette serves them all).
TABLES = (
    "wards",
    "units",
    "former_units",
    "unit_lineage",
    "archive_meta",
    "articles",
    "views_snapshots",
    "article_revisions",
    "categories",
    "article_categories",
    "listing_entries",
    "attachments",
    "captures",
    "fetch_errors",
    "wayback_processed",
    "crawl_run_wards",
    "unit_portals",
    "unit_articles",
    "unit_coverage",
    "province_coverage",
)
# Times that are content, not the clock of a run.
CONTENT_TIMES = {"posted_at", "capture_timestamp"}
# Times of a run that are not named *_at.
RUN_TIMES = {"last_crawl"}
# Per-process figures: timings and Scrapy's stats.
DROPPED = {"duration_seconds", "stats"}
# Where a capture's record is in the WARC files: checked by reading it, not by value.
LOCATION = {"warc_file", "warc_offset", "warc_length"}
# Summed per round over the runs of the ledger.
RUN_SUMS = (
    "pages",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "articles_gone",
    "failed",
    "parse_failures",
)


@dataclass
class Rounds:
    """Time windows of an archive's crawl rounds (UTC epoch seconds), in order."""

    windows: list[tuple[float, float]] = field(default_factory=list)

    def add(self, start: float, end: float) -> None:
        self.windows.append((start, end))

    def of(self, value) -> object:
        """The round (1, 2, ...) whose window holds a stored time; the value itself if none."""
        if value is None:
            return None
        moment = _parse_time(value)
        if moment is None:
            return ("not a time", value)
        for number, (start, end) in enumerate(self.windows, 1):
            # stored times are whole seconds (truncated or rounded): a second of slack each side
            if start - 1.5 <= moment <= end + 1.5:
                return f"round {number}"
        return ("outside every crawl round", value)


def _parse_time(value) -> float | None:
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("Z", "+00:00")
    if " " in text and "T" not in text:
        text = text.replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _is_run_time(column: str) -> bool:
    if column in CONTENT_TIMES:
        return False
    return column.endswith("_at") or column in RUN_TIMES


def _rows(connection: sqlite3.Connection, sql: str) -> list[dict]:
    return [dict(r) for r in connection.execute(sql)]


def _exists(connection: sqlite3.Connection, name: str) -> bool:
    found = connection.execute(
        "select 1 from sqlite_master where name = ? and type in ('table', 'view')", (name,)
    ).fetchone()
    return found is not None


def _freeze(value):
    """A hashable, sortable form of a normalised value."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _sort_key(row: tuple) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)


def read_archive(db: Path, rounds: Rounds) -> dict[str, list[tuple]]:
    """Every table users read, normalised (see the module docstring), rows sorted.

    Each table becomes a sorted list of rows; a row is a tuple of (column, value) pairs, so a
    difference reads with its column names.
    """
    assert Path(db).is_file(), f"no archive at {db}"
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        articles = {
            r["id"]: (r["ward"], r["article_key"])
            for r in _rows(connection, "select id, ward, article_key from articles")
        }
        categories = {
            r["id"]: (r["ward"], r["url"])
            for r in _rows(connection, "select id, ward, url from categories")
        }
        runs = {
            r["id"]: rounds.of(r["started_at"])
            for r in _rows(connection, "select id, started_at from crawl_runs")
        }
        content: dict[str, list[tuple]] = {}
        for table in TABLES:
            if not _exists(connection, table):
                content[table] = [(("table missing", table),)]
                continue
            normalised = []
            for row in _rows(connection, f"select * from {table}"):  # noqa: S608 - our names
                out = []
                for column, value in sorted(row.items()):
                    if column == "id" or column in DROPPED:
                        continue
                    if table == "captures" and column in LOCATION:
                        continue
                    if column == "article_id":
                        value = articles.get(value, ("no such article", value))
                    elif column == "category_id":
                        value = categories.get(value, ("no such category", value))
                    elif column == "run_id":
                        value = runs.get(value, ("no such run", value))
                    elif _is_run_time(column):
                        value = rounds.of(value)
                    out.append((column, _freeze(value)))
                normalised.append(tuple(out))
            content[table] = sorted(normalised, key=_sort_key)
        content["crawl_runs (per round)"] = _runs_per_round(connection, rounds)
        return content
    finally:
        connection.close()


def _runs_per_round(connection: sqlite3.Connection, rounds: Rounds) -> list[tuple]:
    """The ledger's crawl runs (not a rebuild's or a merge's own) summed per round."""
    per_round: dict[object, dict] = {}
    for run in _rows(connection, "select * from crawl_runs where mode in ('incremental', 'full')"):
        key = _freeze(rounds.of(run["started_at"]))
        agg = per_round.setdefault(
            key,
            {
                "modes": set(),
                "statuses": set(),
                "exit_codes": set(),
                "wards": Counter(),
                "broken": {},
                **{name: 0 for name in RUN_SUMS},
            },
        )
        agg["modes"].add(run["mode"])
        agg["statuses"].add(run["status"])
        agg["exit_codes"].add(run["exit_code"])
        agg["wards"].update(json.loads(run["wards"] or "[]"))
        broken = json.loads(run["broken_wards"] or "{}")
        if isinstance(broken, dict):
            agg["broken"].update(broken)
        else:
            agg["broken"].update({slug: True for slug in broken})
        for name in RUN_SUMS:
            agg[name] += run[name] or 0
    out = []
    for key, agg in per_round.items():
        out.append(
            (
                ("round", key),
                ("modes", tuple(sorted(agg["modes"]))),
                ("statuses", tuple(sorted(agg["statuses"]))),
                ("exit_codes", tuple(sorted(agg["exit_codes"], key=str))),
                ("wards", tuple(sorted(agg["wards"].items()))),
                ("broken_wards", tuple(sorted(agg["broken"].items()))),
                *((name, agg[name]) for name in RUN_SUMS),
            )
        )
    return sorted(out, key=_sort_key)


def differences(expected: dict, got: dict, tables=None, limit: int = 6) -> list[str]:
    """What differs, table by table: rows only in one archive, at most `limit` a table."""
    problems = []
    for table in tables or expected:
        want, have = Counter(expected.get(table, [])), Counter(got.get(table, []))
        if want == have:
            continue
        missing, extra = want - have, have - want
        lines = [
            f"{table}: {sum(missing.values())} rows missing, {sum(extra.values())} rows "
            f"unexpected (of {sum(want.values())} expected)"
        ]
        lines += [f"    missing:    {_show(r)}" for r in list(missing)[:limit]]
        lines += [f"    unexpected: {_show(r)}" for r in list(extra)[:limit]]
        problems.append("\n".join(lines))
    return problems


def _show(row: tuple, width: int = 400) -> str:
    text = ", ".join(f"{c}={v!r}" for c, v in row)
    return text if len(text) <= width else text[:width] + "…"


# ---------------------------------------------------------------- the WARC captures


def warc_path(db: Path, warc_file: str) -> Path:
    """Where a capture's WARC file is for an archive: in `warc/` beside the database."""
    path = Path(warc_file)
    return path if path.is_absolute() else Path(db).parent / "warc" / path


def unreadable_captures(db: Path) -> tuple[int, list[str]]:
    """Read every capture's record where the archive says it is; (captures, problems)."""
    from warcio.archiveiterator import ArchiveIterator

    warc_dir = (Path(db).parent / "warc").resolve()
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        captures = _rows(connection, "select * from captures where source = 'live'")
    finally:
        connection.close()
    problems = []
    for c in captures:
        where = f"capture {c['id']} ({c['kind']} {c['url']}) in {c['warc_file']!r}"
        path = warc_path(db, c["warc_file"])
        if warc_dir not in path.resolve().parents:
            problems.append(f"{where}: not in the WARC folder beside the archive ({warc_dir})")
            continue
        if not path.is_file():
            problems.append(f"{where}: no such file beside the archive")
            continue
        with path.open("rb") as handle:
            handle.seek(c["warc_offset"])
            chunk = handle.read(c["warc_length"])
        try:
            records = list(ArchiveIterator(io.BytesIO(chunk)))
        except Exception as error:  # noqa: BLE001 - any failure to read is the finding
            problems.append(f"{where}: record at {c['warc_offset']} unreadable: {error!r}")
            continue
        responses = [r for r in records if r.rec_type in ("response", "resource", "revisit")]
        if len(responses) != 1:
            kinds = [r.rec_type for r in records]
            problems.append(f"{where}: expected one response record there, found {kinds}")
            continue
        record = responses[0]
        uri = record.rec_headers.get_header("WARC-Target-URI")
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        if uri != c["url"]:
            problems.append(f"{where}: the record there is of {uri!r}")
        elif c["payload_digest"] and digest != c["payload_digest"]:
            problems.append(f"{where}: digest {digest!r} there, {c['payload_digest']!r} stored")
    return len(captures), problems


def warc_files_are_gzip(db: Path) -> list[str]:
    """WARC files beside the archive that do not even open as gzip."""
    bad = []
    for path in sorted((Path(db).parent / "warc").glob("*.warc.gz")):
        try:
            with gzip.open(path, "rb") as handle:
                handle.read(64)
        except OSError as error:
            bad.append(f"{path.name}: {error}")
    return bad
