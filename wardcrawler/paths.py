"""Where the archive lives: the project's `archive/` folder unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def archive_dir() -> Path:
    """`$WARDCRAWLER_ARCHIVE`, else the checkout's `archive/`, else `./archive`."""
    if os.environ.get("WARDCRAWLER_ARCHIVE"):
        return Path(os.environ["WARDCRAWLER_ARCHIVE"])
    shipped = PROJECT_ROOT / "archive"
    return shipped if (shipped / "metadata.yml").exists() else Path.cwd() / "archive"


def default_db() -> Path:
    """The default archive database, `archive/wards.db`."""
    return archive_dir() / "wards.db"


def metadata_template() -> Path:
    """The Datasette configuration shipped in `archive/`."""
    return PROJECT_ROOT / "archive" / "metadata.yml"


def plugins_dir() -> Path:
    """The Datasette plugins shipped in `archive/plugins/`."""
    return PROJECT_ROOT / "archive" / "plugins"


def templates_dir() -> Path:
    """The Datasette templates shipped in `archive/templates/`."""
    return PROJECT_ROOT / "archive" / "templates"
