"""The CDX index of the fake Wayback Machine: SURT keys, matching, filters and resume keys.

It follows the Wayback CDX server (`/cdx/search/cdx`): rows sorted by urlkey then timestamp;
`matchType` exact, prefix, host or domain (or `*` wildcards in `url`); `from`/`to` as timestamp
prefixes; `filter=[!]field:regex`; `collapse=field[:n]`; `limit`; `fl`; `output=json`;
`showResumeKey=true` ends a cut-off answer with `[]` and `[resumeKey]` (text: a blank line and
the key), and `resumeKey=KEY` continues after it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Sequence
from urllib.parse import quote_plus, unquote_plus, urlsplit

from .wayback_capture import Capture

FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
MATCH_TYPES = ("exact", "prefix", "host", "domain")


class CdxError(ValueError):
    """A CDX query the server answers with 400."""


def surt(url: str) -> str:
    """SURT urlkey as the CDX server writes it: no scheme, `www.` or default port; sorted query."""
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "http://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    key = ",".join(reversed(host.split(".")))
    if parts.port and parts.port not in (80, 443):
        key += f":{parts.port}"
    key += ")" + (parts.path or "/")
    if parts.query:
        key += "?" + "&".join(sorted(parts.query.split("&")))
    return key.lower()


def digest(body: bytes) -> str:
    """Base32 SHA-1 of a body, as in the CDX `digest` field."""
    return base64.b32encode(hashlib.sha1(body).digest()).decode()


def row(capture: Capture, key: str) -> dict[str, str]:
    """Every CDX field of one capture."""
    values = (capture.timestamp, capture.original, capture.mimetype, str(capture.status))
    values = (key, *values, digest(capture.body), str(len(capture.body)))
    return dict(zip(FIELDS, values, strict=True))


class CdxIndex:
    """Captures sorted by (urlkey, timestamp); answers CDX queries."""

    def __init__(self, captures: Sequence[Capture]) -> None:
        keyed = sorted(((surt(c.original), c) for c in captures), key=_order)
        self.rows = [row(c, key) for key, c in keyed]
        self.by_key: dict[str, list[Capture]] = {}
        for key, capture in keyed:
            self.by_key.setdefault(key, []).append(capture)
        pairs = {(r["urlkey"], r["timestamp"]) for r in self.rows}
        assert len(pairs) == len(self.rows), "urlkey + timestamp must be unique"

    def query(self, params: dict[str, list[str]]) -> tuple[list[str], list[list[str]], str | None]:
        """Field names, rows and the resume key (None when nothing is left) of a query."""

        def one(name: str, default: str = "") -> str:
            return params.get(name, [default])[-1]

        url = one("url")
        if not url:
            raise CdxError("missing url")
        match_type = one("matchType", "exact")
        if url.endswith("*"):
            url, match_type = url.rstrip("*"), "prefix"
        if url.startswith("*."):
            url, match_type = url[2:], "domain"
        if match_type not in MATCH_TYPES:
            raise CdxError(f"unknown matchType {match_type!r}")
        fields = [f for f in one("fl").split(",") if f] or list(FIELDS)
        if unknown := [f for f in fields if f not in FIELDS]:
            raise CdxError(f"unknown field(s) in fl: {', '.join(unknown)}")
        low = one("from").ljust(14, "0")
        high = one("to").ljust(14, "9")
        wanted = _matcher(match_type, surt(url))
        rows = [r for r in self.rows if wanted(r["urlkey"]) and low <= r["timestamp"] <= high]
        for spec in params.get("filter", []):
            rows = _filtered(rows, spec)
        for spec in params.get("collapse", []):
            rows = _collapsed(rows, spec)
        if resume := one("resumeKey"):
            after = _parse_resume(resume)
            rows = [r for r in rows if (r["urlkey"], r["timestamp"]) > after]
        limit = one("limit")
        if limit and not re.fullmatch(r"\d+", limit):
            raise CdxError(f"bad limit {limit!r}")
        cut = rows[: int(limit)] if limit else rows
        more = len(cut) < len(rows) and one("showResumeKey").lower() == "true"
        key = quote_plus(f"{cut[-1]['urlkey']} {cut[-1]['timestamp']}") if more and cut else None
        return fields, [[r[f] for f in fields] for r in cut], key


def _order(pair: tuple[str, Capture]) -> tuple[str, str, str]:
    """Sort order of the index: urlkey, timestamp, original."""
    return pair[0], pair[1].timestamp, pair[1].original


def _matcher(match_type: str, key: str) -> Callable[[str], bool]:
    """Predicate on urlkeys for a match type and the query's own SURT key."""
    host = key.split(")", 1)[0]
    if match_type == "exact":
        return lambda k: k == key
    if match_type == "prefix":
        return lambda k: k.startswith(key)
    if match_type == "host":
        return lambda k: k.split(")", 1)[0] == host
    return lambda k: k.split(")", 1)[0] == host or k.startswith(host + ",")


def _filtered(rows: list[dict[str, str]], spec: str) -> list[dict[str, str]]:
    """Rows kept by `[!]field:regex` (the regex must match the whole value)."""
    negate = spec.startswith("!")
    name, _, pattern = spec.lstrip("!").partition(":")
    if name not in FIELDS:
        raise CdxError(f"unknown filter field {name!r}")
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise CdxError(f"bad filter regex {pattern!r}") from exc
    return [r for r in rows if bool(regex.fullmatch(r[name])) != negate]


def _collapsed(rows: list[dict[str, str]], spec: str) -> list[dict[str, str]]:
    """Rows whose `field` (or its first n characters) differs from the previous kept row."""
    name, _, size = spec.partition(":")
    if name not in FIELDS or (size and not size.isdigit()):
        raise CdxError(f"bad collapse {spec!r}")
    kept: list[dict[str, str]] = []
    previous = None
    for r in rows:
        value = r[name][: int(size)] if size else r[name]
        if value != previous:
            kept.append(r)
        previous = value
    return kept


def _parse_resume(value: str) -> tuple[str, str]:
    """(urlkey, timestamp) of a resume key, passed back decoded once or still encoded."""
    for candidate in (value, unquote_plus(value)):
        found = re.fullmatch(r"(\S+) (\d{14})", candidate)
        if found:
            return found.group(1), found.group(2)
    raise CdxError(f"bad resumeKey {value!r}")
