"""Where the archive lives: `$WARDCRAWLER_ARCHIVE`, the checkout's `archive/`, or `./archive`."""

from __future__ import annotations

import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def archive_dir() -> Path:
    """`$WARDCRAWLER_ARCHIVE`, else a checkout's `archive/` (editable install), else `./archive`."""
    if os.environ.get("WARDCRAWLER_ARCHIVE"):
        return Path(os.environ["WARDCRAWLER_ARCHIVE"])
    if (CHECKOUT / "scrapy.cfg").is_file() and (CHECKOUT / "archive").is_dir():
        return CHECKOUT / "archive"
    return Path.cwd() / "archive"


def default_db() -> Path:
    """The default archive database, `archive/wards.db`."""
    return archive_dir() / "wards.db"


def warc_dir_beside(db: Path | str) -> Path:
    """The WARC folder of an archive: `warc/` beside it, or `{stem}-warc/` (the demo's) if that is
    where its captures are."""
    db = Path(db)
    own = db.with_name(f"{db.stem}-warc")
    return own if own.is_dir() and not (db.parent / "warc").is_dir() else db.parent / "warc"


WARC_OFF = ("off", "none", "false", "0")  # values of --warc-dir / WARDCRAWLER_WARC_DIR: none


def warc_dir_for(db: Path | str, setting: str | None) -> Path | None:
    """The WARC folder: the setting, else `warc/` beside the database; None when off."""
    if setting and setting.strip().lower() in WARC_OFF:
        return None
    return Path(setting) if setting else Path(db).parent / "warc"  # a new archive's folder
