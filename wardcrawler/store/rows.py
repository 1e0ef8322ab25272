"""Row writes on the crawl's hot path: plain prepared SQL.

sqlite-utils' `insert`, `update` and `upsert_all` read the table's schema on every call (a
profile of a crawl: about 73 statements per article, half of them introspection). The tables are
created and migrated by `schema.migrate` with sqlite-utils; the rows a crawl writes by the
thousand go through these functions instead, whose SQL is built once per table and column set
(and then prepared once by sqlite3's statement cache).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlite_utils


def insert(db: sqlite_utils.Database, table: str, row: dict[str, Any], ignore: bool = False) -> int:
    """Insert a row; its rowid (when not ignored)."""
    sql = _insert_sql(table, tuple(row), ignore)
    return db.execute(sql, list(row.values())).lastrowid


def update(db: sqlite_utils.Database, table: str, pk: Any, values: dict[str, Any]) -> None:
    """Update the columns `values` names in the row whose `id` (rowid) is `pk`."""
    db.execute(_update_sql(table, tuple(values)), [*values.values(), pk])


def upsert(db: sqlite_utils.Database, table: str, row: dict[str, Any], pk: tuple[str, ...]) -> None:
    """Insert a row, or update the other columns of the row with the same primary key."""
    db.execute(_upsert_sql(table, tuple(row), pk), list(row.values()))


@cache
def _insert_sql(table: str, columns: tuple[str, ...], ignore: bool) -> str:
    names = ", ".join(f"[{c}]" for c in columns)
    marks = ", ".join("?" * len(columns))
    return f"INSERT {'OR IGNORE ' if ignore else ''}INTO [{table}] ({names}) VALUES ({marks})"


@cache
def _update_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"UPDATE [{table}] SET {', '.join(f'[{c}] = ?' for c in columns)} WHERE rowid = ?"


@cache
def _upsert_sql(table: str, columns: tuple[str, ...], pk: tuple[str, ...]) -> str:
    others = [c for c in columns if c not in pk]
    action = (
        "DO UPDATE SET " + ", ".join(f"[{c}] = excluded.[{c}]" for c in others)
        if others
        else "DO NOTHING"
    )
    conflict = ", ".join(f"[{c}]" for c in pk)
    return f"{_insert_sql(table, columns, False)} ON CONFLICT ({conflict}) {action}"
