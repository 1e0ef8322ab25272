"""Datasette on the archive, with the configuration shipped in `archive/`.

`wardcrawler serve` and the tests build Datasette from the same pieces: the metadata (renamed to
the served file's stem), the settings, and the plugins in `archive/plugins/`.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import yaml

from wardcrawler.paths import metadata_template, plugins_dir, templates_dir

TEMPLATE_DATABASE = "wards"
SETTINGS: dict[str, int | bool] = {
    "suggest_facets": False,
    "sql_time_limit_ms": 3000,
    "default_page_size": 50,
    "truncate_cells_html": 200,
}
# Safe on the internet: short SQL time limits, bounded answers, no download of a database that
# a crawl may be writing (read-only access is Datasette's default; no plugin here writes).
PUBLIC_SETTINGS: dict[str, int | bool] = {
    **SETTINGS,
    "sql_time_limit_ms": 1000,
    "facet_time_limit_ms": 300,
    "max_returned_rows": 1000,
    "num_sql_threads": 3,
    "allow_download": False,
    "allow_csv_stream": False,  # whole-table CSV: use /-/download/ (streamed, bounded memory)
    "default_cache_ttl": 300,
}


def build_metadata(db_path: Path | str, warc_dir: Path | str | None = None) -> dict:
    """The shipped metadata, renamed to the served file's stem, pointing at its WARC files."""
    metadata = yaml.safe_load(metadata_template().read_text(encoding="utf-8"))
    folder = warc_dir or Path(db_path).parent / "warc"
    metadata.setdefault("plugins", {})["wardcrawler"] = {"warc_dir": str(folder)}
    stem = Path(db_path).stem
    if stem == TEMPLATE_DATABASE:
        return metadata
    databases = metadata.get("databases", {})
    databases[stem] = databases.pop(TEMPLATE_DATABASE)
    html = metadata.get("description_html", "")
    metadata["description_html"] = html.replace(f"/{TEMPLATE_DATABASE}/", f"/{stem}/")
    dashboards = metadata.get("plugins", {}).get("datasette-dashboards", {})
    for dashboard in dashboards.values():
        for chart in dashboard.get("charts", {}).values():
            if chart.get("db") == TEMPLATE_DATABASE:
                chart["db"] = stem
    return metadata


def write_metadata(db_path: Path | str, warc_dir: Path | str | None = None) -> Path:
    """Write the metadata for `db_path` to a temporary JSON file and return its path."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", prefix="wardcrawler-metadata-", delete=False, encoding="utf-8"
    ) as handle:
        json.dump(build_metadata(db_path, warc_dir), handle, ensure_ascii=False)
    return Path(handle.name)


def settings(public: bool = False) -> dict[str, int | bool]:
    """Datasette settings for a local or a public archive."""
    return PUBLIC_SETTINGS if public else SETTINGS


def datasette_app(db_path: Path | str, public: bool = False, warc_dir: Path | str | None = None):
    """A Datasette instance configured as `wardcrawler serve` configures it."""
    from datasette.app import Datasette

    return Datasette(
        [str(db_path)],
        metadata=build_metadata(db_path, warc_dir),
        settings=settings(public),
        plugins_dir=str(plugins_dir()),
        template_dir=str(templates_dir()),
    )


def datasette_command(
    db_path: Path | str, host: str, port: int, public: bool = False, warc_dir=None
) -> list:
    """The `datasette serve` command line for the archive (never `--immutable`: see README)."""
    command = [sys.executable, "-m", "datasette", "serve", str(db_path)]
    metadata = write_metadata(db_path, warc_dir)
    command += ["--metadata", str(metadata), "--host", host, "--port", str(port)]
    command += ["--plugins-dir", str(plugins_dir()), "--template-dir", str(templates_dir())]
    for name, value in settings(public).items():
        command += ["--setting", name, str(value).lower()]
    return command
