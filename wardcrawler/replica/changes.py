"""One "night" of changes on the replica wards: new articles, views, edits and removals.

Every change is drawn from `random.Random(f"{seed}:{slug}:night:{step}")`, so two servers with
the same seed advanced the same number of times serve identical sites. Only plain articles
(no quirk, fault or seed mark) are edited or removed; view counters rise on plain articles.
"""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .content import new_article
from .model import Article, Removed, Site
from .wards import spec_of

UrlOf = Callable[[Site, Article], str]
NEW_PER_NIGHT = 2
VIEWS_PER_NIGHT = 5
EDIT_MARKS = {"title-edited", "body-edited"}
TITLE_SUFFIXES = (" (cập nhật)", " (bổ sung)", " - thông tin mới nhất", " năm {year}")
BODY_SENTENCES = (
    "Cập nhật ngày {d}: Uỷ ban nhân dân phường tiếp tục theo dõi, đôn đốc thực hiện.",
    "Thông tin bổ sung ngày {d}: danh sách chi tiết được niêm yết tại trụ sở phường.",
    "Ngày {d}, bộ phận một cửa phường đã tiếp nhận thêm ý kiến đóng góp của nhân dân.",
)


def _plain(a: Article) -> bool:
    """A generated article without quirks, faults or earlier edits."""
    return a.kind == "article" and not a.marks


def _countable(a: Article) -> bool:
    """An article whose view counter may rise (plain, possibly edited, with a counter)."""
    return a.kind == "article" and a.views is not None and set(a.marks) <= EDIT_MARKS


def _new_times(rng: random.Random, newest: datetime) -> list[datetime]:
    """Distinct posting times on the day after the newest entry, office hours, oldest first."""
    day = (newest + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    times: set[datetime] = set()
    while len(times) < NEW_PER_NIGHT:
        times.add(day.replace(hour=rng.randint(7, 22), minute=rng.randrange(60)))
    return sorted(times)


def _post(site: Site, rng: random.Random, newest: datetime) -> list[Article]:
    """Post the night's new articles after `newest`; return them newest first."""
    index = len(site.articles) + len(site.removed)
    fresh: list[Article] = []
    for when in _new_times(rng, newest):
        keys = {a.key for a in site.articles} | set(site.removed)
        taken = set(keys)
        article = new_article(site, rng, when, taken, index)
        while article.key in keys:  # a hanoi-portal ID collision: draw again
            article = new_article(site, rng, when, set(keys), index)
        site.articles.append(article)
        fresh.append(article)
        index += 1
    site.articles.sort(key=lambda a: a.posted)
    return fresh[::-1]


def _edit_title(article: Article, rng: random.Random, when: datetime) -> None:
    """Append words to the title; the key (urlTitle or numeric ID) and slug stay."""
    suffix = rng.choice(TITLE_SUFFIXES).format(year=when.year)
    article.title_html += html.escape(suffix, quote=True)
    article.marks.append("title-edited")


def _edit_body(article: Article, rng: random.Random, when: datetime) -> None:
    """Append a dated sentence as a last paragraph."""
    sentence = rng.choice(BODY_SENTENCES).format(d=f"{when.day}/{when.month}/{when.year}")
    article.blocks.append(f"<p>{html.escape(sentence)}</p>")
    article.marks.append("body-edited")


def advance_site(site: Site, seed: int, step: int) -> dict[str, Any]:
    """Apply one night of changes to one ward; return its part of the summary."""
    rng = random.Random(f"{seed}:{site.slug}:night:{step}")
    newest = max(a.posted for a in site.articles)  # before the removal: it may be the newest
    when = newest + timedelta(days=1)
    removed, titled, bodied = rng.sample([a for a in site.articles if _plain(a)], 3)
    pool = [a for a in site.articles if _countable(a) and a is not removed]
    views: dict[str, int] = {}
    for a in rng.sample(pool, min(VIEWS_PER_NIGHT, len(pool))):
        a.views = (a.views or 0) + rng.randint(1, 50)
        views[a.key] = a.views
    status = spec_of(site.slug).gone_status
    site.articles.remove(removed)
    site.removed[removed.key] = Removed(removed, status, "/" if status == 301 else None, step)
    _edit_title(titled, rng, when)
    _edit_body(bodied, rng, when)
    fresh = _post(site, rng, newest)
    return {
        "new": [a.key for a in fresh],
        "views": views,
        "title": titled.key,
        "body": bodied.key,
        "removed": removed.key,
    }


def gone_record(site: Site, removed: Removed, url_of: UrlOf) -> dict[str, Any]:
    """Truth record of a removed article: ward, key, URL, status and redirect target."""
    location = site.absolute(removed.location) if removed.location else None
    return {
        "ward": site.slug,
        "key": removed.article.key,
        "url": url_of(site, removed.article),
        "status": removed.status,
        "location": location,
    }


def advance_all(sites: list[Site], seed: int, step: int, url_of: UrlOf) -> dict[str, Any]:
    """Advance every ward by one night; the summary of what changed, by kind then ward."""
    summary: dict[str, Any] = {"step": step}
    for kind in ("new", "views", "title", "body", "removed"):
        summary[kind] = {}
    for site in sites:
        night = advance_site(site, seed, step)
        for kind in ("new", "views", "title", "body"):
            summary[kind][site.slug] = night[kind]
        record = gone_record(site, site.removed[night["removed"]], url_of)
        summary["removed"][site.slug] = {k: record[k] for k in ("key", "status", "url", "location")}
    return summary


def gone_records(sites: list[Site], url_of: UrlOf) -> list[dict[str, Any]]:
    """Truth records of every article removed so far, ward by ward, in order of removal."""
    return [gone_record(site, r, url_of) for site in sites for r in site.removed.values()]
