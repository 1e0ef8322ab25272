"""What the archive's site answers to odd requests: valid feeds, and 4xx rather than 500.

The hooks are declared in `plugin.py` (the one module registered with Datasette) and call these:
- Atom feeds: datasette-atom's renderer, made total: an empty result is a valid empty feed, and
  characters XML cannot hold (C0 controls in old titles) are dropped.
- A canned query taking `:ward` answers 404 for a ward the archive does not have.
- An FTS5 syntax error of `_searchmode=raw` is a readable 400, and so are parameters Datasette
  0.65 fails on (`?_sort=` of no column, bad JSON in `?_through=` or `?id__in=`,
  `?_timelimit=abc`, a CSV export over the SQL time limit).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import datasette_atom
from datasette.database import QueryInterrupted
from datasette.utils import tilde_decode
from datasette.utils.asgi import Request, Response
from datasette.views.base import DatasetteError
from feedgen.feed import FeedGenerator

NOT_XML_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FTS_ERROR_RE = re.compile(r"fts5:|unterminated string|no such column|unknown special query")
BAD_PARAMETER_RE = re.compile(r"Cannot sort table by |Cannot use _sort and |Invalid _through")
SEARCH_HELP = (
    "With _searchmode=raw the search is an SQLite FTS5 query "
    "(https://www.sqlite.org/fts5.html#full_text_query_syntax); "
    "without it, words and quoted phrases are searched as typed."
)


async def ward_exists(database, slug: str) -> bool:
    """Whether the archive has this ward."""
    return bool((await database.execute("select 1 from wards where slug = ?", [slug])).rows)


# --- feeds ------------------------------------------------------------------------------------


def atom_renderer() -> dict:
    """The `register_output_renderer` answer: the `.atom` extension, rendered by `render_feed`."""
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


def ward_guard(datasette):
    """The `asgi_wrapper` answer: the app, answering `unknown_ward`'s 404 before it runs."""

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


def request_error(datasette, request, exception):
    """The `handle_exception` answer: a 400 page for an error caused by the request itself."""
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
