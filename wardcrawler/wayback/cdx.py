"""The Wayback Machine's interfaces: CDX queries and answers, raw (`id_`) replay URLs.

Pure functions; the backfill spider does the fetching. CDX rows come as JSON arrays whose first
row names the fields; with `showResumeKey=true` a page ends with an empty row and the key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
REPLAY_RE = re.compile(r"/web/(?P<ts>\d{1,14})(?:[a-z]{2}_)?/(?P<url>.+)$")


@dataclass(frozen=True)
class CdxRow:
    """One capture listed by the CDX server."""

    timestamp: str
    original: str
    mimetype: str
    statuscode: str
    digest: str


def cdx_url(archive: str, host: str, scheme: str, *, limit: int, since: str | None,
            until: str | None, resume_key: str | None = None) -> str:  # fmt: skip
    """A CDX query for every capture under `scheme://host/` (prefix match, JSON, resumable)."""
    params = {
        "url": f"{scheme}://{host}/",
        "matchType": "prefix",
        "output": "json",
        "fl": ",".join(CDX_FIELDS),
        "limit": str(limit),
        "showResumeKey": "true",
    }
    if since:
        params["from"] = since
    if until:
        params["to"] = until
    if resume_key:
        params["resumeKey"] = resume_key
    return f"{archive.rstrip('/')}/cdx/search/cdx?{urlencode(params)}"


def parse_cdx(text: str) -> tuple[list[CdxRow], str | None]:
    """The captures of one CDX answer and its resume key (None on the last page)."""
    data = json.loads(text or "[]")
    if not data:
        return [], None
    header, rows, resume = data[0], data[1:], None
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        resume, rows = rows[-1][0], rows[:-2]
    elif rows and rows[-1] == []:
        rows = rows[:-1]
    fields = [str(f) for f in header]
    captures = []
    for values in rows:
        row = dict(zip(fields, values, strict=False))
        captures.append(
            CdxRow(
                timestamp=str(row.get("timestamp", "")),
                original=str(row.get("original", "")),
                mimetype=str(row.get("mimetype", "")),
                statuscode=str(row.get("statuscode", "")),
                digest=str(row.get("digest", "")),
            )
        )
    return captures, resume


def replay_url(archive: str, timestamp: str, original: str) -> str:
    """The raw capture, without the archive's toolbar or rewriting (`id_`)."""
    return f"{archive.rstrip('/')}/web/{timestamp}id_/{original}"


def replayed_capture(location: str) -> tuple[str, str] | None:
    """(timestamp, original URL) of a replay URL, e.g. the archive's nearest-capture redirect."""
    match = REPLAY_RE.search(urlsplit(location).path + _query(location))
    return (match.group("ts"), match.group("url")) if match else None


def _query(url: str) -> str:
    query = urlsplit(url).query
    return f"?{query}" if query else ""


def same_resource(a: str, b: str) -> bool:
    """Whether two URLs differ only in scheme or a `www.` prefix."""

    def key(url: str) -> str:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        return f"{host}{parts.path or '/'}?{parts.query}"

    return key(a) == key(b)


def capture_time(timestamp: str) -> str:
    """A 14-digit (or shorter) Wayback timestamp as ISO 8601 UTC."""
    digits = (timestamp + "00000101000000"[len(timestamp) :])[:14]
    return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC).isoformat()
