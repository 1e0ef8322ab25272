"""Field normalisation: text as published (NFC, collapsed spaces), dates, view counts, folding.

Stored text is never rewritten beyond Unicode NFC and whitespace collapsing; `fold` produces the
separate search form (no marks, đ -> d, lowercase).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

_SPACE_RE = re.compile(r"\s+")
_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_TIME_RE = re.compile(r"(?<![\d/.-])(\d{1,2})\s*[:h]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?![\d/])")
_OFFSET_RE = re.compile(r"\((?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\)", re.IGNORECASE)
_VIEWS_RE = re.compile(r"(?:lượt\s+xem|lượt\s+đọc)\s*:?\s*(\d[\d.,\s]*)", re.IGNORECASE)


def clean_text(text: str | None) -> str:
    """NFC-normalise, collapse whitespace runs (NBSP included) to one space, and trim."""
    if not text:
        return ""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str | None) -> str:
    """Search form: strip every combining mark, map đ/Đ to d, lowercase."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


@dataclass(frozen=True)
class ParsedDate:
    """A posted date as ISO 8601 with offset; `exact` tells whether the fast path read it."""

    iso: str
    exact: bool


def parse_posted(raw: str | None) -> ParsedDate | None:
    """Parse a portal's date string (day before month), Vietnam time unless an offset is shown."""
    text = clean_text(raw)
    if not text:
        return None
    parsed = _parse_numeric(text)
    if parsed is not None:
        return ParsedDate(parsed.isoformat(), exact=True)
    fallback = _parse_with_dateparser(text)
    return ParsedDate(fallback.isoformat(), exact=False) if fallback else None


def _parse_numeric(text: str) -> datetime | None:
    """Fast path: the first dd/mm/yyyy and the first HH:MM[:SS] anywhere in the string."""
    date = _DATE_RE.search(text)
    if not date:
        return None
    day, month, year = (int(g) for g in date.groups())
    time = _TIME_RE.search(text[: date.start()] + " " * len(date.group()) + text[date.end() :])
    hour, minute, second = (int(g or 0) for g in time.groups()) if time else (0, 0, 0)
    try:
        value = datetime(year, month, day, hour, minute, second, tzinfo=_offset(text))
    except ValueError:
        return None
    return value.astimezone(VIETNAM_TZ)


def _offset(text: str) -> timezone:
    """The explicit `(GMT+7)` style offset of a date string, else Vietnam time."""
    match = _OFFSET_RE.search(text)
    if not match:
        return VIETNAM_TZ
    sign = 1 if match.group(1) == "+" else -1
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    return timezone(sign * delta)


def _parse_with_dateparser(text: str) -> datetime | None:
    """Slow fallback for worded dates (`15 tháng 9 năm 2023`)."""
    import dateparser  # imported lazily: it is slow to load and rarely needed

    value = dateparser.parse(
        text,
        languages=["vi"],
        settings={
            "DATE_ORDER": "DMY",
            "TIMEZONE": "Asia/Ho_Chi_Minh",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["day", "month", "year"],
        },
    )
    return value.astimezone(VIETNAM_TZ) if value else None


def parse_views(raw: str | None) -> int | None:
    """Read a view counter: `Lượt xem: 1.234` -> 1234; a bare number also works."""
    text = clean_text(raw)
    if not text:
        return None
    match = _VIEWS_RE.search(text)
    digits = match.group(1) if match else (text if re.fullmatch(r"[\d.,\s]+", text) else "")
    digits = re.sub(r"\D", "", digits)
    return int(digits) if digits else None


def find_views_text(text: str | None) -> str | None:
    """The `Lượt xem: N` fragment of a longer text, if any."""
    match = _VIEWS_RE.search(clean_text(text))
    return match.group(0).strip() if match else None


def local_date(iso: str | None) -> str | None:
    """The Vietnam-time calendar date (YYYY-MM-DD) of an ISO timestamp."""
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(VIETNAM_TZ).date().isoformat()


def content_hash(title: str, body: str) -> str:
    """SHA-256 of the normalised title and body: equal for the same story on two portals."""
    return hashlib.sha256(f"{clean_text(title)}\n\n{body}".encode()).hexdigest()
