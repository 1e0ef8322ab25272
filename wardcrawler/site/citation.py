"""What an article's page shows a researcher: a citation (plain text, CSL-JSON, BibTeX), the
view-count history as a small chart, earlier revisions with what changed, and every capture.

Pure functions of rows already read from the archive; `plugin.article_context` reads them.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup, escape

from wardcrawler.normalize import fold


@dataclass
class CitedArticle:
    """An article's row with what the page needs beside it."""

    article: dict
    ward: dict
    captures: list[dict] = field(default_factory=list)
    revisions: list[dict] = field(default_factory=list)
    views: list[dict] = field(default_factory=list)


def _day(value: str | None) -> str:
    return (value or "")[:10]


def cited_capture(record: CitedArticle) -> dict | None:
    """The capture the stored text comes from: the newest successful one."""
    good = [c for c in record.captures if (c.get("status") or 0) < 400]
    return max(good, key=lambda c: c.get("fetched_at") or "", default=None)


def citation_text(record: CitedArticle, archive_url: str) -> str:
    """A citation to copy: portal, title, posting date, URL, when the archive saw it, the capture
    and the content hash."""
    a, w, capture = record.article, record.ward, cited_capture(record)
    posted = (a.get("posted_at") or "")[:16].replace("T", " ") or "không rõ ngày đăng"
    seen = f"lưu lần đầu {_day(a.get('first_seen_at'))}, lần cuối {_day(a.get('last_seen_at'))}"
    where = ""
    if capture:
        where = (f" Bản chụp · capture #{capture['id']} ({capture.get('fetched_at', '')[:19]} UTC,"
                 f" {capture.get('warc_file') or capture.get('archive_url') or ''}).")  # fmt: skip
    return (f"{w.get('name', a['ward'])}. “{a['title']}”. {posted} (giờ Việt Nam). {a['url']}."
            f" Lưu trữ wardcrawler · archived: {seen}; {archive_url}.{where}"
            f" SHA-256 nội dung · content: {a.get('content_hash') or ''}.")  # fmt: skip


def csl_json(record: CitedArticle, archive_url: str) -> str:
    """The article as a CSL-JSON item (Zotero, Mendeley, pandoc)."""
    a, w = record.article, record.ward
    item = {
        "id": f"{a['ward']}-{a['article_key']}",
        "type": "article-newspaper",
        "title": a["title"],
        "container-title": w.get("name", a["ward"]),
        "publisher-place": ", ".join(p for p in (w.get("name"), w.get("province")) if p),
        "URL": a["url"],
        "archive": "wardcrawler",
        "archive_location": archive_url,
        "language": "vi",
        "note": f"content SHA-256 {a.get('content_hash') or ''}",
    }
    if parts := _date_parts(a.get("posted_at")):
        item["issued"] = {"date-parts": [parts]}
    if parts := _date_parts(a.get("last_seen_at")):
        item["accessed"] = {"date-parts": [parts]}
    return json.dumps([item], ensure_ascii=False, indent=2)


def bibtex(record: CitedArticle, archive_url: str) -> str:
    """The article as a BibTeX `@online` entry (biblatex), UTF-8."""
    a, w = record.article, record.ward
    key = re.sub(r"[^a-z0-9]+", "", fold(f"{a['ward']}{a['article_key']}"))[:40]
    fields = {
        "title": "{" + _bib(a["title"]) + "}",
        "organization": _bib(w.get("name", a["ward"])),
        "date": _day(a.get("posted_at")),
        "url": a["url"],
        "urldate": _day(a.get("last_seen_at")),
        "langid": "vietnamese",
        "note": _bib(
            f"Archived by wardcrawler: {archive_url}; content SHA-256 {a.get('content_hash') or ''}"
        ),  # fmt: skip
    }
    lines = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@online{{{key},\n{lines}\n}}"


def _bib(text: str) -> str:
    """Text safe inside BibTeX braces."""
    return re.sub(r"([{}\\&%$#_])", r"\\\1", text)


def _date_parts(value: str | None) -> list[int] | None:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return [moment.year, moment.month, moment.day]


def views_chart(points: list[dict], width: int = 320, height: int = 80) -> Markup:
    """The view counter over time as a small inline SVG (no script), or nothing."""
    points = [p for p in points if p.get("views") is not None and p.get("seen_at")]
    if len(points) < 2:
        return Markup("")
    times = [datetime.fromisoformat(p["seen_at"]).timestamp() for p in points]
    views = [p["views"] for p in points]
    t0, t1, v0, v1 = min(times), max(times), min(views), max(views)
    xy = [(8 + (width - 16) * (t - t0) / ((t1 - t0) or 1),
           height - 8 - (height - 16) * (v - v0) / ((v1 - v0) or 1))
          for t, v in zip(times, views, strict=True)]  # fmt: skip
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"><title>{escape(p["seen_at"][:16])}: '
        f"{p['views']:,}</title></circle>"
        for (x, y), p in zip(xy, points, strict=True)
    )
    label = f"Lượt xem · views: {v0:,} → {views[-1]:,}"
    return Markup(
        f'<svg class="views-chart" role="img" aria-label="{escape(label)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><polyline fill="none" '
        f'stroke="currentColor" stroke-width="1.5" points="{path}"/>{dots}</svg>'
    )


def revision_changes(record: CitedArticle) -> list[dict]:
    """Each earlier revision, newest first, with what changed from it to the next text."""
    texts = [*record.revisions, {**record.article, "seen_at": record.article.get("last_seen_at")}]
    changes = []
    for older, newer in zip(texts, texts[1:], strict=False):
        before = [older["title"], *(older.get("body") or "").split("\n\n")]
        after = [newer["title"], *(newer.get("body") or "").split("\n\n")]
        diff = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
                if line[:1] in "+-" and line[:3] not in ("+++", "---")]  # fmt: skip
        changes.append({**older, "diff": diff})
    return changes[::-1]
