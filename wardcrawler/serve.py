"""Datasette on the archive, with the configuration shipped in `archive/`."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import yaml

from wardcrawler.paths import metadata_template

TEMPLATE_DATABASE = "wards"
SETTINGS: dict[str, int | bool] = {
    "suggest_facets": False,
    "sql_time_limit_ms": 3000,
    "default_page_size": 50,
}


def build_metadata(db_path: Path | str) -> dict:
    """The shipped metadata with its database section renamed to the served file's stem."""
    metadata = yaml.safe_load(metadata_template().read_text(encoding="utf-8"))
    stem = Path(db_path).stem
    databases = metadata.get("databases", {})
    if TEMPLATE_DATABASE in databases and stem != TEMPLATE_DATABASE:
        databases[stem] = databases.pop(TEMPLATE_DATABASE)
        html = metadata.get("description_html", "")
        metadata["description_html"] = html.replace(f"/{TEMPLATE_DATABASE}/", f"/{stem}/")
    return metadata


def write_metadata(db_path: Path | str) -> Path:
    """Write the metadata for `db_path` to a temporary JSON file and return its path."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", prefix="wardcrawler-metadata-", delete=False, encoding="utf-8"
    ) as handle:
        json.dump(build_metadata(db_path), handle, ensure_ascii=False)
    return Path(handle.name)


def datasette_command(db_path: Path | str, host: str, port: int) -> list[str]:
    """The `datasette serve` command line for the archive."""
    command = [sys.executable, "-m", "datasette", "serve", str(db_path)]
    command += ["--metadata", str(write_metadata(db_path)), "--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        command += ["--setting", name, str(value).lower()]
    return command
