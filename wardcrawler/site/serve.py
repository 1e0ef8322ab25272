"""Datasette on the archive, with the site shipped in this package.

`wardcrawler serve` and the tests build Datasette from the same pieces: the shipped metadata
(renamed to the served file's stem, with the user's `metadata.yml` beside the database merged over
it), the settings, the templates and the archive's plugin (`plugin.py`, registered by name so
that it applies only to the archive's Datasette, not to every Datasette of the environment).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import yaml

from wardcrawler.paths import warc_dir_beside

SITE = Path(__file__).resolve().parent
SHIPPED_METADATA = SITE / "metadata.yml"
TEMPLATES = SITE / "templates"
USER_METADATA = "metadata.yml"  # beside the database: titles, licence, source... of this archive
PLUGIN_NAME = "wardcrawler"
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
    """The shipped metadata for `db_path`, with the user's `metadata.yml` beside it merged over."""
    metadata = renamed(load_yaml(SHIPPED_METADATA), Path(db_path).stem)
    override = Path(db_path).parent / USER_METADATA
    if override.is_file():
        metadata = merged(metadata, load_yaml(override))
    folder = warc_dir or warc_dir_beside(db_path)
    metadata.setdefault("plugins", {}).setdefault("wardcrawler", {})["warc_dir"] = str(folder)
    return metadata


def load_yaml(path: Path) -> dict:
    """A YAML mapping (a clear error naming the file otherwise)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise MetadataError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise MetadataError(f"{path}: expected a mapping of Datasette metadata")
    return data


class MetadataError(ValueError):
    """A user's metadata file that cannot be read."""


def merged(base: dict, override: dict) -> dict:
    """`override` over `base`: mappings merged key by key, any other value replaced."""
    out = dict(base)
    for key, value in override.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merged(out[key], value) if both else value
    return out


def renamed(metadata: dict, stem: str) -> dict:
    """The shipped metadata with its database (`wards`) renamed to the served file's stem."""
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
    """Write the metadata for `db_path` to a JSON file and return its path.

    One file per database in the temporary folder, replaced atomically at each start, so that
    serving never leaves a trail of files behind.
    """
    key = hashlib.sha256(str(Path(db_path).resolve()).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"wardcrawler-metadata-{key}.json"
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f"{path.stem}-", delete=False, encoding="utf-8"
    ) as handle:
        json.dump(build_metadata(db_path, warc_dir), handle, ensure_ascii=False)
    os.replace(handle.name, path)
    return path


def settings(public: bool = False) -> dict[str, int | bool]:
    """Datasette settings for a local or a public archive."""
    return PUBLIC_SETTINGS if public else SETTINGS


def datasette_app(db_path: Path | str, public: bool = False, warc_dir: Path | str | None = None):
    """A Datasette instance configured as `wardcrawler serve` configures it."""
    from datasette.app import Datasette

    register_plugin()
    return Datasette(
        [str(db_path)],
        metadata=build_metadata(db_path, warc_dir),
        settings=settings(public),
        template_dir=str(TEMPLATES),
    )


def register_plugin() -> None:
    """Register the archive's plugin with Datasette's plugin manager (once per process)."""
    from datasette.plugins import pm

    from wardcrawler.site import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name=PLUGIN_NAME)


def datasette_command(
    db_path: Path | str, host: str, port: int, public: bool = False, warc_dir=None
) -> list:
    """The `datasette serve` command line for the archive (never `--immutable`: see README)."""
    command = [sys.executable, "-m", "wardcrawler.site", "serve", str(db_path)]
    metadata = write_metadata(db_path, warc_dir)
    command += ["--metadata", str(metadata), "--host", host, "--port", str(port)]
    command += ["--template-dir", str(TEMPLATES)]
    for name, value in settings(public).items():
        command += ["--setting", name, str(value).lower()]
    return command
