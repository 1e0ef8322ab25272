"""Datasette hooks of the wardcrawler archive (registered by `site/serve.py`, for its site only).

- SQL functions: `escape_fts` replaced by `folded_query`, so that `?_search=` folds the query
  like the index's folded copy (every spelling gives the same articles); `fts_query(text)` for
  the canned queries; `vi_snippet(text, query)` (an excerpt with the hits marked).
- `/-/download/articles.{jsonl,json,csv}?ward=SLUG&since=YYYY-MM-DD`: the whole archive or one
  ward, streamed, one record per article with its categories and attachments.
- `/-/capture/{id}`: the raw page of a capture, read from its WARC file, decoded and streamed
  (at most `CAPTURE_MAX_BYTES`), served sandboxed.
- Atom feeds: datasette-atom's renderer, made total: an empty result is a valid empty feed, and
  characters XML cannot hold (C0 controls in old titles) are dropped.
- Odd input answers 4xx, never 500: a canned query taking `:ward` answers 404 for a ward the
  archive does not have; an FTS5 syntax error of `_searchmode=raw` is a readable 400, and so
  are parameters Datasette 0.65 fails on (`?_sort=` of no column, bad JSON in `?_through=` or
  `?id__in=`, `?_timelimit=abc`, a CSV export over the SQL time limit).
- A `from_json` template filter, for the article view in `templates/row.html`.
- Rendering: `<mark>` in snippets, download links in the `downloads` query, short links to the
  portal for `url` columns of queries, a "raw page" link for each capture.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from urllib.parse import quote, urlsplit

import datasette_atom
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils import tilde_decode
from datasette.utils.asgi import AsgiStream, Request, Response
from datasette.views.base import DatasetteError
from feedgen.feed import FeedGenerator
from markupsafe import Markup, escape

from wardcrawler.site.export import FORMATS, MEDIA_TYPES, lines, records, valid_since
from wardcrawler.site.search import folded_query, fts_query, vi_snippet
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
NOT_XML_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FTS_ERROR_RE = re.compile(r"fts5:|unterminated string|no such column|unknown special query")
BAD_PARAMETER_RE = re.compile(r"Cannot sort table by |Cannot use _sort and |Invalid _through")
SEARCH_HELP = (
    "With _searchmode=raw the search is an SQLite FTS5 query "
    "(https://www.sqlite.org/fts5.html#full_text_query_syntax); "
    "without it, words and quoted phrases are searched as typed."
)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["from_json"] = json.loads


@hookimpl(trylast=True)  # after Datasette's own functions: ours replaces its escape_fts
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, folded_query, deterministic=True)
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    conn.create_function("vi_snippet", 2, vi_snippet, deterministic=True)


@hookimpl
def register_routes():
    return [
        (rf"^{DOWNLOAD_PATH}\.(?P<fmt>{'|'.join(FORMATS)})$", download),
        (r"^/-/capture/(?P<id>\d+)$", raw_capture),
    ]


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


async def ward_exists(database, slug: str) -> bool:
    """Whether the archive has this ward."""
    return bool((await database.execute("select 1 from wards where slug = ?", [slug])).rows)


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


# --- feeds ------------------------------------------------------------------------------------


@hookimpl(trylast=True)  # registered after datasette-atom's, so that this one is used
def register_output_renderer():
    can_render = datasette_atom.can_render_atom
    return {"extension": "atom", "render": render_feed, "can_render": can_render}


def xml_text(value):
    """A text value without the characters XML 1.0 cannot hold (other values unchanged)."""
    return NOT_XML_RE.sub("", value) if isinstance(value, str) else value


def render_feed(
    datasette, request, sql, columns, rows, database, table, query_name, view_name, data
):
    """datasette-atom's feed of the rows, made valid for any rows (none, odd characters)."""
    rows = [{c: xml_text(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    if not rows and datasette_atom.REQUIRED_COLUMNS.issubset(columns):
        return empty_feed(datasette, request, sql, database, query_name)
    arguments = (columns, rows, database, table, query_name, view_name, data)
    try:
        return datasette_atom.render_atom(datasette, request, xml_text(sql), *arguments)
    except (ValueError, TypeError) as exc:  # a date feedgen cannot read, a title it refuses...
        message = f"this query's rows cannot make an Atom feed: {exc}"
        raise DatasetteError(message, status=400) from exc


def empty_feed(datasette, request, sql, database, query_name) -> Response:
    """A valid Atom feed with no entries (Atom requires a feed-level `updated`: now)."""
    queries = (datasette.metadata(database=database) or {}).get("queries") or {}
    title = (queries.get(query_name) or {}).get("title") if query_name else None
    feed = FeedGenerator()
    feed.id(xml_text(request.url))
    feed.link(href=xml_text(request.url), rel="self")
    feed.title(xml_text(title or request.args.get("_feed_title") or sql or "Datasette"))
    feed.updated(datetime.now(UTC))
    body = feed.atom_str(pretty=True)
    return Response(body, content_type="application/xml; charset=utf-8", status=200)


# --- odd input: unknown wards, search syntax --------------------------------------------------


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def checked(scope, receive, send):
            if scope["type"] == "http":
                response = await unknown_ward(datasette, Request(scope, receive))
                if response is not None:
                    return await response.asgi_send(send)
            await app(scope, receive, send)

        return checked

    return wrap


async def unknown_ward(datasette, request: Request) -> Response | None:
    """A 404 for a canned query taking `:ward` asked for a ward the archive does not have."""
    ward = request.args.get("ward")
    parts = request.path.split("/")
    if not ward or len(parts) != 3 or not parts[2]:
        return None
    try:
        database = datasette.get_database(route=tilde_decode(parts[1]))
    except KeyError:
        return None
    name, _, extension = tilde_decode(parts[2]).partition(".")
    query = await datasette.get_canned_query(database.name, name, None)
    if not query or not re.search(r":ward\b", query.get("sql", "")):
        return None
    if await ward_exists(database, ward):
        return None
    message = f"Unknown ward {ward[:80]!r}: no ward of this archive has that slug."
    return await error_page(datasette, request, extension, 404, "Unknown ward", message)


async def error_page(datasette, request, extension: str, status: int, title: str,
                     message: str) -> Response:  # fmt: skip
    """Datasette's error page (JSON for `.json`, text for other formats) with this message."""
    info = {"ok": False, "error": message, "status": status, "title": title}
    if extension == "json":
        return Response.json(info, status=status)
    if extension:
        return Response.text(message, status=status)
    template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
    context = {"urls": datasette.urls, "app_css_hash": datasette.app_css_hash()}
    html = await template.render_async({**info, **context, "menu_links": lambda: []})
    return Response.html(html, status=status)  # as Datasette's own error pages are made


@hookimpl
def handle_exception(datasette, request, exception):
    """Errors caused by the request itself, which Datasette 0.65 answers 500: a 400 saying so."""
    problem = search_error(request, exception) or bad_request(exception)
    if problem is None:
        return None
    extension = request.path.rpartition("/")[2].partition(".")[2]
    return error_page(datasette, request, extension, 400, *problem)


def search_error(request, exception) -> tuple[str, str] | None:
    """A search that SQLite's FTS5 cannot parse (`_searchmode=raw`): title and message."""
    searches = [request.args.get(k) for k in request.args if k.startswith("_search_")]
    search = request.args.get("_search") or next(filter(None, searches), None)
    if not search or not isinstance(exception, DatasetteError) or exception.status != 400:
        return None
    if not FTS_ERROR_RE.search(str(exception.message)):
        return None
    message = f"The search {search!r} is not valid: {exception.message}. {SEARCH_HELP}"
    return "Search syntax error", message


def bad_request(exception) -> tuple[str, str] | None:
    """Title and message for odd query parameters that Datasette fails on with a 500."""
    if isinstance(exception, QueryInterrupted):  # a CSV export over the SQL time limit
        return "SQL Interrupted", "The query took too long (see the sql_time_limit_ms setting)."
    if isinstance(exception, json.JSONDecodeError):  # ?_through=, ?column__in=[...
        return "Bad request", f"A parameter is not valid JSON: {exception}"
    if isinstance(exception, ValueError) and str(exception).startswith("invalid literal for int"):
        return "Bad request", f"A parameter is not a number: {exception}"  # ?_timelimit=abc
    message = str(getattr(exception, "message", ""))
    if isinstance(exception, DatasetteError) and BAD_PARAMETER_RE.match(message):
        return "Bad request", message  # ?_sort=nosuchcolumn, answered 500 by Datasette
    return None


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
