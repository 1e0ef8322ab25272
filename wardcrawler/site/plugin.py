"""Datasette hooks of the wardcrawler archive (registered by `site/serve.py`, for its site only).

- SQL functions: `escape_fts` replaced by `vi_query`, so that `?_search=` means what was typed
  (marked words exactly, unmarked ones in every spelling); `fts_query(text)` for
  the canned queries; `vi_snippet(text, query)` (an excerpt with the hits marked).
- `/-/download/articles.{jsonl,json,csv}?ward=SLUG&since=YYYY-MM-DD`: the whole archive or one
  ward, streamed, one record per article with its categories and attachments.
- `/-/capture/{id}`: the raw page of a capture, read from its WARC file, decoded and streamed
  (at most `CAPTURE_MAX_BYTES`), served sandboxed.
- Guards (in `guards.py`): Atom feeds valid for any rows (datasette-atom's renderer, made
  total), and odd input answered 4xx, never 500 (unknown wards, FTS5 syntax, odd parameters).
- A `from_json` template filter, for the article view in `templates/row.html`.
- Rendering: `<mark>` in snippets, download links in the `downloads` query, short links to the
  portal for `url` columns of queries, a "raw page" link for each capture.
"""

from __future__ import annotations

import asyncio
import base64
import json
from itertools import islice
from pathlib import Path
from urllib.parse import quote, urlsplit

from datasette import hookimpl
from datasette.utils.asgi import AsgiStream, Response
from markupsafe import Markup, escape

from wardcrawler.site import planner
from wardcrawler.site.citation import (
    CitedArticle,
    bibtex,
    citation_text,
    cited_capture,
    csl_json,
    revision_changes,
    views_chart,
)
from wardcrawler.site.export import FORMATS, MEDIA_TYPES, lines, records, valid_since
from wardcrawler.site.guards import atom_renderer, request_error, ward_exists, ward_guard
from wardcrawler.site.search import IndexedSpellings, fts_query, vi_query, vi_snippet
from wardcrawler.warc.reader import (
    Body,
    Capture,
    UnreadableCapture,
    body_chunks,
    measure_capture,
)

DOWNLOAD_PATH = "/-/download/articles"
CHUNK = 200  # records per read from the database thread
# `/-/capture` serves at most this many bytes of a body (decompressed): beyond, the first ones,
# with `X-Wardcrawler-Truncated` saying so. Metadata `plugins: wardcrawler: capture_max_bytes`.
CAPTURE_MAX_BYTES = 20 * 2**20


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["from_json"] = json.loads


@hookimpl(trylast=True)  # after Datasette's own functions: ours replaces its escape_fts
def prepare_connection(conn):
    spellings = IndexedSpellings(conn)  # an unmarked word: its spellings in this index, ORed
    spellings.prepared()  # the vocabulary table, made before any statement runs
    conn.create_function("escape_fts", 1, lambda q: vi_query(q, spellings), deterministic=True)
    conn.create_function("fts_query", 1, lambda q: fts_query(q, spellings), deterministic=True)
    conn.create_function("vi_snippet", 2, vi_snippet, deterministic=True)


@hookimpl
def register_routes():
    return [
        (rf"^{DOWNLOAD_PATH}\.(?P<fmt>{'|'.join(FORMATS)})$", download),
        (r"^/-/capture/(?P<id>\d+)$", raw_capture),
        (r"^/-/map-tile/\d+/\d+/\d+\.png$", map_tile),
    ]


# A blank map tile: the coverage map (datasette-cluster-map) draws the units' markers on it, so
# that the map needs no tile server and sends nothing off the machine.
BLANK_TILE = base64.b64decode(  # one pixel of #e9eef2, stretched over the tile
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGN4+e4TAAWNAsprET/7AAAAAElFTkSuQmCC"
)


async def map_tile(datasette, request):
    """The blank tile of every place and zoom."""
    return Response(BLANK_TILE, content_type="image/png",
                    headers={"Cache-Control": "max-age=86400"})  # fmt: skip


# --- raw captures -----------------------------------------------------------------------------


async def raw_capture(datasette, request):
    """The page as it was fetched: the body of its WARC response record, decoded, streamed."""
    found = await capture_place(datasette, request.url_vars["id"])
    if isinstance(found, Response):
        return found
    path, offset = found
    config = datasette.plugin_config("wardcrawler") or {}
    limit = int(config.get("capture_max_bytes") or CAPTURE_MAX_BYTES)
    try:
        capture, body = await asyncio.to_thread(measure_capture, path, offset, limit)
        as_stored = bool(body.problem) and not body.size  # does not decode at all
        if as_stored:
            capture, body = await asyncio.to_thread(measure_capture, path, offset, limit, True)
    except UnreadableCapture as exc:
        return Response.text(f"capture {request.url_vars['id']} is unreadable: {exc}", status=404)
    chunks = body_chunks(path, offset, limit, as_stored)

    async def stream(writer):
        try:
            while chunk := await asyncio.to_thread(next, chunks, b""):  # bytes: not writer.write
                await writer.send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            chunks.close()

    content_type = header_text(capture.header("content-type")) or "application/octet-stream"
    headers = capture_headers(capture, body, as_stored)
    return AsgiStream(stream, headers=headers, content_type=content_type)


