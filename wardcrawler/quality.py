"""How close an archive comes to a replica's ground truth, field by field.

Used by the test and the benchmark that compare the generic family with the declared ones: the
same replica crawled twice, once per registry, each archive scored against the truth.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

FIELDS = ("title", "posted_at", "views", "body")


@dataclass
class Score:
    """Figures of one archive against the truth (shares are of the truth articles found)."""

    truth: int = 0
    found: int = 0
    exact: Counter = field(default_factory=Counter)
    rows: int = 0
    not_articles: int = 0
    duplicates: int = 0
    misses: dict[str, list[str]] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        return self.found / self.truth if self.truth else 1.0

    def share(self, name: str) -> float:
        """Share of the found articles whose field `name` is exactly the truth's."""
        return self.exact[name] / self.found if self.found else 0.0

    @property
    def non_article_share(self) -> float:
        return self.not_articles / self.rows if self.rows else 0.0

    def line(self, label: str) -> str:
        """One line of the comparison table."""
        cells = "  ".join(f"{self.share(f):7.1%}" for f in FIELDS)
        return (f"{label:<28} {self.recall:7.1%}  {cells}  {self.non_article_share:7.1%}  "
                f"{self.duplicates:4d}")  # fmt: skip


HEADER = (
    f"{'archive':<28} {'recall':>7}  {'title':>7}  {'posted':>7}  {'views':>7}  {'body':>7}  "
    f"{'not art.':>7}  {'dups':>4}"
)


def score(db: Path, truth: list[dict], wards: set[str] | None = None) -> Score:
    """Score the `articles` of an archive against truth articles (of `wards`, default all).

    A stored row is matched to a truth article of its ward by URL, else by title and posting
    time, else by body: a row matched by none is "not an article"; two rows of one truth article
    are a duplicate.
    """
    truth = [t for t in truth if wards is None or t["ward"] in wards]
    rows = _rows(db, wards)
    result = Score(truth=len(truth), rows=len(rows))
    by_url = {(t["ward"], t["url"]): t for t in truth}
    by_title = {(t["ward"], t["title"], t["posted_at"]): t for t in truth}
    by_body = {(t["ward"], t["body"]): t for t in truth if t["body"]}
    matched: Counter = Counter()
    for row in rows:
        found = (
            by_url.get((row["ward"], row["url"]))
            or by_title.get((row["ward"], row["title"], row["posted_at"]))
            or by_body.get((row["ward"], row["body"]))
        )
        if found is None:
            result.not_articles += 1
            continue
        matched[id(found)] += 1
        if matched[id(found)] > 1:
            result.duplicates += 1
            continue
        result.found += 1
        for name in FIELDS:
            if row[name] == found[name]:
                result.exact[name] += 1
            else:
                result.misses.setdefault(name, []).append(found["url"])
    return result


def _rows(db: Path, wards: set[str] | None) -> list[dict]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in connection.execute(
            "select ward, url, title, posted_at, views, body from articles"
        )]  # fmt: skip
    finally:
        connection.close()
    return [r for r in rows if wards is None or r["ward"] in wards]
