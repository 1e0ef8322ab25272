# ruff: noqa: E501
"""Acceptance check of `wardcrawler crawl` against a second independent replica (portals.py).

One session fixture serves the five replica portals, crawls them twice as a subprocess and
reads the database; every test then compares one field with the replica's own ground truth
(never with a parse of the served HTML). Messages show ward, theme, expected vs got and the
HTML that produced the expectation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from . import portals as P

CRAWL_TIMEOUT = 240
SHOW = 10


# --------------------------------------------------------------------------------------------
# Fixture
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Snap:
    counts: dict[str, int] = field(default_factory=dict)
    articles: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    wards: list[dict] = field(default_factory=list)
    fetch_errors: list[dict] = field(default_factory=list)


@dataclass
class Live:
    portals: list[P.Portal]
    run1: Run
    run2: Run
    snap1: Snap
    snap2: Snap
    log1_len: dict[str, int]

    def portal(self, slug: str) -> P.Portal | None:
        return next((p for p in self.portals if p.w.slug == slug), None)

    @property
    def truth(self) -> list[tuple[P.Portal, P.Article]]:
        return [(p, a) for p in self.portals for a in p.w.truth]

    @property
    def allowed_misses(self) -> int:
        return int(len(self.truth) * 0.01)


def _crawl(reg: Path, db: Path, cwd: Path) -> Run:
    cmd = [
        sys.executable,
        "-m",
        "wardcrawler",
        "crawl",
        "--wards",
        str(reg),
        "--db",
        str(db),
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
    ]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=CRAWL_TIMEOUT)
        return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return Run(None, out, err + f"\n[timed out after {CRAWL_TIMEOUT} s]", time.monotonic() - t0)


def _snapshot(db: Path) -> Snap:
    s = Snap()
    if not db.exists():
        return s
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        for t in tables:
            if t.startswith(("articles_fts", "sqlite_")):
                continue
            s.counts[t] = con.execute(f'select count(*) from "{t}"').fetchone()[0]
        if "articles" in tables:
            s.articles = [dict(r) for r in con.execute("select * from articles order by id")]
        if "categories" in tables:
            s.categories = [dict(r) for r in con.execute("select * from categories order by id")]
        if "article_categories" in tables and "categories" in tables:
            s.links = [
                dict(r)
                for r in con.execute(
                    "select ac.article_id, c.id as category_id, c.name, c.url, c.ward "
                    "from article_categories ac join categories c on c.id = ac.category_id"
                )
            ]
        if "wards" in tables:
            s.wards = [dict(r) for r in con.execute("select * from wards")]
        if "fetch_errors" in tables:
            s.fetch_errors = [dict(r) for r in con.execute("select * from fetch_errors")]
    finally:
        con.close()
    return s


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Live:
    tmp = tmp_path_factory.mktemp("independent_live")
    wards = P.build_portals()
    with P.serve(wards, tmp) as portals:
        reg = tmp / "wards.toml"
        P.write_registry(portals, reg)
        db = tmp / "archive.db"
        run1 = _crawl(reg, db, tmp)
        log1_len = {p.w.slug: len(p.log) for p in portals}
        snap1 = _snapshot(db)
        run2 = _crawl(reg, db, tmp)
        snap2 = _snapshot(db)
    return Live(portals, run1, run2, snap1, snap2, log1_len)


# --------------------------------------------------------------------------------------------
# Matching rows with the ground truth
# --------------------------------------------------------------------------------------------


def key_from_url(p: P.Portal, url: str) -> str | None:
    sp = urlsplit(url or "")
    if p.w.family == "liferay-asset-publisher":
        qs = parse_qs(sp.query, keep_blank_values=True)
        for k, v in qs.items():
            if k == "_101_urlTitle" or re.fullmatch(r"_101_INSTANCE_\w+_urlTitle", k):
                return v[0]
        return None
    if p.w.family == "hanoi-portal":
        m = re.search(r"-(\d{15,})\.htm$", sp.path)
        return m.group(1) if m else None
    m = re.search(r"/-/view_content/(\d+)-", sp.path)
    return m.group(1) if m else None


def identify(live: Live, row: dict) -> tuple[P.Portal | None, P.Article | None]:
    p = live.portal(str(row.get("ward")))
    if p is None:
        port = urlsplit(row.get("url") or "").port
        p = next((x for x in live.portals if x.port == port), None)
        if p is None:
            return None, None
    key = key_from_url(p, row.get("url") or "")
    if key is None:
        ak = str(row.get("article_key") or "")
        key = next(
            (k for k in p.w.articles if ak == k or re.search(r"[/:=]" + re.escape(k) + r"$", ak)),
            None,
        )
    a = p.w.articles.get(key) if key else None
    return p, a


def matched(live: Live, snap: Snap | None = None) -> list[tuple[dict, P.Portal, P.Article]]:
    out = []
    for row in (snap or live.snap1).articles:
        p, a = identify(live, row)
        if p is not None and a is not None and a.exists:
            out.append((row, p, a))
    return out


def final_rows(live: Live) -> list[tuple[dict, P.Portal, P.Article]]:
    """Rows after the second crawl (what the archive ends up holding)."""
    return matched(live, live.snap2 if live.snap2.articles else live.snap1)


# --------------------------------------------------------------------------------------------
# Report helpers
# --------------------------------------------------------------------------------------------


def article_page(p: P.Portal, a: P.Article) -> str:
    cat = next((c for c in p.w.categories if c.allowed and a in c.articles), p.w.categories[0])
    r = p.renderer
    if p.w.family == "liferay-asset-publisher":
        return r.lf_article_page(cat.path, cat.name, a)
    if p.w.family == "hanoi-portal":
        return r.hn_article(cat, a)
    return r.vc_article(cat, a)


def around(page: str, needle: str, width: int = 260) -> str:
    i = page.find(needle)
    if i < 0:
        return "(not found in page)"
    s = page[max(0, i - width // 2) : i + len(needle) + width // 2]
    return re.sub(r"\s+", " ", s)


def head(who: str, p: P.Portal, a: P.Article, row: dict | None) -> str:
    url = (row or {}).get("url") or "-"
    return f"[{p.w.slug} / {p.w.theme}] {a.key}\n    url: {url}"


def report(what: str, items: list[str], total: int, allowed: int) -> str:
    lines = [f"{what}: {len(items)} of {total} wrong (at most {allowed} allowed)"]
    lines += items[:SHOW]
    if len(items) > SHOW:
        lines.append(f"... and {len(items) - SHOW} more")
    return "\n".join(lines)


def runinfo(live: Live) -> str:
    return (
        f"run 1: exit {live.run1.returncode} in {live.run1.seconds:.1f} s; "
        f"run 2: exit {live.run2.returncode} in {live.run2.seconds:.1f} s"
    )


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


def test_crawls_exit_zero(live: Live):
    bad = []
    for n, r in (("first", live.run1), ("second", live.run2)):
        if r.returncode != 0:
            bad.append(
                f"{n} crawl exited {r.returncode} after {r.seconds:.1f} s\n"
                f"--- stdout ---\n{r.stdout[-1500:]}\n--- stderr (tail) ---\n{r.stderr[-4000:]}"
            )
    assert not bad, "\n\n".join(bad)


def test_archives_listed_articles(live: Live):
    got = {(p.w.slug, a.key) for _, p, a in matched(live)}
    missing = []
    for p, a in live.truth:
        if (p.w.slug, a.key) not in got:
            reqs = [
                f"{e['scheme']} {e['path'][:110]} -> {e.get('status')}"
                for e in p.log
                if P.liferay_url_title(a.title) in e["path"] or a.key in e["path"]
            ][:4]
            cats = [c.name for c in p.w.categories if a in c.articles]
            missing.append(
                f"[{p.w.slug} / {p.w.theme}] {a.key} {a.title!r}\n    listed on: {cats}\n"
                f"    requests for it: {reqs or 'none'}"
            )
    assert len(missing) <= live.allowed_misses, (
        report("listed articles not archived", missing, len(live.truth), live.allowed_misses)
        + "\n"
        + runinfo(live)
    )


def test_no_rows_that_are_not_articles(live: Live):
    bad = []
    for row in live.snap1.articles:
        p, a = identify(live, row)
        if a is None or not a.exists or p is None or row.get("ward") != p.w.slug:
            why = (
                "unknown ward"
                if p is None
                else ("dead link" if a is not None else "not an article of this portal")
            )
            bad.append(
                f"[{row.get('ward')}] {why}: url={row.get('url')!r} title={row.get('title')!r} "
                f"body={str(row.get('body'))[:120]!r}"
            )
        elif a not in p.w.truth:
            bad.append(
                f"[{p.w.slug}] article only listed on a robots-disallowed category: {row.get('url')}"
            )
    assert not bad, report("rows that are not listed articles", bad, len(live.snap1.articles), 0)


def test_no_duplicate_rows(live: Live):
    seen: dict[tuple[str, str], list[str]] = {}
    for row, p, a in final_rows(live):
        seen.setdefault((p.w.slug, a.key), []).append(row.get("url"))
    dups = [
        f"[{k[0]}] {k[1]}: {len(v)} rows\n    " + "\n    ".join(map(str, v))
        for k, v in seen.items()
        if len(v) > 1
    ]
    assert not dups, report("articles stored more than once", dups, len(seen), 0)


def test_titles(live: Live):
    bad = []
    rows = matched(live)
    for row, p, a in rows:
        if row.get("title") != a.title:
            bad.append(
                f"{head('', p, a, row)}\n    expected: {a.title!r}\n    got:      {row.get('title')!r}\n"
                f"    html: {around(article_page(p, a), a.title_html[:40])}"
            )
    assert len(bad) <= live.allowed_misses, report("titles", bad, len(rows), live.allowed_misses)


def _parse_iso(s):
    try:
        return dt.datetime.fromisoformat(s)
    except (TypeError, ValueError):
        return None


def test_posted_at(live: Live):
    bad = []
    rows = matched(live)
    for row, p, a in rows:
        got = row.get("posted_at")
        g = _parse_iso(got)
        ok = g is not None and isinstance(got, str) and got.endswith("+07:00") and g == a.posted
        if not ok:
            page = article_page(p, a)
            needle = a.posted.strftime("%d/%m/%Y")
            bad.append(
                f"{head('', p, a, row)}\n    expected: {a.posted.isoformat()!r}\n    got:      {got!r} "
                f"(posted_raw={row.get('posted_raw')!r})\n    html: {around(page, needle)}"
            )
    assert len(bad) <= live.allowed_misses, report("posted_at", bad, len(rows), live.allowed_misses)


def test_views(live: Live):
    bad = []
    rows = matched(live)
    for row, p, a in rows:
        got = row.get("views")
        if got != a.views or (got is not None and not isinstance(got, int)):
            page = article_page(p, a)
            needle = "Lượt xem" if a.views is not None else a.posted.strftime("%d/%m/%Y")
            bad.append(
                f"{head('', p, a, row)}\n    expected: {a.views!r}\n    got:      {got!r}\n"
                f"    html: {around(page, needle)}"
            )
    assert len(bad) <= live.allowed_misses, report("views", bad, len(rows), live.allowed_misses)


def _body_diff(p: P.Portal, a: P.Article, got: str) -> str:
    exp = a.body.split("\n\n")
    gp = (got or "").split("\n\n")
    i = next(
        (
            k
            for k in range(max(len(exp), len(gp)))
            if k >= len(exp) or k >= len(gp) or exp[k] != gp[k]
        ),
        None,
    )
    lines = [f"    paragraphs: expected {len(exp)}, got {len(gp)}; first difference at #{i}"]
    if i is not None:
        lines.append(f"    expected #{i}: {exp[i] if i < len(exp) else '(none)'!r}")
        lines.append(f"    got      #{i}: {gp[i] if i < len(gp) else '(none)'!r}")
        # the block that produced expected paragraph i (or the one before an extra paragraph)
        n = 0
        for b in a.blocks:
            if n + len(b.paras) > i or (b.paras == [] and n == i):
                lines.append(f"    html ({b.kind}): {re.sub(chr(10), ' ', b.html)[:500]}")
                break
            n += len(b.paras)
        else:
            lines.append(f"    (extra text after the body; last expected: {exp[-1]!r})")
    if gp and exp and gp[0] != exp[0]:
        lines.append(f"    got starts with: {gp[0][:150]!r}")
    if gp and exp and gp[-1] != exp[-1]:
        lines.append(f"    got ends with:   {gp[-1][-150:]!r}")
    return "\n".join(lines)


def test_body_exact(live: Live):
    """Strict paragraphs on articles whose paragraph boundaries are not debatable."""
    bad = []
    rows = [(r, p, a) for r, p, a in matched(live) if not a.ambiguous]
    for row, p, a in rows:
        if row.get("body") != a.body:
            feats = ",".join(a.features)
            bad.append(
                f"{head('', p, a, row)} features={feats}\n{_body_diff(p, a, row.get('body'))}"
            )
    assert len(bad) <= live.allowed_misses, report(
        "bodies (strict)", bad, len(rows), live.allowed_misses
    )


def _loose(s: str) -> str:
    return re.sub(r"[\s|]+", " ", unicodedata.normalize("NFC", s or "")).strip()


def test_body_text_lenient(live: Live):
    """Every article: same text in the same order, whatever the paragraph / cell boundaries."""
    bad = []
    rows = matched(live)
    for row, p, a in rows:
        e, g = _loose(a.body), _loose(row.get("body"))
        if e != g:
            k = next((i for i in range(min(len(e), len(g))) if e[i] != g[i]), min(len(e), len(g)))
            feats = ",".join(a.features)
            blk = next(
                (
                    b
                    for b in a.blocks
                    if b.paras
                    and e[max(0, k - 20) : k].strip()
                    and any(e[max(0, k - 20) : k].strip()[-10:] in _loose(x) for x in b.paras)
                ),
                None,
            )
            bad.append(
                f"{head('', p, a, row)} features={feats}\n    first difference at char {k}:\n"
                f"    expected: …{e[max(0, k - 60) : k + 80]!r}\n    got:      …{g[max(0, k - 60) : k + 80]!r}"
                + (f"\n    html ({blk.kind}): {blk.html[:400]}" if blk else "")
            )
    assert len(bad) <= live.allowed_misses, report(
        "bodies (lenient text)", bad, len(rows), live.allowed_misses
    )


def test_category_names(live: Live):
    bad = []
    rows = matched(live)
    for row, p, a in rows:
        raw = row.get("category_names")
        try:
            got = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            got = raw
        exp = p.w.expected_categories(a)
        if not isinstance(got, list) or sorted(got) != exp:
            listed = {c.path: c.name for c in p.w.categories if a in c.articles}
            bad.append(
                f"{head('', p, a, row)}\n    expected: {exp}\n    got:      {got!r}\n"
                f"    listing pages that list it (path: name as shown): {listed}\n"
                f"    menu names: { {c.path: c.menu for c in p.w.categories} }"
            )
    assert len(bad) <= live.allowed_misses, report(
        "category_names", bad, len(rows), live.allowed_misses
    )


def test_article_categories_tables(live: Live):
    by_article: dict[int, list[str]] = {}
    for link in live.snap1.links:
        by_article.setdefault(link["article_id"], []).append(link["name"])
    bad = []
    rows = matched(live)
    for row, p, a in rows:
        got = sorted(by_article.get(row["id"], []))
        exp = p.w.expected_categories(a)
        if got != exp:
            bad.append(
                f"{head('', p, a, row)}\n    expected: {exp}\n    got (article_categories ⨝ categories): {got}"
            )
    assert len(bad) <= live.allowed_misses, report(
        "article_categories", bad, len(rows), live.allowed_misses
    )


def test_categories_table_rows(live: Live):
    """Every category page has its row (name as on its listing page); no other page holds articles."""
    linked = {link["category_id"] for link in live.snap1.links}
    bad = []
    for p in live.portals:
        exp = {c.name for c in p.w.categories if c.allowed}
        rows = [c for c in live.snap1.categories if c.get("ward") == p.w.slug]
        names = {c.get("name") for c in rows}
        for n in sorted(exp - names):
            bad.append(
                f"[{p.w.slug} / {p.w.theme}] missing category {n!r}; rows: {sorted(map(str, names))}"
            )
        for c in rows:
            if c.get("name") not in exp and c["id"] in linked:
                bad.append(
                    f"[{p.w.slug} / {p.w.theme}] category row that is no category page of the portal, "
                    f"with articles: name={c.get('name')!r} url={c.get('url')!r}"
                )
    assert not bad, "\n".join(bad)


def test_no_category_rows_for_other_pages(live: Live):
    """Static pages, the home page, dead or robots-disallowed links are not categories."""
    bad = []
    for p in live.portals:
        exp = {c.name for c in p.w.categories if c.allowed}
        for c in live.snap1.categories:
            if c.get("ward") == p.w.slug and c.get("name") not in exp:
                bad.append(
                    f"[{p.w.slug} / {p.w.theme}] name={c.get('name')!r} url={c.get('url')!r}"
                )
    assert not bad, "category rows that are not category listing pages:\n" + "\n".join(bad)


def test_stored_text_is_clean(live: Live):
    bad = []
    for row in live.snap1.articles:
        for col in ("title", "body"):
            v = row.get(col)
            if not isinstance(v, str):
                continue
            probs = []
            if unicodedata.normalize("NFC", v) != v:
                probs.append("not NFC")
            if "\xa0" in v:
                probs.append("no-break space")
            if re.search(r"&(nbsp|amp|lt|gt|quot|#\d+|#x[0-9a-f]+);", v, re.I):
                probs.append("undecoded entity")
            if re.search(r"[ \t]{2,}", v) or re.search(r" \n|\n ", v):
                probs.append("whitespace not collapsed")
            if col == "title" and "\n" in v:
                probs.append("newline in title")
            if col == "body" and (re.search(r"\n{3,}", v) or v != v.strip()):
                probs.append("empty paragraph / stray blank lines")
            if re.search(r"</?(p|div|span|strong|script|style)\b", v):
                probs.append("HTML tags")
            if probs:
                m = re.search(r"\xa0|&\w+;|[ \t]{2,}|\n{3,}|</?\w+", v)
                ctx = v[max(0, m.start() - 40) : m.end() + 40] if m else v[:80]
                bad.append(
                    f"[{row.get('ward')}] {row.get('url')}\n    {col}: {', '.join(probs)}: …{ctx!r}…"
                )
    assert not bad, report("stored text not clean", bad, len(live.snap1.articles), 0)


def test_robots_txt_obeyed(live: Live):
    bad = []
    for p in live.portals:
        rules = P.robots_rules(p.w.robots)
        if not any(e["path"] == "/robots.txt" for e in p.log):
            bad.append(f"[{p.w.slug}] robots.txt never requested")
        for e in p.log:
            if e["path"] != "/robots.txt" and not P.robots_allowed(rules, e["path"]):
                bad.append(
                    f"[{p.w.slug} / {p.w.theme}] {e['method']} {e['scheme']}://…{e['path']} -> {e.get('status')}"
                )
    assert not bad, (
        "requests to paths robots.txt disallows:\n"
        + "\n".join(bad[:30])
        + (f"\n... {len(bad) - 30} more" if len(bad) > 30 else "")
    )


def test_second_crawl_adds_no_rows(live: Live):
    if live.run2.returncode is None:
        pytest.fail("second crawl timed out")
    diffs = {
        t: (live.snap1.counts.get(t), live.snap2.counts.get(t))
        for t in ("articles", "categories", "article_categories")
        if live.snap1.counts.get(t) != live.snap2.counts.get(t)
    }
    extra = ""
    if diffs.get("articles"):
        before = {r["id"] for r in live.snap1.articles}
        new = [r for r in live.snap2.articles if r["id"] not in before]
        extra = "\nnew article rows:\n" + "\n".join(
            f"  [{r['ward']}] {r['url']} {r['title']!r}" for r in new[:10]
        )
    if diffs.get("categories"):
        before = {r["id"] for r in live.snap1.categories}
        extra += "\nnew category rows:\n" + "\n".join(
            f"  [{r['ward']}] {r['name']!r} {r['url']}"
            for r in live.snap2.categories
            if r["id"] not in before
        )
    assert not diffs, (
        f"second crawl added rows (table: before, after): {diffs}{extra}\n{runinfo(live)}"
    )


def test_second_crawl_records_no_spurious_history(live: Live):
    """Nothing changed on the portals between the runs: no revision, no new view snapshot."""
    tabs = ("article_revisions", "views_snapshots", "listing_entries", "attachments")
    diffs = {
        t: (live.snap1.counts.get(t), live.snap2.counts.get(t))
        for t in tabs
        if live.snap1.counts.get(t) != live.snap2.counts.get(t)
    }
    assert not diffs, (
        f"second crawl of unchanged portals added history rows (before, after): {diffs}"
    )


def test_second_crawl_keeps_fields(live: Live):
    """Rows re-fetched by the second (incremental) crawl keep the right fields."""
    before = {r["id"]: r for r in live.snap1.articles}
    bad = []
    for row, p, a in matched(live, live.snap2):
        old = before.get(row["id"])
        if old is None:
            continue
        for col in ("title", "posted_at", "views", "body", "category_names"):
            if old.get(col) != row.get(col):
                bad.append(
                    f"[{p.w.slug}] {a.key} {col}: {str(old.get(col))[:80]!r} -> {str(row.get(col))[:80]!r}"
                )
    assert not bad, report(
        "fields changed by the second crawl of an unchanged portal", bad, len(before), 0
    )


def test_wards_table(live: Live):
    bad = []
    rows = {r["slug"]: r for r in live.snap1.wards}
    for p in live.portals:
        r = rows.get(p.w.slug)
        if r is None:
            bad.append(f"{p.w.slug}: no row")
            continue
        for col, exp in (
            ("name", p.w.name),
            ("province", p.w.province),
            ("district", p.w.district),
            ("family", p.w.family),
        ):
            if r.get(col) != exp:
                bad.append(f"{p.w.slug}.{col}: expected {exp!r}, got {r.get(col)!r}")
    assert not bad, "\n".join(bad)


def test_each_ward_fetched_everything_it_lists(live: Live):
    """Per-ward view of coverage (diagnostic: which theme loses articles)."""
    got = {(p.w.slug, a.key) for _, p, a in matched(live)}
    lines = []
    for p in live.portals:
        t = p.w.truth
        n = sum((p.w.slug, a.key) in got for a in t)
        if n != len(t):
            lines.append(
                f"[{p.w.slug} / {p.w.theme}] {n}/{len(t)} archived; requests: {len(p.log)}"
            )
    assert not lines, "\n".join(lines) + "\n" + runinfo(live)
