"""Datasette hooks of the wardcrawler archive (registered by `site/serve.py`, for its site only).

- SQL functions: `escape_fts` replaced by `folded_query`, so that `?_search=` folds the query
  like the index's folded copy (every spelling gives the same articles); `fts_query(text)` for
  the canned queries; `vi_snippet(text, query)` (an excerpt with the hits marked).
- `/-/download/articles.{jsonl,json,csv}?ward=SLUG&since=YYYY-MM-DD`: the whole archive or one
  ward, streamed, one record per article with its categories and attachments.
- `/-/capture/{id}`: the raw page of a capture, read from its WARC file (served sandboxed).
- A `from_json` template filter, for the article view in `templates/row.html`.
- Rendering: `<mark>` in snippets, download links in the `downloads` query, short links to the
  portal for `url` columns of queries, a "raw page" link for each capture.
"""

from __future__ import annotations

import asyncio
import json
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

from datasette import hookimpl
from datasette.utils.asgi import AsgiStream, Response
from markupsafe import Markup, escape

from wardcrawler.site.export import FORMATS, MEDIA_TYPES, lines, records, valid_since
from wardcrawler.site.search import folded_query, fts_query, vi_snippet
from wardcrawler.warc.reader import read_capture

DOWNLOAD_PATH = "/-/download/articles"
CHUNK = 200  # records per read from the database thread


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


async def raw_capture(datasette, request):
    """The page as it was fetched (headers and body of the WARC response record)."""
    database = datasette.get_database()
    rows = (
        await database.execute(
            "select warc_file, warc_offset, archive_url from captures where id = ?",
            [request.url_vars["id"]],
        )
    ).rows
    config = datasette.plugin_config("wardcrawler") or {}
    if rows and not rows[0]["warc_file"] and rows[0]["archive_url"]:
        return Response.redirect(rows[0]["archive_url"])  # a web-archive capture: its copy there
    if not rows or not rows[0]["warc_file"] or not config.get("warc_dir"):
        return Response.text("no such capture", status=404)
    path = Path(config["warc_dir"]) / rows[0]["warc_file"]
    if not path.exists():
        return Response.text(f"WARC file {path.name} is not here", status=404)
    capture = await asyncio.to_thread(read_capture, path, rows[0]["warc_offset"])
    content_type = dict((k.lower(), v) for k, v in capture.headers).get("content-type", "")
    headers = {
        "content-security-policy": "sandbox",  # archived pages never run in this origin
        "x-wardcrawler-fetched-at": capture.fetched_at,
        "x-wardcrawler-status": str(capture.status),
    }
    return Response(capture.body, status=200, headers=headers, content_type=content_type)


async def download(datasette, request):
    """Stream the articles (all, or `?ward=`) as JSON Lines, JSON or CSV."""
    fmt = request.url_vars["fmt"]
    ward = request.args.get("ward") or None
    since = request.args.get("since") or None
    database = datasette.get_database()
    if not valid_since(since):
        return Response.text("since: expected YYYY-MM-DD", status=400)
    if ward and not (await database.execute("select 1 from wards where slug = ?", [ward])).rows:
        return Response.text(f"unknown ward {ward!r}", status=404)
    source = lines(records(database.path, ward, since), fmt)

    async def stream(send):
        while chunk := await asyncio.to_thread(lambda: "".join(islice(source, CHUNK))):
            await send.write(chunk)

    name = f"{database.name}-{ward or 'all'}.{fmt}"
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    return AsgiStream(stream, headers=headers, content_type=MEDIA_TYPES[fmt])


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