async def capture_place(datasette, capture_id: str) -> tuple[Path, int] | Response:
    """The WARC file and offset of a capture, or the answer when it has none here."""
    rows = (
        await datasette.get_database().execute(
            "select warc_file, warc_offset, archive_url from captures where id = ?", [capture_id]
        )
    ).rows
    if rows and not rows[0]["warc_file"] and rows[0]["archive_url"]:
        return Response.redirect(web_address(rows[0]["archive_url"]))  # its web-archive copy
    name, offset = (rows[0]["warc_file"], rows[0]["warc_offset"]) if rows else (None, None)
    folder = (datasette.plugin_config("wardcrawler") or {}).get("warc_dir")
    if not name or not isinstance(offset, int) or not folder:
        return Response.text("no such capture", status=404)
    path = Path(folder) / name
    if Path(name).name != name or not path.is_file():  # only files of the WARC folder
        return Response.text(f"WARC file {Path(name).name} is not here", status=404)
    return path, offset


def capture_headers(capture: Capture, body: Body, as_stored: bool) -> dict[str, str]:
    """Headers of a raw capture: sandboxed, and saying what the body served is."""
    headers = {
        "content-security-policy": "sandbox",  # archived pages never run in this origin
        "x-content-type-options": "nosniff",  # nor are read as anything but what they said
        "content-length": str(body.size),
        "x-wardcrawler-fetched-at": capture.fetched_at,
        "x-wardcrawler-status": str(capture.status),
    }
    if as_stored:
        encoding = header_text(capture.header("content-encoding"))
        headers["x-wardcrawler-encoding"] = f"{encoding} (served as stored: it does not decode)"
    elif body.problem:
        headers["x-wardcrawler-truncated"] = header_text(f"{body.problem}: {body.size} served")
    return headers


def header_text(value: str) -> str:
    """A stored header value as one safe line of printable ASCII."""
    return "".join(c if " " <= c <= "~" else "?" for c in value).strip()


def web_address(url: str) -> str:
    """A URL fit for a Location header: non-ASCII and control characters percent-encoded."""
    return quote(url, safe="/:?#[]@!$&'()*+,;=%~")


# --- downloads --------------------------------------------------------------------------------


async def download(datasette, request):
    """Stream the articles (all, or `?ward=`) as JSON Lines, JSON or CSV."""
    fmt = request.url_vars["fmt"]
    ward = request.args.get("ward") or None
    since = request.args.get("since") or None
    database = datasette.get_database()
    if not valid_since(since):
        return Response.text("since: expected YYYY-MM-DD", status=400)
    if ward and not await ward_exists(database, ward):
        return Response.text(f"unknown ward {ward!r}", status=404)
    source = lines(records(database.path, ward, since), fmt)

    async def stream(send):
        while chunk := await asyncio.to_thread(lambda: "".join(islice(source, CHUNK))):
            await send.write(chunk)

    name = f"{database.name}-{ward or 'all'}.{fmt}"
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    return AsgiStream(stream, headers=headers, content_type=MEDIA_TYPES[fmt])


# --- guards (their bodies are in guards.py) --------------------------------------------------


@hookimpl(trylast=True)  # registered after datasette-atom's, so that this one is used
def register_output_renderer():
    return atom_renderer()


@hookimpl
def asgi_wrapper(datasette):
    guard = ward_guard(datasette)
    return lambda app: guard(planner.json_search_without_facets(app))


@hookimpl
def startup(datasette):
    """Searches of the articles table planned for a million articles (`planner.py`)."""
    for name, database in datasette.databases.items():
        if name != "_internal":
            planner.install(database)


@hookimpl
def handle_exception(datasette, request, exception):
    """Errors caused by the request itself, which Datasette 0.65 answers 500: a 400 saying so."""
    return request_error(datasette, request, exception)


# --- rendering --------------------------------------------------------------------------------


@hookimpl
def render_cell(row, value, column, table):
    if not isinstance(value, str):
        return None
    if column == "snippet":
        marked = str(escape(value))
        return Markup(marked.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))
    if table is None and column in FORMATS and value.startswith(DOWNLOAD_PATH):
        return Markup(f'<a href="{escape(value)}">{escape(column)}</a>')
    if table == "captures" and column in ("warc_file", "archive_url"):
        link = f"/-/capture/{row['id']}"
        return Markup(f'{escape(value)} · <a href="{link}">raw page</a>')
    if table is None and column == "url" and value.startswith(("http://", "https://")):
        host = urlsplit(value).netloc
        return Markup(f'<a href="{escape(value)}" title="{escape(value)}">{escape(host)} ↗</a>')
    return None


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    """The article page's citation, view history, revisions and captures (`templates/row.html`)."""
    if view_name != "row" or table != "articles" or request is None:
        return None
    return article_context(datasette, database, request)


async def article_context(datasette, database: str, request) -> dict:
    """Rows beside an article, read for its page."""
    pks = request.url_vars.get("pks", "")
    if not pks.isdigit():
        return {}
    pks = int(pks)
    db = datasette.get_database(database)
    article = (await db.execute("select * from articles where id = ?", [pks])).first()
    if article is None:
        return {}
    article = dict(article)

    async def rows(sql: str, params: list) -> list[dict]:
        return [dict(r) for r in (await db.execute(sql, params)).rows]

    ward = await rows("select * from wards where slug = ?", [article["ward"]])
    record = CitedArticle(
        article, ward[0] if ward else {},
        captures=await rows("select id, kind, fetched_at, status, warc_file, archive_url, source"
                            " from captures where article_id = ? order by fetched_at", [pks]),
        revisions=await rows("select * from article_revisions where article_id = ? order by id",
                             [pks]),
        views=await rows("select seen_at, views from views_snapshots where article_id = ?"
                         " order by seen_at", [pks]),
    )  # fmt: skip
    here = datasette.absolute_url(request, request.path)
    return {
        "citation": {
            "text": citation_text(record, here),
            "csl": csl_json(record, here),
            "bibtex": bibtex(record, here),
            "capture": cited_capture(record),
        },
        "views_chart": views_chart(record.views),
        "views_history": record.views,
        "revision_changes": revision_changes(record),
        "article_captures": record.captures,
    }
