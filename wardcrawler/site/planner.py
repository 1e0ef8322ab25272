"""How the archive's Datasette runs a search of the articles table (`?_search=`) at scale.

Datasette 0.65 writes a search as `rowid in (select rowid from articles_fts where articles_fts
match escape_fts(:search))` in the table's rows query and in its count, and SQLite plans both
believing a MATCH gives a couple of dozen rows (FTS5 tells its planner nothing more). At a
million articles a search gives hundreds of thousands, so that:

- the count looked every match up in `articles` (a page of the table each): 0.3 s for 62,000
  matches at 200,000 articles. Every entry of the index is an article (the store writes them
  together, and never deletes an article), so a count of the search alone is the index's count:
  `select count(*) from articles_fts where ...` (8 ms there), exact;
- the newest 50 (`order by posted_at desc`, the table's sort) read and sorted every match
  (0.33 s there). Sorted by an indexed column, SQLite can walk that index from the newest and
  keep the matches instead: with `+rowid in (...)` it first collects every match's rowid (207 ms
  for the 314,330 of `Đảng` at a million articles), with `exists (... and rowid = articles.rowid)`
  it asks the index about each article it walks past (22 ms there, but 346 ms for `hòa giải`,
  2 % of the articles: 25 times as many asked). The first 1,000 matches (in rowid order, which
  FTS5 gives without reading the others) say which: fewer than 1,000 in all, Datasette's own
  plan (look them up, sort them); one article in `ASK_FROM` or more, ask each; else collect.

`install(database)` wraps a Datasette database's `execute` with `planned`; any other SQL runs
unchanged. `planned` is the whole of the rule, tested against real Datasette in
tests/e2e/test_search_speed.py (`?_trace=1` lists the SQL that ran).
"""

from __future__ import annotations

import re
from functools import wraps

# Datasette 0.65's search clause of a table with `fts_table: articles_fts` (filters.py).
SEARCH = (
    r"rowid in \(select rowid from articles_fts where (?P<match>(?:\w+|\[[^\]]+\]) match "
    r"(?:escape_fts\(:search(?:_\d+)?\)|:search(?:_\d+)?))\)"
)
COUNT_RE = re.compile(rf"select count\(\*\) from articles where {SEARCH} ")
ROWS_RE = re.compile(
    rf"select .+ from articles where (?:.+ and )?{SEARCH}(?: and .+)? order by (?P<sort>\w+)"
    r"(?: desc)?(?:, .+)? limit \d+",
    re.DOTALL,
)
INDEXED_SORTS = {"posted_at"}  # columns of articles with an index of their own (store.schema)
WALK_FROM = 1000  # matches from which the newest are found by walking the sort column's index
ASK_FROM = 10  # one article in 10 or more matching: each walked article is asked (`exists`)


def count_sql(sql: str) -> str | None:
    """The index's count for Datasette's count of a search alone (None: not that SQL)."""
    found = COUNT_RE.fullmatch(sql)
    if not found:
        return None
    return f"select count(*) from articles_fts where {found['match']}"


def walked_sql(sql: str) -> tuple[str, str, str] | None:
    """For a search's rows sorted by an indexed column: the SQL that walks that index
    collecting the matches first, the one asking the index about each article, and the query
    reading the first `WALK_FROM` matches (how many, the highest rowid) (None: not that SQL)."""
    found = ROWS_RE.fullmatch(sql)
    if not found or found["sort"] not in INDEXED_SORTS:
        return None
    match = found["match"]
    probe = f"select count(*), max(rowid) from (select rowid from articles_fts where {match}"
    probe += f" limit {WALK_FROM})"
    clause = f"rowid in (select rowid from articles_fts where {match})"
    start = found.start("match") - len("rowid in (select rowid from articles_fts where ")
    end = start + len(clause)
    asked = f"exists (select 1 from articles_fts where {match} and rowid = articles.rowid)"
    return sql[:start] + "+" + sql[start:], sql[:start] + asked + sql[end:], probe


def install(database) -> None:
    """Plan the searches run on a Datasette `Database` (once; its other SQL is unchanged)."""
    if getattr(database.execute, "wardcrawler_planned", False):
        return
    execute = database.execute

    @wraps(execute)
    async def planned(sql, params=None, *args, **kwargs):
        counted = count_sql(sql)
        if counted:
            return await execute(counted, params, *args, **kwargs)
        walk = walked_sql(sql)
        if walk:
            collected, asked, probe = walk
            matches, highest = (await execute(probe, params)).rows[0]
            if matches >= WALK_FROM:
                broad = highest <= matches * ASK_FROM  # rowids: about one per article
                return await execute(asked if broad else collected, params, *args, **kwargs)
        return await execute(sql, params, *args, **kwargs)

    planned.wardcrawler_planned = True
    database.execute = planned


# --- what a JSON search computes --------------------------------------------------------------

# Facets of a search cost one pass over every match each (a page of `articles` per match):
# at a million articles about 1 s per facet for a broad word, so that the six of the table
# never finished within facet_time_limit_ms, and cost 1.2 s a request doing it. The HTML page
# shows them; a JSON search answers its rows and its count, and the facets it asks for.
SEARCH_ARG_RE = re.compile(r"(?:^|&)_search(?:_[^=&]*)?=")
FACET_ARG_RE = re.compile(r"(?:^|&)_(?:no)?facet")


def json_search_without_facets(app):
    """ASGI middleware: `_nofacet=1` added to a JSON search of the articles table that asks
    for no facet (`_facet=...` computes the table's facets as well as the asked ones)."""

    async def wrapped(scope, receive, send):
        if scope.get("type") == "http" and scope.get("path", "").endswith("/articles.json"):
            query = scope.get("query_string", b"").decode("latin-1")
            searched = any(
                not hit.group(0).lstrip("&").startswith("_searchmode")
                for hit in SEARCH_ARG_RE.finditer(query)
            )
            if searched and not FACET_ARG_RE.search(query):
                joined = f"{query}&_nofacet=1" if query else "_nofacet=1"
                scope = {**scope, "query_string": joined.encode("latin-1")}
        await app(scope, receive, send)

    return wrapped
