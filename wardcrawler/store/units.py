"""The official units in the archive, and the views that read articles by unit and coverage.

`refresh_units` copies the current units (`portals.units`) into `units` whenever the units
packages' versions differ from those recorded in `archive_meta` (so an archive follows a package
upgrade at its next open); rows are replaced, never deleted. A pre-2025 unit is copied into
`former_units`, with its `unit_lineage`, when a ward of it is saved (the 10,035 former units
would triple the size of a new archive). The views are recreated at every open.
"""

from __future__ import annotations

from importlib.metadata import version

import sqlite_utils

UNIT_PACKAGES = ("vietnam-provinces", "vietnamadminunits")
SOURCE_KEY = "units_source"

CURRENT_COLUMNS = ("code", "name", "kind", "province_code", "province", "lat", "lon")
FORMER_COLUMNS = (*CURRENT_COLUMNS[:5], "district_code", "district", "lat", "lon")


def units_source() -> str:
    """The packages the units come from, with their versions."""
    return ", ".join(f"{name} {version(name)}" for name in UNIT_PACKAGES)


def refresh_units(db: sqlite_utils.Database) -> bool:
    """Bring the units tables up to the installed packages; True when they were rewritten."""
    source = units_source()
    stored = db.execute("SELECT value FROM archive_meta WHERE key = ?", [SOURCE_KEY]).fetchone()
    if stored and stored[0] == source:
        return False
    from wardcrawler.portals.units import current_units

    kept = [row[0] for row in db.execute("SELECT code FROM former_units")]
    with db.atomic():
        _replace(db, "units", CURRENT_COLUMNS, current_units().values())
        for code in kept:
            save_former_unit(db, code)
        db.execute(
            "INSERT OR REPLACE INTO archive_meta (key, value) VALUES (?, ?)", [SOURCE_KEY, source]
        )
    return True


def save_former_unit(db: sqlite_utils.Database, code: str) -> None:
    """Copy a pre-2025 unit and the current units it became part of into the archive."""
    from wardcrawler.portals.units import became, former_units

    unit = former_units().get(code)
    if unit is None:  # no longer in the package: what was stored stays
        return
    _replace(db, "former_units", FORMER_COLUMNS, [unit])
    db.conn.executemany(
        "INSERT OR REPLACE INTO unit_lineage (former_code, unit_code) VALUES (?, ?)",
        [(code, current) for current in became(code)],
    )


def _replace(db: sqlite_utils.Database, table: str, columns: tuple[str, ...], units) -> None:
    marks = ", ".join("?" * len(columns))
    db.conn.executemany(
        f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        [tuple(getattr(u, c) for c in columns) for u in units],
    )


# Every article of every portal that covered a current unit: its own (current) portal, and the
# portals of the former units it was formed from (`unit_lineage`), one row per unit and article.
UNIT_ARTICLES = """
SELECT u.code AS unit_code, u.name AS unit_name, u.province AS unit_province,
       'current unit' AS portal_of, w.slug AS ward, w.name AS portal_unit,
       a.id AS article_id, a.article_key, a.title, a.posted_at, a.posted_year, a.views, a.url
FROM wards w JOIN units u ON u.code = w.unit_code JOIN articles a ON a.ward = w.slug
UNION ALL
SELECT u.code, u.name, u.province, 'former unit', w.slug, w.name,
       a.id, a.article_key, a.title, a.posted_at, a.posted_year, a.views, a.url
FROM wards w JOIN unit_lineage l ON l.former_code = w.former_unit_code
     JOIN units u ON u.code = l.unit_code JOIN articles a ON a.ward = w.slug
"""

# The portals that covered each current unit: its own, and those of the former units it was
# formed from.
UNIT_PORTALS = """
SELECT w.unit_code AS code, w.slug AS ward FROM wards w WHERE w.unit_code IS NOT NULL
UNION
SELECT l.unit_code, w.slug FROM wards w JOIN unit_lineage l ON l.former_code = w.former_unit_code
"""

# Per current unit: its portals, the articles they hold, the last run that read one of them
# without it being broken.
UNIT_COVERAGE = """
WITH portals AS (SELECT code, ward FROM unit_portals),
stored AS (SELECT ward, count(*) AS n FROM articles GROUP BY ward),
crawled AS (
    SELECT rw.ward, max(r.finished_at) AS at FROM crawl_run_wards rw
    JOIN crawl_runs r ON r.id = rw.run_id
    WHERE r.status = 'finished' AND rw.broken IS NULL GROUP BY rw.ward
)
SELECT u.code, u.name, u.kind, u.province_code, u.province,
       count(p.ward) AS portals,
       coalesce(sum(s.n), 0) AS articles,
       max(c.at) AS last_crawl,
       CASE WHEN count(p.ward) = 0 THEN 'no portal'
            WHEN coalesce(sum(s.n), 0) = 0 THEN 'portal, no articles'
            ELSE 'archived' END AS coverage,
       group_concat(p.ward, ', ') AS wards,
       u.lat AS latitude, u.lon AS longitude
FROM units u LEFT JOIN portals p ON p.code = u.code
LEFT JOIN stored s ON s.ward = p.ward LEFT JOIN crawled c ON c.ward = p.ward
GROUP BY u.code
"""

# Per province; `articles` counts each article once (a former ward split between two units of
# the province covers both).
PROVINCE_COVERAGE = """
SELECT c.province_code, c.province, count(*) AS units,
       sum(c.portals > 0) AS with_portal, sum(c.articles > 0) AS with_articles,
       sum(c.portals = 0) AS without_portal,
       (SELECT count(*) FROM articles a WHERE a.ward IN (
            SELECT p.ward FROM unit_portals p JOIN units u ON u.code = p.code
            WHERE u.province_code = c.province_code)) AS articles,
       max(c.last_crawl) AS last_crawl
FROM unit_coverage c GROUP BY c.province_code ORDER BY c.province_code
"""

VIEWS = {
    "unit_portals": UNIT_PORTALS,
    "unit_articles": UNIT_ARTICLES,
    "unit_coverage": UNIT_COVERAGE,
    "province_coverage": PROVINCE_COVERAGE,
}


def create_views(db: sqlite_utils.Database) -> None:
    """(Re)create the views over units (dropped first: a newer definition replaces an older)."""
    for name in reversed(VIEWS):
        db.execute(f"DROP VIEW IF EXISTS {name}")
    for name, sql in VIEWS.items():
        db.execute(f"CREATE VIEW {name} AS {sql}")
